"""The work calendar: weekends and the State Council's holidays are off, 调休 weekends are
working days, and a year with no schedule is known to be missing (DOMAIN.md, claims clocks)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from carecircle.core.calendar import WorkCalendar
from tests.factories.core import fixture_calendar

CAL = fixture_calendar()
D = dt.date


def test_weekends_and_listed_holidays_are_off_and_a_tiaoxiu_weekend_is_a_working_day():
    assert CAL.is_day_off(D(2025, 10, 1))  # National Day, a Wednesday
    assert CAL.holiday_name(D(2025, 10, 8)) == "国庆节、中秋节"
    assert CAL.is_day_off(D(2025, 9, 27))  # an ordinary Saturday
    assert not CAL.is_day_off(D(2025, 9, 28))  # Sunday, 调休 working day
    assert not CAL.is_day_off(D(2025, 10, 11))  # Saturday, 调休 working day
    assert not CAL.is_day_off(D(2025, 9, 30))  # an ordinary Tuesday


def test_adding_working_days_skips_days_off_and_counts_a_tiaoxiu_sunday():
    # DOMAIN.md: the company promise of 3 working days from Fri 26 Sep 2025.
    assert CAL.add_working_days(D(2025, 9, 26), 3) == D(2025, 9, 30)
    weekends_only = WorkCalendar()
    assert weekends_only.add_working_days(D(2025, 9, 26), 3) == D(2025, 10, 1)  # the wrong one
    assert CAL.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert CAL.add_working_days(D(2025, 9, 30), 0) == D(2025, 9, 30)


def test_working_days_between_counts_after_the_start_up_to_the_end():
    assert CAL.working_days_between(D(2025, 9, 26), D(2025, 9, 30)) == 3
    assert CAL.working_days_between(D(2025, 9, 30), D(2025, 10, 9)) == 1
    assert CAL.working_days_between(D(2025, 10, 9), D(2025, 9, 30)) == 0


def test_the_years_covered_are_known_and_the_missing_ones_are_named():
    assert CAL.covers(2025) and CAL.covers(2026)
    assert not CAL.covers(2027)
    assert CAL.missing_years(D(2026, 12, 20), D(2027, 1, 19)) == (2027,)
    assert CAL.missing_years(D(2027, 1, 19), D(2024, 12, 1)) == (2024, 2027)
    assert WorkCalendar(holidays=[D(2030, 1, 1)]).covers(2030)  # years default to the listed


def test_the_longest_break_is_the_2026_spring_festival():
    assert CAL.longest_break(2026) == 9  # 15-23 Feb; 14 Feb and 28 Feb are working Saturdays
    assert CAL.longest_break(2025) == 8  # 28 Jan-4 Feb, 1-8 Oct


@given(st.dates(D(2024, 6, 1), D(2027, 6, 1)), st.integers(0, 60))
def test_adding_n_working_days_lands_on_a_working_day_exactly_n_working_days_later(day, n):
    end = CAL.add_working_days(day, n)
    assert CAL.working_days_between(day, end) == n
    if n:
        assert not CAL.is_day_off(end)


@given(st.dates(D(2024, 6, 1), D(2027, 6, 1)))
def test_the_next_working_day_is_the_day_itself_or_the_first_working_day_after(day):
    nxt = CAL.next_working_day(day)
    assert nxt >= day and not CAL.is_day_off(nxt)
    assert all(CAL.is_day_off(day + dt.timedelta(days=i)) for i in range((nxt - day).days))
