"""考核督导: renewal figures per seat, team, channel and branch, and why customers leave.

Read-only queries for the supervision pages and their Excel export (docs/renewals-supervision.md).
Every figure is aggregated in SQL (``values`` + ``annotate``): a dashboard costs the same fixed
number of queries whatever the size of the book.

Three families of figures, each with its own clock:

- **results** over the renewals *due* in the period (expiry date in the period, 到期口径):
  due, reached (the customer was spoken to), renewed, lost, premium due / renewed / written
  (the successor policies' premium), attempts;
- **activity** in the period (timestamp in the period): contact attempts and connected calls
  by whoever made them, quotes sent, attempts the compliance rules blocked;
- **overdue** now: open renewals at or inside the first checkpoint (33 days before expiry)
  whose customer has not been reached yet.

Who sees what: a supervisor (``Perm.SUPERVISE_RENEWALS``) the whole book; a team leader
(``Team.leader``) the renewals assigned to their team and the activity of its members;
anyone else is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.core.money import ZERO
from carecircle.core.roles import Perm, has_perm
from carecircle.policies.choices import Channel

from .conf import renewal_settings
from .models import (
    CONNECTED_OUTCOMES,
    ComplianceBlock,
    Contact,
    LostReason,
    Quote,
    RenewalTask,
    Rule,
    Segment,
    Stage,
    Status,
)
from .services import can_supervise

PERCENT = Decimal("0.1")
MONEY: DecimalField = DecimalField(max_digits=16, decimal_places=2)


class Dimension(TextChoices):
    SEAT = "seat", _("按坐席 / By seat")
    TEAM = "team", _("按团队 / By team")
    CHANNEL = "channel", _("按渠道 / By channel")
    BRANCH = "branch", _("按机构(城市) / By branch (city)")


class PeriodKind(TextChoices):
    DAY = "day", _("日 / Day")
    WEEK = "week", _("周 / Week")
    MONTH = "month", _("月 / Month")


# ----------------------------------------------------------------------------- period, scope


@dataclass(frozen=True)
class Period:
    """Dates ``start`` (inclusive) to ``end`` (exclusive); weeks start on Monday."""

    kind: str
    start: dt.date
    end: dt.date

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        kind = PeriodKind(kind)
        if kind == PeriodKind.DAY:
            return cls(kind, day, day + dt.timedelta(days=1))
        if kind == PeriodKind.WEEK:
            start = day - dt.timedelta(days=day.weekday())
            return cls(kind, start, start + dt.timedelta(days=7))
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        return cls(kind, start, end)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return Period.containing(self.kind, self.end)

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """The period's local midnight boundaries (Asia/Shanghai by default)."""
        zone = timezone.get_current_timezone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=zone),
            dt.datetime.combine(self.end, dt.time.min, tzinfo=zone),
        )


@dataclass(frozen=True)
class Scope:
    """The whole book (``team_id`` None) or one team."""

    user: Any
    team_id: int | None
    team_name: str = ""

    @property
    def whole_book(self) -> bool:
        return self.team_id is None


def scope_for(user: Any) -> Scope:
    """Supervisors see every renewal, team leaders their team's; anyone else is refused."""
    if has_perm(user, Perm.SUPERVISE_RENEWALS):
        return Scope(user, None)
    if getattr(user, "is_authenticated", False) and user.is_active and can_supervise(user):
        return Scope(user, user.team_id, user.team.name)
    raise PermissionDenied("无续保督导权限 / you do not supervise renewals")


def _tasks(scope: Scope) -> QuerySet[RenewalTask]:
    tasks = RenewalTask.objects.for_user(scope.user)
    return tasks if scope.whole_book else tasks.filter(assignee__team_id=scope.team_id)


def _by_team(qs: QuerySet, scope: Scope) -> QuerySet:
    """Activity rows (contacts, quotes, blocks) of the team's members."""
    return qs if scope.whole_book else qs.filter(by__team_id=scope.team_id)


# ----------------------------------------------------------------------------- grouping keys

# Per dimension and source: (key lookup, label lookups). A seat is the renewal's assignee for
# results and overdue, the person who acted for activity; a channel is the channel that sold
# last year's policy; a branch is the customer's city (the insurer's city branch).
KEYS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    Dimension.SEAT: {
        "task": ("assignee_id", ("assignee__display_name", "assignee__username")),
        "act": ("by_id", ("by__display_name", "by__username")),
    },
    Dimension.TEAM: {
        "task": ("assignee__team_id", ("assignee__team__name",)),
        "act": ("by__team_id", ("by__team__name",)),
    },
    Dimension.CHANNEL: {
        "task": ("policy__channel", ()),
        "contact": ("task__policy__channel", ()),
        "act": ("task__policy__channel", ()),
    },
    Dimension.BRANCH: {
        "task": ("customer__city", ()),
        "contact": ("customer__city", ()),
        "act": ("task__customer__city", ()),
        "block": ("customer__city", ()),
    },
}


def _key(dimension: str, source: str) -> tuple[str, tuple[str, ...]]:
    keys = KEYS[dimension]
    return keys.get(source) or keys["act"]


def _label(dimension: str, key: Any, names: tuple[Any, ...]) -> str:
    if dimension == Dimension.CHANNEL:
        return str(Channel(key).label) if key in Channel.values else (key or "—")
    if dimension == Dimension.BRANCH:
        return key or str(_("未知 / Unknown"))
    if key is None:
        return str(_("未分配 / Unassigned"))
    return next((str(n) for n in names if n), str(key))


# ----------------------------------------------------------------------------- figures


def pct(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole as a percentage with one decimal (66.7); None when nothing is due."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT)


@dataclass
class Row:
    key: Any
    label: str
    due: int = 0
    reached: int = 0
    renewed: int = 0
    lost: int = 0
    premium_due: Decimal = ZERO
    premium_renewed: Decimal = ZERO
    premium_written: Decimal = ZERO
    attempts: int = 0  # attempts on the renewals due
    calls: int = 0  # contact attempts made in the period
    connected_calls: int = 0
    quotes: int = 0
    blocked: int = 0
    overdue: int = 0

    @property
    def contact_rate(self) -> Decimal | None:
        return pct(self.reached, self.due)

    @property
    def renewal_rate(self) -> Decimal | None:
        return pct(self.renewed, self.due)

    @property
    def premium_renewal_rate(self) -> Decimal | None:
        return pct(self.premium_renewed, self.premium_due)

    @property
    def premium_retained(self) -> Decimal | None:
        """This year's premium written on the renewals due ÷ their premium last year."""
        return pct(self.premium_written, self.premium_due)

    @property
    def average_attempts(self) -> Decimal | None:
        if not self.due:
            return None
        return (Decimal(self.attempts) / self.due).quantize(Decimal("0.01"))

    def add(self, other: Row) -> None:
        for name in ROW_SUMS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


ROW_SUMS = (
    "due",
    "reached",
    "renewed",
    "lost",
    "premium_due",
    "premium_renewed",
    "premium_written",
    "attempts",
    "calls",
    "connected_calls",
    "quotes",
    "blocked",
    "overdue",
)


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    dimension: str
    as_of: dt.date
    rows: list[Row]
    total: Row
    lost_reasons: list[dict[str, Any]]
    competitors: list[dict[str, Any]]
    blocked_rules: list[dict[str, Any]]
    checkpoint_days: int = 33
    charts: dict[str, Any] = field(default_factory=dict)


def _reached() -> Exists:
    """The customer was spoken to: a connected call, or an outcome only a conversation gives."""
    spoken = Contact.objects.filter(task=OuterRef("pk")).filter(
        Q(connected=True) | Q(outcome__in=list(CONNECTED_OUTCOMES))
    )
    return Exists(spoken)


def _written() -> Any:
    """Premium of the successors: the lead policy's and its compulsory companion's."""
    zero = Value(ZERO, output_field=MONEY)
    return Coalesce("successor__premium", zero, output_field=MONEY) + Coalesce(
        "companion__renewed_by__premium", zero, output_field=MONEY
    )


def _overdue(scope: Scope, as_of: dt.date) -> QuerySet[RenewalTask]:
    """Open renewals at or inside the first checkpoint whose customer is not reached yet."""
    checkpoint = max(renewal_settings().checkpoint_days)
    return (
        _tasks(scope)
        .filter(stage__in=[Stage.RESERVED, Stage.TELESALES])
        .filter(expiry_date__lte=as_of + dt.timedelta(days=checkpoint))
        .exclude(_reached())
    )


def due_in(scope: Scope, period: Period) -> QuerySet[RenewalTask]:
    return _tasks(scope).filter(expiry_date__gte=period.start, expiry_date__lt=period.end)


def _grouped(qs: QuerySet, dimension: str, source: str, **aggregates: Any) -> list[dict]:
    key, names = _key(dimension, source)
    rows = qs.values(key, *names).annotate(**aggregates).order_by()
    return [{"key": row[key], "names": tuple(row[n] for n in names), **row} for row in rows]


def dashboard(user: Any, dimension: str, period: Period, as_of: dt.date) -> Dashboard:
    """Figures per ``dimension`` for ``period``; overdue counted as of ``as_of``."""
    scope = scope_for(user)
    dimension = Dimension(dimension)
    conf = renewal_settings()
    checkpoint = max(conf.checkpoint_days)
    begin, end = period.moments()
    rows: dict[Any, Row] = {}

    def merge(found: Iterable[dict], **fields: str) -> None:
        for item in found:
            row = rows.get(item["key"])
            if row is None:
                row = rows[item["key"]] = Row(
                    item["key"], _label(dimension, item["key"], item["names"])
                )
            for attr, column in fields.items():
                setattr(row, attr, getattr(row, attr) + (item[column] or 0))

    due = due_in(scope, period)
    merge(
        _grouped(
            due,
            dimension,
            "task",
            n_due=Count("pk"),
            n_reached=Count("pk", filter=_reached()),
            n_renewed=Count("pk", filter=Q(status=Status.RENEWED)),
            n_lost=Count("pk", filter=Q(status=Status.LOST)),
            s_premium_due=Sum("premium_last_year"),
            s_premium_renewed=Sum("premium_last_year", filter=Q(status=Status.RENEWED)),
            s_written=Sum(_written(), filter=Q(status=Status.RENEWED)),
            s_attempts=Sum("attempts"),
        ),
        due="n_due",
        reached="n_reached",
        renewed="n_renewed",
        lost="n_lost",
        premium_due="s_premium_due",
        premium_renewed="s_premium_renewed",
        premium_written="s_written",
        attempts="s_attempts",
    )
    merge(_grouped(_overdue(scope, as_of), dimension, "task", n=Count("pk")), overdue="n")
    contacts = _by_team(Contact.objects.for_user(user), scope).filter(at__gte=begin, at__lt=end)
    merge(
        _grouped(
            contacts,
            dimension,
            "contact",
            n_calls=Count("pk"),
            n_connected=Count("pk", filter=Q(connected=True)),
        ),
        calls="n_calls",
        connected_calls="n_connected",
    )
    quotes = _by_team(Quote.objects.all(), scope).filter(at__gte=begin, at__lt=end)
    merge(_grouped(quotes, dimension, "act", n=Count("pk")), quotes="n")
    blocks = _by_team(ComplianceBlock.objects.all(), scope).filter(at__gte=begin, at__lt=end)
    merge(_grouped(blocks, dimension, "block", n=Count("pk")), blocked="n")

    ordered = sorted(rows.values(), key=lambda r: (-r.due, -r.calls, r.label))
    total = Row("total", str(_("合计 / Total")))
    for row in ordered:
        total.add(row)
    board = Dashboard(
        scope=scope,
        period=period,
        dimension=dimension,
        as_of=as_of,
        rows=ordered,
        total=total,
        lost_reasons=lost_reasons(due),
        competitors=competitors(due)[:10],
        blocked_rules=blocked_rules(blocks),
        checkpoint_days=checkpoint,
    )
    board.charts = {
        "labels": [r.label for r in ordered],
        "contact_rate": [_num(r.contact_rate) for r in ordered],
        "renewal_rate": [_num(r.renewal_rate) for r in ordered],
        "premium_retained": [_num(r.premium_retained) for r in ordered],
    }
    return board


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def lost_reasons(due: QuerySet[RenewalTask]) -> list[dict[str, Any]]:
    rows = (
        due.filter(status=Status.LOST)
        .values("lost_reason")
        .annotate(n=Count("pk"), premium=Sum("premium_last_year"))
        .order_by("-n", "lost_reason")
    )
    total = sum(r["n"] for r in rows)
    return [
        {
            "reason": r["lost_reason"],
            "label": _choice(LostReason, r["lost_reason"]),
            "n": r["n"],
            "premium": r["premium"],
            "share": pct(r["n"], total),
        }
        for r in rows
    ]


def _last_quote() -> Subquery:
    latest = Quote.objects.filter(task=OuterRef("pk")).order_by("-at", "-pk").values("total")[:1]
    return Subquery(latest, output_field=MONEY)


def competitors(due: QuerySet[RenewalTask]) -> list[dict[str, Any]]:
    """Customers lost to each competitor, their price and the gap to our last quote
    (negative: the competitor was cheaper), over the losses with both prices known."""
    both = Q(competitor_price__isnull=False, our_quote__isnull=False)
    rows = (
        due.filter(status=Status.LOST)
        .exclude(competitor="")
        .annotate(our_quote=_last_quote())
        .values("competitor")
        .annotate(
            n=Count("pk"),
            premium=Sum("premium_last_year"),
            priced=Count("pk", filter=both),
            their_price=Sum("competitor_price", filter=both),
            our_price=Sum("our_quote", filter=both),
            average_price=Avg("competitor_price"),
        )
        .order_by("-n", "competitor")
    )
    found = []
    for r in rows:
        gap = None
        gap_pct = None
        if r["priced"]:
            gap = ((r["their_price"] - r["our_price"]) / r["priced"]).quantize(Decimal("0.01"))
            gap_pct = pct(r["their_price"] - r["our_price"], r["our_price"])
        found.append(
            {
                "competitor": r["competitor"],
                "n": r["n"],
                "premium": r["premium"],
                "priced": r["priced"],
                "average_price": _money(r["average_price"]),
                "average_gap": gap,
                "gap_pct": gap_pct,
            }
        )
    return found


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def blocked_rules(blocks: QuerySet[ComplianceBlock]) -> list[dict[str, Any]]:
    rows = blocks.values("rule").annotate(n=Count("pk")).order_by("-n", "rule")
    return [{"rule": r["rule"], "label": _choice(Rule, r["rule"]), "n": r["n"]} for r in rows]


def _choice(choices: type[TextChoices], value: str) -> str:
    if not value:
        return str(_("未填写 / Not given"))
    return str(choices(value).label) if value in choices.values else value


# ----------------------------------------------------------------------------- why we lose


@dataclass
class LossAnalysis:
    scope: Scope
    period: Period
    endings: list[dict[str, Any]]  # how the renewals due ended, by status
    matrix: list[dict[str, Any]]  # lost reason × segment × tier
    competitors: list[dict[str, Any]]
    reasons: list[dict[str, Any]]


def why_lost(user: Any, period: Period) -> LossAnalysis:
    """Why we lose customers: how the renewals due in the period ended, the lost ones by
    reason × segment × tier, and the competitors that took them with the price gap."""
    scope = scope_for(user)
    due = due_in(scope, period)
    endings = (
        due.values("status")
        .annotate(n=Count("pk"), premium=Sum("premium_last_year"))
        .order_by("-n", "status")
    )
    total = sum(r["n"] for r in endings)
    matrix = (
        due.filter(status=Status.LOST)
        .values("lost_reason", "segment", "tier")
        .annotate(n=Count("pk"), premium=Sum("premium_last_year"))
        .order_by("-n", "lost_reason", "segment", "tier")
    )
    return LossAnalysis(
        scope=scope,
        period=period,
        endings=[
            {
                "status": r["status"],
                "label": _choice(Status, r["status"]),
                "n": r["n"],
                "premium": r["premium"],
                "share": pct(r["n"], total),
            }
            for r in endings
        ],
        matrix=[
            {
                **r,
                "reason_label": _choice(LostReason, r["lost_reason"]),
                "segment_label": _choice(Segment, r["segment"]),
            }
            for r in matrix
        ],
        competitors=competitors(due),
        reasons=lost_reasons(due),
    )


# ----------------------------------------------------------------------------- overdue list


@dataclass
class OverduePage:
    scope: Scope
    as_of: dt.date
    dimension: str | None
    key: str
    label: str
    tasks: list[RenewalTask]
    number: int
    has_next: bool
    checkpoint_days: int


def _key_filter(dimension: str, raw: str) -> Q:
    """The dashboard row a drill-down came from: ``by`` + ``key`` ("none" = no value)."""
    lookup, _names = _key(dimension, "task")
    if raw == "none":
        return Q(**{f"{lookup}__isnull": True})
    if dimension in (Dimension.SEAT, Dimension.TEAM):
        try:
            return Q(**{lookup: int(raw)})
        except ValueError:
            return Q(pk__in=[])
    return Q(**{lookup: raw})


def overdue_list(
    user: Any,
    as_of: dt.date,
    *,
    dimension: str | None = None,
    key: str = "",
    number: int = 1,
    per_page: int = 50,
) -> OverduePage:
    """The overdue renewals themselves, nearest expiry first, optionally for one dashboard
    row (``dimension`` + ``key``); one query for the page (LIMIT per_page + 1)."""
    scope = scope_for(user)
    tasks = _overdue(scope, as_of)
    label = ""
    if dimension in Dimension.values and key:
        tasks = tasks.filter(_key_filter(dimension, key))
    else:
        dimension = None
    start = (number - 1) * per_page
    found = list(
        tasks.select_related("customer", "policy__vehicle", "assignee", "assignee__team").order_by(
            "expiry_date", "pk"
        )[start : start + per_page + 1]
    )
    if dimension and found:
        first = found[0]
        label = {
            Dimension.SEAT: lambda: _label(
                dimension,
                first.assignee_id,
                (
                    getattr(first.assignee, "display_name", ""),
                    getattr(first.assignee, "username", ""),
                ),
            ),
            Dimension.TEAM: lambda: _label(
                dimension,
                first.assignee.team_id if first.assignee else None,
                (first.assignee.team.name if first.assignee and first.assignee.team else "",),
            ),
            Dimension.CHANNEL: lambda: _label(dimension, first.policy.channel, ()),
            Dimension.BRANCH: lambda: _label(dimension, first.customer.city, ()),
        }[Dimension(dimension)]()
    for task in found:
        task.days_left = (task.expiry_date - as_of).days  # type: ignore[attr-defined]
    return OverduePage(
        scope=scope,
        as_of=as_of,
        dimension=dimension,
        key=key,
        label=label,
        tasks=found[:per_page],
        number=number,
        has_next=len(found) > per_page,
        checkpoint_days=max(renewal_settings().checkpoint_days),
    )


__all__ = [
    "Dashboard",
    "Dimension",
    "LossAnalysis",
    "OverduePage",
    "Period",
    "PeriodKind",
    "Row",
    "Scope",
    "dashboard",
    "overdue_list",
    "scope_for",
    "why_lost",
]
