"""The business calendar, the service promise and the legal clocks."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from carecircle.claims import rules
from carecircle.claims.choices import ClaimStatus, Clock, ClockState

S = ClaimStatus


CAL = rules.BusinessCalendar(holidays=[dt.date(2026, 4, 6)])  # a Monday holiday
CS = rules.ClockSettings()


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
