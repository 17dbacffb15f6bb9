"""Touchpoints' reads for the pages and the cockpit: the regulator's complaint rates, survey
results per touchpoint / staff / partner / branch, the referral summary. Figures over the part
of the book the user sees (``restrict``: a branch's staff their unit's subtree, head office the
whole book) for a period, narrowed to one unit's subtree with ``units`` (``?unit=``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, Sum

from carecircle.core.unit_scope import UnitScope
from carecircle.policies.models import Policy

from . import rules
from .choices import ReferralStatus, SurveyStatus
from .models import Complaint, Referral, Survey


def complaint_rates(
    start: dt.datetime,
    end: dt.datetime,
    day_for_in_force: dt.date,
    user: Any,
    units: UnitScope | None = None,
) -> dict[str, Any]:
    """Complaints received in [start, end) per 10,000 policies in force and per 100 million
    yuan of premium written in the period (the regulator's two measures), over the complaints
    and policies ``user`` sees (a branch: its subtree's complaints against its policies)."""

    def scoped(qs):
        qs = qs.restrict(user)
        return qs if units is None else units.narrow(qs)

    complaints = (
        scoped(Complaint.objects.all()).filter(received_at__gte=start, received_at__lt=end).count()
    )
    policies = scoped(Policy.objects.all()).in_force_on(day_for_in_force).count()
    premium = scoped(Policy.objects.all()).filter(
        effective_date__gte=start.date(), effective_date__lt=end.date(), cancelled_on__isnull=True
    ).aggregate(p=Sum("premium"))["p"] or Decimal(0)
    return {
        "complaints": complaints,
        "policies_in_force": policies,
        "premium_written": premium,
        "per_10k_policies": rules.per_10k_policies(complaints, policies),
        "per_100m_premium": rules.per_100m_premium(complaints, premium),
    }


SURVEY_GROUPS = {
    "touchpoint": "touchpoint",
    "staff": "staff__username",
    "partner": "partner__name",
    "branch": "branch",
    "moment": "moment",
}


def survey_results(
    start: dt.datetime, end: dt.datetime, by: str, user: Any
) -> list[dict[str, Any]]:
    """CSAT average and NPS per touchpoint / staff / partner / branch for the surveys ``user``
    sees sent in [start, end): sent, answered, response rate."""
    column = SURVEY_GROUPS[by]
    sent = (
        Survey.objects.restrict(user)
        .filter(sent_at__gte=start, sent_at__lt=end)
        .exclude(status=SurveyStatus.NOT_SENT)
    )
    rows = (
        sent.values(column)
        .annotate(
            sent=Count("id"),
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            csat=Avg("csat"),
        )
        .order_by(column)
    )
    nps_scores: dict[Any, list[int]] = {}
    for key, score in sent.filter(nps__isnull=False).values_list(column, "nps"):
        nps_scores.setdefault(key, []).append(score)
    out = []
    for row in rows:
        key = row[column]
        out.append(
            {
                "key": key,
                "sent": row["sent"],
                "answered": row["answered"],
                "response_rate": (
                    (Decimal(row["answered"]) / row["sent"]).quantize(Decimal("0.001"))
                    if row["sent"]
                    else None
                ),
                "csat": Decimal(str(row["csat"])).quantize(Decimal("0.01"))
                if row["csat"] is not None
                else None,
                "nps": rules.nps(nps_scores.get(key, [])),
            }
        )
    return out


def referral_summary(start: dt.datetime, end: dt.datetime, user: Any) -> dict[str, Any]:
    """Referrals recorded in [start, end) by the referrers ``user`` sees."""
    rows = Referral.objects.restrict(user).filter(recorded_at__gte=start, recorded_at__lt=end)
    by_status = {r["status"]: r["n"] for r in rows.values("status").annotate(n=Count("id"))}
    total = sum(by_status.values())
    won = by_status.get(ReferralStatus.WON, 0)
    return {
        "total": total,
        "by_status": by_status,
        "won": won,
        "conversion": (Decimal(won) / total).quantize(Decimal("0.001")) if total else None,
        "referrers": rows.values("referrer").distinct().count(),
    }
