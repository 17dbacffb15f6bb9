"""The claims report by handler, repair shop and branch: claims, payments, repair value,
satisfaction after claims (the customer's rating on the claim and the CSAT of surveys sent
about it) and complaints per 1,000 claims (complaints whose root cause is one of the claims,
recorded in touchpoints). A branch is the customer's city, as in the renewal reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum

from carecircle.core.money import ZERO, to_money
from carecircle.touchpoints.models import Complaint, Survey

from ..models import OPEN_STATUSES, Claim

DIMENSIONS: dict[str, tuple[str, str]] = {
    "handler": ("handler__username", "理赔员 / handler"),
    "shop": ("repair_shop__name", "修理厂 / shop"),
    "branch": ("policy__customer__city", "机构(城市) / branch (city)"),
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
            "repair_value": to_money(r["repair_value"] or ZERO),
            "satisfaction": _mean(r["mean_satisfaction"]),
            "rated": r["rated"],
            "complaints": complaints.get(r[path], 0),
            "complaints_per_1000": per_thousand(complaints.get(r[path], 0), r["claims"]),
            "survey_csat": _mean(csat.get(r[path])),
        }
        for r in rows
    ]
