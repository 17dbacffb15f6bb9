"""A person decides tier reviews and grey/black list entries: exact outcomes, history rows,
audit records, permission refusals and the steps the workflow refuses."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.value.models import (
    CustomerValue,
    ListEntry,
    ListEvent,
    ReviewStatus,
    TierHistory,
    TierReview,
    ValueRun,
)
from carecircle.value.services import decisions
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def current_value(customer, *, tier, previous_tier="", rule_tier=None, reasons="tenure"):
    run = ValueRun.objects.filter(is_current=True).first() or ValueRun.objects.create(
        as_of=clock.today(), status="succeeded", is_current=True
    )
    return CustomerValue.objects.create(
        run=run,
        customer=customer,
        tenure_years=Decimal("6.0"),
        loss_ratio_credible=Decimal("0.5000"),
        renewal_probability=Decimal("0.8000"),
        value_percentile=Decimal("0.5000"),
        rule_tier=rule_tier or tier,
        tier=tier,
        previous_tier=previous_tier,
        reasons=reasons,
    )


@pytest.fixture
def manager():
    return UserFactory(username="boss", role=Role.MANAGER)


@pytest.fixture
def step_limited():
    """Gold last run; the rules say standard; the run moved one step to silver and asks."""
    customer = CustomerFactory()
    value = current_value(
        customer,
        tier="silver",
        previous_tier="gold",
        rule_tier="standard",
        reasons="tenure,step_limited",
    )
    review = TierReview.objects.create(
        customer=customer,
        run=value.run,
        current_tier="gold",
        proposed_tier="standard",
        reason="step_limited",
    )
    return review, value


def test_approving_a_review_applies_the_proposed_tier_and_records_who(step_limited, manager):
    review, value = step_limited
    decisions.decide_tier_review(
        review.pk, approve=True, note="两年三次赔案 / three claims", acting_user=manager
    )
    review.refresh_from_db()
    value.refresh_from_db()
    assert (review.status, review.decided_by, review.note) == (
        ReviewStatus.APPROVED,
        manager,
        "两年三次赔案 / three claims",
    )
    assert value.tier == "standard"
    assert value.reasons == "tenure,step_limited,person_approved"
    history = TierHistory.objects.get()
    assert (history.tier, history.previous_tier, history.decided_by, history.as_of) == (
        "standard",
        "silver",
        manager,
        clock.today(),
    )
    log = AuditLog.objects.get()
    assert (log.action, log.actor, log.object_type, log.object_id) == (
        "update",
        manager,
        "value.tierreview",
        str(review.pk),
    )
    assert log.changes["tier"] == ["silver", "standard"]


def test_keeping_the_current_tier_restores_it_on_the_current_value(step_limited):
    review, value = step_limited
    service_manager = UserFactory(role=Role.SERVICE_MANAGER)
    decisions.decide_tier_review(
        review.pk, approve=False, note="老客户 / loyal", acting_user=service_manager
    )
    value.refresh_from_db()
    assert value.tier == "gold"
    assert TierReview.objects.get().status == ReviewStatus.KEPT
    assert list(TierHistory.objects.values_list("previous_tier", "tier", "reasons")) == [
        ("silver", "gold", "person_approved,step_limited")
    ]


def test_a_decided_review_cannot_be_decided_again(step_limited, manager):
    review, _ = step_limited
    decisions.decide_tier_review(review.pk, approve=True, note="ok", acting_user=manager)
    with pytest.raises(DomainError) as error:
        decisions.decide_tier_review(review.pk, approve=False, note="again", acting_user=manager)
    assert error.value.code == "review_decided" and error.value.status == 409
    assert "already decided" in error.value.message and "已处理" in error.value.message
    assert TierHistory.objects.count() == 1


def test_a_decision_without_a_note_is_refused_and_changes_nothing(step_limited, manager):
    review, value = step_limited
    with pytest.raises(DomainError) as error:
        decisions.decide_tier_review(review.pk, approve=True, note="  ", acting_user=manager)
    assert (error.value.code, error.value.field) == ("note_required", "note")
    value.refresh_from_db()
    assert value.tier == "silver" and TierHistory.objects.count() == 0


@pytest.mark.parametrize("role", [Role.SEAT, Role.SALES_AGENT, Role.CLAIMS_HANDLER, Role.CUSTOMER])
def test_roles_without_the_permission_are_refused_and_the_refusal_is_audited(step_limited, role):
    review, value = step_limited
    user = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        decisions.decide_tier_review(review.pk, approve=True, note="x", acting_user=user)
    review.refresh_from_db()
    value.refresh_from_db()
    assert (review.status, value.tier) == (ReviewStatus.PENDING, "silver")
    assert list(AuditLog.objects.values_list("action", "object_type", "object_id")) == [
        ("denied", "value.tierreview", str(review.pk))
    ]


def test_an_unknown_review_is_a_404_domain_error(manager):
    with pytest.raises(DomainError) as error:
        decisions.decide_tier_review(999, approve=True, note="x", acting_user=manager)
    assert (error.value.code, error.value.status) == ("not_found", 404)


# ---------------------------------------------------------------- lists


@pytest.fixture
def proposed():
    entry = ListEntry.objects.create(
        customer=CustomerFactory(),
        kind="grey",
        reasons="tenure,loss_making,list_grey",
        evidence={"claims_3y": 6, "loss_ratio_credible": "1.62"},
        expires_on=clock.today() + dt.timedelta(days=365),
    )
    ListEvent.objects.create(entry=entry, action="propose", to_status="proposed")
    return entry


def steps(entry):
    return list(entry.events.values_list("action", "from_status", "to_status"))


def test_approving_a_proposal_makes_it_active_until_the_chosen_date(proposed, manager):
    until = clock.today() + dt.timedelta(days=180)
    decisions.approve_list_entry(
        proposed.pk, expires_on=until, note="核实六次赔案 / six claims checked", acting_user=manager
    )
    proposed.refresh_from_db()
    assert (proposed.status, proposed.expires_on, proposed.decided_by) == (
        "active",
        until,
        manager,
    )
    assert steps(proposed) == [("propose", "", "proposed"), ("approve", "proposed", "active")]
    assert proposed.events.last().actor == manager
    log = AuditLog.objects.get()
    assert (log.action, log.object_type, log.changes["status"]) == (
        "update",
        "value.listentry",
        ["proposed", "active"],
    )


@pytest.mark.parametrize("days", [None, 0, -1])
def test_approval_needs_an_expiry_date_after_today(proposed, manager, days):
    until = None if days is None else clock.today() + dt.timedelta(days=days)
    with pytest.raises(DomainError) as error:
        decisions.approve_list_entry(proposed.pk, expires_on=until, note="x", acting_user=manager)
    assert (error.value.code, error.value.field) == ("expiry_required", "expires_on")
    proposed.refresh_from_db()
    assert proposed.status == "proposed" and AuditLog.objects.count() == 0


def test_rejecting_a_proposal_closes_it(proposed, manager):
    decisions.reject_list_entry(
        proposed.pk, note="赔案非客户责任 / not at fault", acting_user=manager
    )
    proposed.refresh_from_db()
    assert proposed.status == "rejected"
    assert steps(proposed)[-1] == ("reject", "proposed", "rejected")


def test_the_full_appeal_path_uphold_then_revoke(proposed, manager):
    decisions.approve_list_entry(
        proposed.pk,
        expires_on=clock.today() + dt.timedelta(days=30),
        note="ok",
        acting_user=manager,
    )
    me = UserFactory(role=Role.CUSTOMER, customer=proposed.customer)
    decisions.appeal_list_entry(proposed.pk, text="两次是被追尾 / rear-ended twice", acting_user=me)
    proposed.refresh_from_db()
    assert (proposed.status, proposed.appeal_text) == (
        "appealed",
        "两次是被追尾 / rear-ended twice",
    )
    decisions.decide_appeal(proposed.pk, uphold=True, note="证据充分 / stands", acting_user=manager)
    decisions.appeal_list_entry(proposed.pk, text="新证据 / new evidence", acting_user=me)
    decisions.decide_appeal(proposed.pk, uphold=False, note="撤销 / revoked", acting_user=manager)
    proposed.refresh_from_db()
    assert proposed.status == "revoked"
    assert steps(proposed) == [
        ("propose", "", "proposed"),
        ("approve", "proposed", "active"),
        ("appeal", "active", "appealed"),
        ("uphold", "appealed", "active"),
        ("appeal", "active", "appealed"),
        ("revoke", "appealed", "revoked"),
    ]
    assert AuditLog.objects.filter(action="update", object_type="value.listentry").count() == 5


@pytest.mark.parametrize(
    ("status", "call"),
    [
        ("active", lambda e, u: decisions.approve_list_entry(
            e.pk, expires_on=clock.today() + dt.timedelta(days=9), note="x", acting_user=u)),
        ("rejected", lambda e, u: decisions.reject_list_entry(e.pk, note="x", acting_user=u)),
        ("proposed", lambda e, u: decisions.appeal_list_entry(e.pk, text="x", acting_user=u)),
        ("active", lambda e, u: decisions.decide_appeal(e.pk, uphold=True, note="x", acting_user=u)),
        ("revoked", lambda e, u: decisions.decide_appeal(e.pk, uphold=False, note="x", acting_user=u)),
    ],
)  # fmt: skip
def test_steps_the_workflow_does_not_allow_raise_a_bilingual_error(proposed, manager, status, call):
    ListEntry.objects.filter(pk=proposed.pk).update(status=status)
    with pytest.raises(DomainError) as error:
        call(proposed, manager)
    assert (error.value.code, error.value.status) == ("invalid_transition", 409)
    assert " / " in error.value.message
    proposed.refresh_from_db()
    assert proposed.status == status
    assert steps(proposed) == [("propose", "", "proposed")]


@pytest.mark.parametrize("role", [Role.SEAT, Role.SALES_AGENT, Role.CLAIMS_APPROVER])
def test_only_deciders_may_approve_reject_or_decide_appeals(proposed, role):
    user = UserFactory(role=role)
    until = clock.today() + dt.timedelta(days=9)
    with pytest.raises(PermissionDenied):
        decisions.approve_list_entry(proposed.pk, expires_on=until, note="x", acting_user=user)
    with pytest.raises(PermissionDenied):
        decisions.reject_list_entry(proposed.pk, note="x", acting_user=user)
    proposed.refresh_from_db()
    assert proposed.status == "proposed"
    assert AuditLog.objects.filter(action="denied").count() == 2


def test_a_customer_cannot_appeal_someone_elses_entry_and_a_merchant_not_at_all(proposed):
    ListEntry.objects.filter(pk=proposed.pk).update(status="active")
    stranger = UserFactory(role=Role.CUSTOMER, customer=CustomerFactory())
    with pytest.raises(DomainError) as error:
        decisions.appeal_list_entry(proposed.pk, text="x", acting_user=stranger)
    assert error.value.status == 404
    merchant = UserFactory(role=Role.MERCHANT_USER)
    with pytest.raises(DomainError):
        decisions.appeal_list_entry(proposed.pk, text="x", acting_user=merchant)
    proposed.refresh_from_db()
    assert proposed.status == "active"


def test_a_seat_records_an_appeal_for_their_own_customer(proposed):
    seat = UserFactory(role=Role.SEAT)
    ListEntry.objects.filter(pk=proposed.pk).update(status="active")
    proposed.customer.owner = seat
    proposed.customer.save()
    decisions.appeal_list_entry(proposed.pk, text="电话申诉 / by phone", acting_user=seat)
    assert ListEntry.objects.get().status == "appealed"


def test_an_appeal_needs_text(proposed, manager):
    ListEntry.objects.filter(pk=proposed.pk).update(status="active")
    with pytest.raises(DomainError) as error:
        decisions.appeal_list_entry(proposed.pk, text="", acting_user=manager)
    assert error.value.field == "appeal_text"


def test_entries_past_their_date_expire_and_others_stay(proposed, manager):
    yesterday = clock.today() - dt.timedelta(days=1)
    ListEntry.objects.filter(pk=proposed.pk).update(status="active", expires_on=yesterday)
    current = ListEntry.objects.create(
        customer=CustomerFactory(),
        kind="black",
        status="active",
        reasons="list_black",
        expires_on=clock.today(),  # still in force today
    )
    assert decisions.expire_due() == 1
    proposed.refresh_from_db()
    current.refresh_from_db()
    assert (proposed.status, current.status) == ("expired", "active")
    event = proposed.events.last()
    assert (event.action, event.actor, event.from_status) == ("expire", None, "active")
    assert AuditLog.objects.get().actor is None
    with pytest.raises(DomainError) as error:
        decisions.expire_list_entry(current.pk, acting_user=manager)
    assert error.value.code == "not_expired"
