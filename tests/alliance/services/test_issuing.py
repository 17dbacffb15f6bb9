"""Issuing: automatic from entitlement packages for a policy year (idempotent), riders as
entitlements, manual issue by staff with a reason."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.alliance import rules, services
from carecircle.alliance.models import EntitlementItem, Voucher
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.value.models import CustomerValue, ValueRun
from tests.factories import CoverageFactory, CustomerFactory, PolicyFactory, UserFactory
from tests.factories.alliance import ItemFactory, PackageFactory, ProductFactory

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def today():
    with clock.frozen_at(TODAY):
        yield


def with_tier(customer, tier):
    run = ValueRun.objects.filter(is_current=True).first() or ValueRun.objects.create(
        as_of=dt.date(2026, 3, 1), status="succeeded", is_current=True
    )
    CustomerValue.objects.create(
        run=run,
        customer=customer,
        tenure_years=Decimal("3.0"),
        loss_ratio_credible=Decimal("0.6"),
        renewal_probability=Decimal("0.8"),
        value_percentile=Decimal("0.1"),
        rule_tier=tier,
        tier=tier,
        reasons="",
    )


@pytest.fixture
def catalogue():
    wash = ProductFactory()
    check = ProductFactory(
        code="safety_check", kind="safety_check", name="安全检测", rider="safety_check"
    )
    driver = ProductFactory(
        code="driver", kind="designated_driver", name="代驾", rider="designated_driver"
    )
    gold = PackageFactory(code="GOLD", min_tier="gold")
    ItemFactory(package=gold, product=wash, quantity=4)
    ItemFactory(package=gold, product=check, quantity=1)
    diamond = PackageFactory(code="DIAMOND", min_tier="diamond")
    ItemFactory(package=diamond, product=driver, quantity=2)
    rider = PackageFactory(code="RIDER-DD", rider="designated_driver")
    ItemFactory(package=rider, product=driver, quantity=1)
    return {"wash": wash, "check": check, "driver": driver}


def counts(policy):
    out = {}
    for code in Voucher.objects.filter(policy=policy).values_list("product__code", flat=True):
        out[code] = out.get(code, 0) + 1
    return out


def test_a_gold_customer_gets_the_gold_package_for_the_policy_year(catalogue):
    policy = PolicyFactory(effective_date=dt.date(2026, 3, 1), expiry_date=dt.date(2027, 3, 1))
    with_tier(policy.customer, "gold")
    vouchers = services.issue_for_policy(policy)
    assert counts(policy) == {"car_wash": 4, "safety_check": 1}
    assert {(v.valid_from, v.valid_until) for v in vouchers} == {
        (dt.date(2026, 3, 2), dt.date(2027, 2, 28))
    }
    assert all(rules.is_well_formed(v.code) and v.source == "entitlement" for v in vouchers)


def test_a_diamond_customer_gets_gold_plus_the_diamond_extras_and_riders_add_up(catalogue):
    policy = PolicyFactory(effective_date=dt.date(2026, 3, 1), expiry_date=dt.date(2027, 3, 1))
    CoverageFactory(policy=policy, code="designated_driver", premium=Decimal("30.00"))
    with_tier(policy.customer, "diamond")
    services.issue_for_policy(policy)
    assert counts(policy) == {"car_wash": 4, "safety_check": 1, "driver": 3}


def test_issuing_is_idempotent_and_a_tier_change_issues_only_the_difference(catalogue):
    policy = PolicyFactory(effective_date=dt.date(2026, 3, 1), expiry_date=dt.date(2027, 3, 1))
    with_tier(policy.customer, "gold")
    assert len(services.issue_for_policy(policy)) == 5
    assert services.issue_for_policy(policy) == []
    CustomerValue.objects.filter(customer=policy.customer).update(tier="diamond")
    assert len(services.issue_for_policy(policy)) == 2
    assert Voucher.objects.filter(policy=policy).count() == 7


def test_standard_customers_compulsory_and_expired_policies_get_nothing(catalogue):
    standard = PolicyFactory(effective_date=dt.date(2026, 3, 1), expiry_date=dt.date(2027, 3, 1))
    assert services.issue_for_policy(standard) == []  # never valued → standard
    compulsory = PolicyFactory(kind="compulsory")
    with_tier(compulsory.customer, "diamond")
    assert services.issue_for_policy(compulsory) == []
    ended = PolicyFactory(effective_date=dt.date(2025, 3, 1), expiry_date=dt.date(2026, 3, 1))
    with_tier(ended.customer, "diamond")
    assert services.issue_for_policy(ended) == []


def test_rider_services_never_count_as_claims(catalogue):
    assert catalogue["driver"].counts_as_claim is False
    assert catalogue["check"].counts_as_claim is False


def test_staff_issue_a_voucher_by_hand_with_a_reason(catalogue):
    manager = UserFactory(role=Role.SERVICE_MANAGER)
    customer = CustomerFactory()
    with pytest.raises(DomainError) as err:
        services.issue_manual(customer, catalogue["wash"], acting_user=manager, reason=" ")
    assert (err.value.code, err.value.field) == ("reason_required", "reason")
    voucher = services.issue_manual(
        customer, catalogue["wash"], acting_user=manager, reason="投诉补偿 / complaint recovery"
    )
    assert (voucher.source, voucher.issued_by, voucher.valid_until) == (
        "manual",
        manager,
        dt.date(2027, 3, 2),
    )
    assert AuditLog.objects.filter(object_type="alliance.voucher", actor=manager).count() == 1


def test_a_seat_issues_only_to_its_own_customers_and_merchants_never(catalogue):
    seat = UserFactory(role=Role.SEAT)
    mine, theirs = CustomerFactory(owner=seat), CustomerFactory()
    assert services.issue_manual(
        mine, catalogue["wash"], acting_user=seat, reason="续保礼 / renewal gift"
    )
    with pytest.raises(PermissionDenied):
        services.issue_manual(theirs, catalogue["wash"], acting_user=seat, reason="x")
    with pytest.raises(PermissionDenied):
        services.issue_manual(
            mine, catalogue["wash"], acting_user=UserFactory(role=Role.MERCHANT_USER), reason="x"
        )
    assert Voucher.objects.count() == 1


def test_bulk_issuing_gives_the_same_vouchers_as_one_policy_at_a_time_and_is_idempotent(
    catalogue,
):
    from carecircle.alliance import bulk

    tiers = ["standard", "silver", "gold", "platinum", "diamond"]
    policies = []
    for n, tier in enumerate(tiers):
        policy = PolicyFactory(effective_date=dt.date(2026, 3, 1), expiry_date=dt.date(2027, 3, 1))
        if n % 2:
            CoverageFactory(policy=policy, code="designated_driver", premium=Decimal("30.00"))
        with_tier(policy.customer, tier)
        policies.append(policy)
    result = bulk.issue_for_book()
    assert (result["candidates"], result["inserted"]) == (0 + 1 + 5 + 6 + 7, 19)
    by_bulk = {p.pk: counts(p) for p in policies}
    Voucher.objects.all().delete()
    for policy in policies:
        services.issue_for_policy(policy)
    assert {p.pk: counts(p) for p in policies} == by_bulk
    Voucher.objects.all().delete()
    bulk.issue_for_book()
    again = bulk.issue_for_book()
    assert (again["candidates"], again["inserted"]) == (0, 0)  # nothing missing: skipped
    assert all(rules.is_well_formed(c) for c in Voucher.objects.values_list("code", flat=True))
    # an administrator raises gold's car washes from 4 to 5: only the fifth is issued
    EntitlementItem.objects.filter(package__code="GOLD", product=catalogue["wash"]).update(
        quantity=5
    )
    more = bulk.issue_for_book()
    # (the three policies' car washes 1-5 are candidates, only the fifth is new)
    assert (more["candidates"], more["inserted"]) == (15, 3)


def new_current_run(tiers):
    """A value run becomes current with these tiers (how a tier change reaches the alliance)."""
    ValueRun.objects.filter(is_current=True).update(is_current=False)
    ValueRun.objects.create(as_of=dt.date(2026, 3, 2), status="succeeded", is_current=True)
    for customer, tier in tiers:
        with_tier(customer, tier)


def test_a_policy_gets_its_vouchers_when_it_starts_and_never_twice(catalogue):
    from carecircle.alliance import tasks

    starts = PolicyFactory(effective_date=dt.date(2026, 3, 3), expiry_date=dt.date(2027, 3, 3))
    with_tier(starts.customer, "gold")
    assert tasks.nightly_alliance_task.call("2026-03-02")["inserted"] == 0  # not in force yet
    assert tasks.nightly_alliance_task.call("2026-03-03")["inserted"] == 5  # its first day
    assert {(v.valid_from, v.valid_until) for v in Voucher.objects.filter(policy=starts)} == {
        (dt.date(2026, 3, 3), dt.date(2027, 3, 2))
    }
    # the policy service may also issue at once (on commit of a new policy): idempotent with
    # the nightly run, whichever comes first
    sold = PolicyFactory(effective_date=dt.date(2026, 3, 2), expiry_date=dt.date(2027, 3, 2))
    with_tier(sold.customer, "gold")
    assert tasks.issue_for_policy_task.call(sold.pk) == 5
    assert tasks.issue_for_policy_task.call(sold.pk) == 0
    assert tasks.nightly_alliance_task.call("2026-03-03")["inserted"] == 0
    assert counts(sold) == {"car_wash": 4, "safety_check": 1}


def test_a_tier_change_issues_the_new_tiers_extras_only_and_a_drop_takes_nothing_back(catalogue):
    from carecircle.alliance import tasks

    rises = PolicyFactory(effective_date=dt.date(2026, 3, 1), expiry_date=dt.date(2027, 3, 1))
    drops = PolicyFactory(effective_date=dt.date(2026, 3, 1), expiry_date=dt.date(2027, 3, 1))
    new_current_run([(rises.customer, "gold"), (drops.customer, "diamond")])
    assert tasks.issue_after_value_run_task.call() == 5 + 7
    new_current_run([(rises.customer, "diamond"), (drops.customer, "gold")])
    assert tasks.issue_after_value_run_task.call() == 2  # diamond's 2 designated drivers
    assert counts(rises) == {"car_wash": 4, "safety_check": 1, "driver": 2}
    # the customer keeps this policy year's diamond vouchers; nothing is cancelled or doubled
    assert counts(drops) == {"car_wash": 4, "safety_check": 1, "driver": 2}
    assert tasks.issue_after_value_run_task.call() == 0
    assert tasks.nightly_alliance_task.call("2026-03-02")["inserted"] == 0


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_policy_sold_gets_its_vouchers_at_once_through_the_worker_not_the_next_night(
    catalogue, django_capture_on_commit_callbacks, settings
):
    """policies.services.create_policy queues issue_for_policy_task on commit; with the worker
    running (here: tasks run immediately) the gold customer has the gold package the same
    minute."""
    from carecircle.policies.services import create_policy
    from tests.factories import VehicleFactory

    settings.TASKS = IMMEDIATE_TASKS
    customer = CustomerFactory()
    with_tier(customer, "gold")
    manager = UserFactory(role=Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        policy = create_policy(
            acting_user=manager,
            customer=customer,
            vehicle=VehicleFactory(owner=customer),
            policy_no="P-TRIGGER-1",
            kind="commercial",
            premium=Decimal("3000.00"),
            effective_date=dt.date(2026, 3, 2),
            expiry_date=dt.date(2027, 3, 2),
            channel="direct",
        )
    assert counts(policy) == {"car_wash": 4, "safety_check": 1}


def test_a_queue_that_is_down_does_not_undo_the_sale(catalogue, django_capture_on_commit_callbacks):
    """The enqueue is robust: the policy stays sold, the nightly task issues the vouchers."""
    from unittest import mock

    from django_tasks_db import DatabaseBackend

    from carecircle.policies.models import Policy
    from carecircle.policies.services import create_policy
    from tests.factories import VehicleFactory

    customer = CustomerFactory()
    broken = mock.patch.object(DatabaseBackend, "enqueue", side_effect=ConnectionError("down"))
    with broken, django_capture_on_commit_callbacks(execute=True):
        create_policy(
            acting_user=UserFactory(role=Role.MANAGER),
            customer=customer,
            vehicle=VehicleFactory(owner=customer),
            policy_no="P-TRIGGER-2",
            kind="commercial",
            premium=Decimal("3000.00"),
            effective_date=dt.date(2026, 3, 2),
            expiry_date=dt.date(2027, 3, 2),
            channel="direct",
        )
    assert Policy.objects.filter(policy_no="P-TRIGGER-2").exists()
