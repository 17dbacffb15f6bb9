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

Who sees what: a supervisor (``Perm.SUPERVISE_RENEWALS``) the renewals of their unit's
subtree (head office the whole book); a team leader (``Team.leader``) the renewals assigned to
their team and the activity of its members; anyone else is refused. ``?unit=`` narrows any of
these to one unit of the user's subtree (``core.unit_scope``), and "by unit" groups the figures
by the units directly below the one shown.

Periods, dimensions, scope and the overdue renewals live in ``supervision.scope``; the
overdue list in ``supervision.overdue``, the why-we-lose analysis in ``supervision.losses``,
the Excel workbook in ``supervision.workbook``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from carecircle.core.money import ZERO

from ..choices import Status
from ..conf import renewal_settings
from ..models import ComplianceBlock, Contact, Quote
from .losses import blocked_rules, competitors, lost_reasons
from .scope import (
    MONEY,
    Dimension,
    Period,
    Scope,
    activity_in,
    due_in,
    key_of,
    label_of,
    overdue_in,
    pct,
    scope_for,
    was_reached,
)

# ----------------------------------------------------------------------------- figures


@dataclass
class Row:
    key: Any
    label: str
    due: int = 0
    reached: int = 0
    renewed: int = 0  # issued: the customer paid and the policy exists (见费出单)
    awaiting_payment: int = 0  # accepted, proposal not yet paid
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
    "awaiting_payment",
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


def _written() -> Any:
    """Premium of the successors: the lead policy's and its compulsory companion's (once
    when only 交强险 was renewed and the successor is the companion's renewal)."""
    zero = Value(ZERO, output_field=MONEY)
    companion = Case(
        When(successor_id=F("companion__renewed_by__id"), then=zero),
        default=Coalesce("companion__renewed_by__premium", zero, output_field=MONEY),
        output_field=MONEY,
    )
    return Coalesce("successor__premium", zero, output_field=MONEY) + companion


def _grouped(qs: QuerySet, dimension: str, source: str, **aggregates: Any) -> list[dict]:
    key, names = key_of(dimension, source)
    rows = qs.values(key, *names).annotate(**aggregates).order_by()
    return [{"key": row[key], "names": tuple(row[n] for n in names), **row} for row in rows]


def _by_unit(rows: dict[Any, Row], scope: Scope) -> dict[Any, Row]:
    """Rows per renewal unit rolled up to the units directly below the one shown (机构)."""
    units = scope.units
    rolled: dict[Any, Row] = {}
    for row in rows.values():
        key = units.group_key(row.key)
        target = rolled.get(key)
        if target is None:
            target = rolled[key] = Row(key, units.group_label(key))
        target.add(row)
    return rolled


def dashboard(
    user: Any, dimension: str, period: Period, as_of: dt.date, unit_code: str | None = ""
) -> Dashboard:
    """Figures per ``dimension`` for ``period``; overdue counted as of ``as_of``; narrowed to
    one unit's subtree with ``unit_code`` (``?unit=``)."""
    scope = scope_for(user, unit_code)
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
                    item["key"], label_of(dimension, item["key"], item["names"])
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
            n_reached=Count("pk", filter=was_reached()),
            n_renewed=Count("pk", filter=Q(status=Status.RENEWED)),
            n_awaiting=Count("pk", filter=Q(status=Status.AWAITING_PAYMENT)),
            n_lost=Count("pk", filter=Q(status=Status.LOST)),
            s_premium_due=Sum("premium_last_year"),
            s_premium_renewed=Sum("premium_last_year", filter=Q(status=Status.RENEWED)),
            s_written=Sum(_written(), filter=Q(status=Status.RENEWED)),
            s_attempts=Sum("attempts"),
        ),
        due="n_due",
        reached="n_reached",
        renewed="n_renewed",
        awaiting_payment="n_awaiting",
        lost="n_lost",
        premium_due="s_premium_due",
        premium_renewed="s_premium_renewed",
        premium_written="s_written",
        attempts="s_attempts",
    )
    merge(_grouped(overdue_in(scope, as_of), dimension, "task", n=Count("pk")), overdue="n")
    contacts = activity_in(Contact.objects.all(), scope).filter(at__gte=begin, at__lt=end)
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
    quotes = activity_in(Quote.objects.all(), scope).filter(at__gte=begin, at__lt=end)
    merge(_grouped(quotes, dimension, "act", n=Count("pk")), quotes="n")
    blocks = activity_in(ComplianceBlock.objects.all(), scope).filter(at__gte=begin, at__lt=end)
    merge(_grouped(blocks, dimension, "block", n=Count("pk")), blocked="n")

    if dimension == Dimension.UNIT:
        rows = _by_unit(rows, scope)
        ordered = sorted(rows.values(), key=lambda r: scope.units.group_order(r.key))
    else:
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
