"""Reads of the repair network: the network's shops with this week's load against their
capacity, the “should I claim?” calculator on a customer's real policy and claim history,
the repair value each shop received. Bookings and ratings are written in
``services.repairs``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Sum

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.money import ZERO, to_money
from carecircle.parties.models import Customer, Partner
from carecircle.policies import ncd
from carecircle.policies.models import Policy

from ..choices import Action, ClaimStatus
from ..models import Claim, ClaimTransition, RepairTerms
from ..rules.calculator import Verdict, shop_price, should_i_claim
from .history import accidents_by_policy, vehicle_history

VOID = (ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED)
REPAIR_KINDS = ("repair_shop", "four_s_shop")


def shops(city: str = "") -> list[RepairTerms]:
    """Active network shops, best rated first, each with ``week_referrals`` and ``full``."""
    qs = RepairTerms.objects.select_related("shop").filter(
        active=True, shop__active=True, shop__kind__in=REPAIR_KINDS
    )
    if city:
        qs = qs.filter(shop__city=city)
    terms = list(qs.order_by(F("rating").desc(nulls_last=True), "labour_rate")[:50])
    load = referrals_this_week([t.shop_id for t in terms])
    for t in terms:
        t.week_referrals = load.get(t.shop_id, 0)  # type: ignore[attr-defined]
        t.full = t.week_referrals >= t.capacity_per_week  # type: ignore[attr-defined]
    return terms


def referrals_this_week(shop_ids: list[int]) -> dict[int, int]:
    """Claims referred to each shop (送修) in the last 7 days and still referred to it, set
    against its capacity (cars a week)."""
    since = clock.now() - dt.timedelta(days=7)
    return dict(
        ClaimTransition.objects.filter(
            action=Action.REFER, at__gte=since, claim__repair_shop_id__in=shop_ids
        )
        .values_list("claim__repair_shop_id")
        .annotate(n=Count("claim_id", distinct=True))
        .order_by()
    )


def check_capacity(shop: Partner, terms: RepairTerms | None) -> None:
    """A shop that has taken its week's capacity of referrals takes no new one (the customer
    or handler chooses another); a claim already referred to it keeps its place."""
    if terms is None:
        return
    load = referrals_this_week([shop.pk]).get(shop.pk, 0)
    if load >= terms.capacity_per_week:
        raise DomainError(
            "shop_full",
            f"{shop.name} 本周已接 {load} 辆，达到接车能力 {terms.capacity_per_week}，请选择其他修理厂"
            f" / {shop.name} has taken {load} cars this week, its capacity of "
            f"{terms.capacity_per_week}; choose another shop",
            "repair_shop_id",
            status=409,
        )


def _current_commercial(customer: Customer, vehicle_id: int | None, today: dt.date) -> Policy:
    qs = Policy.objects.filter(customer=customer, kind="commercial").in_force_on(today)
    if vehicle_id:
        qs = qs.filter(vehicle_id=vehicle_id)
    policy = qs.order_by("-effective_date").first()
    if policy is None:
        raise DomainError(
            "no_commercial_policy",
            "客户当前没有有效的商业险保单 / the customer has no commercial policy in force",
            "vehicle_id",
        )
    if policy.ncd_coefficient is None:
        raise DomainError(
            "no_ncd", "保单无NCD系数 / the policy has no NCD coefficient", "vehicle_id"
        )
    return policy


def claim_history(policy: Policy) -> tuple[list[int], int]:
    """(claims per past year of the unbroken run the policy continues, newest first; claims so
    far this year) for the vehicle's commercial chain under the policy's holder — counted by
    the one history builder (``selectors.history``: the NCD's own rule)."""
    # The day after the policy starts: the current year is the newest of the history.
    history = vehicle_history(
        policy.vehicle_id, policy.effective_date + dt.timedelta(days=1), owner_id=policy.customer_id
    )
    if policy.pk not in history.policy_ids:  # another holder's policy on the same day
        return [], accidents_by_policy([policy.pk])[policy.pk]
    at = history.policy_ids.index(policy.pk)
    past = history.years[at + 1 :]
    if not past:  # the current year is the oldest held: its recorded level proves the rest
        return [0] * history.years[at].clean_before, history.years[at].claims
    return ncd.unbroken_counts(past, policy.effective_date), history.years[at].claims


def calculate(
    customer: Customer,
    *,
    acting_user,
    shop: Partner,
    parts_list: Any,
    labour_hours: Any,
    vehicle_id: int | None = None,
    deductible: Any = "0",
) -> tuple[Verdict, Policy, RepairTerms]:
    """The calculator on the customer's real commercial policy and a partner shop's terms."""
    if not Customer.objects.restrict(acting_user).filter(pk=customer.pk).exists():
        raise PermissionDenied("无权查看该客户 / this customer is outside your access")
    terms = RepairTerms.objects.filter(shop=shop, active=True).first()
    if terms is None:
        raise DomainError("repair_shop", "该修理厂没有协议价 / no negotiated terms", "shop_id")
    try:
        parts = to_money(parts_list)
        hours = Decimal(str(labour_hours))
        ded = to_money(deductible or "0")
    except (ValueError, TypeError, ArithmeticError):
        raise DomainError("calculator_input", "请输入金额和工时 / enter amounts", "parts") from None
    if parts < 0 or hours < 0 or ded < 0:
        raise DomainError("negative_amount", "金额不能为负 / amounts cannot be negative", "parts")
    policy = _current_commercial(customer, vehicle_id, clock.today())
    past, now = claim_history(policy)
    list_price = to_money(parts + hours * terms.list_labour_rate)
    price = shop_price(parts, hours, terms.labour_rate, terms.parts_factor)
    verdict = should_i_claim(
        premium=policy.premium,
        ncd_coefficient=policy.ncd_coefficient or Decimal("1"),
        history=past,
        claims_this_year=now,
        rules=ncd.NcdRules.from_settings(province=customer.province, city=customer.city),
        repair_list_price=list_price,
        repair_price=price,
        deductible=ded,
    )
    return verdict, policy, terms


def repair_value_by_shop() -> list[dict[str, Any]]:
    """Repair value each shop received (assessed losses of referred claims) — the scorecards
    set it against the premium the shop brings."""
    rows = (
        Claim.objects.filter(repair_shop__isnull=False)
        .exclude(status__in=VOID)
        .values("repair_shop_id", "repair_shop__name")
        .annotate(claims=Count("pk"), repair_value=Sum("amount_assessed"))
        .order_by("-repair_value")
    )
    return [{**r, "repair_value": r["repair_value"] or ZERO} for r in rows]
