"""The manager's cockpit: premium and customers by tier, renewal rate, claims cycle time,
service activity, satisfaction and complaint rate by touchpoint, partner health — with a
12-month trend, drill-down links and an export.

Heavy figures are precomputed per month and per unit (机构) into ``BookMonth`` (and per partner
into ``PartnerMonth``) by ``carecircle ecosystem aggregate``; the page sums the rows of the
units the user sees — head office every unit, a branch its subtree, ``?unit=`` one unit of it —
plus a few indexed live counts, each through ``restrict``, so a city branch's cockpit shows
only its subtree's figures and its server time does not grow with the book
(benchmarks/ecosystem_cockpit.py). Figures from apps that have not landed are shown as "not yet
available", never as zero.

A figure belongs to a unit as follows: premium, policies, renewals by the policy's unit;
customers and tiers by the customer's servicing unit (a customer without one: their policy's),
so each customer counts once whatever the units summed; claims and claim steps by the claim's
unit; complaints by the complaint's; contacts, satisfaction and service use by the customer's.
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
from carecircle.core.access import unit_subtree_ids
from carecircle.core.money import ZERO, to_money
from carecircle.core.unit_scope import UnitScope
from carecircle.parties.choices import PartnerKind
from carecircle.policies.models import Policy
from carecircle.touchpoints import rules as tp_rules
from carecircle.touchpoints.choices import ContactType
from carecircle.touchpoints.models import Complaint, Interaction

from .models import Agreement, BookMonth, PartnerMonth

TOTAL, TIER, TOUCHPOINT = "total", "tier", "touchpoint"
TIERS = ("diamond", "platinum", "gold", "silver", "standard")


# ------------------------------------------------------------------ precompute


def _current_values():
    try:
        return apps.get_model("value", "CustomerValue").objects.current()
    except LookupError:
        return None


def compute_book_month(month: dt.date) -> int:
    """Store the book's figures for ``month`` per unit: total, per tier (current value run)
    and per touchpoint. Replaces the month's rows; returns how many were written. The total
    row of the rows with no unit is always written: it marks the month as computed."""
    first, after, start, end = dates.month_bounds(month)
    last_day = after - dt.timedelta(days=1)
    moment = clock.now()
    rows: dict[tuple[int | None, str, str], BookMonth] = {}

    def row(unit_id: int | None, dimension: str, key: str = "") -> BookMonth:
        found = rows.get((unit_id, dimension, key))
        if found is None:
            found = rows[(unit_id, dimension, key)] = BookMonth(
                month=month, unit_id=unit_id, dimension=dimension, key=key, computed_at=moment
            )
        return found

    row(None, TOTAL)
    for w in (
        Policy.objects.filter(
            effective_date__gte=first, effective_date__lt=after, cancelled_on__isnull=True
        )
        .values("unit_id")
        .annotate(p=Sum("premium"))
        .order_by()
    ):
        row(w["unit_id"], TOTAL).premium = to_money(w["p"] or 0)
    # One pass over the policies in force (a DISTINCT count is 4x slower on SQLite): policies
    # by the policy's unit, each customer once, in their servicing unit (else the policy's).
    served: dict[int, int | None] = {}
    for unit_id, customer_id, customer_unit in (
        Policy.objects.in_force_on(last_day)
        .values_list("unit_id", "customer_id", "customer__unit_id")
        .iterator(chunk_size=10_000)
    ):
        row(unit_id, TOTAL).policies += 1
        served.setdefault(customer_id, customer_unit or unit_id)
    for unit_id in served.values():
        row(unit_id, TOTAL).customers += 1
    for d in (
        Policy.objects.filter(
            expiry_date__gte=first, expiry_date__lt=after, cancelled_on__isnull=True
        )
        .values("unit_id")
        .annotate(n=Count("id"), renewed=Count("renewed_by"))
        .order_by()
    ):
        total = row(d["unit_id"], TOTAL)
        total.renewals_due, total.renewals_renewed = d["n"], d["renewed"]
    for unit_id, reported, closed_at in Claim.objects.filter(
        closed_at__gte=start, closed_at__lt=end
    ).values_list("unit_id", "reported_at", "closed_at"):
        total = row(unit_id, TOTAL)
        total.claims_closed += 1
        total.claim_days_sum += Decimal(
            str(round((closed_at - reported).total_seconds() / 86400, 2))
        )
    for unit_id, (entitled, active) in _service_activity(last_day).items():
        total = row(unit_id, TOTAL)
        total.service_entitled, total.service_active = entitled, active

    touches = (
        Interaction.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .values("customer__unit_id", "contact_type")
        .annotate(
            n=Count("id"),
            s=Sum("satisfaction"),
            scored=Count("id", filter=Q(satisfaction__isnull=False)),
        )
        .order_by()
    )
    for t in touches:
        unit_id = t["customer__unit_id"]
        r = row(unit_id, TOUCHPOINT, t["contact_type"])
        r.interactions, r.satisfaction_sum, r.satisfaction_n = t["n"], t["s"] or 0, t["scored"]
        total = row(unit_id, TOTAL)
        total.interactions += t["n"]
        total.satisfaction_sum += t["s"] or 0
        total.satisfaction_n += t["scored"]
    for (unit_id, key), n in _other_contacts(start, end).items():
        row(unit_id, TOUCHPOINT, key).interactions += n
        row(unit_id, TOTAL).interactions += n
    for c in (
        Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
        .values("unit_id", "touchpoint")
        .annotate(n=Count("id"))
        .order_by()
    ):
        row(c["unit_id"], TOUCHPOINT, c["touchpoint"]).complaints = c["n"]
        row(c["unit_id"], TOTAL).complaints += c["n"]

    values = _current_values()
    if values is not None:
        for t in (
            values.values("customer__unit_id", "tier")
            .annotate(n=Count("id"), p=Sum("annual_premium"))
            .order_by()
        ):
            r = row(t["customer__unit_id"], TIER, t["tier"])
            r.customers, r.premium = t["n"], to_money(t["p"] or 0)
    with transaction.atomic():
        BookMonth.objects.filter(month=month).delete()
        BookMonth.objects.bulk_create(rows.values(), batch_size=2000)
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


def _other_contacts(start: dt.datetime, end: dt.datetime) -> dict[tuple[int | None, str], int]:
    """Contacts in [start, end) that live outside Interaction, per (unit, touchpoint): claim
    steps (claims; the claim's unit), completed alliance redemptions (service) and renewal
    contacts (phone / sales; the customer's unit). The customer timeline shows them merged
    with the Interaction rows; counting them here keeps the cockpit's per-touchpoint contacts
    equal to what the timelines hold. Three grouped counts; apps that have not landed add
    nothing."""
    out: dict[tuple[int | None, str], int] = defaultdict(int)
    for unit_id, n in (
        ClaimTransition.objects.filter(action__in=CLAIM_STEP_ACTIONS, at__gte=start, at__lt=end)
        .values_list("claim__unit_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out[(unit_id, ContactType.CLAIMS)] += n
    try:
        redemption = apps.get_model("alliance", "Redemption")
    except LookupError:
        redemption = None
    if redemption is not None:
        for unit_id, n in (
            redemption.objects.filter(
                status="completed", redeemed_at__gte=start, redeemed_at__lt=end
            )
            .values_list("voucher__customer__unit_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            out[(unit_id, ContactType.SERVICE)] += n
    try:
        contact = apps.get_model("renewals", "Contact")
    except LookupError:
        contact = None
    if contact is not None:
        for c in (
            contact.objects.filter(at__gte=start, at__lt=end)
            .values("customer__unit_id", "channel")
            .annotate(n=Count("id"))
            .order_by()
        ):
            key = RENEWAL_CONTACT_TYPE.get(c["channel"], ContactType.PHONE)
            out[(c["customer__unit_id"], key)] += c["n"]
    return dict(out)


# ------------------------------------------------------------------ read


# The figures a month's rows hold, summed over the units a user sees.
SUMMED = (
    "customers",
    "premium",
    "policies",
    "renewals_due",
    "renewals_renewed",
    "claims_closed",
    "claim_days_sum",
    "interactions",
    "satisfaction_sum",
    "satisfaction_n",
    "complaints",
    "service_entitled",
    "service_active",
)


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
    by_unit: list[dict[str, Any]] = field(default_factory=list)  # 机构, below the unit shown
    unit_name: str = ""  # the unit the figures are about ("" = the whole book)
    partner_ids: set[int] | None = None  # the partners in scope (None = every partner)

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


def _unit_ids(user: Any, units: UnitScope | None) -> list[int] | None:
    """The units whose rows the cockpit sums: the chosen unit's subtree, else the user's
    subtree; ``None`` = every row (head office, or no user: a command)."""
    if units is not None and units.chosen is not None:
        return units.ids_under(units.chosen)
    return None if user is None else unit_subtree_ids(user)


def _in_units(qs, ids: list[int] | None, lookup: str = "unit"):
    return qs if ids is None else qs.filter(**{f"{lookup}__in": ids})


def _summed(months: list[dt.date], ids: list[int] | None) -> dict[dt.date, dict]:
    """Per month, the (dimension, key) slices summed over the units in ``ids`` (one query);
    every computed month has a total, zero when none of these units had business."""
    rows = (
        _in_units(BookMonth.objects.filter(month__in=months), ids)
        .values("month", "dimension", "key")
        .annotate(**{f"sum_{f}": Sum(f) for f in SUMMED})
        .order_by()
    )
    by_month: dict[dt.date, dict[tuple[str, str], BookMonth]] = defaultdict(dict)
    for r in rows:
        summed = BookMonth(month=r["month"], dimension=r["dimension"], key=r["key"])
        for f in SUMMED:
            setattr(summed, f, r[f"sum_{f}"] or 0)
        summed.premium = to_money(summed.premium)  # SQLite sums decimals as numbers
        summed.claim_days_sum = Decimal(str(summed.claim_days_sum)).quantize(Decimal("0.01"))
        by_month[r["month"]][(r["dimension"], r["key"])] = summed
    if ids is None:
        computed = [m for m in months if (TOTAL, "") in by_month.get(m, {})]
    else:  # the total of the rows with no unit marks a computed month (compute_book_month)
        computed = list(
            BookMonth.objects.filter(
                month__in=months, unit__isnull=True, dimension=TOTAL, key=""
            ).values_list("month", flat=True)
        )
    for m in computed:
        by_month[m].setdefault((TOTAL, ""), BookMonth(month=m, dimension=TOTAL, key=""))
    return by_month


def _by_unit(month: dt.date, ids: list[int] | None, units: UnitScope) -> list[dict[str, Any]]:
    """The month's totals per unit, rolled up to the units directly below the one shown."""
    rows = _in_units(BookMonth.objects.filter(month=month, dimension=TOTAL, key=""), ids)
    groups = units.rollup((r.unit_id, r) for r in rows.only("unit_id", *SUMMED))
    out = []
    for key in sorted(groups, key=units.group_order):
        t = BookMonth(month=month, dimension=TOTAL)
        for r in groups[key]:
            for f in SUMMED:
                setattr(t, f, getattr(t, f) + getattr(r, f))
        unit = units.by_code(key)
        out.append(
            {
                "key": key,
                "label": units.group_label(key),
                "drill": unit is not None and unit != units.root,
                "premium": t.premium,
                "policies": t.policies,
                "customers": t.customers,
                "renewal_rate": _div(t.renewals_renewed, t.renewals_due),
                "claims_closed": t.claims_closed,
                "claim_days": _div(t.claim_days_sum, t.claims_closed, "0.1"),
                "complaints": t.complaints,
                "complaints_per_10k": tp_rules.per_10k_policies(t.complaints, t.policies),
            }
        )
    return out


def _partners_in(user: Any, units: UnitScope | None) -> set[int]:
    """Partners with an agreement signed by a unit in scope (a branch's partners)."""
    agreements = Agreement.objects.restrict(user)
    if units is not None:
        agreements = units.narrow(agreements)
    return set(agreements.values_list("partner_id", flat=True))


def _seen(model, user: Any, units: UnitScope | None, lookup: str):
    """``model``'s rows ``user`` sees (every row without a user), narrowed to the unit chosen."""
    qs = model.objects.all() if user is None else model.objects.restrict(user)
    return qs if units is None else units.narrow(qs, lookup)


def cockpit(month: dt.date, user: Any = None, units: UnitScope | None = None) -> Cockpit:
    """The cockpit for ``month`` as ``user`` sees it: the stored rows of their units (head
    office every row), narrowed to one unit's subtree by ``units``, with the live counts
    through ``restrict``. Without a user (commands, tests) the whole book."""
    months = dates.months_back(month, 12)
    ids = _unit_ids(user, units)
    by_month = _summed(months, ids)
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
    partner_months = PartnerMonth.objects.filter(month=month)
    if ids is not None:
        out.partner_ids = _partners_in(user, units)
        partner_months = partner_months.filter(partner_id__in=out.partner_ids)
    out.partner_kinds = list(
        partner_months.values("partner_kind")
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
    open_ = _seen(Complaint, user, units, "unit").open()
    out.open_complaints = open_.count()
    out.overdue_complaints = open_.filter(due_at__lt=now).count()
    out.escalated_complaints = open_.filter(escalation_level__gt=0).count()
    out.services = _services(month, out.total, user, units)
    out.renewals = _renewals(month, user, units)
    if units is not None:
        out.by_unit = _by_unit(month, ids, units)
        root = units.root
        if root is not None and (units.chosen is not None or root.parent_id is not None):
            out.unit_name = root.name
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


def _service_activity(last_day: dt.date) -> dict[int | None, tuple[int, int]]:
    """(entitled, active) customers per servicing unit over the 365 days to ``last_day``:
    holding a service voucher valid in that year, and having used one (the alliance's
    definition, alliance.selectors)."""
    try:
        voucher = apps.get_model("alliance", "Voucher")
    except LookupError:
        return {}
    year = voucher.objects.filter(
        valid_until__gte=last_day - dt.timedelta(days=365), valid_from__lte=last_day
    )

    def per_unit(qs) -> dict[int | None, int]:
        rows = qs.values_list("customer__unit_id").annotate(n=Count("customer_id", distinct=True))
        return dict(rows.order_by())

    entitled = per_unit(year)
    active = per_unit(year.filter(status="redeemed"))
    return {unit: (n, active.get(unit, 0)) for unit, n in entitled.items()}


def _services(
    month: dt.date, total: BookMonth | None, user: Any = None, units: UnitScope | None = None
) -> dict[str, Any] | None:
    """Alliance service uses this month by the customers in scope, when the alliance app has
    landed."""
    try:
        redemption = apps.get_model("alliance", "Redemption")
    except LookupError:
        return None
    _, _, start, end = dates.month_bounds(month)
    done = (
        _seen(redemption, user, units, "voucher__customer__unit")
        .filter(status="completed", redeemed_at__gte=start, redeemed_at__lt=end)
        .aggregate(n=Count("id"), value=Sum("agreed_price"))
    )
    entitled, active = (total.service_entitled, total.service_active) if total else (0, 0)
    return {
        "redemptions": done["n"],
        "value": to_money(done["value"] or ZERO),
        "entitled": entitled,
        "active": active,
        "activity_rate": _div(active, entitled) if entitled else None,
    }


def _renewals(
    month: dt.date, user: Any = None, units: UnitScope | None = None
) -> dict[str, Any] | None:
    """Renewal call-centre activity in scope, when the renewals app has its tasks: open tasks
    now and calls made in the month."""
    try:
        task = apps.get_model("renewals", "RenewalTask")
    except LookupError:
        return None
    out: dict[str, Any] = {
        "open_tasks": _seen(task, user, units, "unit")
        .filter(status__in=("open", "callback", "quoted"))
        .count()
    }
    try:
        contact = apps.get_model("renewals", "Contact")
    except LookupError:
        return out
    _, _, start, end = dates.month_bounds(month)
    out["calls"] = (
        _seen(contact, user, units, "task__unit").filter(at__gte=start, at__lt=end).count()
    )
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
    for u in c.by_unit:
        for key in ("premium", "policies", "customers", "renewal_rate", "complaints"):
            rows.append(["unit", u["key"], key, u[key]])
    rows.append(["complaints", "", "open", c.open_complaints])
    rows.append(["complaints", "", "overdue", c.overdue_complaints])
    rows.append(["complaints", "", "escalated", c.escalated_complaints])
    for i, m in enumerate(c.trend.get("months", [])):
        for key in ("premium", "renewal_rate", "claim_days", "satisfaction", "complaints_per_10k"):
            rows.append(["trend", m, key, c.trend[key][i]])
    return rows
