"""The work calendar as loaded: ``load_year`` writes one year's schedule (a shipped file from
``core.holidays`` or an administrator's own), ``work_calendar()`` builds the ``WorkCalendar``
from the loaded rows.

The calendar is cached per process: loading a year clears this process's copy at once, other
processes (web workers, the task worker) rebuild theirs within ``TTL_SECONDS``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from . import clock, holidays
from .calendar import WorkCalendar
from .errors import DomainError
from .models import HolidayDay, HolidayYear

TTL_SECONDS = 60.0
_cached: tuple[float, WorkCalendar] | None = None


def work_calendar() -> WorkCalendar:
    """The calendar built from every loaded year (weekends only for the others)."""
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < TTL_SECONDS:
        return _cached[1]
    years = list(HolidayYear.objects.values_list("year", flat=True))
    rows = list(HolidayDay.objects.values_list("date", "kind", "name"))
    cal = WorkCalendar(
        {d: name for d, kind, name in rows if kind == HolidayDay.Kind.OFF},
        [d for d, kind, _ in rows if kind == HolidayDay.Kind.WORKING],
        years=years,
    )
    _cached = (now, cal)
    return cal


def invalidate() -> None:
    global _cached
    _cached = None


@dataclass(frozen=True)
class Loaded:
    year: int
    off: int
    working: int
    changed: bool


def load_year(year: int, path: Path | str | None = None, *, loaded_by: str = "") -> Loaded:
    """Load ``year`` from ``path`` (default: the shipped file). Idempotent: the year's days are
    replaced by the file's, and loading the same file again changes nothing."""
    if path is None:
        path = holidays.shipped().get(year)
        if path is None:
            raise DomainError(
                "holiday_year",
                f"未附带{year}年的节假日安排，请用 --file 指定 / no schedule shipped for {year}: "
                "give the notice's dates with --file",
                "year",
            )
    schedule = holidays.read(path)
    if schedule.year != year:
        raise DomainError(
            "holiday_year",
            f"文件是{schedule.year}年的安排 / the file is the {schedule.year} schedule, not {year}",
            "year",
        )
    wanted = {d: (HolidayDay.Kind.OFF, n) for d, n in schedule.off.items()} | {
        d: (HolidayDay.Kind.WORKING, n) for d, n in schedule.working.items()
    }
    with transaction.atomic():
        row = HolidayYear.objects.select_for_update().filter(year=year).first()
        have = (
            {d: (k, n) for d, k, n in row.days.values_list("date", "kind", "name")} if row else {}
        )
        same = (
            row is not None
            and have == wanted
            and (row.source, row.url)
            == (
                schedule.source,
                schedule.url,
            )
        )
        if not same:
            if row is None:
                row = HolidayYear(year=year)
            row.source, row.url = schedule.source, schedule.url
            row.loaded_at, row.loaded_by = clock.now(), loaded_by[:150]
            row.save()
            row.days.all().delete()
            HolidayDay.objects.bulk_create(
                HolidayDay(schedule=row, date=d, kind=k, name=n[:64])
                for d, (k, n) in sorted(wanted.items())
            )
            transaction.on_commit(invalidate)
    invalidate()
    return Loaded(year, len(schedule.off), len(schedule.working), not same)
