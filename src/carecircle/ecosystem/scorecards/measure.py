"""A partner's raw figures for a month, measured from real data (sums and counts; the
ratios are derived): ``figures(month, partner_ids)`` with a handful of grouped queries for any
number of partners. The definitions are in the package docstring and docs/ecosystem.md."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, Q, Sum

from carecircle.claims.models import Claim
from carecircle.core import dates
from carecircle.core.money import ZERO, to_money
from carecircle.policies.models import Policy
from carecircle.touchpoints.models import Complaint, Interaction, Referral

from ..commissions.choices import StatementStatus
from ..commissions.models import CommissionStatement
from ..rules import ratio

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
    # From the month's commission statement (not stored in PartnerMonth): what is due on the
    # business of the month (the statement's total, whatever its status) and what was paid.
    commission_due: Decimal | None = None
    commission_paid: Decimal | None = None

    @property
    def renewal_rate(self) -> Decimal | None:
        return ratio(self.renewals_renewed, self.renewals_due)

    @property
    def satisfaction(self) -> Decimal | None:
        return ratio(self.satisfaction_sum, self.satisfaction_n, places="0.01")

    @property
    def repair_to_premium(self) -> Decimal | None:
        return ratio(self.repair_value, self.premium_brought)

    @property
    def avg_repair_paid(self) -> Decimal | None:
        return ratio(self.repair_paid_settled, self.paid_claims, places="0.01")

    repair_paid_settled: Decimal = ZERO  # paid on claims paid in the month (cost index basis)

    @property
    def repair_cost_index(self) -> Decimal | None:
        avg = self.avg_repair_paid
        if avg is None or not self.network_avg_repair:
            return None
        return ratio(avg, self.network_avg_repair)

    @property
    def settlement_days(self) -> Decimal | None:
        return ratio(self.settlement_days_sum, self.paid_claims, places="0.1")

    @property
    def complaints_per_10k(self) -> Decimal | None:
        return ratio(self.complaints * 10000, self.policies_in_force, places="0.1")


def _of_partners(qs, column: str, partner_ids):
    return qs.filter(**{f"{column}__in": partner_ids}) if partner_ids is not None else qs


def policy_figures(
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
        first, after, _start, _end = dates.month_bounds(month)
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
    first_day = dates.month_bounds(min(months))[0]
    after_last = dates.month_bounds(max(months))[1]
    touching = Policy.objects.filter(effective_date__lt=after_last, expiry_date__gte=first_day)
    out: dict[dt.date, dict[int, tuple[int, Any, int, int, int]]] = {m: {} for m in months}
    rows = _of_partners(touching, "partner_id", partner_ids).values("partner_id")
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
    ``policies``: this month's ``policy_figures`` when the caller computed many at once."""
    _first, _after, start, end = dates.month_bounds(month)
    out: dict[int, Figures] = defaultdict(Figures)

    policy_rows = policies if policies is not None else policy_figures([month], partner_ids)[month]
    for pid, (n, premium, due, renewed, in_force) in policy_rows.items():
        if n or due or in_force:
            f = out[pid]
            f.policies_brought, f.premium_brought = n, to_money(premium or 0)
            f.renewals_due, f.renewals_renewed = due, renewed
            f.policies_in_force = in_force

    sent = _of_partners(
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
    network_avg = ratio(network["paid"] or 0, network["n"], places="0.01")
    for shop_id, reported_at, paid_at, amount in _of_partners(
        paid, "repair_shop_id", partner_ids
    ).values_list("repair_shop_id", "reported_at", "paid_at", "amount_paid"):
        f = out[shop_id]
        f.paid_claims += 1
        f.repair_paid_settled += amount
        f.settlement_days_sum += Decimal(
            str(round((paid_at - reported_at).total_seconds() / 86400, 2))
        )

    scores = _of_partners(
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
        rows = _of_partners(received.filter(**{f"{column}__isnull": False}), column, partner_ids)
        for row in rows.values(column).annotate(n=Count("id")):
            out[row[column]].complaints += row["n"]

    referred = _of_partners(
        Referral.objects.filter(partner__isnull=False, recorded_at__gte=start, recorded_at__lt=end),
        "partner_id",
        partner_ids,
    )
    for row in referred.values("partner_id").annotate(n=Count("id")):
        out[row["partner_id"]].customers_referred = row["n"]

    _alliance(out, start, end, partner_ids)
    _commissions(out, month, partner_ids)

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
    used = _of_partners(
        redemption.objects.filter(status="completed", redeemed_at__gte=start, redeemed_at__lt=end),
        "merchant_id",
        partner_ids,
    )
    for row in used.values("merchant_id").annotate(n=Count("id"), value=Sum("agreed_price")):
        f = out[row["merchant_id"]]
        f.services_delivered, f.service_value = row["n"], to_money(row["value"] or 0)
    rated = _of_partners(
        rating.objects.filter(created_at__gte=start, created_at__lt=end), "merchant_id", partner_ids
    )
    for row in rated.values("merchant_id").annotate(s=Sum("stars"), n=Count("id")):
        f = out[row["merchant_id"]]
        f.satisfaction_sum += row["s"] or 0
        f.satisfaction_n += row["n"]


def _commissions(out, month: dt.date, partner_ids) -> None:
    """Commission due and paid from the partners' statements of the month (docs/commissions.md):
    due is the statement's total, paid the total of a statement marked paid."""
    statements = _of_partners(
        CommissionStatement.objects.filter(month=month, partner__isnull=False),
        "partner_id",
        partner_ids,
    )
    for pid, total, status in statements.values_list("partner_id", "total", "status"):
        f = out[pid]
        f.commission_due = total
        f.commission_paid = total if status == StatementStatus.PAID else ZERO
