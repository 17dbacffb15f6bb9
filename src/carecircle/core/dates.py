"""Calendar arithmetic the business rules and reports share.

``add_months`` moves a date by whole months (policy terms, do-not-call periods, reminders).
Months as reports count them (scorecards, the cockpit, complaint and survey figures, merchant
statements, the supervision dashboard) are ``[first day, first day of next month)`` in local
time; a month is named by its first day.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils import timezone

from . import clock


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later; the month's last day when it is shorter (31 Aug + 6 → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def first_of(day: dt.date) -> dt.date:
    """The month ``day`` falls in, named by its first day."""
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after the one ``month`` falls in."""
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    """The first day of the month before the one ``month`` falls in."""
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def last_complete_month() -> dt.date:
    return previous_month(first_of(clock.today()))


def parse_month(text: str | None) -> dt.date | None:
    """``YYYY-MM`` (as a ``?month=`` query or an ``<input type="month">`` sends it) as the
    month's first day; None when absent or malformed."""
    try:
        year, month = (int(p) for p in (text or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return None


def midnight(day: dt.date) -> dt.datetime:
    """The aware local midnight that starts ``day`` (Asia/Shanghai by default)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """(first day, first day of next month, and both as aware local midnights)."""
    end = next_month(month)
    return month, end, midnight(month), midnight(end)


def months_back(month: dt.date, count: int) -> list[dt.date]:
    """``count`` months ending with ``month``, oldest first."""
    out = [month]
    for _ in range(count - 1):
        out.append(previous_month(out[-1]))
    return out[::-1]
