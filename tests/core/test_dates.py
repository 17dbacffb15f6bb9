"""Calendar arithmetic: whole months forward and back, report months and their local bounds."""

import datetime as dt
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from carecircle.core import clock, dates

DAYS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
MONTHS = st.integers(min_value=-600, max_value=600)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def test_a_month_later_keeps_the_day_or_falls_back_to_the_months_last_day():
    assert dates.add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert dates.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert dates.add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)
    assert dates.add_months(dt.date(2026, 1, 15), -1) == dt.date(2025, 12, 15)


@given(DAYS, MONTHS)
def test_add_months_moves_by_whole_months_and_never_past_the_months_end(day, months):
    later = dates.add_months(day, months)
    assert index(later) == index(day) + months
    assert later.day <= day.day
    if later.day < day.day:  # clamped: the last day of a shorter month
        assert (later + dt.timedelta(days=1)).day == 1
    if day.day <= 28:
        assert later.day == day.day
        assert dates.add_months(later, -months) == day


@given(DAYS, MONTHS, MONTHS)
def test_add_months_from_the_first_of_a_month_adds_up(day, a, b):
    first = dates.first_of(day)
    assert dates.add_months(dates.add_months(first, a), b) == dates.add_months(first, a + b)


@given(DAYS)
def test_a_report_month_is_named_by_its_first_day(day):
    month = dates.first_of(day)
    assert (month.day, index(month)) == (1, index(day))
    assert dates.first_of(month) == month


@given(DAYS)
def test_next_and_previous_month_step_one_month_from_any_day(day):
    after, before = dates.next_month(day), dates.previous_month(day)
    assert after == dates.add_months(dates.first_of(day), 1)
    assert before == dates.add_months(dates.first_of(day), -1)
    assert before < dates.first_of(day) <= day < after
    assert dates.previous_month(after) == dates.first_of(day)
    assert dates.next_month(before) == dates.first_of(day)


def test_months_turn_over_at_the_year_end():
    assert dates.next_month(dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)
    assert dates.previous_month(dt.date(2027, 1, 31)) == dt.date(2026, 12, 1)
    assert dates.first_of(dt.date(2026, 2, 28)) == dt.date(2026, 2, 1)


@given(DAYS, st.integers(min_value=1, max_value=36))
def test_months_back_end_with_the_month_oldest_first_without_gaps(day, count):
    month = dates.first_of(day)
    months = dates.months_back(month, count)
    assert len(months) == count and months[-1] == month
    assert all(dates.next_month(a) == b for a, b in pairwise(months))


def test_the_last_complete_month_is_the_one_before_today():
    with clock.frozen_at(dt.datetime(2026, 3, 1, 0, 30, tzinfo=SHANGHAI)):
        assert dates.last_complete_month() == dt.date(2026, 2, 1)
    # 23:30 UTC on 31 Jan is already 1 Feb in Shanghai
    with clock.frozen_at(dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC)):
        assert dates.last_complete_month() == dt.date(2026, 1, 1)


@given(DAYS)
def test_a_month_written_yyyy_mm_reads_back(day):
    month = dates.first_of(day)
    assert dates.parse_month(f"{month:%Y-%m}") == month


def test_a_malformed_or_missing_month_reads_as_none():
    for text in (None, "", "2026", "2026-13", "2026-00", "2026-01-05", "May 2026", "2026-x"):
        assert dates.parse_month(text) is None


def test_a_months_bounds_are_its_days_and_local_midnights():
    first, after, start, end = dates.month_bounds(dt.date(2026, 2, 1))
    assert (first, after) == (dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    assert start == dt.datetime(2026, 2, 1, tzinfo=SHANGHAI)
    assert end == dt.datetime(2026, 3, 1, tzinfo=SHANGHAI)
    assert start.utcoffset() == dt.timedelta(hours=8)
    assert dates.midnight(dt.date(2026, 2, 1)) == start
