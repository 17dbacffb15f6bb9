"""The work calendar: which days are off in China (weekends, the State Council's public
holidays) and which weekends are 调休 working days, and day arithmetic over it. Pure.

The yearly schedule is data (``core.holidays`` ships the published notices, an administrator
loads a year with ``carecircle calendar load YEAR``; ``core.workdays`` builds the calendar from
the loaded rows). A year with no schedule loaded is computed as weekends only, and
``covers(year)`` / ``missing_years(start, end)`` say so, so that a caller can flag it instead
of trusting it silently.

Working-day arithmetic bisects a precomputed list of working days (ordinals): the nightly
re-evaluation of 100,000 claims asks it a few hundred thousand times.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping

ONE_DAY = dt.timedelta(days=1)


class WorkCalendar:
    """Weekends and listed holidays are off; listed 调休 ``workdays`` are working days even on a
    weekend. ``holidays`` is a set of dates or a mapping date → holiday name. ``years`` are the
    years whose schedule is known (default: the years the two lists mention)."""

    def __init__(
        self,
        holidays: Iterable[dt.date] | Mapping[dt.date, str] = (),
        workdays: Iterable[dt.date] = (),
        *,
        years: Iterable[int] | None = None,
        start: dt.date = dt.date(1990, 1, 1),
        end: dt.date = dt.date(2060, 12, 31),
    ):
        self.names: dict[dt.date, str] = (
            dict(holidays) if isinstance(holidays, Mapping) else dict.fromkeys(holidays, "")
        )
        self.workdays = frozenset(workdays)
        off = frozenset(self.names) - self.workdays
        self.years = frozenset(
            years if years is not None else {d.year for d in (*self.names, *self.workdays)}
        )
        self.start, self.end = start, end
        days: list[int] = []
        d = start
        while d <= end:
            if (d.weekday() < 5 and d not in off) or d in self.workdays:
                days.append(d.toordinal())
            d += ONE_DAY
        self._days = days

    # ---- what a day is ----------------------------------------------------------------------

    def covers(self, year: int) -> bool:
        """Whether ``year``'s holiday schedule is known (else only weekends are off)."""
        return year in self.years

    def missing_years(self, first: dt.date, last: dt.date) -> tuple[int, ...]:
        """The years between the two dates (inclusive, either order) with no schedule."""
        lo, hi = sorted((first.year, last.year))
        return tuple(y for y in range(lo, hi + 1) if y not in self.years)

    def is_working_day(self, day: dt.date) -> bool:
        o = day.toordinal()
        i = bisect.bisect_left(self._days, o)
        return i < len(self._days) and self._days[i] == o

    def is_day_off(self, day: dt.date) -> bool:
        """法定休假日: a weekend that is not a 调休 working day, or a listed holiday."""
        return not self.is_working_day(day)

    def holiday_name(self, day: dt.date) -> str:
        return self.names.get(day, "")

    # ---- arithmetic -------------------------------------------------------------------------

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the first working day after it."""
        i = bisect.bisect_left(self._days, day.toordinal())
        return dt.date.fromordinal(self._days[min(i, len(self._days) - 1)])

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (the day itself is not counted); ``day``
        for n = 0."""
        if n <= 0:
            return day
        i = bisect.bisect_right(self._days, day.toordinal())
        return dt.date.fromordinal(self._days[min(i + n - 1, len(self._days) - 1)])

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
        if end <= start:
            return 0
        return bisect.bisect_right(self._days, end.toordinal()) - bisect.bisect_right(
            self._days, start.toordinal()
        )

    def longest_break(self, year: int) -> int:
        """The longest run of consecutive days off touching ``year`` (the Spring Festival
        break, usually): how far a legal deadline can move at most."""
        best = run = 0
        d = dt.date(year, 1, 1) - dt.timedelta(days=14)
        stop = dt.date(year, 12, 31) + dt.timedelta(days=14)
        while d <= stop:
            run = run + 1 if self.is_day_off(d) else 0
            best = max(best, run)
            d += ONE_DAY
        return best


WEEKENDS_ONLY = WorkCalendar(years=())
