"""What the rate of a month's policies depends on, read in a few grouped queries: each
customer's and each payee's loss ratio (paid claims ÷ premium) over the look-back before the
month, as a band (settings ``COMMISSION_LOSS_BANDS``). Paid, not incurred: reserves are an
estimate, and a commission should not move with one."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q, Sum

from carecircle.claims.models import Claim
from carecircle.core import dates
from carecircle.policies.models import Policy

from .. import conf
from .rules import band_of, loss_ratio


def _ratios(
    policies, key: str, ids: Iterable[int], since: dt.date, before: dt.date
) -> dict[int, Decimal | None]:
    ids = list(set(ids))
    if not ids:
        return {}
    book = policies.filter(
        **{f"{key}__in": ids}, effective_date__gte=since, effective_date__lt=before
    )
    premium: dict[int, Decimal] = defaultdict(Decimal)
    for row in book.values(key).annotate(p=Sum("premium")):
        premium[row[key]] = row["p"] or Decimal(0)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    # A claim counts on the policy it is booked to (the 商业险, or the 交强险 alone).
    claims = Claim.objects.filter(Q(policy__in=book.values("pk")), amount_paid__gt=0).values(
        f"policy__{key}"
    )
    for row in claims.annotate(p=Sum("amount_paid")):
        paid[row[f"policy__{key}"]] = row["p"] or Decimal(0)
    return {i: loss_ratio(paid[i], premium[i]) for i in ids}


def customer_bands(customer_ids: Iterable[int], month: dt.date) -> dict[int, str]:
    years = conf.get("COMMISSION_CUSTOMER_LOOKBACK_YEARS")
    since = dates.add_months(month, -12 * years)
    bands = conf.get("COMMISSION_LOSS_BANDS")
    ratios = _ratios(Policy.objects.all(), "customer_id", customer_ids, since, month)
    return {i: band_of(r, bands) for i, r in ratios.items()}


def payee_bands(
    partner_ids: Iterable[int], agent_ids: Iterable[int], month: dt.date
) -> tuple[dict[int, str], dict[int, str]]:
    since = dates.add_months(month, -conf.get("COMMISSION_PAYEE_LOOKBACK_MONTHS"))
    bands = conf.get("COMMISSION_LOSS_BANDS")
    partners = _ratios(Policy.objects.all(), "partner_id", partner_ids, since, month)
    agents = _ratios(Policy.objects.all(), "agent_id", agent_ids, since, month)
    return (
        {i: band_of(r, bands) for i, r in partners.items()},
        {i: band_of(r, bands) for i, r in agents.items()},
    )
