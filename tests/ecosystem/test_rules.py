"""Pure reminder rules: month arithmetic, inspection and maintenance calendars, birthdays."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from carecircle.ecosystem import rules

days = st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))


@given(days, st.integers(-120, 120))
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months):
    out = rules.add_months(day, months)
    assert (out.year * 12 + out.month) - (day.year * 12 + day.month) == months
    assert out.day == day.day or (out.day < day.day and (out + dt.timedelta(days=1)).day == 1)


@given(days)
def test_maintenance_falls_due_twice_a_year(first_registration):
    year = first_registration.year + 3
    due = [
        d
        for d in (dt.date(year, 1, 1) + dt.timedelta(days=n) for n in range(366))
        if d.year == year and rules.maintenance_due_on(first_registration, d)
    ]
    assert len(due) == 2


def test_private_cars_are_inspected_in_years_6_and_10_then_yearly_then_twice_a_year():
    due = sorted(rules.inspection_due_dates(dt.date(2010, 5, 31), operating=False, years=16))
    assert due == [
        dt.date(2016, 5, 31),
        dt.date(2020, 5, 31),
        dt.date(2021, 5, 31),
        dt.date(2022, 5, 31),
        dt.date(2023, 5, 31),
        dt.date(2024, 5, 31),
        dt.date(2025, 5, 31),
        dt.date(2025, 11, 30),
        dt.date(2026, 5, 31),
        dt.date(2026, 11, 30),
    ]


def test_a_29_february_birthday_is_greeted_on_28_february_in_other_years():
    assert rules.is_birthday(dt.date(1992, 2, 29), dt.date(2026, 2, 28))
    assert rules.is_birthday(dt.date(1992, 2, 29), dt.date(2028, 2, 29))
    assert not rules.is_birthday(dt.date(1992, 2, 29), dt.date(2028, 2, 28))
    assert not rules.is_birthday(None, dt.date(2026, 2, 28))
