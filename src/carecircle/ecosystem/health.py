"""Ecosystem health (精简顺畅): activity per partner type, concentration of premium in the top
partners, give/get balance, inactive and out-of-terms partners, the monthly trend, alerts.

Reads the stored ``PartnerMonth`` rows (``carecircle ecosystem aggregate``); a month not
stored yet is computed live (fine on a branch book; the 1M book relies on the aggregates).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from carecircle.core import clock, dates
from carecircle.core.money import ZERO
from carecircle.parties.choices import PartnerKind
from carecircle.parties.models import Partner
from carecircle.policies.models import Policy

from . import scorecards
from .choices import Verdict
from .models import Agreement, BookMonth, PartnerMonth
from .rules import ratio

INACTIVE_MONTHS = 3
EXPIRING_DAYS = 30


def month_figures(
    month: dt.date, partner_ids: list[int] | None = None
) -> tuple[dict[int, scorecards.Figures], bool]:
    """(figures per partner, stored?) for one month: the stored rows, else computed live."""
    rows = PartnerMonth.objects.filter(month=month)
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=partner_ids)
    stored = {
        row.pop("partner_id"): scorecards.Figures(**row)
        for row in rows.values("partner_id", *scorecards.FIELDS)
    }
    if stored or PartnerMonth.objects.filter(month=month).exists():
        # The repair cost index compares a shop with the whole network, which is not a
        # stored figure: every paid referred claim is one shop's, so the month's rows add up
        # to the network's (whatever partners were asked for).
        network = PartnerMonth.objects.filter(month=month).aggregate(
            paid=Sum("repair_paid_settled"), n=Sum("paid_claims")
        )
        average = ratio(network["paid"] or 0, network["n"], places="0.01")
        for f in stored.values():
            f.network_avg_repair = average
        return stored, True
    return scorecards.figures(month, partner_ids), False


def active_partner_ids(months: list[dt.date]) -> set[int]:
    """Partners with any business in these months (stored months; live for the others)."""
    stored_months = set(
        PartnerMonth.objects.filter(month__in=months).values_list("month", flat=True).distinct()
    )
    ids = set(
        PartnerMonth.objects.filter(month__in=stored_months)
        .values_list("partner_id", flat=True)
        .distinct()
    )
    for m in months:
        if m not in stored_months:
            ids |= set(scorecards.figures(m))
    return ids


@dataclass
class Alert:
    partner: Partner
    severity: str  # high | normal
    code: str
    text: str


@dataclass
class Health:
    month: dt.date
    stored: bool
    by_kind: list[dict[str, Any]] = field(default_factory=list)
    top5_share: Decimal | None = None
    top10_share: Decimal | None = None
    partner_share_of_book: Decimal | None = None
    hhi: Decimal | None = None
    top_partners: list[dict[str, Any]] = field(default_factory=list)
    balance: list[dict[str, Any]] = field(default_factory=list)
    inactive: list[Partner] = field(default_factory=list)
    out_of_terms: list[scorecards.Scorecard] = field(default_factory=list)
    expiring: list[Agreement] = field(default_factory=list)
    trend: dict[str, Any] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(Decimal("0.001")) if whole else None


def _book_premium(month: dt.date, first: dt.date, after: dt.date) -> Decimal:
    """The month's written premium: from the cockpit's aggregate when stored (a scan of the
    policies otherwise)."""
    stored = BookMonth.objects.filter(month=month, dimension="total", key="").aggregate(
        p=Sum("premium"), n=Count("id")
    )  # one row per unit (机构): the book is their sum
    if stored["n"]:
        return stored["p"] or Decimal(0)
    return Policy.objects.filter(
        effective_date__gte=first, effective_date__lt=after, cancelled_on__isnull=True
    ).aggregate(p=Sum("premium"))["p"] or Decimal(0)


def health(month: dt.date, *, with_trend: bool = True) -> Health:
    data, stored = month_figures(month)
    partners = {p.pk: p for p in Partner.objects.all()}
    out = Health(month=month, stored=stored)

    kinds: dict[str, dict[str, Any]] = {
        k: {
            "kind": k,
            "label": label,
            "partners": 0,
            "active": 0,
            "premium": ZERO,
            "repair": ZERO,
            "services": 0,
            "complaints": 0,
        }
        for k, label in PartnerKind.choices
    }
    for p in partners.values():
        if p.active and p.kind in kinds:
            kinds[p.kind]["partners"] += 1
    for pid, f in data.items():
        p = partners.get(pid)
        if p is None or p.kind not in kinds:
            continue
        k = kinds[p.kind]
        k["active"] += 1
        k["premium"] += f.premium_brought
        k["repair"] += f.repair_value
        k["services"] += f.services_delivered
        k["complaints"] += f.complaints
    out.by_kind = list(kinds.values())

    ranked = sorted(
        ((f.premium_brought, pid) for pid, f in data.items() if f.premium_brought > 0),
        reverse=True,
    )
    partner_premium = sum((p for p, _ in ranked), ZERO)
    first, after, _, _ = dates.month_bounds(month)
    book_premium = _book_premium(month, first, after)
    out.top5_share = _share(sum((p for p, _ in ranked[:5]), ZERO), partner_premium)
    out.top10_share = _share(sum((p for p, _ in ranked[:10]), ZERO), partner_premium)
    out.partner_share_of_book = _share(partner_premium, Decimal(book_premium))
    if partner_premium:
        out.hhi = sum(((p / partner_premium * 100) ** 2 for p, _ in ranked), Decimal(0)).quantize(
            Decimal("1")
        )
    out.top_partners = [
        {"partner": partners[pid], "premium": p, "share": _share(p, partner_premium)}
        for p, pid in ranked[:10]
        if pid in partners
    ]

    agreements = agreements_in_force(month)
    out.out_of_terms, out.inactive, out.expiring, out.alerts = alerts(
        month, partners, agreements, data
    )
    for pid, f in data.items():
        if (
            pid in partners
            and f.premium_brought
            and partners[pid].kind
            in (
                PartnerKind.FOUR_S_SHOP,
                PartnerKind.REPAIR_SHOP,
            )
        ):
            out.balance.append(
                {
                    "partner": partners[pid],
                    "premium": f.premium_brought,
                    "repair": f.repair_value,
                    "ratio": f.repair_to_premium,
                    "agreement": agreements.get(pid),
                }
            )
    out.balance.sort(key=lambda r: r["premium"], reverse=True)

    if with_trend:
        out.trend = trend(month, partners)
    return out


def agreements_in_force(month: dt.date) -> dict[int, Agreement]:
    first, after, _, _ = dates.month_bounds(month)
    return {
        a.partner_id: a
        for a in Agreement.objects.filter(
            status="active", starts_on__lte=after - dt.timedelta(days=1), ends_on__gte=first
        ).order_by("starts_on")
    }


def alerts(
    month: dt.date,
    partners: dict[int, Partner] | None = None,
    agreements: dict[int, Agreement] | None = None,
    data: dict[int, scorecards.Figures] | None = None,
) -> tuple[list[scorecards.Scorecard], list[Partner], list[Agreement], list[Alert]]:
    """(out-of-terms scorecards, inactive partners, agreements ending soon, alerts); reads only
    the partners under an agreement and the ids active lately (cheap enough for the cockpit)."""
    if agreements is None:
        agreements = agreements_in_force(month)
    if data is None:
        data, _ = month_figures(month, list(agreements))
    if partners is None:
        partners = {p.pk: p for p in Partner.objects.filter(pk__in=list(agreements))}
    out_of_terms: list[scorecards.Scorecard] = []
    found: list[Alert] = []
    for pid, a in agreements.items():
        p = partners.get(pid)
        if p is None:
            continue
        card = scorecards.compare(p, month, data.get(pid, scorecards.Figures()), a)
        if not card.off_terms:
            continue
        out_of_terms.append(card)
        for line in card.off_terms:
            below = line.verdict == Verdict.BELOW
            found.append(
                Alert(
                    p,
                    "high" if line.key in ("repair_to_premium", "complaints_per_10k") else "normal",
                    f"off_terms:{line.key}",
                    f"{line.label}: {line.value} ({'低于' if below else '高于'}约定 {line.target} / "
                    f"{'below' if below else 'above'} the agreed {line.target})",
                )
            )
    active = active_partner_ids(dates.months_back(month, INACTIVE_MONTHS))
    inactive = list(Partner.objects.filter(active=True).exclude(pk__in=active).order_by("pk")[:500])
    for p in inactive:
        if p.pk in agreements:
            found.append(
                Alert(
                    p,
                    "high",
                    "inactive",
                    f"{INACTIVE_MONTHS}个月无业务往来但协议生效中 / no activity for "
                    f"{INACTIVE_MONTHS} months under an active agreement",
                )
            )
    today = clock.today()
    expiring = list(
        Agreement.objects.filter(
            status="active",
            ends_on__gte=today,
            ends_on__lte=today + dt.timedelta(days=EXPIRING_DAYS),
        ).select_related("partner")
    )
    for a in expiring:
        found.append(
            Alert(
                a.partner,
                "normal",
                "expiring",
                f"协议 {a.agreement_no} 将于 {a.ends_on} 到期 / agreement ends on {a.ends_on}",
            )
        )
    return out_of_terms, inactive, expiring, found


def trend(month: dt.date, partners: dict[int, Partner] | None = None) -> dict[str, Any]:
    """12 months of premium brought and repair value sent per partner kind, and complaints."""
    months = dates.months_back(month, 12)
    kinds = dict(PartnerKind.choices)
    if partners is None:
        partners = {p.pk: p for p in Partner.objects.all()}
    premium: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(months))
    repair = [0.0] * len(months)
    complaints = [0] * len(months)
    stored = {
        (r["month"], r["partner_kind"]): r
        for r in PartnerMonth.objects.filter(month__in=months)
        .values("month", "partner_kind")
        .annotate(
            premium=Sum("premium_brought"), repair=Sum("repair_value"), complaints=Sum("complaints")
        )
    }
    for i, m in enumerate(months):
        rows = [r for (mm, _), r in stored.items() if mm == m]
        if rows:
            for r in rows:
                premium[r["partner_kind"]][i] += float(r["premium"] or 0)
                repair[i] += float(r["repair"] or 0)
                complaints[i] += int(r["complaints"] or 0)
        elif m == month:  # only the month asked for is computed live when not stored
            for pid, f in scorecards.figures(m).items():
                kind = partners[pid].kind if pid in partners else ""
                premium[kind][i] += float(f.premium_brought)
                repair[i] += float(f.repair_value)
                complaints[i] += f.complaints
    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "premium": [
            {"name": str(kinds.get(k, k)), "data": [round(v, 2) for v in values]}
            for k, values in premium.items()
            if any(values)
        ],
        "repair": [round(v, 2) for v in repair],
        "complaints": complaints,
    }
