"""为什么流失 (why we lose customers): how the renewals due in a period ended, the lost ones by
reason × segment × tier, and the competitors that took them with the gap to our last quote.
Read-only; every figure aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
)
from django.utils.translation import gettext_lazy as _

from ..choices import LostReason, Rule, Segment, Status
from ..models import ComplianceBlock, Quote, RenewalTask
from .scope import MONEY, Period, Scope, due_in, pct, scope_for


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


@dataclass
class LossAnalysis:
    scope: Scope
    period: Period
    endings: list[dict[str, Any]]  # how the renewals due ended, by status
    matrix: list[dict[str, Any]]  # lost reason × segment × tier
    competitors: list[dict[str, Any]]
    reasons: list[dict[str, Any]]


def why_lost(user: Any, period: Period, unit_code: str | None = "") -> LossAnalysis:
    """Why we lose customers: how the renewals due in the period ended, the lost ones by
    reason × segment × tier, and the competitors that took them with the price gap; narrowed
    to one unit's subtree with ``unit_code``."""
    scope = scope_for(user, unit_code)
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
