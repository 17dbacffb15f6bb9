"""The manager's cockpit: premium and customers by tier, renewal rate, claims cycle time,
service activity, satisfaction and complaint rate by touchpoint, partner health — with a
12-month trend, drill-down links and an export.

Heavy figures are precomputed per month into ``BookMonth`` (and ``PartnerMonth``) by
``carecircle ecosystem aggregate``; the page reads those plus a few indexed live counts, so its
server time does not grow with the book (benchmarks/ecosystem_cockpit.py). Figures from apps
that have not landed are shown as "not yet available", never as zero.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Q, Sum

from carecircle.claims.choices import Action
from carecircle.claims.models import Claim, ClaimTransition
from carecircle.core import clock, dates
from carecircle.core.money import ZERO, to_money
from carecircle.parties.choices import PartnerKind
from carecircle.policies.models import Policy
from carecircle.touchpoints import rules as tp_rules
from carecircle.touchpoints.choices import ContactType
from carecircle.touchpoints.models import Complaint, Interaction

from .models import BookMonth, PartnerMonth

TOTAL, TIER, TOUCHPOINT = "total", "tier", "touchpoint"
TIERS = ("diamond", "platinum", "gold", "silver", "standard")


# ------------------------------------------------------------------ precompute


def _current_values():
    try:
        return apps.get_model("value", "CustomerValue").objects.current()
    except LookupError:
        return None


def compute_book_month(month: dt.date) -> int:
    """Store the book's figures for ``month``: total, per tier (current value run) and per
    touchpoint. Replaces the month's rows; returns how many were written."""
    first, after, start, end = dates.month_bounds(month)
    last_day = after - dt.timedelta(days=1)
    moment = clock.now()
    rows: dict[tuple[str, str], BookMonth] = {}

    def row(dimension: str, key: str = "") -> BookMonth:
        found = rows.get((dimension, key))
        if found is None:
            found = rows[(dimension, key)] = BookMonth(
                month=month, dimension=dimension, key=key, computed_at=moment
            )
        return found

    total = row(TOTAL)
    written = Policy.objects.filter(
        effective_date__gte=first, effective_date__lt=after, cancelled_on__isnull=True
    ).aggregate(p=Sum("premium"), n=Count("id"))
    total.premium = to_money(written["p"] or 0)
    # One pass over the policies in force (a DISTINCT count is 4x slower on SQLite).
    holders = list(Policy.objects.in_force_on(last_day).values_list("customer_id", flat=True))
    total.policies, total.customers = len(holders), len(set(holders))
    due = Policy.objects.filter(
        expiry_date__gte=first, expiry_date__lt=after, cancelled_on__isnull=True
    ).aggregate(n=Count("id"), renewed=Count("renewed_by"))
    total.renewals_due, total.renewals_renewed = due["n"], due["renewed"]
    days = Decimal(0)
    closed = 0
    for reported, closed_at in Claim.objects.filter(
        closed_at__gte=start, closed_at__lt=end
    ).values_list("reported_at", "closed_at"):
        closed += 1
        days += Decimal(str(round((closed_at - reported).total_seconds() / 86400, 2)))
    total.claims_closed, total.claim_days_sum = closed, days
    total.service_entitled, total.service_active = _service_activity(last_day)

    touches = (
        Interaction.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .values("contact_type")
        .annotate(
            n=Count("id"),
            s=Sum("satisfaction"),
            scored=Count("id", filter=Q(satisfaction__isnull=False)),
        )
    )
    for t in touches:
        r = row(TOUCHPOINT, t["contact_type"])
        r.interactions, r.satisfaction_sum, r.satisfaction_n = t["n"], t["s"] or 0, t["scored"]
        total.interactions += t["n"]
        total.satisfaction_sum += t["s"] or 0
        total.satisfaction_n += t["scored"]
    for key, n in _other_contacts(start, end).items():
        row(TOUCHPOINT, key).interactions += n
        total.interactions += n
    for c in (
        Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
        .values("touchpoint")
        .annotate(n=Count("id"))
    ):
        row(TOUCHPOINT, c["touchpoint"]).complaints = c["n"]
        total.complaints += c["n"]

    values = _current_values()
    if values is not None:
        for t in values.values("tier").annotate(n=Count("id"), p=Sum("annual_premium")):
            r = row(TIER, t["tier"])
            r.customers, r.premium = t["n"], to_money(t["p"] or 0)
    with transaction.atomic():
        BookMonth.objects.filter(month=month).delete()
        BookMonth.objects.bulk_create(rows.values())
    return len(rows)


# Claim steps on the customer timeline: every transition but the fraud screening's review
# flags (desk's customer360.INTERNAL_CLAIM_ACTIONS). Listing the actions lets the count use the
# (action, at) index.
CLAIM_STEP_ACTIONS = [a for a in Action.values if a not in (Action.FLAG, Action.CLEAR_FLAG)]
# Renewal contacts by channel, as on the customer timeline: calls are phone contacts, an
# agent's or a 4S shop's contacts are sales contacts.
RENEWAL_CONTACT_TYPE = {
    "telesales": ContactType.PHONE,
    "inbound": ContactType.PHONE,
    "agent": ContactType.SALES,
    "four_s_shop": ContactType.SALES,
}


def _other_contacts(start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Contacts in [start, end) that live outside Interaction, per touchpoint: claim steps
    (claims), completed alliance redemptions (service) and renewal contacts (phone / sales).
    The customer timeline shows them merged with the Interaction rows; counting them here
    keeps the cockpit's per-touchpoint contacts equal to what the timelines hold. Four grouped
    counts; apps that have not landed add nothing."""
    out: dict[str, int] = defaultdict(int)
    steps = ClaimTransition.objects.filter(
        action__in=CLAIM_STEP_ACTIONS, at__gte=start, at__lt=end
    ).count()
    if steps:
        out[ContactType.CLAIMS] += steps
    try:
        redemption = apps.get_model("alliance", "Redemption")
    except LookupError:
        redemption = None
    if redemption is not None:
        used = redemption.objects.filter(
            status="completed", redeemed_at__gte=start, redeemed_at__lt=end
        ).count()
        if used:
            out[ContactType.SERVICE] += used
    try:
        contact = apps.get_model("renewals", "Contact")
    except LookupError:
        contact = None
    if contact is not None:
        for c in (
            contact.objects.filter(at__gte=start, at__lt=end)
            .values("channel")
            .annotate(n=Count("id"))
            .order_by()
        ):
            out[RENEWAL_CONTACT_TYPE.get(c["channel"], ContactType.PHONE)] += c["n"]
    return dict(out)


# ------------------------------------------------------------------ read


@dataclass
class Cockpit:
    month: dt.date
    stored: bool
    total: BookMonth | None
    tiers: list[dict[str, Any]] = field(default_factory=list)
    touchpoints: list[dict[str, Any]] = field(default_factory=list)
    partner_kinds: list[dict[str, Any]] = field(default_factory=list)
    trend: dict[str, Any] = field(default_factory=dict)
    open_complaints: int = 0
    overdue_complaints: int = 0
    escalated_complaints: int = 0
    services: dict[str, Any] | None = None
    renewals: dict[str, Any] | None = None
    claims_open: int | None = None

    @property
    def renewal_rate(self) -> Decimal | None:
        t = self.total
        return _div(t.renewals_renewed, t.renewals_due) if t else None

    @property
    def claim_days(self) -> Decimal | None:
        t = self.total
        return _div(t.claim_days_sum, t.claims_closed, "0.1") if t else None

    @property
    def satisfaction(self) -> Decimal | None:
        t = self.total
        return _div(t.satisfaction_sum, t.satisfaction_n, "0.01") if t else None

    @property
    def complaints_per_10k(self) -> Decimal | None:
        t = self.total
        return tp_rules.per_10k_policies(t.complaints, t.policies) if t else None

    @property
    def complaints_per_100m(self) -> Decimal | None:
        t = self.total
        return tp_rules.per_100m_premium(t.complaints, t.premium) if t else None


def _div(a, b, places: str = "0.001") -> Decimal | None:
    if not b:
        return None
    return (Decimal(a) / Decimal(b)).quantize(Decimal(places))


def cockpit(month: dt.date) -> Cockpit:
    months = dates.months_back(month, 12)
    stored = list(BookMonth.objects.filter(month__in=months))
    by_month: dict[dt.date, dict[tuple[str, str], BookMonth]] = defaultdict(dict)
    for r in stored:
        by_month[r.month][(r.dimension, r.key)] = r
    this = by_month.get(month, {})
    out = Cockpit(month=month, stored=bool(this), total=this.get((TOTAL, "")))
    tier_labels = _tier_labels()
    out.tiers = [
        {
            "key": key,
            "label": tier_labels.get(key, key),
            "customers": this[(TIER, key)].customers,
            "premium": this[(TIER, key)].premium,
        }
        for key in TIERS
        if (TIER, key) in this
    ]
    for value, label in ContactType.choices:
        tp: BookMonth | None = this.get((TOUCHPOINT, value))
        out.touchpoints.append(
            {
                "key": value,
                "label": str(label),
                "interactions": tp.interactions if tp else 0,
                "satisfaction": _div(tp.satisfaction_sum, tp.satisfaction_n, "0.01")
                if tp
                else None,
                "complaints": tp.complaints if tp else 0,
                "complaints_per_10k": (
                    tp_rules.per_10k_policies(tp.complaints, out.total.policies)
                    if tp and out.total
                    else None
                ),
            }
        )
    out.partner_kinds = list(
        PartnerMonth.objects.filter(month=month)
        .values("partner_kind")
        .annotate(
            partners=Count("id"),
            premium=Sum("premium_brought"),
            repair=Sum("repair_value"),
            complaints=Sum("complaints"),
        )
        .order_by("-premium")
    )
    kinds = dict(PartnerKind.choices)
    for row in out.partner_kinds:
        row["label"] = str(kinds.get(row["partner_kind"], row["partner_kind"]))
    out.trend = _trend(months, by_month)
    now = clock.now()
    open_ = Complaint.objects.open()
    out.open_complaints = open_.count()
    out.overdue_complaints = open_.filter(due_at__lt=now).count()
    out.escalated_complaints = open_.filter(escalation_level__gt=0).count()
    out.services = _services(month)
    out.renewals = _renewals(month)
    return out


def _tier_labels() -> dict[str, str]:
    try:
        tier = apps.get_model("value", "CustomerValue")._meta.get_field("tier")
        return {k: str(v) for k, v in tier.choices}  # type: ignore[union-attr, misc]
    except (LookupError, AttributeError, TypeError):
        return {}


def _trend(months, by_month) -> dict[str, Any]:
    def series(fn):
        return [
            fn(by_month[m].get((TOTAL, ""))) if (TOTAL, "") in by_month[m] else None for m in months
        ]

    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "premium": series(lambda t: float(t.premium)),
        "renewal_rate": series(
            lambda t: float(_div(t.renewals_renewed, t.renewals_due) or 0) * 100
        ),
        "claim_days": series(lambda t: float(_div(t.claim_days_sum, t.claims_closed, "0.1") or 0)),
        "satisfaction": series(
            lambda t: float(_div(t.satisfaction_sum, t.satisfaction_n, "0.01") or 0)
        ),
        "complaints_per_10k": series(
            lambda t: float(tp_rules.per_10k_policies(t.complaints, t.policies) or 0)
        ),
        "interactions": series(lambda t: t.interactions),
    }


def _service_activity(last_day: dt.date) -> tuple[int, int]:
    """(entitled, active) customers over the 365 days to ``last_day``: holding a voucher valid
    in that year, and having used one (the alliance's definition, alliance.selectors)."""
    try:
        voucher = apps.get_model("alliance", "Voucher")
    except LookupError:
        return 0, 0
    year = voucher.objects.filter(
        valid_until__gte=last_day - dt.timedelta(days=365), valid_from__lte=last_day
    )
    entitled = year.values("customer_id").distinct().count()
    active = year.filter(status="redeemed").values("customer_id").distinct().count()
    return entitled, active


def _services(month: dt.date) -> dict[str, Any] | None:
    """Alliance service uses this month, when the alliance app has landed."""
    try:
        redemption = apps.get_model("alliance", "Redemption")
    except LookupError:
        return None
    _, _, start, end = dates.month_bounds(month)
    done = redemption.objects.filter(
        status="completed", redeemed_at__gte=start, redeemed_at__lt=end
    ).aggregate(n=Count("id"), value=Sum("agreed_price"))
    total = BookMonth.objects.filter(month=month, dimension=TOTAL, key="").first()
    entitled, active = (total.service_entitled, total.service_active) if total else (0, 0)
    return {
        "redemptions": done["n"],
        "value": to_money(done["value"] or ZERO),
        "entitled": entitled,
        "active": active,
        "activity_rate": _div(active, entitled) if entitled else None,
    }


def _renewals(month: dt.date) -> dict[str, Any] | None:
    """Renewal call-centre activity, when the renewals app has its tasks: open tasks now and
    calls made in the month."""
    try:
        task = apps.get_model("renewals", "RenewalTask")
    except LookupError:
        return None
    out: dict[str, Any] = {
        "open_tasks": task.objects.filter(status__in=("open", "callback", "quoted")).count()
    }
    try:
        contact = apps.get_model("renewals", "Contact")
    except LookupError:
        return out
    _, _, start, end = dates.month_bounds(month)
    out["calls"] = contact.objects.filter(at__gte=start, at__lt=end).count()
    return out


def export_rows(c: Cockpit) -> list[list[Any]]:
    """The cockpit as rows for CSV: figure, value (this month), then the 12-month trend."""
    rows: list[list[Any]] = [["section", "key", "figure", "value"]]
    t = c.total
    if t is not None:
        for key, value in (
            ("customers", t.customers),
            ("policies_in_force", t.policies),
            ("premium_written", t.premium),
            ("renewals_due", t.renewals_due),
            ("renewals_renewed", t.renewals_renewed),
            ("renewal_rate", c.renewal_rate),
            ("claims_closed", t.claims_closed),
            ("claim_cycle_days", c.claim_days),
            ("interactions", t.interactions),
            ("satisfaction", c.satisfaction),
            ("complaints", t.complaints),
            ("complaints_per_10k_policies", c.complaints_per_10k),
            ("complaints_per_100m_premium", c.complaints_per_100m),
        ):
            rows.append(["book", "", key, value])
    for tier in c.tiers:
        rows.append(["tier", tier["key"], "customers", tier["customers"]])
        rows.append(["tier", tier["key"], "annual_premium", tier["premium"]])
    for tp in c.touchpoints:
        for key in ("interactions", "satisfaction", "complaints", "complaints_per_10k"):
            rows.append(["touchpoint", tp["key"], key, tp[key]])
    for pk in c.partner_kinds:
        for key in ("partners", "premium", "repair", "complaints"):
            rows.append(["partner_kind", pk["partner_kind"], key, pk[key]])
    rows.append(["complaints", "", "open", c.open_complaints])
    rows.append(["complaints", "", "overdue", c.overdue_complaints])
    rows.append(["complaints", "", "escalated", c.escalated_complaints])
    for i, m in enumerate(c.trend.get("months", [])):
        for key in ("premium", "renewal_rate", "claim_days", "satisfaction", "complaints_per_10k"):
            rows.append(["trend", m, key, c.trend[key][i]])
    return rows
