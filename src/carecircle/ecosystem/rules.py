"""Pure decisions of the ecosystem (no database): the reminder rules' dates and the
scorecards' ratios."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from carecircle.core.dates import add_months  # also read as rules.add_months by reminders


def inspection_due_dates(first_registration: dt.date, operating: bool, years: int = 30):
    """Dates an annual inspection (年检) falls due.

    Private small passenger cars (2022 rules): on site in years 6 and 10, yearly after year 10,
    every six months from year 15. Operating vehicles: yearly, every six months from year 5.
    """
    for k in range(1, years + 1):
        yearly = k in (6, 10) or k > 10 if not operating else True
        if yearly:
            yield add_months(first_registration, 12 * k)
        if k >= (5 if operating else 15):
            yield add_months(first_registration, 12 * k + 6)


def inspection_due_on(first_registration: dt.date, day: dt.date, operating: bool) -> bool:
    years = day.year - first_registration.year + 1
    return day in set(inspection_due_dates(first_registration, operating, max(years, 1)))


def maintenance_due_on(first_registration: dt.date, day: dt.date) -> bool:
    """Maintenance every six months from first registration (the common 6 months / 5,000 km)."""
    months = (day.year - first_registration.year) * 12 + day.month - first_registration.month
    return months > 0 and months % 6 == 0 and add_months(first_registration, months) == day


def is_birthday(birth_date: dt.date | None, day: dt.date) -> bool:
    if birth_date is None:
        return False
    return add_months(birth_date, 12 * (day.year - birth_date.year)) == day


def ratio(a: Any, b: Any, places: str = "0.001") -> Decimal | None:
    """``a ÷ b`` rounded to ``places``; ``None`` when there is nothing to divide by."""
    if not b:
        return None
    return (Decimal(a) / Decimal(b)).quantize(Decimal(places))
