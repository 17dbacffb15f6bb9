"""The business calendar, the service promise and the legal clocks (Insurance Law arts 22-25).
Pure; the settings come in as ``ClockSettings``."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ..choices import ClaimStatus, Clock, ClockState
from .workflow import PRE_PAYMENT

S = ClaimStatus

# ---- business calendar ---------------------------------------------------------------------


class BusinessCalendar:
    """Weekdays minus holidays plus make-up working days; day arithmetic by bisection over a
    precomputed list of business days, so a 100,000-claim re-evaluation stays fast."""

    def __init__(
        self,
        holidays: Iterable[dt.date] = (),
        extra_workdays: Iterable[dt.date] = (),
        start: dt.date = dt.date(2000, 1, 1),
        end: dt.date = dt.date(2040, 12, 31),
    ):
        off, on = frozenset(holidays), frozenset(extra_workdays)
        self.start, self.end = start, end
        days: list[int] = []
        d = start
        one = dt.timedelta(days=1)
        while d <= end:
            if (d.weekday() < 5 and d not in off) or d in on:
                days.append(d.toordinal())
            d += one
        self._days = days

    def is_business_day(self, day: dt.date) -> bool:
        i = bisect.bisect_left(self._days, day.toordinal())
        return i < len(self._days) and self._days[i] == day.toordinal()

    def add(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th business day after ``day`` (day itself does not count)."""
        i = bisect.bisect_right(self._days, day.toordinal())
        return dt.date.fromordinal(self._days[min(i + n - 1, len(self._days) - 1)])

    def between(self, start: dt.date, end: dt.date) -> int:
        """Business days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
        if end <= start:
            return 0
        return bisect.bisect_right(self._days, end.toordinal()) - bisect.bisect_right(
            self._days, start.toordinal()
        )


@lru_cache(maxsize=8)
def calendar_for(holidays: tuple[str, ...], extra: tuple[str, ...]) -> BusinessCalendar:
    return BusinessCalendar(
        (dt.date.fromisoformat(d) for d in holidays), (dt.date.fromisoformat(d) for d in extra)
    )


# ---- clocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockSettings:
    decision_days: int = 30
    payment_days: int = 10
    rejection_notice_days: int = 3
    advance_days: int = 60
    warning_days: int = 2
    promise_bands: tuple[tuple[Decimal | None, int], ...] = (
        (Decimal("2000"), 1),
        (Decimal("5000"), 3),
        (Decimal("10000"), 7),
        (None, 10),
    )
    injury_promise_days: int = 30


@dataclass(frozen=True)
class ClockFacts:
    status: str
    reported_on: dt.date
    amount: Decimal
    injury: bool = False
    approved_on: dt.date | None = None
    rejected_on: dt.date | None = None
    rejection_notice_on: dt.date | None = None
    documents_complete_on: dt.date | None = None
    waiting_since: dt.date | None = None
    paused_days: int = 0
    promise: int | None = None  # promised business days when already known (bulk runs)


@dataclass(frozen=True)
class ClockResult:
    promised_on: dt.date | None
    promise_state: str
    due_on: dt.date | None
    due_clock: str
    clock_state: str
    clocks: dict[str, dt.date] = field(default_factory=dict)


def promise_days(amount: Decimal, injury: bool, cs: ClockSettings) -> int:
    """Working days the insurer promises from report to payment for this amount band."""
    if injury:
        return cs.injury_promise_days
    for upper, days in cs.promise_bands:
        if upper is None or amount <= upper:
            return days
    return cs.promise_bands[-1][1]


def _state(due: dt.date, today: dt.date, cal: BusinessCalendar, warn: int, paused: bool) -> str:
    if paused:
        return ClockState.PAUSED
    if today > due:
        return ClockState.BREACHED
    if cal.between(today, due) <= warn:
        return ClockState.WARNING
    return ClockState.OK


def evaluate_clocks(
    f: ClockFacts, today: dt.date, cal: BusinessCalendar, cs: ClockSettings
) -> ClockResult:
    """The service promise and the earliest running legal clock of one claim.

    Time waiting on the customer (after the one notice for missing documents) is excluded:
    finished pauses are added as ``paused_days``, a running pause adds the days so far and
    shows the clock as paused (Art 23)."""
    paused_now = cal.between(f.waiting_since, today) if f.waiting_since else 0
    pause = f.paused_days + paused_now
    waiting = f.waiting_since is not None
    clocks: dict[str, dt.date] = {}
    promised = None
    promise_state: str = ClockState.NONE
    if f.status in PRE_PAYMENT or f.status == S.APPROVED:
        days = f.promise if f.promise is not None else promise_days(f.amount, f.injury, cs)
        promised = cal.add(f.reported_on, days + pause)
        promise_state = _state(promised, today, cal, min(cs.warning_days, 1), waiting)
    if f.status in PRE_PAYMENT:
        clocks[Clock.DECISION] = cal.add(f.reported_on, cs.decision_days + pause)
        if f.documents_complete_on is not None:
            clocks[Clock.ADVANCE] = cal.add(f.documents_complete_on, cs.advance_days)
    elif f.status == S.APPROVED and f.approved_on is not None:
        clocks[Clock.PAYMENT] = cal.add(f.approved_on, cs.payment_days)
    elif f.status == S.REJECTED and f.rejected_on and f.rejection_notice_on is None:
        clocks[Clock.REJECTION_NOTICE] = cal.add(f.rejected_on, cs.rejection_notice_days)
    if not clocks:
        return ClockResult(promised, promise_state, None, Clock.NONE, ClockState.NONE, clocks)
    kind, due = min(clocks.items(), key=lambda kv: kv[1])
    legal_paused = waiting and kind in (Clock.DECISION,)
    return ClockResult(
        promised,
        promise_state,
        due,
        kind,
        _state(due, today, cal, cs.warning_days, legal_paused),
        clocks,
    )
