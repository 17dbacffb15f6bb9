"""The monthly partner scorecard: figures from real data, against the agreement, with the
records behind every number (drill-down).

``figures(month, partner_ids)`` computes the raw figures of one month for the given partners
(None = all) with a handful of grouped queries; ``scorecard(partner, month)`` compares them to
the agreement in force; ``compute_month(month)`` stores them as ``PartnerMonth`` rows for the
health view and the cockpit. Definitions (docs/ecosystem.md):

- premium brought: written premium of policies the partner brought, effective in the month,
  not cancelled;
- repair work sent: claims referred to the shop (``Claim.repair_shop``) reported in the month;
  value = paid + outstanding reserve; paid = amount paid so far;
- settlement timeliness: days from report to payment of the shop's claims paid in the month;
- repair cost index: the shop's average paid per paid claim ÷ the network's (all shops) —
  above 1 means dearer than the network (a leakage indicator);
- renewal rate: of the partner's policies expiring in the month, the share renewed (by any
  channel: the customer stayed);
- satisfaction: interaction scores (1–5) about the partner in the month (an answered survey
  is recorded as an interaction, so it counts once);
- services delivered (merchants): completed alliance redemptions and their agreed prices;
  alliance ratings count into satisfaction;
- complaints: complaints received in the month with the partner (or merchant) as root cause,
  also per 10,000 of the partner's policies in force at the month's end.
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

from carecircle.claims.models import Claim
from carecircle.core import clock
from carecircle.core.money import ZERO, to_money
from carecircle.parties.models import Partner
from carecircle.policies.models import Policy
from carecircle.touchpoints.models import Complaint, Interaction, Referral, Survey

from . import periods
from .choices import Verdict
from .models import Agreement, PartnerMonth

FIELDS = (
    "policies_brought",
    "premium_brought",
    "customers_referred",
    "repair_claims",
    "repair_value",
    "repair_paid",
    "paid_claims",
    "repair_paid_settled",
    "settlement_days_sum",
    "renewals_due",
    "renewals_renewed",
    "satisfaction_sum",
    "satisfaction_n",
    "complaints",
    "policies_in_force",
    "services_delivered",
    "service_value",
)


@dataclass
class Figures:
    """One partner's raw figures for one month (sums and counts; ratios are derived)."""

    policies_brought: int = 0
    premium_brought: Decimal = ZERO
    customers_referred: int = 0
    repair_claims: int = 0
    repair_value: Decimal = ZERO
    repair_paid: Decimal = ZERO
    paid_claims: int = 0
    settlement_days_sum: Decimal = Decimal(0)
    renewals_due: int = 0
    renewals_renewed: int = 0
    satisfaction_sum: int = 0
    satisfaction_n: int = 0
    complaints: int = 0
    policies_in_force: int = 0
    services_delivered: int = 0
    service_value: Decimal = ZERO
    network_avg_repair: Decimal | None = None

    @property
    def renewal_rate(self) -> Decimal | None:
        return _div(self.renewals_renewed, self.renewals_due)

    @property
    def satisfaction(self) -> Decimal | None:
        return _div(self.satisfaction_sum, self.satisfaction_n, places="0.01")

    @property
    def repair_to_premium(self) -> Decimal | None:
        return _div(self.repair_value, self.premium_brought)

    @property
    def avg_repair_paid(self) -> Decimal | None:
        return _div(self.repair_paid_settled, self.paid_claims, places="0.01")

    repair_paid_settled: Decimal = ZERO  # paid on claims paid in the month (cost index basis)

    @property
    def repair_cost_index(self) -> Decimal | None:
        avg = self.avg_repair_paid
        if avg is None or not self.network_avg_repair:
            return None
        return _div(avg, self.network_avg_repair)

    @property
    def settlement_days(self) -> Decimal | None:
        return _div(self.settlement_days_sum, self.paid_claims, places="0.1")

    @property
    def complaints_per_10k(self) -> Decimal | None:
        return _div(self.complaints * 10000, self.policies_in_force, places="0.1")


def _div(a: Any, b: Any, places: str = "0.001") -> Decimal | None:
    if not b:
        return None
    return (Decimal(a) / Decimal(b)).quantize(Decimal(places))


def _restrict(qs, column: str, partner_ids):
    return qs.filter(**{f"{column}__in": partner_ids}) if partner_ids is not None else qs


def _policy_figures(
    months: list[dt.date], partner_ids: list[int] | None
) -> dict[dt.date, dict[int, tuple[int, Any, int, int, int]]]:
    """Per month and partner: (policies brought, premium brought, renewals due, renewed,
    policies in force at the month's end) — for any number of months with ONE scan of the
    policies touching the period (conditional aggregates), instead of three queries a month.

    No "partner IS NOT NULL" filter for all partners: on a freshly loaded SQLite book (no
    statistics) it made SQLite walk the partner index row by row; the NULL group (direct
    business) is dropped below instead. ``renews`` is one-to-one, so the renewal join never
    repeats a policy.
    """
    aggregates: dict[str, Any] = {}
    for i, month in enumerate(months):
        first, after, _start, _end = periods.bounds(month)
        last_day = after - dt.timedelta(days=1)
        live = Q(cancelled_on__isnull=True)
        brought = live & Q(effective_date__gte=first, effective_date__lt=after)
        due = live & Q(expiry_date__gte=first, expiry_date__lt=after)
        in_force = live & Q(effective_date__lte=last_day, expiry_date__gt=last_day)
        aggregates[f"b{i}"] = Count("id", filter=brought)
        aggregates[f"p{i}"] = Sum("premium", filter=brought)
        aggregates[f"d{i}"] = Count("id", filter=due)
        aggregates[f"r{i}"] = Count("renewed_by", filter=due)
        aggregates[f"f{i}"] = Count("id", filter=in_force)
    first_day = periods.bounds(min(months))[0]
    after_last = periods.bounds(max(months))[1]
    touching = Policy.objects.filter(effective_date__lt=after_last, expiry_date__gte=first_day)
    out: dict[dt.date, dict[int, tuple[int, Any, int, int, int]]] = {m: {} for m in months}
    rows = _restrict(touching, "partner_id", partner_ids).values("partner_id")
    for row in rows.annotate(**aggregates).order_by():
        pid = row["partner_id"]
        if pid is None:
            continue
        for i, month in enumerate(months):
            out[month][pid] = (
                row[f"b{i}"],
                row[f"p{i}"],
                row[f"d{i}"],
                row[f"r{i}"],
                row[f"f{i}"],
            )
    return out


def figures(
    month: dt.date,
    partner_ids: list[int] | None = None,
    policies: dict[int, tuple[int, Any, int, int, int]] | None = None,
) -> dict[int, Figures]:
    """Raw figures per partner id for ``month`` (only partners with any activity appear).
    ``policies``: this month's ``_policy_figures`` when the caller computed many at once."""
    _first, _after, start, end = periods.bounds(month)
    out: dict[int, Figures] = defaultdict(Figures)

    policy_rows = policies if policies is not None else _policy_figures([month], partner_ids)[month]
    for pid, (n, premium, due, renewed, in_force) in policy_rows.items():
        if n or due or in_force:
            f = out[pid]
            f.policies_brought, f.premium_brought = n, to_money(premium or 0)
            f.renewals_due, f.renewals_renewed = due, renewed
            f.policies_in_force = in_force

    sent = _restrict(
        Claim.objects.filter(
            repair_shop__isnull=False, reported_at__gte=start, reported_at__lt=end
        ),
        "repair_shop_id",
        partner_ids,
    )
    for row in sent.values("repair_shop_id").annotate(
        n=Count("id"), paid=Sum("amount_paid"), reserved=Sum("amount_reserved")
    ):
        f = out[row["repair_shop_id"]]
        f.repair_claims = row["n"]
        f.repair_paid = to_money(row["paid"] or 0)
        f.repair_value = to_money((row["paid"] or 0) + (row["reserved"] or 0))

    paid = Claim.objects.filter(
        repair_shop__isnull=False, paid_at__gte=start, paid_at__lt=end, amount_paid__gt=0
    )
    network = paid.aggregate(n=Count("id"), paid=Sum("amount_paid"))
    network_avg = _div(network["paid"] or 0, network["n"], places="0.01")
    for shop_id, reported_at, paid_at, amount in _restrict(
        paid, "repair_shop_id", partner_ids
    ).values_list("repair_shop_id", "reported_at", "paid_at", "amount_paid"):
        f = out[shop_id]
        f.paid_claims += 1
        f.repair_paid_settled += amount
        f.settlement_days_sum += Decimal(
            str(round((paid_at - reported_at).total_seconds() / 86400, 2))
        )

    scores = _restrict(
        Interaction.objects.filter(
            partner__isnull=False,
            occurred_at__gte=start,
            occurred_at__lt=end,
            satisfaction__isnull=False,
        ),
        "partner_id",
        partner_ids,
    )
    for row in scores.values("partner_id").annotate(s=Sum("satisfaction"), n=Count("id")):
        f = out[row["partner_id"]]
        f.satisfaction_sum += row["s"] or 0
        f.satisfaction_n += row["n"]
    received = Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
    for column in ("partner_id", "merchant_id"):
        rows = _restrict(received.filter(**{f"{column}__isnull": False}), column, partner_ids)
        for row in rows.values(column).annotate(n=Count("id")):
            out[row[column]].complaints += row["n"]

    referred = _restrict(
        Referral.objects.filter(partner__isnull=False, recorded_at__gte=start, recorded_at__lt=end),
        "partner_id",
        partner_ids,
    )
    for row in referred.values("partner_id").annotate(n=Count("id")):
        out[row["partner_id"]].customers_referred = row["n"]

    _alliance(out, start, end, partner_ids)

    for f in out.values():
        f.network_avg_repair = network_avg
    if partner_ids is not None:
        for pid in partner_ids:
            out[pid].network_avg_repair = network_avg
    return dict(out)


def _alliance(out, start, end, partner_ids) -> None:
    """Merchants' service uses and ratings from the alliance app, when it is there."""
    try:
        redemption = apps.get_model("alliance", "Redemption")
        rating = apps.get_model("alliance", "Rating")
    except LookupError:  # the alliance app has not landed: merchants show no services
        return
    used = _restrict(
        redemption.objects.filter(status="completed", redeemed_at__gte=start, redeemed_at__lt=end),
        "merchant_id",
        partner_ids,
    )
    for row in used.values("merchant_id").annotate(n=Count("id"), value=Sum("agreed_price")):
        f = out[row["merchant_id"]]
        f.services_delivered, f.service_value = row["n"], to_money(row["value"] or 0)
    rated = _restrict(
        rating.objects.filter(created_at__gte=start, created_at__lt=end), "merchant_id", partner_ids
    )
    for row in rated.values("merchant_id").annotate(s=Sum("stars"), n=Count("id")):
        f = out[row["merchant_id"]]
        f.satisfaction_sum += row["s"] or 0
        f.satisfaction_n += row["n"]


# ------------------------------------------------------------------ against the agreement


@dataclass
class Line:
    key: str
    label: str
    value: Any
    target: str = ""
    verdict: str = Verdict.NO_TARGET
    drill: str = ""  # which list is behind the number (policies, renewals, claims, …)
    kind: str = "number"  # number | money | rate | ratio | days | score


@dataclass
class Scorecard:
    partner: Partner
    month: dt.date
    figures: Figures
    agreement: Agreement | None
    gives: list[Line] = field(default_factory=list)
    gets: list[Line] = field(default_factory=list)
    quality: list[Line] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [*self.gives, *self.gets, *self.quality]

    @property
    def off_terms(self) -> list[Line]:
        return [line for line in self.lines if line.verdict in (Verdict.BELOW, Verdict.ABOVE)]


def _at_least(value, target) -> str:
    if target is None:
        return Verdict.NO_TARGET
    if value is None:
        return Verdict.NO_DATA
    return Verdict.MET if value >= target else Verdict.BELOW


def _at_most(value, target) -> str:
    if target is None:
        return Verdict.NO_TARGET
    if value is None:
        return Verdict.NO_DATA
    return Verdict.MET if value <= target else Verdict.ABOVE


def _band(value, low, high) -> str:
    if low is None and high is None:
        return Verdict.NO_TARGET
    if value is None:
        return Verdict.NO_DATA
    if low is not None and value < low:
        return Verdict.BELOW
    if high is not None and value > high:
        return Verdict.ABOVE
    return Verdict.MET


def _fmt(value) -> str:
    return "" if value is None else str(value)


def agreement_for(partner: Partner, month: dt.date) -> Agreement | None:
    last_day = periods.next_month(month) - dt.timedelta(days=1)
    return (
        Agreement.objects.filter(partner=partner, status="active")
        .filter(starts_on__lte=last_day, ends_on__gte=month)
        .order_by("-starts_on")
        .first()
    )


def compare(partner: Partner, month: dt.date, f: Figures, a: Agreement | None) -> Scorecard:
    def t(name):
        return getattr(a, name) if a is not None else None

    card = Scorecard(partner=partner, month=month, figures=f, agreement=a)
    card.gives = [
        Line(
            "premium_brought",
            "带来保费 / Premium brought",
            f.premium_brought,
            _fmt(t("premium_target_monthly")),
            _at_least(f.premium_brought, t("premium_target_monthly")),
            "policies",
            "money",
        ),
        Line(
            "policies_brought", "带来保单 / Policies brought", f.policies_brought, drill="policies"
        ),
        Line(
            "customers_referred",
            "推荐客户 / Customers referred",
            f.customers_referred,
            _fmt(t("referrals_target_monthly")),
            _at_least(f.customers_referred, t("referrals_target_monthly")),
            "referrals",
        ),
        Line(
            "repair_claims",
            "承修台次 / Vehicles repaired",
            f.repair_claims,
            _fmt(t("repair_capacity_monthly")),
            _at_most(f.repair_claims, t("repair_capacity_monthly")),
            "claims",
        ),
        Line(
            "services_delivered",
            "提供服务(次) / Services delivered",
            f.services_delivered,
            _fmt(t("service_capacity_monthly")),
            _at_most(f.services_delivered, t("service_capacity_monthly")),
        ),
    ]
    commission = (
        to_money(f.premium_brought * t("commission_rate")) if t("commission_rate") else None
    )
    referral_fees = (
        to_money(t("referral_fee") * f.customers_referred) if t("referral_fee") else None
    )
    card.gets = [
        Line(
            "repair_value",
            "送修产值 / Repair work sent",
            f.repair_value,
            _fmt(t("repair_value_target_monthly")),
            _at_least(f.repair_value, t("repair_value_target_monthly")),
            "claims",
            "money",
        ),
        Line(
            "repair_paid",
            "已付维修款 / Repair amounts paid",
            f.repair_paid,
            drill="claims",
            kind="money",
        ),
        Line("service_value", "服务结算 / Service payments", f.service_value, kind="money"),
        Line(
            "commission", "应付手续费 / Commission due", commission, kind="money", drill="policies"
        ),
        Line(
            "referral_fees",
            "推荐费 / Referral fees",
            referral_fees,
            kind="money",
            drill="referrals",
        ),
        Line(
            "repair_to_premium",
            "送修/保费比 / Repair-to-premium ratio",
            f.repair_to_premium,
            " – ".join(
                _fmt(x)
                for x in (t("repair_to_premium_min"), t("repair_to_premium_max"))
                if x is not None
            ),
            _band(f.repair_to_premium, t("repair_to_premium_min"), t("repair_to_premium_max")),
            "claims",
            "ratio",
        ),
    ]
    card.quality = [
        Line(
            "renewal_rate",
            "客户续保率 / Renewal rate of its customers",
            f.renewal_rate,
            _fmt(t("renewal_rate_target")),
            _at_least(f.renewal_rate, t("renewal_rate_target")),
            "renewals",
            "rate",
        ),
        Line(
            "satisfaction",
            "客户满意度 / Customer satisfaction (1-5)",
            f.satisfaction,
            _fmt(t("satisfaction_target")),
            _at_least(f.satisfaction, t("satisfaction_target")),
            "satisfaction",
            "score",
        ),
        Line(
            "complaints",
            "投诉 / Complaints",
            f.complaints,
            drill="complaints",
        ),
        Line(
            "complaints_per_10k",
            "万单投诉率 / Complaints per 10,000 policies",
            f.complaints_per_10k,
            _fmt(t("complaints_per_10k_max")),
            _at_most(f.complaints_per_10k, t("complaints_per_10k_max")),
            "complaints",
        ),
        Line(
            "repair_cost_index",
            "案均维修成本/网络 / Repair cost vs network",
            f.repair_cost_index,
            _fmt(t("repair_cost_index_max")),
            _at_most(f.repair_cost_index, t("repair_cost_index_max")),
            "settled",
            "ratio",
        ),
        Line(
            "settlement_days",
            "结算时效(天) / Settlement time (days)",
            f.settlement_days,
            _fmt(t("settlement_days_max")),
            _at_most(f.settlement_days, t("settlement_days_max")),
            "settled",
            "days",
        ),
    ]
    return card


def scorecard(partner: Partner, month: dt.date) -> Scorecard:
    f = figures(month, [partner.pk]).get(partner.pk, Figures())
    return compare(partner, month, f, agreement_for(partner, month))


# ------------------------------------------------------------------ drill-down


def drill(partner: Partner, month: dt.date, what: str):
    """The records behind a figure, as a queryset (callers page and mask)."""
    first, after, start, end = periods.bounds(month)
    if what == "policies":
        return (
            Policy.objects.filter(
                partner=partner,
                effective_date__gte=first,
                effective_date__lt=after,
                cancelled_on__isnull=True,
            )
            .select_related("customer", "vehicle")
            .order_by("effective_date", "policy_no")
        )
    if what == "renewals":
        return (
            Policy.objects.filter(
                partner=partner,
                expiry_date__gte=first,
                expiry_date__lt=after,
                cancelled_on__isnull=True,
            )
            .select_related("customer", "vehicle", "renewed_by")
            .order_by("expiry_date", "policy_no")
        )
    if what == "claims":
        return (
            Claim.objects.filter(repair_shop=partner, reported_at__gte=start, reported_at__lt=end)
            .select_related("policy__customer", "vehicle")
            .order_by("reported_at", "claim_no")
        )
    if what == "settled":
        return (
            Claim.objects.filter(
                repair_shop=partner, paid_at__gte=start, paid_at__lt=end, amount_paid__gt=0
            )
            .select_related("policy__customer", "vehicle")
            .order_by("paid_at", "claim_no")
        )
    if what == "complaints":
        return (
            Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
            .filter(Q(partner=partner) | Q(merchant=partner))
            .select_related("customer")
            .order_by("received_at")
        )
    if what == "satisfaction":
        return (
            Interaction.objects.filter(
                partner=partner,
                occurred_at__gte=start,
                occurred_at__lt=end,
                satisfaction__isnull=False,
            )
            .select_related("customer")
            .order_by("occurred_at")
        )
    if what == "surveys":
        return (
            Survey.objects.filter(
                partner=partner, answered_at__gte=start, answered_at__lt=end, csat__isnull=False
            )
            .select_related("customer")
            .order_by("answered_at")
        )
    if what == "referrals":
        return (
            Referral.objects.filter(partner=partner, recorded_at__gte=start, recorded_at__lt=end)
            .select_related("referrer")
            .order_by("recorded_at")
        )
    raise KeyError(what)


DRILLS = (
    "policies",
    "renewals",
    "claims",
    "settled",
    "complaints",
    "satisfaction",
    "surveys",
    "referrals",
)


# ------------------------------------------------------------------ stored months


def compute_months(months: list[dt.date]) -> int:
    """``compute_month`` for many months, the policy figures of all of them in one scan
    (the nightly aggregate and the demo store 13 months)."""
    policies = _policy_figures(months, None)
    return sum(compute_month(month, policies[month]) for month in months)


def compute_month(month: dt.date, policies=None) -> int:
    """Store every active partner's figures for ``month`` (replacing the month's rows)."""
    data = figures(month, None, policies)
    kinds = dict(Partner.objects.filter(pk__in=list(data)).values_list("pk", "kind"))
    moment = clock.now()
    rows = [
        PartnerMonth(
            partner_id=pid,
            month=month,
            partner_kind=kinds.get(pid, ""),
            computed_at=moment,
            **{name: getattr(f, name) for name in FIELDS},
        )
        for pid, f in data.items()
        if pid in kinds
    ]
    with transaction.atomic():
        PartnerMonth.objects.filter(month=month).delete()
        PartnerMonth.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def from_stored(row: PartnerMonth) -> Figures:
    return Figures(**{name: getattr(row, name) for name in FIELDS})
