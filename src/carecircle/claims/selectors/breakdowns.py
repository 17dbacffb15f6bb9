"""The claims report by handler, repair shop, unit (机构) and the customer's city: claims,
payments, reserves, recoveries and net incurred (paid + reserve − recoveries), repair value, satisfaction after claims (the customer's rating on the claim and the
CSAT of surveys sent about it) and complaints per 1,000 claims (complaints whose root cause is
one of the claims, recorded in touchpoints). A unit is the claim's handling unit, rolled up to
the units directly below the one shown (``core.unit_scope``); the city is the customer's, as in
the renewal reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum

from carecircle.core.money import ZERO, to_money
from carecircle.core.unit_scope import UnitScope
from carecircle.touchpoints.models import Complaint, Survey

from ..models import OPEN_STATUSES, Claim

DIMENSIONS: dict[str, tuple[str, str]] = {
    "handler": ("handler__username", "理赔员 / handler"),
    "shop": ("repair_shop__name", "修理厂 / shop"),
    "branch": ("policy__customer__city", "客户城市 / customer's city"),
}
TOP = 50


def per_thousand(complaints: int, claims: int) -> Decimal | None:
    if not claims:
        return None
    return (Decimal(complaints) * 1000 / claims).quantize(Decimal("0.1"))


def _mean(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def complaints_on(qs: QuerySet[Claim]) -> QuerySet[Complaint]:
    return Complaint.objects.filter(claim_id__in=qs.values("pk"))


def surveys_on(qs: QuerySet[Claim]) -> QuerySet[Survey]:
    return Survey.objects.filter(claim_id__in=qs.values("pk"), csat__isnull=False)


def totals(qs: QuerySet[Claim], claims: int) -> dict[str, Any]:
    complaints = complaints_on(qs).count()
    csat = surveys_on(qs).aggregate(m=Avg("csat"), n=Count("pk"))
    return {
        "complaints": complaints,
        "complaints_per_1000": per_thousand(complaints, claims),
        "survey_csat": _mean(csat["m"]),
        "surveyed": csat["n"],
    }


def breakdown(qs: QuerySet[Claim], dimension: str) -> list[dict[str, Any]]:
    """Three grouped queries per dimension (claims, complaints, surveys), top 50 by claims."""
    path, _ = DIMENSIONS[dimension]
    rows = list(
        qs.exclude(**{f"{path}__isnull": True})
        .values(path)
        .annotate(
            claims=Count("pk"),
            paid=Sum("amount_paid"),
            # Like for like with ``paid``: the same claims, a reserve counting only while the
            # claim is open (closing, withdrawing or rejecting releases it).
            reserved=Sum("amount_reserved", filter=Q(status__in=OPEN_STATUSES)),
            recovered=Sum("amount_recovered"),
            repair_value=Sum("amount_assessed"),
            mean_satisfaction=Avg("satisfaction"),
            rated=Count("satisfaction"),
        )
        .order_by("-claims", path)[:TOP]
    )
    names = [r[path] for r in rows]
    complaints = dict(
        complaints_on(qs)
        .filter(**{f"claim__{path}__in": names})
        .values_list(f"claim__{path}")
        .annotate(n=Count("pk"))
        .order_by()
    )
    csat = dict(
        surveys_on(qs)
        .filter(**{f"claim__{path}__in": names})
        .values_list(f"claim__{path}")
        .annotate(m=Avg("csat"))
        .order_by()
    )
    return [
        {
            "name": r[path] or "—",
            "claims": r["claims"],
            "paid": to_money(r["paid"] or ZERO),
            "reserved": to_money(r["reserved"] or ZERO),
            "recovered": to_money(r["recovered"] or ZERO),
            "net_incurred": net_incurred(r),
            "repair_value": to_money(r["repair_value"] or ZERO),
            "satisfaction": _mean(r["mean_satisfaction"]),
            "rated": r["rated"],
            "complaints": complaints.get(r[path], 0),
            "complaints_per_1000": per_thousand(complaints.get(r[path], 0), r["claims"]),
            "survey_csat": _mean(csat.get(r[path])),
        }
        for r in rows
    ]


def net_incurred(r: dict[str, Any]) -> Decimal:
    """Net incurred = paid + reserve (open claims) − recoveries (issue #16)."""
    return to_money((r["paid"] or ZERO) + (r["reserved"] or ZERO) - (r["recovered"] or ZERO))


def _sum(rows: list[dict[str, Any]], key: str) -> Any:
    return sum((r[key] or 0 for r in rows), 0)


def by_unit(qs: QuerySet[Claim], units: UnitScope) -> list[dict[str, Any]]:
    """The report's figures per unit (机构), rolled up to the units directly below the one
    shown: three grouped queries (claims, complaints, surveys) over the claims' units, summed
    per group in Python (a few dozen units)."""
    claims = list(
        qs.values("unit_id")
        .annotate(
            claims=Count("pk"),
            paid=Sum("amount_paid"),
            reserved=Sum("amount_reserved", filter=Q(status__in=OPEN_STATUSES)),
            recovered=Sum("amount_recovered"),
            repair_value=Sum("amount_assessed"),
            satisfaction_sum=Sum("satisfaction"),
            rated=Count("satisfaction"),
        )
        .order_by()
    )
    complaints = complaints_on(qs).values_list("claim__unit_id").annotate(n=Count("pk")).order_by()
    csat = (
        surveys_on(qs).values("claim__unit_id").annotate(s=Sum("csat"), n=Count("csat")).order_by()
    )
    groups = units.rollup((r["unit_id"], r) for r in claims)
    complained = units.rollup(complaints)
    surveyed = units.rollup((r["claim__unit_id"], r) for r in csat)
    out = []
    for key in sorted(groups, key=units.group_order):
        rows = groups[key]
        n, rated = _sum(rows, "claims"), _sum(rows, "rated")
        complaints_n = sum(complained.get(key, []))
        answers = surveyed.get(key, [])
        answered = _sum(answers, "n")
        out.append(
            {
                "key": key,
                "name": units.group_label(key),
                "claims": n,
                "paid": to_money(_sum(rows, "paid") or ZERO),
                "reserved": to_money(_sum(rows, "reserved") or ZERO),
                "recovered": to_money(_sum(rows, "recovered") or ZERO),
                "net_incurred": net_incurred(
                    {k: _sum(rows, k) for k in ("paid", "reserved", "recovered")}
                ),
                "repair_value": to_money(_sum(rows, "repair_value") or ZERO),
                "satisfaction": _mean(Decimal(_sum(rows, "satisfaction_sum")) / rated)
                if rated
                else None,
                "rated": rated,
                "complaints": complaints_n,
                "complaints_per_1000": per_thousand(complaints_n, n),
                "survey_csat": _mean(Decimal(_sum(answers, "s")) / answered) if answered else None,
            }
        )
    return out
