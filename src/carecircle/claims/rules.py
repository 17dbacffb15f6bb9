"""Pure claims decisions: the state machine, the business calendar and clocks, fast-track
eligibility and fraud signals. No database access; settings come in as arguments."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from carecircle.core.errors import DomainError

from .choices import Action, ClaimStatus, Clock, ClockState

S = ClaimStatus

# ---- the state machine ---------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str | None  # None: the status does not change (an event on the timeline)
    needs_reason: bool = False
    approver_only: bool = False


PRE_PAYMENT = frozenset(
    {
        S.REPORTED,
        S.DISPATCHED,
        S.SURVEYED,
        S.REGISTERED,
        S.ASSESSED,
        S.INJURY_HANDLING,
        S.LOSS_CHECKED,
        S.ADJUSTED,
    }
)
DECIDABLE = frozenset({S.REGISTERED, S.ASSESSED, S.INJURY_HANDLING, S.LOSS_CHECKED, S.ADJUSTED})

# One table of allowed transitions for the claim workflow (机动车辆保险理赔管理指引).
STEPS: dict[str, Step] = {
    Action.DISPATCH: Step(frozenset({S.REPORTED}), S.DISPATCHED),
    Action.SURVEY: Step(frozenset({S.DISPATCHED}), S.SURVEYED),
    Action.REGISTER: Step(frozenset({S.SURVEYED}), S.REGISTERED),
    Action.ASSESS: Step(frozenset({S.REGISTERED}), S.ASSESSED),
    Action.START_INJURY: Step(frozenset({S.ASSESSED}), S.INJURY_HANDLING),
    Action.CHECK_LOSS: Step(frozenset({S.ASSESSED, S.INJURY_HANDLING}), S.LOSS_CHECKED),
    Action.ADJUST: Step(frozenset({S.LOSS_CHECKED}), S.ADJUSTED),
    Action.APPROVE: Step(frozenset({S.ADJUSTED}), S.APPROVED, approver_only=True),
    Action.ESCALATE: Step(frozenset({S.ADJUSTED}), None),
    Action.PAY: Step(frozenset({S.APPROVED}), S.PAID),
    Action.FOLLOW_UP: Step(frozenset({S.PAID}), S.FOLLOWED_UP),
    Action.CLOSE: Step(frozenset({S.FOLLOWED_UP}), S.CLOSED),
    Action.REOPEN: Step(frozenset({S.CLOSED, S.WITHDRAWN, S.REJECTED}), S.REGISTERED, True),
    Action.WITHDRAW: Step(PRE_PAYMENT, S.WITHDRAWN, True),
    Action.REJECT: Step(DECIDABLE, S.REJECTED, True, approver_only=True),
    Action.REQUEST_DOCUMENTS: Step(PRE_PAYMENT, None, True),
    Action.DOCUMENTS_COMPLETE: Step(PRE_PAYMENT, None),
    Action.REJECTION_NOTICE: Step(frozenset({S.REJECTED}), None),
    Action.ADVANCE_PAYMENT: Step(DECIDABLE, None, approver_only=True),
    Action.REFER: Step(PRE_PAYMENT | {S.APPROVED}, None),
    Action.ACCEPT_OFFER: Step(frozenset({S.ADJUSTED, S.APPROVED}), None),
    # The shop's steps (partner portal): accept while the claim is open, propose an estimate
    # before the loss check (the assessor decides), report the repair done until closing.
    Action.SHOP_ACCEPT: Step(PRE_PAYMENT | {S.APPROVED, S.PAID}, None),
    Action.SHOP_ESTIMATE: Step(PRE_PAYMENT - {S.LOSS_CHECKED, S.ADJUSTED}, None),
    Action.REPAIR_DONE: Step(PRE_PAYMENT | {S.APPROVED, S.PAID, S.FOLLOWED_UP}, None),
}
SHOP_ACTIONS = frozenset({Action.SHOP_ACCEPT, Action.SHOP_ESTIMATE, Action.REPAIR_DONE})
# The main line a handler walks, in order (for "next step" hints and the timeline).
MAIN_LINE = [
    S.REPORTED,
    S.DISPATCHED,
    S.SURVEYED,
    S.REGISTERED,
    S.ASSESSED,
    S.INJURY_HANDLING,
    S.LOSS_CHECKED,
    S.ADJUSTED,
    S.APPROVED,
    S.PAID,
    S.FOLLOWED_UP,
    S.CLOSED,
]
STATUS_CHANGES = [a for a, s in STEPS.items() if s.target is not None]


def allowed_actions(status: str, injury: bool) -> list[str]:
    """The status-changing actions open from ``status``, main line first."""
    out = []
    for action in STATUS_CHANGES:
        if status not in STEPS[action].sources:
            continue
        if action == Action.START_INJURY and not injury:
            continue
        if action == Action.CHECK_LOSS and injury and status == S.ASSESSED:
            continue  # injuries are handled before the loss check
        out.append(action)
    return out


def _labels(actions: Iterable[str]) -> str:
    return ", ".join(f"{a} ({Action(a).label})" for a in actions) or "—"


def check_transition(action: str, status: str, injury: bool) -> Step:
    """The step for ``action`` from ``status``; refused with the allowed next steps."""
    if action not in STEPS:
        raise DomainError("unknown_action", f"未知动作 / unknown action {action!r}", "action")
    step = STEPS[action]
    allowed = status in step.sources
    if action == Action.START_INJURY and not injury:
        allowed = False
    if action == Action.CHECK_LOSS and injury and status == S.ASSESSED:
        allowed = False
    if not allowed:
        nxt = allowed_actions(status, injury)
        raise DomainError(
            "transition_not_allowed",
            f"当前状态 {ClaimStatus(status).label} 不能执行 {Action(action).label}；"
            f"可执行 / from {status} you cannot {action}; allowed next steps: {_labels(nxt)}",
            "action",
            status=409,
        )
    return step


def require_reason(action: str, reason: str) -> str:
    reason = (reason or "").strip()
    if STEPS[action].needs_reason and len(reason) < 2:
        raise DomainError(
            "reason_required",
            f"{Action(action).label} 须书面说明理由 / {action} needs a written reason",
            "reason",
        )
    return reason


# ---- policy period and the time bar -------------------------------------------------------


def check_policy_covers(
    accident_on: dt.date,
    effective: dt.date,
    expiry: dt.date,
    cancelled_on: dt.date | None,
    reported_on: dt.date,
    time_bar_days: int,
) -> None:
    """The accident must fall inside the policy period (expiry exclusive, cancellation ends it)
    and the report must come within the time bar (Art 26). Refusals name the dates."""
    end = min(expiry, cancelled_on) if cancelled_on else expiry
    if accident_on < effective:
        raise DomainError(
            "before_inception",
            f"出险日 {accident_on} 早于保单起保日 {effective} / the accident on {accident_on} is "
            f"before the policy started on {effective}",
            "accident_at",
        )
    if accident_on >= end:
        raise DomainError(
            "policy_lapsed",
            f"出险日 {accident_on} 保单已失效(保险期间 {effective} 至 {end} 零时) / the policy "
            f"had lapsed on {accident_on}: cover ran from {effective} to {end} (00:00)",
            "accident_at",
        )
    if accident_on > reported_on:
        raise DomainError(
            "accident_in_future",
            "出险时间不能晚于报案时间 / the accident cannot be after the report",
            "accident_at",
        )
    if (reported_on - accident_on).days > time_bar_days:
        raise DomainError(
            "time_barred",
            f"出险 {accident_on} 已超过诉讼时效({time_bar_days} 天) / reported more than "
            f"{time_bar_days} days after the accident on {accident_on} (time-barred)",
            "accident_at",
        )


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


# ---- approval authority ---------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    role: str
    limit: Decimal | None  # None: no limit
    level: int


def may_approve(amount: Decimal, role: str, ladder: Sequence[Authority]) -> bool:
    for a in ladder:
        if a.role == role:
            return a.limit is None or amount <= a.limit
    return False


def escalation_target(amount: Decimal, role: str, ladder: Sequence[Authority]) -> str | None:
    """The lowest level above ``role`` whose limit covers ``amount``."""
    mine = next((a.level for a in ladder if a.role == role), -1)
    for a in sorted(ladder, key=lambda a: a.level):
        if a.level > mine and (a.limit is None or amount <= a.limit):
            return a.role
    return None


# ---- fast track and fraud signals -----------------------------------------------------------


@dataclass(frozen=True)
class FastTrackFacts:
    amount: Decimal
    injury: bool
    liability_clear: bool
    open_flags: int
    tier: str  # "" when the value engine has not run


@dataclass(frozen=True)
class FastTrackPolicy:
    max_amount: Decimal
    allowed_tiers: frozenset[str]
    tier_max_amounts: dict[str, Decimal]
    require_clear_liability: bool = True


def fast_track_limit(tier: str, p: FastTrackPolicy) -> Decimal:
    return max(p.max_amount, p.tier_max_amounts.get(tier, p.max_amount))


def fast_track_refusals(f: FastTrackFacts, p: FastTrackPolicy) -> list[str]:
    """Empty when the claim may go the fast track; otherwise the reasons it may not."""
    out = []
    limit = fast_track_limit(f.tier, p)
    if f.amount > limit:
        out.append(f"金额 {f.amount} 超过快赔上限 {limit} / amount above the fast-track limit")
    if f.injury:
        out.append("涉及人伤 / injury involved")
    if p.require_clear_liability and not f.liability_clear:
        out.append("责任未明确 / liability not clear")
    if f.open_flags:
        out.append(f"{f.open_flags} 个风险提示待复核 / review flags open")
    if (f.tier or "standard") not in p.allowed_tiers:
        out.append(f"客户等级 {f.tier} 不在快赔范围 / customer tier not allowed")
    return out


@dataclass(frozen=True)
class FraudFacts:
    accident_at: dt.datetime  # local time
    policy_effective: dt.date
    cover_increased_on: dt.date | None  # when the vehicle-damage limit last went up
    single_vehicle: bool
    amount: Decimal
    thresholds: tuple[Decimal, ...]  # fast-track and authority limits
    same_shop_claims: int  # this customer's claims at the chosen shop in the window


@dataclass(frozen=True)
class FraudSettings:
    early_days: int = 30
    same_shop_claims: int = 3
    night_hours: tuple[int, int] = (22, 5)
    just_under_share: Decimal = Decimal("0.05")


def fraud_signals(f: FraudFacts, s: FraudSettings) -> list[tuple[str, str]]:
    """(code, reason) per signal. Signals route a claim to a person; they decide nothing."""
    out: list[tuple[str, str]] = []
    day = f.accident_at.date()
    if 0 <= (day - f.policy_effective).days < s.early_days:
        out.append(
            (
                "soon_after_inception",
                f"起保后 {(day - f.policy_effective).days} 天出险 / accident "
                f"{(day - f.policy_effective).days} days after the policy started",
            )
        )
    if f.cover_increased_on and 0 <= (day - f.cover_increased_on).days < s.early_days:
        out.append(
            (
                "soon_after_cover_increase",
                f"加保后 {(day - f.cover_increased_on).days} 天出险 / accident soon after the "
                "cover was increased",
            )
        )
    start, end = s.night_hours
    hour = f.accident_at.hour
    if f.single_vehicle and (hour >= start or hour < end):
        out.append(
            ("night_single_vehicle", f"夜间 {hour}:00 单车事故 / single-vehicle accident at night")
        )
    if f.same_shop_claims >= s.same_shop_claims:
        out.append(
            (
                "repeated_shop",
                f"同一修理厂已有 {f.same_shop_claims} 笔赔案 / {f.same_shop_claims} claims of "
                "this customer at the same shop",
            )
        )
    for t in f.thresholds:
        if t * (1 - s.just_under_share) <= f.amount < t:
            out.append(
                (
                    "just_under_threshold",
                    f"金额 {f.amount} 略低于 {t} / amount just under the {t} threshold",
                )
            )
            break
    return out
