"""The pure rules: the answer's last day on the working calendar, lateness, the retention
cut-off, and what 保险法第87条 keeps."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.core import workdays
from carecircle.core.calendar import WorkCalendar
from carecircle.privacy import rules
from carecircle.privacy.rules import Contract


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Fri 26 Sep 2025: Sun 28 Sep is a 调休 working day, 1–8 Oct are off, Sat 11 Oct works.
        (dt.date(2025, 9, 26), dt.date(2025, 10, 23)),
        # Tue 10 Feb 2026: the Spring Festival break is skipped.
        (dt.date(2026, 2, 10), dt.date(2026, 3, 9)),
        # Mon 2 Mar 2026: three plain weeks.
        (dt.date(2026, 3, 2), dt.date(2026, 3, 23)),
        # Received on Saturday 7 Mar 2026: day 1 is Monday 9 Mar.
        (dt.date(2026, 3, 7), dt.date(2026, 3, 27)),
    ],
)
def test_an_answer_is_due_15_working_days_after_receipt_on_the_loaded_calendar(db, received, due):
    workdays.invalidate()
    assert rules.answer_due(received, workdays.work_calendar(), 15) == due


def test_a_weekday_only_calendar_would_put_the_national_day_answer_a_week_early(db):
    # The same request on a calendar that ignores the holidays: 17 Oct, inside nothing — the
    # loaded schedule moves it to 23 Oct (five holiday weekdays, one 调休 Saturday, one Sunday).
    assert rules.answer_due(dt.date(2025, 9, 26), WorkCalendar(), 15) == dt.date(2025, 10, 17)


def test_a_request_is_late_from_the_day_after_its_last_day():
    due = dt.date(2026, 3, 23)
    assert not rules.is_overdue(due, dt.date(2026, 3, 23))
    assert rules.is_overdue(due, dt.date(2026, 3, 24))


def test_a_record_is_past_its_period_from_the_anniversary_of_its_end_date():
    five = {"years": 5}
    assert rules.cutoff(dt.date(2026, 3, 10), five) == dt.date(2021, 3, 10)
    assert rules.is_past(dt.date(2021, 3, 10), five, dt.date(2026, 3, 10))
    assert not rules.is_past(dt.date(2021, 3, 10), five, dt.date(2026, 3, 9))
    assert not rules.is_past(dt.date(2021, 3, 11), five, dt.date(2026, 3, 10))
    assert rules.cutoff(dt.date(2026, 3, 10), {"days": 7}) == dt.date(2026, 3, 3)
    # A leap day's period ends on the last day of February.
    assert rules.cutoff(dt.date(2029, 2, 28), {"years": 1}) == dt.date(2028, 2, 28)


def test_a_period_is_years_or_days_and_nothing_else():
    with pytest.raises(ValueError, match="years or days"):
        rules.cutoff(dt.date(2026, 1, 1), {"months": 3})


DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@given(end=DAYS, today=DAYS, years=st.integers(0, 12), days=st.integers(0, 400))
def test_past_means_the_end_date_is_on_or_before_today_moved_back_by_the_period(
    end, today, years, days
):
    period = {"years": years, "days": days}
    past = rules.is_past(end, period, today)
    assert past == (end <= rules.cutoff(today, period))
    # Monotone: a record that ended earlier is past too, and later days never bring it back.
    if past:
        assert rules.is_past(end - dt.timedelta(days=1), period, today)
        assert rules.is_past(end, period, today + dt.timedelta(days=1))


def test_art87_keeps_a_one_year_policy_5_years_after_it_ends_and_a_longer_one_10():
    one_year = Contract(dt.date(2020, 6, 1), dt.date(2021, 6, 1))
    three_years = Contract(dt.date(2018, 6, 1), dt.date(2021, 6, 1))
    kw = {"short": 5, "long": 10}
    assert rules.art87_keeps([one_year], [], dt.date(2026, 5, 31), **kw)
    assert rules.art87_keeps([one_year], [], dt.date(2026, 6, 1), **kw) is False
    assert rules.art87_keeps([three_years], [], dt.date(2026, 6, 2), **kw)
    assert rules.art87_keeps([three_years], [], dt.date(2031, 6, 2), **kw) is False
    assert rules.art87_kept_until([one_year, three_years], [], **kw) == dt.date(2031, 6, 1)


def test_art87_counts_a_cancelled_policy_from_its_cancellation_and_an_open_claim_forever():
    cancelled = Contract(dt.date(2020, 6, 1), dt.date(2021, 6, 1), cancelled_on=dt.date(2020, 9, 1))
    kw = {"short": 5, "long": 10}
    assert rules.art87_keeps([cancelled], [], dt.date(2025, 9, 2), **kw) is False
    assert rules.art87_keeps([cancelled], [(None, False)], dt.date(2040, 1, 1), **kw)
    assert rules.art87_kept_until([cancelled], [(None, False)], **kw) == dt.date.max
    # A claim closed after the policy ended keeps the records from its closing.
    closed = [(dt.date(2023, 1, 5), False)]
    assert rules.art87_keeps([cancelled], closed, dt.date(2028, 1, 4), **kw)
    assert rules.art87_keeps([cancelled], closed, dt.date(2028, 1, 5), **kw) is False


def test_nothing_to_keep_without_a_policy_or_claim():
    assert rules.art87_keeps([], [], dt.date(2026, 1, 1), short=5, long=10) is False
    assert rules.art87_kept_until([], [], short=5, long=10) is None


@given(
    starts=st.lists(DAYS, min_size=1, max_size=4),
    terms=st.lists(st.sampled_from([182, 365, 366, 730, 1095]), min_size=4, max_size=4),
    today=DAYS,
)
def test_art87_keeps_exactly_while_some_contract_ended_inside_its_period(starts, terms, today):
    contracts = [Contract(s, s + dt.timedelta(days=t)) for s, t in zip(starts, terms, strict=False)]
    keeps = rules.art87_keeps(contracts, [], today, short=5, long=10)
    expected = any(c.ends > rules.cutoff(today, {"years": 10 if c.long else 5}) for c in contracts)
    assert keeps == expected
