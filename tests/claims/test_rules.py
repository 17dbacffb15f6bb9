"""Pure rules: the transition table, the policy period, the business calendar and clocks,
approval authority, fast-track eligibility and fraud signals."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.claims import rules
from carecircle.claims.choices import Action, ClaimStatus, Clock, ClockState
from carecircle.core.errors import DomainError

S = ClaimStatus
CAL = rules.BusinessCalendar(holidays=[dt.date(2026, 4, 6)])  # a Monday holiday
CS = rules.ClockSettings()


def test_a_transition_out_of_order_is_refused_with_the_allowed_next_steps():
    with pytest.raises(DomainError) as e:
        rules.check_transition(Action.APPROVE, S.REPORTED, injury=False)
    assert e.value.code == "transition_not_allowed"
    assert e.value.status == 409
    assert "allowed next steps: dispatch (调度 / Dispatch), withdraw (撤案 / Withdraw)" in str(
        e.value
    )


def test_the_main_line_runs_report_to_close_and_injuries_go_through_injury_handling():
    assert rules.allowed_actions(S.ASSESSED, injury=False) == [
        Action.CHECK_LOSS,
        Action.WITHDRAW,
        Action.REJECT,
    ]
    assert rules.allowed_actions(S.ASSESSED, injury=True) == [
        Action.START_INJURY,
        Action.WITHDRAW,
        Action.REJECT,
    ]
    with pytest.raises(DomainError):
        rules.check_transition(Action.CHECK_LOSS, S.ASSESSED, injury=True)
    assert rules.allowed_actions(S.PAID, False) == [Action.FOLLOW_UP]
    assert rules.allowed_actions(S.CLOSED, False) == [Action.REOPEN]


def test_reopen_withdraw_and_reject_need_a_written_reason():
    for action in (Action.REOPEN, Action.WITHDRAW, Action.REJECT):
        with pytest.raises(DomainError) as e:
            rules.require_reason(action, "  ")
        assert e.value.code == "reason_required"
    assert rules.require_reason(Action.REJECT, " 非保险责任：酒驾 ") == "非保险责任：酒驾"


def test_an_accident_before_inception_is_refused_with_the_dates():
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(
            dt.date(2025, 5, 31), dt.date(2025, 6, 1), dt.date(2026, 6, 1), None,
            dt.date(2025, 6, 2), 730,
        )  # fmt: skip
    assert e.value.code == "before_inception"
    assert "2025-05-31" in e.value.message and "2025-06-01" in e.value.message


def test_an_accident_on_the_expiry_day_or_after_cancellation_is_on_a_lapsed_policy():
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(
            dt.date(2026, 6, 1), dt.date(2025, 6, 1), dt.date(2026, 6, 1), None,
            dt.date(2026, 6, 1), 730,
        )  # fmt: skip
    assert e.value.code == "policy_lapsed"
    assert "from 2025-06-01 to 2026-06-01" in e.value.message
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(
            dt.date(2026, 2, 1), dt.date(2025, 6, 1), dt.date(2026, 6, 1), dt.date(2026, 1, 15),
            dt.date(2026, 2, 1), 730,
        )  # fmt: skip
    assert "to 2026-01-15" in e.value.message


def test_reports_more_than_two_years_after_the_accident_are_time_barred():
    with pytest.raises(DomainError) as e:
        rules.check_policy_covers(
            dt.date(2024, 1, 10), dt.date(2023, 6, 1), dt.date(2024, 6, 1), None,
            dt.date(2026, 1, 11), 730,
        )  # fmt: skip
    assert e.value.code == "time_barred"


def test_business_days_skip_weekends_and_holidays():
    friday = dt.date(2026, 4, 3)
    assert CAL.add(friday, 1) == dt.date(2026, 4, 7)  # Sat, Sun, holiday Mon skipped
    assert CAL.between(friday, dt.date(2026, 4, 7)) == 1
    assert CAL.add(dt.date(2026, 3, 2), 10) == dt.date(2026, 3, 16)


@given(st.dates(dt.date(2001, 1, 1), dt.date(2039, 1, 1)), st.integers(0, 60))
def test_adding_business_days_counts_exactly_that_many(day, n):
    end = CAL.add(day, n) if n else day
    assert CAL.between(day, end) == n


def test_the_service_promise_follows_the_amount_band():
    assert [rules.promise_days(Decimal(a), False, CS) for a in ("1999", "2000", "4000", "9000", "20000")] == [1, 1, 3, 7, 10]  # fmt: skip
    assert rules.promise_days(Decimal("100"), True, CS) == 30


def test_the_30_day_decision_clock_pauses_while_waiting_on_the_customer():
    reported = dt.date(2026, 3, 2)
    facts = rules.ClockFacts(status=S.REGISTERED, reported_on=reported, amount=Decimal("8000"))
    r = rules.evaluate_clocks(facts, dt.date(2026, 3, 3), CAL, CS)
    assert (r.due_clock, r.due_on, r.clock_state) == (Clock.DECISION, dt.date(2026, 4, 14), "ok")
    assert r.promised_on == dt.date(2026, 3, 11)  # 7 business days for ¥5–10k
    waiting = rules.ClockFacts(
        status=S.REGISTERED, reported_on=reported, amount=Decimal("8000"),
        waiting_since=dt.date(2026, 3, 5), paused_days=0,
    )  # fmt: skip
    r2 = rules.evaluate_clocks(waiting, dt.date(2026, 3, 12), CAL, CS)
    assert r2.clock_state == ClockState.PAUSED
    assert r2.due_on == dt.date(2026, 4, 21)  # 5 business days waited are added
    resumed = rules.ClockFacts(
        status=S.REGISTERED, reported_on=reported, amount=Decimal("8000"), paused_days=5
    )
    assert rules.evaluate_clocks(resumed, dt.date(2026, 4, 21), CAL, CS).clock_state == "warning"
    assert rules.evaluate_clocks(resumed, dt.date(2026, 4, 22), CAL, CS).clock_state == "breached"


def test_payment_is_due_10_business_days_after_approval_and_the_rejection_notice_in_3():
    approved = rules.ClockFacts(
        status=S.APPROVED, reported_on=dt.date(2026, 3, 2), amount=Decimal("3000"),
        approved_on=dt.date(2026, 3, 4),
    )  # fmt: skip
    r = rules.evaluate_clocks(approved, dt.date(2026, 3, 4), CAL, CS)
    assert (r.due_clock, r.due_on) == (Clock.PAYMENT, dt.date(2026, 3, 18))
    rejected = rules.ClockFacts(
        status=S.REJECTED, reported_on=dt.date(2026, 3, 2), amount=Decimal("3000"),
        rejected_on=dt.date(2026, 3, 6),
    )  # fmt: skip
    r = rules.evaluate_clocks(rejected, dt.date(2026, 3, 12), CAL, CS)
    assert (r.due_clock, r.due_on, r.clock_state) == (
        Clock.REJECTION_NOTICE, dt.date(2026, 3, 11), "breached",
    )  # fmt: skip
    sent = rules.ClockFacts(
        status=S.REJECTED, reported_on=dt.date(2026, 3, 2), amount=Decimal("3000"),
        rejected_on=dt.date(2026, 3, 6), rejection_notice_on=dt.date(2026, 3, 9),
    )  # fmt: skip
    assert rules.evaluate_clocks(sent, dt.date(2026, 3, 12), CAL, CS).due_on is None


def test_the_60_day_advance_payment_clock_runs_from_complete_documents():
    facts = rules.ClockFacts(
        status=S.INJURY_HANDLING, reported_on=dt.date(2026, 1, 5), amount=Decimal("90000"),
        injury=True, documents_complete_on=dt.date(2026, 1, 6), paused_days=40,
    )  # fmt: skip
    r = rules.evaluate_clocks(facts, dt.date(2026, 3, 2), CAL, CS)
    assert r.clocks[Clock.ADVANCE] == dt.date(2026, 3, 31)
    assert r.clocks[Clock.DECISION] == dt.date(2026, 4, 14)  # 70 = 30 + 40 paused
    assert (r.due_clock, r.clock_state) == (Clock.ADVANCE, "ok")


LADDER = [
    rules.Authority("claims_approver", Decimal("50000"), 1),
    rules.Authority("manager", None, 2),
]


def test_approval_authority_by_amount_and_role_escalates_to_the_next_level():
    assert rules.may_approve(Decimal("50000"), "claims_approver", LADDER)
    assert not rules.may_approve(Decimal("50000.01"), "claims_approver", LADDER)
    assert rules.escalation_target(Decimal("80000"), "claims_approver", LADDER) == "manager"
    assert rules.may_approve(Decimal("9999999"), "manager", LADDER)
    assert not rules.may_approve(Decimal("1"), "claims_handler", LADDER)


FT = rules.FastTrackPolicy(
    Decimal("5000"),
    frozenset({"gold", "silver", "standard", "diamond"}),
    {"diamond": Decimal("10000")},
)


def test_fast_track_needs_small_amount_no_injury_clear_liability_no_flags_allowed_tier():
    ok = rules.FastTrackFacts(Decimal("5000"), False, True, 0, "gold")
    assert rules.fast_track_refusals(ok, FT) == []
    bad = rules.FastTrackFacts(Decimal("5000.01"), True, False, 2, "platinum")
    assert len(rules.fast_track_refusals(bad, FT)) == 5


def test_a_tier_entitlement_widens_the_fast_track():
    diamond = rules.FastTrackFacts(Decimal("9000"), False, True, 0, "diamond")
    gold = rules.FastTrackFacts(Decimal("9000"), False, True, 0, "gold")
    assert rules.fast_track_refusals(diamond, FT) == []
    assert len(rules.fast_track_refusals(gold, FT)) == 1


def test_fraud_signals_carry_reasons():
    facts = rules.FraudFacts(
        accident_at=dt.datetime(2026, 3, 1, 23, 30),
        policy_effective=dt.date(2026, 2, 20),
        cover_increased_on=None,
        single_vehicle=True,
        amount=Decimal("4900"),
        thresholds=(Decimal("5000"), Decimal("50000")),
        same_shop_claims=3,
    )
    codes = [c for c, _ in rules.fraud_signals(facts, rules.FraudSettings())]
    assert codes == [
        "soon_after_inception",
        "night_single_vehicle",
        "repeated_shop",
        "just_under_threshold",
    ]
    quiet = rules.FraudFacts(
        dt.datetime(2026, 3, 1, 14), dt.date(2025, 6, 1), None, True, Decimal("3000"),
        (Decimal("5000"),), 0,
    )  # fmt: skip
    assert rules.fraud_signals(quiet, rules.FraudSettings()) == []
