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

Periods, dimensions and scope live in ``supervision_scope``; the why-we-lose analysis in
``losses``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from carecircle.core.money import ZERO
from carecircle.policies.choices import Channel

from .conf import renewal_settings
from .losses import LossAnalysis, blocked_rules, competitors, lost_reasons, why_lost
from .models import (
    CONNECTED_OUTCOMES,
    ComplianceBlock,
    Contact,
    Quote,
    RenewalTask,
    Stage,
    Status,
)
from .supervision_scope import (
    MONEY,
    Dimension,
    Period,
    PeriodKind,
    Scope,
    _by_team,
    _tasks,
    due_in,
    pct,
    scope_for,
)

# Re-exported: the views, the export and the tests import these from here.
__all__ = [
    "Dashboard",
    "Dimension",
    "LossAnalysis",
    "Period",
    "PeriodKind",
    "Scope",
    "dashboard",
    "overdue_list",
    "pct",
    "scope_for",
    "why_lost",
]

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
    contacts = _by_team(Contact.objects.all(), scope).filter(at__gte=begin, at__lt=end)
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
