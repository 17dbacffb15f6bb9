"""The service promise and the legal clocks of one claim (Insurance Law arts 22-25). Pure; the
calendar (``core.calendar.WorkCalendar``) and the settings come in as arguments.

Legal clocks run in calendar days with the Civil Code's end-of-period rule
(``claims.clocks.legal_deadline``); the company's promise runs in working days. Time waiting
on the customer for documents (after the one notice went out) is excluded, in calendar days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from carecircle.core.calendar import WorkCalendar

from ..choices import ClaimStatus, Clock, ClockState
from ..clocks import legal_deadline, promise_deadline
from .workflow import PRE_PAYMENT

S = ClaimStatus


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
    # Art 23: the payment clock runs from the customer's acceptance of the amount, not from
    # the internal approval.
    offer_accepted_on: dt.date | None = None
    rejected_on: dt.date | None = None
    rejection_notice_on: dt.date | None = None
    documents_complete_on: dt.date | None = None
    waiting_since: dt.date | None = None
    paused_days: int = 0  # calendar days waited on the customer, pauses already over
    # The settlement left for the bank this round (#16): the payment clock and the promise
    # count to dispatch, not to the bank's confirmation.
    payment_sent_on: dt.date | None = None
    promise: int | None = None  # promised working days when already known (bulk runs)


@dataclass(frozen=True)
class ClockResult:
    promised_on: dt.date | None
    promise_state: str
    due_on: dt.date | None
    due_clock: str
    clock_state: str
    clocks: dict[str, dt.date] = field(default_factory=dict)
    # Years with no holiday schedule loaded that these clocks touch: their dates count
    # weekends only and must be flagged, not trusted.
    unscheduled: tuple[int, ...] = ()


def promise_days(amount: Decimal, injury: bool, cs: ClockSettings) -> int:
    """Working days the insurer promises from report to payment for this amount band."""
    if injury:
        return cs.injury_promise_days
    for upper, days in cs.promise_bands:
        if upper is None or amount <= upper:
            return days
    return cs.promise_bands[-1][1]


def _state(due: dt.date, today: dt.date, cal: WorkCalendar, warn: int, paused: bool) -> str:
    if paused:
        return ClockState.PAUSED
    if today > due:
        return ClockState.BREACHED
    if cal.working_days_between(today, due) <= warn:
        return ClockState.WARNING
    return ClockState.OK


def evaluate_clocks(
    f: ClockFacts, today: dt.date, cal: WorkCalendar, cs: ClockSettings
) -> ClockResult:
    """The service promise and the earliest running legal clock of one claim.

    Time waiting on the customer (after the one notice for missing documents) is excluded
    from the 30-day decision and the promise: finished pauses come as ``paused_days``, a
    running pause adds the days so far and shows the clock as paused (Art 23)."""
    waiting = f.waiting_since is not None
    pause = f.paused_days + (max((today - f.waiting_since).days, 0) if f.waiting_since else 0)
    spans: list[tuple[dt.date, dt.date]] = []
    clocks: dict[str, dt.date] = {}
    promised = None
    promise_state: str = ClockState.NONE

    def legal(kind: str, start: dt.date, days: int) -> None:
        clocks[kind] = legal_deadline(start, days, cal)
        spans.append((start + dt.timedelta(days=days), clocks[kind]))

    awaiting_payment = f.status == S.APPROVED and f.payment_sent_on is None
    if f.status in PRE_PAYMENT or awaiting_payment:
        days = f.promise if f.promise is not None else promise_days(f.amount, f.injury, cs)
        promised = promise_deadline(f.reported_on, days, cal, pause)
        promise_state = _state(promised, today, cal, min(cs.warning_days, 1), waiting)
        spans.append((f.reported_on, promised))
    if f.status in PRE_PAYMENT:
        legal(Clock.DECISION, f.reported_on, cs.decision_days + pause)
        if f.documents_complete_on is not None:
            legal(Clock.ADVANCE, f.documents_complete_on, cs.advance_days)
    if (f.status in PRE_PAYMENT or awaiting_payment) and f.offer_accepted_on is not None:
        legal(Clock.PAYMENT, f.offer_accepted_on, cs.payment_days)
    elif f.status == S.REJECTED and f.rejected_on and f.rejection_notice_on is None:
        legal(Clock.REJECTION_NOTICE, f.rejected_on, cs.rejection_notice_days)
    missing = sorted({y for a, b in spans for y in cal.missing_years(a, b)})
    if not clocks:
        return ClockResult(
            promised, promise_state, None, Clock.NONE, ClockState.NONE, clocks, tuple(missing)
        )
    kind, due = min(clocks.items(), key=lambda kv: kv[1])
    if today <= due:  # "due soon" counts the working days left
        missing = sorted(set(missing) | set(cal.missing_years(today, due)))
    legal_paused = waiting and kind == Clock.DECISION
    return ClockResult(
        promised,
        promise_state,
        due,
        kind,
        _state(due, today, cal, cs.warning_days, legal_paused),
        clocks,
        tuple(missing),
    )
