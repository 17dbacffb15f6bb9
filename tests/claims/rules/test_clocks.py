"""The legal clocks in calendar days with the Civil Code's end-of-period rule, the company's
promise in working days, on the State Council's schedule (DOMAIN.md "Claims: legal clocks")."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.claims import rules
from carecircle.claims.choices import ClaimStatus, Clock, ClockState
from carecircle.claims.clocks import legal_deadline, promise_deadline
from carecircle.core.calendar import WorkCalendar
from tests.factories.core import fixture_calendar

S = ClaimStatus
D = dt.date
CAL = fixture_calendar()
CS = rules.ClockSettings()


# ---- DOMAIN.md worked dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "start", "days", "due"),
    [
        # day 30 = Thu 2 Oct, inside the National Day holiday → the first working day after it
        ("30-day decision", D(2025, 9, 2), 30, D(2025, 10, 9)),
        ("30-day decision", D(2026, 3, 2), 30, D(2026, 4, 1)),
        ("10-day payment", D(2026, 3, 2), 10, D(2026, 3, 12)),
        ("3-day rejection notice", D(2026, 3, 6), 3, D(2026, 3, 9)),
        # day 60 = Fri 1 May, Labour Day (1-5 May 2026) → Wed 6 May
        ("60-day advance payment", D(2026, 3, 2), 60, D(2026, 5, 6)),
    ],
)
def test_the_domain_worked_legal_deadlines(clock, start, days, due):
    assert legal_deadline(start, days, CAL) == due


def test_the_domain_worked_company_promise_counts_a_tiaoxiu_sunday_as_a_working_day():
    # Fri 26 Sep 2025 + 3 working days: Sun 28 Sep (调休), Mon 29, Tue 30 Sep.
    assert promise_deadline(D(2025, 9, 26), 3, CAL) == D(2025, 9, 30)
    # A weekday-only calendar would give Wed 1 Oct, a holiday.
    assert promise_deadline(D(2025, 9, 26), 3, WorkCalendar()) == D(2025, 10, 1)


def test_a_last_day_on_a_tiaoxiu_working_weekend_is_not_moved():
    # 2 Sep 2025 + 26 days = Sun 28 Sep, a working day: the period ends that day.
    assert legal_deadline(D(2025, 9, 2), 26, CAL) == D(2025, 9, 28)
    # An ordinary Saturday moves to Monday.
    assert legal_deadline(D(2026, 3, 2), 5, CAL) == D(2026, 3, 9)


# ---- properties ------------------------------------------------------------------------------

LONGEST = max(CAL.longest_break(2025), CAL.longest_break(2026))


@given(st.dates(D(2025, 1, 1), D(2026, 10, 31)), st.integers(1, 60))
def test_a_legal_deadline_is_a_working_day_never_early_and_moved_at_most_one_break(start, days):
    due = legal_deadline(start, days, CAL)
    nominal = start + dt.timedelta(days=days)
    assert not CAL.is_day_off(due)
    assert due >= nominal
    assert (due - nominal).days <= LONGEST
    assert due == nominal or CAL.is_day_off(nominal)


# ---- one claim's clocks ----------------------------------------------------------------------


def test_the_service_promise_follows_the_amount_band():
    assert [rules.promise_days(Decimal(a), False, CS) for a in ("1999", "2000", "4000", "9000", "20000")] == [1, 1, 3, 7, 10]  # fmt: skip
    assert rules.promise_days(Decimal("100"), True, CS) == 30


def test_the_30_day_decision_runs_in_calendar_days_and_pauses_while_waiting_on_the_customer():
    reported = D(2026, 3, 2)
    facts = rules.ClockFacts(status=S.REGISTERED, reported_on=reported, amount=Decimal("8000"))
    r = rules.evaluate_clocks(facts, D(2026, 3, 3), CAL, CS)
    assert (r.due_clock, r.due_on, r.clock_state) == (Clock.DECISION, D(2026, 4, 1), "ok")
    assert r.promised_on == D(2026, 3, 11)  # 7 working days for ¥5–10k
    waiting = rules.ClockFacts(
        status=S.REGISTERED, reported_on=reported, amount=Decimal("8000"),
        waiting_since=D(2026, 3, 5),
    )  # fmt: skip
    r2 = rules.evaluate_clocks(waiting, D(2026, 3, 12), CAL, CS)
    assert r2.clock_state == ClockState.PAUSED
    assert r2.due_on == D(2026, 4, 8)  # 7 calendar days waited so far are added: 2 Mar + 37
    resumed = rules.ClockFacts(
        status=S.REGISTERED, reported_on=reported, amount=Decimal("8000"), paused_days=7
    )
    assert rules.evaluate_clocks(resumed, D(2026, 4, 7), CAL, CS).clock_state == "warning"
    assert rules.evaluate_clocks(resumed, D(2026, 4, 9), CAL, CS).clock_state == "breached"
    # The promise's start moves back by the days waited: 9 Mar + 7 working days.
    assert rules.evaluate_clocks(resumed, D(2026, 3, 3), CAL, CS).promised_on == D(2026, 3, 18)


def test_no_payment_clock_runs_until_the_customer_accepts_the_amount():
    approved = rules.ClockFacts(
        status=S.APPROVED, reported_on=D(2026, 3, 2), amount=Decimal("3000")
    )
    r = rules.evaluate_clocks(approved, D(2026, 3, 4), CAL, CS)
    assert (r.due_clock, r.due_on) == (Clock.NONE, None)
    assert r.promised_on == D(2026, 3, 5)  # the promise still runs: 3 working days
    accepted = rules.ClockFacts(
        status=S.APPROVED, reported_on=D(2026, 3, 2), amount=Decimal("3000"),
        offer_accepted_on=D(2026, 3, 2),
    )  # fmt: skip
    r = rules.evaluate_clocks(accepted, D(2026, 3, 4), CAL, CS)
    assert (r.due_clock, r.due_on) == (Clock.PAYMENT, D(2026, 3, 12))


def test_an_acceptance_before_approval_starts_the_payment_clock_beside_the_decision():
    facts = rules.ClockFacts(
        status=S.ADJUSTED, reported_on=D(2026, 3, 2), amount=Decimal("3000"),
        offer_accepted_on=D(2026, 3, 4),
    )  # fmt: skip
    r = rules.evaluate_clocks(facts, D(2026, 3, 4), CAL, CS)
    assert r.clocks == {Clock.DECISION: D(2026, 4, 1), Clock.PAYMENT: D(2026, 3, 16)}
    assert r.due_clock == Clock.PAYMENT  # 14 Mar is a Saturday → Mon 16


def test_the_rejection_notice_is_due_3_days_after_the_decision_until_it_is_dispatched():
    rejected = rules.ClockFacts(
        status=S.REJECTED, reported_on=D(2026, 3, 2), amount=Decimal("3000"),
        rejected_on=D(2026, 3, 6),
    )  # fmt: skip
    r = rules.evaluate_clocks(rejected, D(2026, 3, 10), CAL, CS)
    assert (r.due_clock, r.due_on, r.clock_state) == (
        Clock.REJECTION_NOTICE, D(2026, 3, 9), "breached",
    )  # fmt: skip
    sent = rules.ClockFacts(
        status=S.REJECTED, reported_on=D(2026, 3, 2), amount=Decimal("3000"),
        rejected_on=D(2026, 3, 6), rejection_notice_on=D(2026, 3, 9),
    )  # fmt: skip
    assert rules.evaluate_clocks(sent, D(2026, 3, 12), CAL, CS).due_on is None


def test_the_60_day_advance_payment_clock_runs_from_complete_documents():
    facts = rules.ClockFacts(
        status=S.INJURY_HANDLING, reported_on=D(2026, 1, 5), amount=Decimal("90000"),
        injury=True, documents_complete_on=D(2026, 3, 2), paused_days=40,
    )  # fmt: skip
    r = rules.evaluate_clocks(facts, D(2026, 3, 2), CAL, CS)
    assert r.clocks[Clock.ADVANCE] == D(2026, 5, 6)  # day 60 = 1 May, Labour Day
    assert r.clocks[Clock.DECISION] == D(2026, 3, 16)  # 5 Jan + 70 = Sun 15 Mar → Mon 16
    assert (r.due_clock, r.clock_state) == (Clock.DECISION, "ok")


def test_a_clock_reaching_a_year_with_no_schedule_names_that_year():
    facts = rules.ClockFacts(
        status=S.REGISTERED, reported_on=D(2026, 12, 20), amount=Decimal("8000")
    )
    r = rules.evaluate_clocks(facts, D(2026, 12, 21), CAL, CS)
    assert r.due_on == D(2027, 1, 19)
    assert r.unscheduled == (2027,)
    inside = rules.ClockFacts(
        status=S.REGISTERED, reported_on=D(2026, 3, 2), amount=Decimal("8000")
    )
    assert rules.evaluate_clocks(inside, D(2026, 3, 3), CAL, CS).unscheduled == ()
