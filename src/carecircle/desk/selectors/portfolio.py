"""Value portfolio figures of the current run, each an aggregate the database computes.

Nothing here loads customer rows into Python: every figure is one GROUP BY over the run's
``CustomerValue`` rows (scoped with ``restrict``), so a 1,000,000-customer run returns a few
hundred numbers.  The Pareto curves use ``NTILE(100)`` over the metric's order, so the curve
has 100 points whatever the book size.  A run never changes once current except through a
person's tier decision, which adds a ``TierHistory`` row; the cache key holds the run id and
the newest history id, so figures are recomputed exactly when they can differ.

Who sees what: head office the whole book (the run's stored Pareto curves), branch staff the
customers their unit's subtree serves (机构, the customer's servicing unit), seats their own;
``?unit=`` narrows any of these to one unit of the user's subtree, and "by unit" groups the
customers by the units directly below the one shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Max, QuerySet, Sum, Window
from django.db.models.functions import Ntile
from django.utils.translation import gettext_lazy as _

from carecircle.core.money import to_money
from carecircle.core.roles import Perm, has_perm
from carecircle.core.unit_scope import UnitScope
from carecircle.parties.choices import VehicleUse
from carecircle.policies.choices import Channel
from carecircle.value.models import CustomerValue, TierHistory, ValueRun
from carecircle.value.public import Tier, current_run

BUCKETS = 100
TOP_SHARE = 20  # "the top 20% of customers bring …% of the value"
GROUPS_SHOWN = 12  # regions past this are folded into "other"
CACHE_SECONDS = 24 * 3600  # a run does not change; decisions change the key
PARETO_METRICS = {
    "annual_premium": _("年保费 / Annual premium"),
    "annual_margin": _("年边际贡献 / Annual margin"),
    "lifetime_value": _("终身价值 / Lifetime value"),
}
TIER_ORDER = [str(t) for t in (Tier.DIAMOND, Tier.PLATINUM, Tier.GOLD, Tier.SILVER, Tier.STANDARD)]


@dataclass
class Pareto:
    metric: str
    label: str
    total: Decimal
    cumulative: list[float]  # share of the total (%) held by the top 1%, 2%, … 100%

    @property
    def label_zh(self) -> str:
        return self.label.partition(" / ")[0]

    @property
    def label_en(self) -> str:
        return self.label.partition(" / ")[2].lower() or self.label

    @property
    def top_share(self) -> float | None:
        """% of the total from the top 20% of customers (past 100% when others lose money)."""
        return self.cumulative[TOP_SHARE - 1] if len(self.cumulative) >= TOP_SHARE else None


@dataclass
class Group:
    key: str
    label: str
    customers: int
    premium: Decimal
    margin: Decimal
    lifetime_value: Decimal


@dataclass
class Portfolio:
    run: ValueRun
    customers: int
    premium: Decimal
    margin: Decimal
    lifetime_value: Decimal
    loss_making: int
    pareto: list[Pareto]
    by_channel: list[Group]
    by_region: list[Group]
    by_vehicle_use: list[Group]
    by_unit: list[Group]
    tiers: list[Group]
    migration: dict[str, dict[str, int]]  # tier a year ago ("" = none) → tier now → customers
    year_ago: dt.date
    whole_book: bool
    notes: list[str] = field(default_factory=list)
    unit_name: str = ""  # the unit the figures are about ("" = the whole book or one's own)

    @property
    def charts(self) -> dict[str, Any]:
        """What the ECharts script draws (also shown as tables for screen readers)."""

        def bars(groups: list[Group]) -> dict[str, Any]:
            return {
                "labels": [g.label for g in groups],
                "customers": [g.customers for g in groups],
                "lifetime_value": [float(g.lifetime_value) for g in groups],
                "margin": [float(g.margin) for g in groups],
            }

        return {
            "pareto": {
                "x": list(range(1, BUCKETS + 1)),
                "series": [{"name": c.label, "data": c.cumulative} for c in self.pareto],
            },
            "channel": bars(self.by_channel),
            "region": bars(self.by_region),
            "vehicle_use": bars(self.by_vehicle_use),
            "tiers": [{"name": g.label, "value": g.customers} for g in self.tiers],
        }

    @property
    def migration_rows(self) -> list[tuple[str, list[int], int]]:
        rows = []
        for before in [*TIER_ORDER, ""]:
            counts = [self.migration.get(before, {}).get(after, 0) for after in TIER_ORDER]
            if any(counts):
                rows.append((before, counts, sum(counts)))
        return rows


def _money(value: Any) -> Decimal:
    return to_money(value if value is not None else 0)


def _pareto(values: QuerySet, metric: str) -> Pareto:
    """Cumulative share of ``metric`` by percentile of customers ranked on that metric."""
    ranked = values.annotate(
        bucket=Window(Ntile(BUCKETS), order_by=[F(metric).desc(), F("pk").asc()]),
        amount=F(metric),
    ).values_list("bucket", "amount")
    inner, params = ranked.query.sql_with_params()
    # A window cannot be grouped on directly; the ORM's SQL (scope included) is wrapped.
    sql = f"SELECT bucket, SUM(amount) FROM ({inner}) ranked GROUP BY bucket ORDER BY bucket"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        sums = [_money(Decimal(str(total))) for _bucket, total in cursor.fetchall()]
    total = sum(sums, Decimal("0.00"))
    running, cumulative = Decimal(0), []
    for amount in sums:
        running += amount
        cumulative.append(float(round(running * 100 / total, 1)) if total else 0.0)
    return Pareto(metric, str(PARETO_METRICS[metric]), total, cumulative)


def _groups(rows, labels: dict[str, str]) -> list[Group]:
    return [
        Group(
            key=str(row["key"] or ""),
            label=str(labels.get(row["key"], row["key"] or _("未知 / unknown"))),
            customers=row["n"],
            premium=_money(row["premium"]),
            margin=_money(row["margin"]),
            lifetime_value=_money(row["lv"]),
        )
        for row in rows
    ]


def _by(values: QuerySet, key: Any, labels: dict[str, str]) -> list[Group]:
    rows = (
        values.annotate(key=key)
        .values("key")
        .annotate(
            n=Count("pk"),
            premium=Sum("annual_premium"),
            margin=Sum("annual_margin"),
            lv=Sum("lifetime_value"),
        )
        .order_by("-lv", "key")
    )
    return _groups(rows, labels)


def _fold(groups: list[Group], keep: int) -> list[Group]:
    if len(groups) <= keep:
        return groups
    rest = groups[keep:]
    other = Group(
        "other",
        str(_("其他 / other")),
        sum(g.customers for g in rest),
        sum((g.premium for g in rest), Decimal("0.00")),
        sum((g.margin for g in rest), Decimal("0.00")),
        sum((g.lifetime_value for g in rest), Decimal("0.00")),
    )
    return [*groups[:keep], other]


def _migration(values: QuerySet) -> dict[str, dict[str, int]]:
    """Tier a year ago (written on each row by the run) → tier now → customers."""
    rows = values.values("year_ago_tier", "tier").annotate(n=Count("pk"))
    matrix: dict[str, dict[str, int]] = {}
    for row in rows:
        matrix.setdefault(row["year_ago_tier"] or "", {})[row["tier"]] = row["n"]
    return matrix


def _stored_pareto(run: ValueRun) -> list[Pareto] | None:
    """The whole-book curves the run computed (None for runs made before it did)."""
    stored = (run.summary or {}).get("pareto")
    if not stored:
        return None
    return [
        Pareto(
            metric,
            str(label),
            _money(Decimal(stored[metric]["total"])),
            stored[metric]["cumulative"],
        )
        for metric, label in PARETO_METRICS.items()
        if metric in stored
    ]


def _by_unit(values: QuerySet, units: UnitScope) -> list[Group]:
    """Customers by servicing unit (机构), rolled up to the units directly below the one
    shown: one GROUP BY over the units, summed per group."""
    rolled = units.rollup(
        (int(g.key) if g.key else None, g) for g in _by(values, F("customer__unit_id"), {})
    )
    out = []
    for key in sorted(rolled, key=units.group_order):
        groups = rolled[key]
        out.append(
            Group(
                key,
                units.group_label(key),
                sum(g.customers for g in groups),
                sum((g.premium for g in groups), Decimal("0.00")),
                sum((g.margin for g in groups), Decimal("0.00")),
                sum((g.lifetime_value for g in groups), Decimal("0.00")),
            )
        )
    return out


def _compute(user: Any, run: ValueRun, whole_book: bool, units: UnitScope) -> Portfolio:
    values = CustomerValue.objects.filter(run=run)
    if not whole_book:
        values = units.narrow(values.restrict(user), "customer__unit")
    totals = values.aggregate(
        n=Count("pk"),
        premium=Sum("annual_premium"),
        margin=Sum("annual_margin"),
        lv=Sum("lifetime_value"),
    )
    tier_labels = {str(t.value): str(t.label) for t in Tier}
    tiers = {g.key: g for g in _by(values, F("tier"), tier_labels)}
    year_ago = run.as_of - dt.timedelta(days=365)
    pareto = (_stored_pareto(run) if whole_book else None) or (
        [_pareto(values, metric) for metric in PARETO_METRICS] if totals["n"] else []
    )
    return Portfolio(
        run=run,
        customers=totals["n"] or 0,
        premium=_money(totals["premium"]),
        margin=_money(totals["margin"]),
        lifetime_value=_money(totals["lv"]),
        loss_making=values.filter(annual_margin__lt=0).count(),
        pareto=pareto,
        by_channel=_by(values, F("main_channel"), {str(c.value): str(c.label) for c in Channel}),
        by_region=_fold(_by(values, F("province"), {}), GROUPS_SHOWN),
        by_vehicle_use=_by(
            values, F("vehicle_use"), {str(u.value): str(u.label) for u in VehicleUse}
        ),
        by_unit=_by_unit(values, units),
        tiers=[tiers[t] for t in TIER_ORDER if t in tiers],
        migration=_migration(values),
        year_ago=year_ago,
        whole_book=whole_book,
    )


def _compute_without_jit(user: Any, run: ValueRun, whole_book: bool, units: UnitScope) -> Portfolio:
    """PostgreSQL's JIT compiles each of these one-off aggregates for ~0.7 s and wins nothing."""
    if connection.vendor != "postgresql":
        return _compute(user, run, whole_book, units)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        return _compute(user, run, whole_book, units)


def _scope_key(user: Any, whole_book: bool, units: UnitScope) -> str:
    if whole_book:
        return "all"
    if has_perm(user, Perm.SEE_ALL_CUSTOMERS):  # a branch: its subtree, or the unit chosen
        return f"unit:{units.code or getattr(user, 'unit_id', None)}"
    return f"user:{user.pk}:{units.code}"


def portfolio_for(user: Any, units: UnitScope | None = None) -> Portfolio | None:
    """The current run's portfolio as ``user`` may see it (the whole book for head office,
    a branch's subtree, a seat's own customers), narrowed to the unit ``units`` has chosen."""
    run = current_run()
    if run is None:
        return None
    units = units or UnitScope(user)
    whole_book = units.chosen is None and CustomerValue.objects.reaches_all(user)
    marker = TierHistory.objects.aggregate(top=Max("id"))["top"] or 0
    key = f"value:portfolio:{run.pk}:{marker}:{_scope_key(user, whole_book, units)}"
    found = cache.get(key)
    if found is None:
        found = _compute_without_jit(user, run, whole_book, units)
        root = units.root
        if root is not None and (units.chosen is not None or root.parent_id is not None):
            found.unit_name = root.name
        cache.set(key, found, CACHE_SECONDS)
    return found
