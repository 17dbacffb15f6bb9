"""Pure decisions of the privacy app: the answer deadline, lateness, the retention cut-off of a
record kind, and whether 保险法第87条 still keeps a customer's records. No database.

One definition of "past its retention" serves every kind: a record whose end date is on or
before ``cutoff(today, period)`` — today moved back by the period — is past it. So a record
that ended on 10 March 2021 with a 5-year period is kept through 9 March 2026 and is past it
from 10 March 2026, the fifth anniversary, on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from carecircle.core.calendar import WorkCalendar
from carecircle.core.dates import add_months

# A contract longer than this many days is a "long" one under Art 87 (a year is 365 or 366).
ONE_YEAR_DAYS = 366


def answer_due(received_on: dt.date, calendar: WorkCalendar, working_days: int) -> dt.date:
    """The last day to answer: ``working_days`` working days after the day of receipt (the
    day itself not counted; a request received on a day off starts on the next working day)."""
    return calendar.add_working_days(received_on, working_days)


def is_overdue(due_on: dt.date, today: dt.date) -> bool:
    """Late from the day after the last day."""
    return today > due_on


def cutoff(today: dt.date, period: Mapping[str, int]) -> dt.date:
    """``today`` moved back by ``period`` ({"years": N} or {"days": N}); records that ended on
    or before it are past their retention."""
    if set(period) - {"years", "days"} or not period:
        raise ValueError(f"a retention period is years or days: {dict(period)!r}")
    day = add_months(today, -12 * int(period.get("years", 0)))
    return day - dt.timedelta(days=int(period.get("days", 0)))


def is_past(end: dt.date, period: Mapping[str, int], today: dt.date) -> bool:
    return end <= cutoff(today, period)


@dataclass(frozen=True)
class Contract:
    """A policy as Art 87 sees it: when it ran and whether it was cancelled early."""

    effective: dt.date
    expiry: dt.date
    cancelled_on: dt.date | None = None

    @property
    def ends(self) -> dt.date:
        return min(self.expiry, self.cancelled_on) if self.cancelled_on else self.expiry

    @property
    def long(self) -> bool:
        return (self.expiry - self.effective).days > ONE_YEAR_DAYS


def art87_years(contract: Contract, short: int, long: int) -> int:
    return long if contract.long else short


def art87_keeps(
    contracts: Iterable[Contract],
    claims_closed: Iterable[tuple[dt.date | None, bool]],
    today: dt.date,
    *,
    short: int,
    long: int,
) -> bool:
    """Whether Art 87 still keeps the customer's records on ``today``: a contract in force or
    ended less than its years ago (5 for a contract of a year or less, 10 for a longer one), or
    a claim still open or closed less than those years ago (``claims_closed``: each claim's
    closing date, None while open, and whether its policy is a long one)."""
    for c in contracts:
        if not is_past(c.ends, {"years": art87_years(c, short, long)}, today):
            return True
    for closed_on, is_long in claims_closed:
        if closed_on is None or not is_past(
            closed_on, {"years": long if is_long else short}, today
        ):
            return True
    return False


def art87_kept_until(
    contracts: Iterable[Contract],
    claims_closed: Iterable[tuple[dt.date | None, bool]],
    *,
    short: int,
    long: int,
) -> dt.date | None:
    """The last day the records are kept (for the customer's answer); None when there is no
    Art 87 record at all; ``date.max`` while a claim is open."""
    days: list[dt.date] = []
    for c in contracts:
        days.append(add_months(c.ends, 12 * art87_years(c, short, long)))
    for closed_on, is_long in claims_closed:
        if closed_on is None:
            return dt.date.max
        days.append(add_months(closed_on, 12 * (long if is_long else short)))
    return max(days) if days else None
