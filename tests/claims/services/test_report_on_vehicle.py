"""A claim is reported on a vehicle and linked to the 交强险 and 商业险 in force at the
accident; the adjustment pays 交强险 first, then 商业险; nothing dead-ends on a zero compulsory
part; a report past the 2-year limitation is registered and flagged (Art 26), never refused."""

import datetime as dt
from decimal import Decimal as D
from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from carecircle.claims import services
from carecircle.claims.choices import Action
from carecircle.claims.models import Claim, ClaimFlag, ClaimTransition
from carecircle.core.errors import DomainError
from tests.factories.claims import (
    ClaimFactory,
    at,
    committed,
    customer_user,
    policy_with_cover,
    staff,
)
from tests.factories.core import SH
from tests.factories.policies import PolicyFactory

pytestmark = pytest.mark.django_db


def both_policies(**kwargs):
    """A customer's car with a 商业险 (车损险 ¥150,000, 三者险 ¥1m) and a 交强险, 2025-06-01 to
    2026-06-01."""
    commercial = policy_with_cover(**kwargs)
    compulsory = PolicyFactory(
        kind="compulsory",
        vehicle=commercial.vehicle,
        customer=commercial.customer,
        effective_date=commercial.effective_date,
        expiry_date=commercial.expiry_date,
        premium=D("950.00"),
    )
    return compulsory, commercial


def report(vehicle, user, **kw):
    kw.setdefault("accident_at", at(1, 15))
    kw.setdefault("description", "路口追尾")
    with committed():
        claim = services.report_claim(acting_user=user, vehicle=vehicle, **kw)
    claim.refresh_from_db()
    return claim


def walk_to_loss_checked(claim, handler, *, parts, labour="0", paint="0"):
    for action, data in (
        (Action.DISPATCH, {}),
        (Action.SURVEY, {"survey_mode": "on_site"}),
        (Action.REGISTER, {}),
        (Action.ASSESS, {"parts": parts, "labour": labour, "paint": paint}),
    ):
        claim = services.transition(claim, action, acting_user=handler, data=data)
    if claim.injury:
        claim = services.transition(claim, Action.START_INJURY, acting_user=handler)
    return services.transition(claim, Action.CHECK_LOSS, acting_user=handler)


def lines(claim):
    return [
        (ln["coverage"], ln["head"], ln["loss"], ln["payable"]) for ln in claim.adjustment["lines"]
    ]


def test_a_report_on_a_vehicle_links_its_commercial_and_compulsory_policies(today):
    compulsory, commercial = both_policies()
    claim = report(
        commercial.vehicle, customer_user(commercial), own_car=True, other_car=True,
        injured=1, deaths=0, liability="main", channel="h5",
    )  # fmt: skip
    assert (claim.policy, claim.compulsory_policy, claim.vehicle) == (
        commercial,
        compulsory,
        commercial.vehicle,
    )
    assert (claim.coverage, claim.single_vehicle, claim.injury, claim.deaths) == (
        "vehicle_damage",
        False,
        True,
        0,
    )
    assert (claim.liability_share, claim.liability_clear, claim.late_report) == (
        D("0.700"),
        True,
        False,
    )
    step = ClaimTransition.objects.get(claim=claim, action="report")
    assert step.data["damaged"] == {
        "own_car": True, "other_car": True, "other_property": False, "injured": 1, "deaths": 0,
    }  # fmt: skip


def test_a_third_party_only_report_is_filed_under_the_compulsory_cover(today):
    _, commercial = both_policies()
    claim = report(
        commercial.vehicle, customer_user(commercial), own_car=False, other_car=False,
        other_property=True, deaths=1,
    )  # fmt: skip
    assert (claim.coverage, claim.deaths, claim.injury, claim.single_vehicle) == (
        "compulsory",
        1,
        True,
        True,
    )


def test_a_two_car_accident_is_paid_by_the_compulsory_then_the_commercial_policy(today):
    people = staff()
    compulsory, commercial = both_policies()
    claim = report(
        commercial.vehicle, customer_user(commercial), own_car=True, other_car=True,
        liability="main",
    )  # fmt: skip
    claim = walk_to_loss_checked(
        claim, people["handler"], parts="5000", labour="2000", paint="1000"
    )
    assert claim.amount_assessed == D("8000.00")  # the own car
    claim = services.transition(
        claim, Action.ADJUST, acting_user=people["handler"],
        data={"liability_share": "0.7", "other_vehicle_damage": "6000", "deductible": "0"},
    )  # fmt: skip
    assert lines(claim) == [
        ("compulsory", "property", "6000.00", "2000.00"),  # 交强险 at-fault property limit
        ("third_party", "excess", "4000.00", "2800.00"),  # (6,000 − 2,000) × 70 %
        ("vehicle_damage", "own_damage", "8000.00", "5600.00"),  # 8,000 × 70 % − 0
    ]
    assert (claim.amount_approved, claim.status) == (D("10400.00"), "adjusted")
    assert claim.adjustment["policies"] == {
        "compulsory": compulsory.policy_no,
        "commercial": commercial.policy_no,
    }
    services.approve(claim, acting_user=people["approver"], reason="核赔通过")
    claim.refresh_from_db()
    assert (claim.status, claim.amount_approved) == ("approved", D("10400.00"))


def test_an_own_car_claim_of_a_customer_with_both_policies_does_not_dead_end(today):
    people = staff()
    _, commercial = both_policies()
    claim = report(commercial.vehicle, customer_user(commercial), own_car=True, other_car=False)
    assert (claim.policy, claim.coverage, claim.single_vehicle) == (
        commercial,
        "vehicle_damage",
        True,
    )
    claim = walk_to_loss_checked(claim, people["handler"], parts="3000")
    claim = services.transition(
        claim, Action.ADJUST, acting_user=people["handler"], data={"liability_share": "1"}
    )
    assert lines(claim) == [("vehicle_damage", "own_damage", "3000.00", "3000.00")]
    assert claim.amount_approved == D("3000.00")


def test_a_claim_filed_on_the_compulsory_policy_before_linking_finds_the_commercial_one(today):
    people = staff()
    compulsory, commercial = both_policies()
    old = ClaimFactory(
        policy=compulsory, vehicle=compulsory.vehicle, coverage="compulsory", single_vehicle=True
    )
    old = walk_to_loss_checked(old, people["handler"], parts="3000")
    old = services.transition(
        old, Action.ADJUST, acting_user=people["handler"], data={"liability_share": "1"}
    )
    assert old.amount_approved == D("3000.00")
    assert old.adjustment["policies"]["commercial"] == commercial.policy_no


def test_nothing_payable_on_any_linked_policy_says_why_and_what_to_do(today):
    people = staff()
    compulsory = PolicyFactory(kind="compulsory")  # 交强险 only: no 车损险 for the own car
    claim = report(compulsory.vehicle, people["handler"], own_car=True, other_car=False)
    assert (claim.policy, claim.compulsory_policy, claim.coverage) == (
        compulsory,
        compulsory,
        "vehicle_damage",
    )
    claim = walk_to_loss_checked(claim, people["handler"], parts="3000")
    with pytest.raises(DomainError) as e:
        services.transition(
            claim, Action.ADJUST, acting_user=people["handler"], data={"liability_share": "1"}
        )
    assert e.value.code == "nothing_payable"
    message = e.value.message
    assert f"交强险 {compulsory.policy_no}, 商业险 —" in message
    assert "vehicle_damage/own_damage 3000.00: 未投保车损险 / not covered" in message
    assert "reject with reasons" in message and "withdraw" in message
    assert Claim.objects.get(pk=claim.pk).status == "loss_checked"


def test_a_vehicle_with_no_policy_in_force_at_the_accident_is_refused_with_the_dates(today):
    handler = staff()["handler"]
    lapsed = policy_with_cover(effective_date=dt.date(2024, 6, 1), expiry_date=dt.date(2025, 6, 1))
    with pytest.raises(DomainError) as e:
        services.report_claim(acting_user=handler, vehicle=lapsed.vehicle, accident_at=at(1, 15))
    assert e.value.code == "policy_lapsed"
    assert (
        "from 2024-06-01 to 2025-06-01" in e.value.message and lapsed.policy_no in e.value.message
    )
    assert Claim.objects.count() == 0


def test_a_report_after_two_years_is_registered_and_flagged_for_a_person(today):
    handler = staff()["handler"]
    old = policy_with_cover(effective_date=dt.date(2023, 6, 1), expiry_date=dt.date(2024, 6, 1))
    claim = report(
        old.vehicle, handler, accident_at=dt.datetime(2024, 1, 10, 9, 0, tzinfo=SH),
        channel="phone",
    )  # fmt: skip
    assert (claim.status, claim.late_report, claim.policy) == ("reported", True, old)
    flag = ClaimFlag.objects.get(claim=claim)
    assert (flag.code, flag.status) == ("late_report", "open")
    assert "782" in flag.reason and "第26条" in flag.reason and "Art 26" in flag.reason


def test_a_report_on_the_730th_day_is_not_late(today):
    handler = staff()["handler"]
    old = policy_with_cover(effective_date=dt.date(2023, 6, 1), expiry_date=dt.date(2024, 6, 1))
    accident = dt.datetime(2024, 3, 2, 9, 0, tzinfo=SH)  # 730 days before 2 March 2026
    claim = report(old.vehicle, handler, accident_at=accident)
    assert claim.late_report is False
    assert not ClaimFlag.objects.filter(claim=claim, code="late_report").exists()


def test_a_customer_cannot_report_on_someone_elses_vehicle(today):
    _, mine = both_policies()
    theirs = policy_with_cover()
    with pytest.raises(PermissionDenied):
        services.report_claim(
            acting_user=customer_user(mine), vehicle=theirs.vehicle, accident_at=at(1, 15)
        )
    assert Claim.objects.count() == 0


def test_existing_claims_get_the_compulsory_policy_in_force_linked_by_the_migration(today):
    compulsory, commercial = both_policies()
    linked_to_it = ClaimFactory(policy=commercial)
    after_expiry = ClaimFactory(
        policy=commercial,
        accident_at=dt.datetime(2026, 6, 1, 0, 30, tzinfo=SH),  # 1 June in Beijing: expired
        reported_at=dt.datetime(2026, 6, 1, 9, 0, tzinfo=SH),
    )
    without = ClaimFactory()  # a vehicle with no 交强险
    migration = import_module("carecircle.claims.migrations.0011_link_compulsory_policy")
    migration.link(apps, None)
    got = dict(Claim.objects.values_list("pk", "compulsory_policy_id"))
    assert got == {linked_to_it.pk: compulsory.pk, after_expiry.pk: None, without.pk: None}


def test_a_bulk_load_links_its_claims_compulsory_policies_in_one_update(today):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from carecircle.claims.services.reporting import link_compulsory_policies

    compulsory, commercial = both_policies()
    claims = [ClaimFactory(policy=commercial) for _ in range(3)]
    with CaptureQueriesContext(connection) as ctx:
        assert link_compulsory_policies() == 3
    assert len(ctx.captured_queries) == 1
    assert {c.pk for c in Claim.objects.filter(compulsory_policy=compulsory)} == {
        c.pk for c in claims
    }
    assert link_compulsory_policies() == 0  # idempotent
