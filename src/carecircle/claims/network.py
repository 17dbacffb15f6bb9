"""Repair network services: shop ratings, the “should I claim?” calculator on a customer's real
policy, and discounted repairs booked without a claim (a service, not a claim)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, to_money
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import Customer, Partner
from carecircle.policies.models import Policy
from carecircle.policies.rules import InsuredYear, continuous_years

from .calculator import Verdict, shop_price, should_i_claim
from .choices import Action, ClaimStatus
from .models import Claim, ClaimTransition, RepairService, RepairTerms

VOID = (ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED)
REPAIR_KINDS = ("repair_shop", "four_s_shop")


def record_shop_rating(shop_id: int, score: int) -> None:
    """Running mean of customers' ratings, one conditional UPDATE (no read-modify-write)."""
    terms = RepairTerms.objects.filter(shop_id=shop_id)
    updated = terms.filter(ratings_count__gte=1, rating__isnull=False).update(
        rating=(F("rating") * F("ratings_count") + score) / (F("ratings_count") + 1),
        ratings_count=F("ratings_count") + 1,
    )
    if not updated:
        terms.update(rating=Decimal(score), ratings_count=1)


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
    """(claims per past continuous insured year, newest first; claims so far this year) for the
    vehicle's commercial chain, counting reported claims that were not withdrawn or rejected."""
    chain = list(
        Policy.objects.filter(vehicle_id=policy.vehicle_id, kind="commercial", cancelled_on=None)
        .exclude(pk=policy.pk)
        .filter(effective_date__lt=policy.effective_date)
        .values("pk", "effective_date", "expiry_date")
    )
    counts = dict.fromkeys([p["pk"] for p in chain] + [policy.pk], 0)
    for pid in (
        Claim.objects.filter(policy_id__in=counts)
        .exclude(status__in=VOID)
        .values_list("policy_id", "accident_at__date")
        .distinct()
    ):
        counts[pid[0]] += 1
    years = [InsuredYear(p["effective_date"], p["expiry_date"], counts[p["pk"]]) for p in chain]
    # the current year joins the run only if it follows it without a gap
    run = continuous_years(
        [*years, InsuredYear(policy.effective_date, policy.expiry_date, counts[policy.pk])]
    )
    past = [y.claims for y in run if y.effective != policy.effective_date]
    return past, counts[policy.pk]


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
        ladder=cast(Mapping[int, str], settings.CARECIRCLE["NCD_LADDER"]),  # type: ignore[index]
        repair_list_price=list_price,
        repair_price=price,
        deductible=ded,
    )
    return verdict, policy, terms


def book_repair(
    customer: Customer,
    *,
    acting_user,
    shop: Partner,
    vehicle_id: int,
    description: str,
    parts_list: Any,
    labour_hours: Any,
    booked_for: dt.date,
    idempotency_key: str | None = None,
) -> RepairService:
    """折扣维修: a repair at the negotiated price, recorded as a service — no claim, NCD kept.
    The same ``idempotency_key`` returns the booking already made (for the same customer)."""
    own = getattr(acting_user, "customer_id", None) == customer.pk
    if not (
        own
        or has_perm(acting_user, Perm.HANDLE_CLAIMS)
        or has_perm(acting_user, Perm.EDIT_CUSTOMERS)
    ):
        raise PermissionDenied("无权预约 / you may not book this repair")
    if not Customer.objects.restrict(acting_user).filter(pk=customer.pk).exists():
        raise PermissionDenied("无权查看该客户 / this customer is outside your access")
    vehicle = customer.vehicles.filter(pk=vehicle_id).first()
    if vehicle is None:
        raise DomainError("vehicle", "车辆不属于该客户 / not the customer's vehicle", "vehicle_id")
    terms = RepairTerms.objects.filter(shop=shop, active=True).first()
    if terms is None:
        raise DomainError("repair_shop", "该修理厂没有协议价 / no negotiated terms", "shop_id")
    if booked_for < clock.today():
        raise DomainError("booked_for", "预约日期不能早于今天 / date is in the past", "booked_for")
    key = (idempotency_key or "").strip() or None
    if key and len(key) > 64:
        raise DomainError("idempotency_key", "幂等键过长 / key longer than 64", "idempotency_key")
    if key:
        replay = RepairService.objects.filter(idempotency_key=key).first()
        if replay is not None:
            return _replay(replay, customer)
    try:
        parts, hours = to_money(parts_list), Decimal(str(labour_hours))
    except (ValueError, TypeError, ArithmeticError):
        raise DomainError("calculator_input", "请输入金额和工时 / enter amounts", "parts") from None
    if parts < 0 or hours < 0:
        raise DomainError("negative_amount", "金额不能为负 / amounts cannot be negative", "parts")
    try:
        with transaction.atomic():
            return _book(customer, vehicle, shop, terms, description, parts, hours,
                         booked_for, acting_user, key)  # fmt: skip
    except IntegrityError:
        replay = RepairService.objects.filter(idempotency_key=key).first() if key else None
        if replay is None:
            raise
        return _replay(replay, customer)  # a concurrent POST with the same key won


def _replay(service: RepairService, customer: Customer) -> RepairService:
    if service.customer_id != customer.pk:
        raise DomainError(
            "idempotency_key_reused",
            "该幂等键已用于另一预约 / key used for another booking",
            "idempotency_key",
            status=409,
        )
    return service


def _book(customer, vehicle, shop, terms, description, parts, hours, booked_for, actor, key):
    service = RepairService.objects.create(
        customer=customer,
        vehicle=vehicle,
        shop=shop,
        description=(description or "")[:255] or "折扣维修 / discounted repair",
        list_price=to_money(parts + hours * terms.list_labour_rate),
        price=shop_price(parts, hours, terms.labour_rate, terms.parts_factor),
        booked_for=booked_for,
        booked_by=actor if getattr(actor, "is_authenticated", False) else None,
        idempotency_key=key,
    )
    audit.record(actor, AuditLog.Action.CREATE, service, summary=f"repair {service.price}")
    return service


def repair_value_by_shop() -> list[dict[str, Any]]:
    """Repair value each shop received (assessed losses of referred claims) — the scorecards
    set it against the premium the shop brings."""
    from django.db.models import Count, Sum

    rows = (
        Claim.objects.filter(repair_shop__isnull=False)
        .exclude(status__in=VOID)
        .values("repair_shop_id", "repair_shop__name")
        .annotate(claims=Count("pk"), repair_value=Sum("amount_assessed"))
        .order_by("-repair_value")
    )
    return [{**r, "repair_value": r["repair_value"] or ZERO} for r in rows]
