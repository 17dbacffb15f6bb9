"""Reserves as movements (issue #16): the workflow moves the case reserve through the ledger
(open at the report or registration, revise at assessment and adjustment, release at close,
withdrawal and rejection, reopen on reopening), ``Claim.amount_reserved`` always equals the
ledger, and a handler's large revision waits for an approver's authority."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.claims import services
from carecircle.claims.choices import Action, ReserveChangeStatus, ReserveKind
from carecircle.claims.models import ClaimPayment, ReserveMovement
from carecircle.claims.services import reserves
from carecircle.core.errors import DomainError
from tests.factories.claims import ClaimPaymentFactory, at, committed, policy_with_cover, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return staff()


def report(policy, user, **kw):
    with committed():
        claim = services.report_claim(
            acting_user=user, policy=policy, accident_at=at(1, 15), description="倒车碰到柱子", **kw
        )
    claim.refresh_from_db()
    return claim


def steps(claim, user, *actions, **data):
    for action in actions:
        claim = services.transition(claim, action, acting_user=user, data=data.get(action, {}))
    return claim


def ledger(claim):
    return [
        (m.kind, m.reserve_type, m.amount, m.balance_after)
        for m in ReserveMovement.objects.filter(claim=claim).order_by("at", "id")
    ]


def test_the_customers_estimate_opens_the_case_reserve_and_the_assessment_revises_it(today, people):
    handler = people["handler"]
    claim = report(policy_with_cover(), handler, customer_estimate="1800")
    assert ledger(claim) == [("open", "case", D("1800.00"), D("1800.00"))]
    assert claim.amount_reserved == D("1800.00")
    claim = steps(
        claim, handler, Action.DISPATCH, Action.SURVEY, Action.REGISTER, Action.ASSESS,
        **{Action.ASSESS: {"parts": "3000", "labour": "500", "paint": "300"}},
    )  # fmt: skip
    assert ledger(claim)[-1] == ("revise", "case", D("2000.00"), D("3800.00"))
    claim.refresh_from_db()
    assert claim.amount_reserved == D("3800.00")
    movement = ReserveMovement.objects.filter(claim=claim).last()
    assert (movement.by, movement.reason) == (handler, "定损 / assessed")


def test_without_an_estimate_the_reserve_opens_at_registration(today, people):
    handler = people["handler"]
    claim = report(policy_with_cover(), handler)
    assert ledger(claim) == []
    claim = steps(
        claim, handler, Action.DISPATCH, Action.SURVEY, Action.REGISTER,
        **{Action.REGISTER: {"reserve": "5000"}},
    )  # fmt: skip
    assert ledger(claim) == [("open", "case", D("5000.00"), D("5000.00"))]
    assert claim.amount_reserved == D("5000.00")


def test_withdrawing_releases_every_reserve_and_reopening_restores_what_was_released(today, people):
    handler = people["handler"]
    claim = report(policy_with_cover(), handler, customer_estimate="2500")
    reserves.revise(
        claim, new_balance="800", reserve_type="expense", reason="公估费 / assessor's fee",
        acting_user=handler,
    )  # fmt: skip
    claim = services.transition(claim, Action.WITHDRAW, acting_user=handler, reason="客户撤案")
    assert ledger(claim)[-2:] == [
        ("release", "case", D("-2500.00"), D("0.00")),
        ("release", "expense", D("-800.00"), D("0.00")),
    ]
    assert claim.amount_reserved == D("0.00")
    claim = services.transition(claim, Action.REOPEN, acting_user=handler, reason="客户要求重开")
    assert ledger(claim)[-2:] == [
        ("reopen", "case", D("2500.00"), D("2500.00")),
        ("reopen", "expense", D("800.00"), D("800.00")),
    ]
    assert claim.amount_reserved == D("2500.00")


def test_rejecting_releases_the_reserve(today, people):
    handler, approver = people["handler"], people["approver"]
    claim = report(policy_with_cover(), handler, customer_estimate="4000")
    claim = steps(claim, handler, Action.DISPATCH, Action.SURVEY, Action.REGISTER)
    claim = services.transition(claim, Action.REJECT, acting_user=approver, reason="饮酒驾驶")
    assert ledger(claim)[-1] == ("release", "case", D("-4000.00"), D("0.00"))
    assert claim.amount_reserved == D("0.00")


def test_the_adjustment_reserves_the_agreed_amount_less_what_the_bank_confirmed(today, people):
    handler = people["handler"]
    claim = report(policy_with_cover(), handler)
    claim = steps(
        claim, handler, Action.DISPATCH, Action.SURVEY, Action.REGISTER, Action.ASSESS,
        **{Action.ASSESS: {"parts": "9000", "labour": "1000", "paint": "0"}},
    )  # fmt: skip
    advance = ClaimPaymentFactory(
        claim=claim, kind="advance", amount=D("4000.00"), status="confirmed", confirmed_at=at(3)
    )
    reserves.on_payment_confirmed(advance)
    assert ledger(claim)[-1] == ("payment", "case", D("-4000.00"), D("6000.00"))
    claim = steps(
        claim,
        handler,
        Action.CHECK_LOSS,
        Action.ADJUST,
        **{Action.ADJUST: {"liability_share": "1"}},
    )
    assert claim.amount_approved == D("10000.00")
    assert claim.amount_reserved == D("6000.00")  # 10,000 agreed − 4,000 confirmed
    returned = ClaimPayment.objects.get(pk=advance.pk)
    returned.returned_at, returned.return_reason = at(4), "户名不符"
    returned.save()
    reserves.on_payment_returned(returned)
    reserves.on_payment_returned(returned)  # a return file imported twice moves it once
    assert ledger(claim)[-1] == ("return", "case", D("4000.00"), D("10000.00"))
    assert ReserveMovement.objects.filter(claim=claim, kind=ReserveKind.RETURN).count() == 1


# ---- manual revisions and authority ---------------------------------------------------------


def test_a_manual_revision_needs_a_reason(today, people):
    claim = report(policy_with_cover(), people["handler"], customer_estimate="1000")
    with pytest.raises(DomainError) as exc:
        reserves.revise(claim, new_balance="1500", reason=" ", acting_user=people["handler"])
    assert exc.value.code == "reason"
    assert len(ledger(claim)) == 1


def test_a_revision_within_the_handlers_limit_moves_at_once(today, people, settings):
    settings.CARECIRCLE = {"CLAIMS": {"RESERVE_REVISION_LIMIT": "20000"}}
    handler = people["handler"]
    claim = report(policy_with_cover(), handler, customer_estimate="1000")
    change = reserves.revise(
        claim, new_balance="21000", reason="人伤，预估医疗费", acting_user=handler
    )
    assert change.status == ReserveChangeStatus.APPLIED
    assert ledger(claim)[-1] == ("revise", "case", D("20000.00"), D("21000.00"))
    assert change.movement.approved_by is None


def test_a_revision_above_the_handlers_limit_waits_for_an_approver_with_the_authority(
    today, people, settings
):
    settings.CARECIRCLE = {"CLAIMS": {"RESERVE_REVISION_LIMIT": "20000"}}
    handler, approver = people["handler"], people["approver"]
    claim = report(policy_with_cover(), handler, customer_estimate="1000")
    change = reserves.revise(
        claim, new_balance="31000.01", reason="对方伤者住院", acting_user=handler
    )
    claim.refresh_from_db()
    assert change.status == ReserveChangeStatus.PENDING
    assert (len(ledger(claim)), claim.amount_reserved) == (1, D("1000.00"))
    with pytest.raises(PermissionDenied):  # a handler cannot approve it
        reserves.decide(change, acting_user=people["handler"], approve=True)
    change = reserves.decide(change, acting_user=approver, approve=True, note="同意")
    claim.refresh_from_db()
    assert change.status == ReserveChangeStatus.APPLIED
    assert ledger(claim)[-1] == ("revise", "case", D("30000.01"), D("31000.01"))
    assert (change.movement.by, change.movement.approved_by) == (handler, approver)
    assert claim.amount_reserved == D("31000.01")
    with pytest.raises(DomainError):  # decided once
        reserves.decide(change, acting_user=approver, approve=True)


def test_an_approver_cannot_apply_a_change_above_their_own_authority_nor_their_own(
    today, people, settings
):
    settings.CARECIRCLE = {"CLAIMS": {"RESERVE_REVISION_LIMIT": "20000"}}
    handler, approver, manager = people["handler"], people["approver"], people["manager"]
    claim = report(policy_with_cover(), handler, customer_estimate="1000")
    change = reserves.revise(claim, new_balance="61000", reason="重大人伤", acting_user=handler)
    with pytest.raises(PermissionDenied):  # 60,000 above the approver's 50,000
        reserves.decide(change, acting_user=approver, approve=True)
    assert reserves.decide(change, acting_user=manager, approve=True).status == "applied"
    own = reserves.revise(claim, new_balance="200000", reason="再次上调", acting_user=approver)
    assert own.status == ReserveChangeStatus.PENDING  # 139,000 above the approver's limit
    with pytest.raises(PermissionDenied):
        reserves.decide(own, acting_user=approver, approve=True)


def test_a_declined_revision_moves_nothing_and_closing_declines_what_waits(today, people, settings):
    settings.CARECIRCLE = {"CLAIMS": {"RESERVE_REVISION_LIMIT": "20000"}}
    handler, approver = people["handler"], people["approver"]
    claim = report(policy_with_cover(), handler, customer_estimate="1000")
    first = reserves.revise(claim, new_balance="41000", reason="预估", acting_user=handler)
    assert reserves.decide(first, acting_user=approver, approve=False).status == "declined"
    second = reserves.revise(claim, new_balance="41000", reason="再报", acting_user=handler)
    services.transition(claim, Action.WITHDRAW, acting_user=handler, reason="撤案")
    second.refresh_from_db()
    assert second.status == ReserveChangeStatus.DECLINED
    assert [k for k, *_ in ledger(claim)] == ["open", "release"]


# ---- review fixes (#16) ---------------------------------------------------------------------


def test_a_payment_confirmed_at_a_date_before_the_latest_movement_still_takes_the_reserve_down(
    today, people
):
    """Rule (ADR 0015): a reserve's balance is the Σ of its movements, whatever order their
    dates are in; a bank confirmation dated before the last revision keeps its own date."""
    handler = people["handler"]
    claim = report(policy_with_cover(), handler, customer_estimate="1000")
    first = ReserveMovement.objects.get(claim=claim)
    reserves.move(
        claim, coverage=claim.coverage, kind=ReserveKind.REVISE, amount=D("9000"),
        reason="定损", at=at(5, 10),
    )  # fmt: skip
    late = ClaimPaymentFactory(
        claim=claim, amount=D("4000.00"), status="confirmed", confirmed_at=at(4, 17)
    )  # the bank's 17:00 confirmation, read after the revision of the 5th
    reserves.on_payment_confirmed(late)
    claim.refresh_from_db()
    taken = ReserveMovement.objects.get(payment=late)
    assert (taken.amount, taken.balance_after, taken.at) == (D("-4000.00"), D("6000.00"), at(4, 17))
    assert reserves.balance(claim, claim.coverage) == D("6000.00")
    total = sum(ReserveMovement.objects.filter(claim=claim).values_list("amount", flat=True))
    assert claim.amount_reserved == total == D("6000.00")
    assert first.at < taken.at < at(5, 10)


def test_an_approver_cannot_apply_a_revision_asked_against_a_balance_that_has_since_moved(
    today, people, settings
):
    """Rule: a pending revision's authority was judged on the gap from ``balance_before``; if
    the reserve moved meanwhile, approving it is refused (409) and declining still works."""
    settings.CARECIRCLE = {"CLAIMS": {"RESERVE_REVISION_LIMIT": "20000"}}
    handler, approver = people["handler"], people["approver"]
    claim = report(policy_with_cover(), handler, customer_estimate="1000")
    change = reserves.revise(claim, new_balance="41000", reason="对方伤者住院", acting_user=handler)
    assert change.status == ReserveChangeStatus.PENDING
    reserves.revise(claim, new_balance="15000", reason="补充定损", acting_user=handler)
    with pytest.raises(DomainError) as exc:
        reserves.decide(change, acting_user=approver, approve=True)
    assert (exc.value.code, exc.value.status) == ("stale", 409)
    claim.refresh_from_db()
    assert claim.amount_reserved == D("15000.00")
    declined = reserves.decide(change, acting_user=approver, approve=False, note="已过时")
    assert declined.status == ReserveChangeStatus.DECLINED
