"""Months as reports count them (scorecards, the cockpit, complaint and survey figures):
[first day, first day of next month) in local time."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import clock


def first_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def last_complete_month() -> dt.date:
    return previous_month(first_of(clock.today()))


def parse_month(text: str | None) -> dt.date | None:
    try:
        year, month = (int(p) for p in (text or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return None


def bounds(month: dt.date) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """(first day, first day of next month, and both as aware local midnights)."""
    end = next_month(month)
    tz = timezone.get_current_timezone()
    return (
        month,
        end,
        dt.datetime.combine(month, dt.time(), tzinfo=tz),
        dt.datetime.combine(end, dt.time(), tzinfo=tz),
    )


def months_back(month: dt.date, count: int) -> list[dt.date]:
    """``count`` months ending with ``month``, oldest first."""
    out = [month]
    for _ in range(count - 1):
        out.append(previous_month(out[-1]))
    return out[::-1]
