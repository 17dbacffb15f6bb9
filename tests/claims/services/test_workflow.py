"""The claim workflow on the database: every transition recorded, refusals, authority and
escalation, payment exactly once, crash recovery, the one-notice rule, reopen."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.claims import rules, services
from carecircle.claims.choices import Action, ClaimStatus
from carecircle.claims.models import Claim, ClaimPayment, ClaimTransition
from carecircle.claims.services import payment, workflow
from carecircle.core.errors import DomainError
from tests.claims.bank_support import pay_confirmed, send_and_confirm
from tests.factories.claims import at, committed, customer_user, policy_with_cover, staff

pytestmark = pytest.mark.django_db
S = ClaimStatus


@pytest.fixture
def people():
    return staff()


def report(policy, user, **kw):
    kw.setdefault("accident_at", at(1, 15))
    kw.setdefault("description", "倒车碰到柱子")
    with committed():
        claim = services.report_claim(acting_user=user, policy=policy, **kw)
    claim.refresh_from_db()
    return claim


def walk_to_adjusted(claim, handler, *, parts="30000", liability_share="1"):
    for action, data in (
        (Action.DISPATCH, {}),
        (Action.SURVEY, {"survey_mode": "on_site"}),
        (Action.REGISTER, {}),
        (Action.ASSESS, {"parts": parts, "labour": "2000", "paint": "1000"}),
    ):
        claim = services.transition(claim, action, acting_user=handler, data=data)
    if claim.injury:
        claim = services.transition(claim, Action.START_INJURY, acting_user=handler)
    claim = services.transition(claim, Action.CHECK_LOSS, acting_user=handler)
    return services.transition(
        claim, Action.ADJUST, acting_user=handler, data={"liability_share": liability_share}
    )


def test_a_claim_walks_report_to_close_and_every_step_is_recorded(today, people):
    policy = policy_with_cover()
    handler, approver = people["handler"], people["approver"]
    claim = report(policy, handler, customer_estimate="30000")
    claim = walk_to_adjusted(claim, handler)
    assert claim.amount_approved == D("33000.00")
    services.approve(claim, acting_user=approver, reason="核赔通过")
    payment = services.pay(claim, acting_user=handler)
    assert payment.amount == D("33000.00")
    # Above the second-approval line: released by someone else, sent, confirmed → paid.
    assert payment.status == "created"
    send_and_confirm(payment, handler)
    claim = services.transition(
        claim, Action.FOLLOW_UP, acting_user=handler, data={"satisfaction": 5}
    )
    claim = services.transition(claim, Action.CLOSE, acting_user=handler)
    assert claim.status == S.CLOSED
    steps = list(ClaimTransition.objects.filter(claim=claim).values_list("action", "to_status"))
    assert steps == [
        ("report", "reported"),
        ("dispatch", "dispatched"),
        ("survey", "surveyed"),
        ("register", "registered"),
        ("assess", "assessed"),
        ("check_loss", "loss_checked"),
        ("adjust", "adjusted"),
        ("approve", "approved"),
        ("payment_created", "approved"),
        ("payment_approved", "approved"),
        ("payment_sent", "approved"),
        ("pay", "paid"),
        ("follow_up", "followed_up"),
        ("close", "closed"),
    ]
    approve_step = ClaimTransition.objects.get(claim=claim, action="approve")
    assert (approve_step.actor, approve_step.reason) == (approver, "核赔通过")
    assert claim.amount_paid == D("33000.00") and claim.satisfaction == 5


def test_a_step_out_of_order_is_refused_and_nothing_changes(today, people):
    claim = report(policy_with_cover(), people["handler"])
    with pytest.raises(DomainError) as e:
        services.transition(claim, Action.ASSESS, acting_user=people["handler"])
    assert e.value.code == "transition_not_allowed"
    assert "allowed next steps: dispatch" in e.value.message
    assert Claim.objects.get(pk=claim.pk).status == S.REPORTED
    assert ClaimTransition.objects.filter(claim=claim).count() == 1


def test_a_claim_on_a_lapsed_policy_or_before_inception_is_refused_with_the_dates(today, people):
    import datetime as dt

    lapsed = policy_with_cover(effective_date=dt.date(2025, 1, 1), expiry_date=dt.date(2026, 1, 1))
    with pytest.raises(DomainError) as e:
        report(lapsed, people["handler"])
    assert e.value.code == "policy_lapsed"
    assert "2025-01-01 to 2026-01-01" in e.value.message
    future = policy_with_cover(effective_date=dt.date(2026, 3, 2), expiry_date=dt.date(2027, 3, 2))
    with pytest.raises(DomainError) as e:
        report(future, people["handler"])
    assert (e.value.code, e.value.field) == ("before_inception", "accident_at")
    assert "2026-03-01" in e.value.message and "2026-03-02" in e.value.message
    assert Claim.objects.count() == 0


def test_approval_above_the_limit_is_refused_and_escalated_to_the_manager(today, people):
    handler, approver, manager = people["handler"], people["approver"], people["manager"]
    claim = walk_to_adjusted(
        report(policy_with_cover(), handler, injury=True), handler, parts="60000"
    )
    assert claim.amount_approved == D("63000.00")
    with pytest.raises(DomainError) as e:
        services.approve(claim, acting_user=approver)
    assert (e.value.code, e.value.status) == ("above_authority", 403)
    assert "above your approval limit of 50000.00; escalated to manager" in e.value.message
    claim.refresh_from_db()
    assert (claim.status, claim.escalated_to) == (S.ADJUSTED, "manager")
    esc = ClaimTransition.objects.get(claim=claim, action="escalate")
    assert esc.actor == approver and esc.data["to"] == "manager"
    services.approve(claim, acting_user=manager, reason="经理核赔")
    claim.refresh_from_db()
    assert (claim.status, claim.approved_by, claim.escalated_to) == (S.APPROVED, manager, "")


def test_a_handler_cannot_approve_and_a_customer_cannot_dispatch(today, people):
    policy = policy_with_cover()
    claim = walk_to_adjusted(report(policy, people["handler"]), people["handler"], parts="1000")
    with pytest.raises(PermissionDenied):
        services.approve(claim, acting_user=people["handler"])
    other = report(policy, people["handler"])
    with pytest.raises(PermissionDenied):
        services.transition(other, Action.DISPATCH, acting_user=customer_user(policy))
    assert Claim.objects.get(pk=other.pk).status == S.REPORTED


def approved_claim(people, parts="3000"):
    claim = walk_to_adjusted(
        report(policy_with_cover(), people["handler"]), people["handler"], parts=parts
    )
    services.approve(claim, acting_user=people["approver"])
    return Claim.objects.get(pk=claim.pk)


def test_payment_posted_twice_or_retried_with_the_key_pays_once(today, people):
    claim = approved_claim(people)
    first = services.pay(claim, acting_user=people["handler"], idempotency_key="k-1")
    again = services.pay(claim, acting_user=people["handler"], idempotency_key="k-1")
    other_key = services.pay(claim, acting_user=people["handler"], idempotency_key="k-2")
    no_key = services.pay(claim, acting_user=people["handler"])
    assert first.pk == again.pk == other_key.pk == no_key.pk
    assert ClaimPayment.objects.filter(claim=claim).count() == 1
    claim.refresh_from_db()
    # Instructed once; not paid until the bank confirms (ADR 0016).
    assert (claim.status, claim.amount_paid) == (S.APPROVED, D("0.00"))
    assert ClaimTransition.objects.filter(claim=claim, action="payment_created").count() == 1
    send_and_confirm(first, people["handler"])
    claim.refresh_from_db()
    assert (claim.status, claim.amount_paid) == (S.PAID, D("6000.00"))
    assert ClaimTransition.objects.filter(claim=claim, action="pay").count() == 1


def test_a_crash_between_approval_and_payment_loses_no_payment_and_doubles_none(
    today, people, monkeypatch
):
    claim = approved_claim(people)

    def crash(*args, **kwargs):
        raise RuntimeError("power cut after approval")

    monkeypatch.setattr(payment, "pay_locked", crash)
    with pytest.raises(RuntimeError):
        services.pay(claim, acting_user=people["handler"])
    monkeypatch.undo()
    claim.refresh_from_db()
    assert claim.status == S.APPROVED and ClaimPayment.objects.count() == 0
    assert services.settle_approved() == 1
    assert services.settle_approved() == 0
    services.pay(claim, acting_user=people["handler"])
    assert ClaimPayment.objects.filter(claim=claim).count() == 1
    # The swept payment waits for the bank like any other: the claim is approved, in flight.
    assert Claim.objects.get(pk=claim.pk).status == S.APPROVED


def test_missing_documents_are_requested_in_one_notice_and_the_clock_pauses(today, people):
    handler = people["handler"]
    claim = report(policy_with_cover(), handler)
    with committed():  # the notice goes after the commit; the clock pauses on its dispatch
        claim = services.transition(
            claim, Action.REQUEST_DOCUMENTS, acting_user=handler, reason="驾驶证、行驶证、维修发票"
        )
    claim.refresh_from_db()
    assert claim.clock_state == "paused" and claim.status == S.REPORTED
    with pytest.raises(DomainError) as e:
        services.transition(claim, Action.REQUEST_DOCUMENTS, acting_user=handler, reason="还缺一张")
    assert e.value.code == "one_notice"
    claim = services.transition(claim, Action.DOCUMENTS_COMPLETE, acting_user=handler)
    assert claim.waiting_since is None and claim.clock_state == "ok"


def test_reject_needs_reasons_and_starts_the_3_day_notice_clock(today, people):
    handler, approver = people["handler"], people["approver"]
    claim = report(policy_with_cover(), handler)
    for action in (Action.DISPATCH, Action.SURVEY, Action.REGISTER):
        claim = services.transition(claim, action, acting_user=handler)
    with pytest.raises(DomainError):
        services.transition(claim, Action.REJECT, acting_user=approver, reason="")
    claim = services.transition(
        claim, Action.REJECT, acting_user=approver, reason="酒后驾驶，属责任免除"
    )
    assert (claim.status, claim.due_clock) == (S.REJECTED, "rejection_notice")
    assert str(claim.due_on) == "2026-03-05"
    claim = services.transition(claim, Action.REJECTION_NOTICE, acting_user=handler)
    assert claim.due_on is None
    claim = services.transition(
        claim, Action.REOPEN, acting_user=handler, reason="客户申诉，补充证据"
    )
    assert (claim.status, claim.reopen_count) == (S.REGISTERED, 1)


def test_a_reopened_paid_claim_pays_only_the_difference(today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    pay_confirmed(claim, handler)
    claim = services.transition(
        Claim.objects.get(pk=claim.pk), Action.FOLLOW_UP, acting_user=handler
    )
    claim = services.transition(claim, Action.CLOSE, acting_user=handler)
    claim = services.transition(claim, Action.REOPEN, acting_user=handler, reason="发现隐损")
    claim = services.transition(
        claim,
        Action.ASSESS,
        acting_user=handler,
        data={"parts": "4000", "labour": "2000", "paint": "1000"},
    )
    claim = services.transition(claim, Action.CHECK_LOSS, acting_user=handler)
    claim = services.transition(
        claim, Action.ADJUST, acting_user=handler, data={"liability_share": "1"}
    )
    services.approve(claim, acting_user=people["approver"])
    second = services.pay(claim, acting_user=handler)
    assert second.amount == D("1000.00")
    assert Claim.objects.get(pk=claim.pk).amount_paid == D("6000.00")  # until confirmed
    send_and_confirm(second, handler)
    assert Claim.objects.get(pk=claim.pk).amount_paid == D("7000.00")


def test_withdraw_by_the_customer_is_recorded_with_the_reason(today, people):
    policy = policy_with_cover()
    customer = customer_user(policy)
    claim = report(policy, customer, channel="h5")
    claim = services.transition(claim, Action.WITHDRAW, acting_user=customer, reason="已私了")
    t = ClaimTransition.objects.get(claim=claim, action="withdraw")
    assert (claim.status, t.actor, t.reason) == (S.WITHDRAWN, customer, "已私了")


def test_every_step_in_the_transition_table_has_an_effect_or_a_function_of_its_own():
    """``rules.STEPS`` says from where each action may run, ``workflow.EFFECTS`` what it does;
    approval, payment and the shop's steps have functions of their own. No action has both
    or neither."""
    assert set(workflow.EFFECTS) | workflow.OWN_FUNCTIONS == set(rules.STEPS)
    assert not set(workflow.EFFECTS) & workflow.OWN_FUNCTIONS
