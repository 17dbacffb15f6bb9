"""Writes on the repair network: a customer's rating added to the shop's running mean, and a
discounted repair (折扣维修) booked at the shop's negotiated price — a service, not a claim, so
the NCD is untouched; once per booking form (idempotency key)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import to_money
from carecircle.core.roles import Perm, has_perm
from carecircle.parties import consent
from carecircle.parties.models import Customer, Partner
from carecircle.parties.models_consent import SharingUse

from ..models import RepairService, RepairTerms
from ..rules.calculator import shop_price


def record_shop_rating(shop_id: int, score: int) -> None:
    """Running mean of customers' ratings, one conditional UPDATE (no read-modify-write)."""
    terms = RepairTerms.objects.filter(shop_id=shop_id)
    updated = terms.filter(ratings_count__gte=1, rating__isnull=False).update(
        rating=(F("rating") * F("ratings_count") + score) / (F("ratings_count") + 1),
        ratings_count=F("ratings_count") + 1,
    )
    if not updated:
        terms.update(rating=Decimal(score), ratings_count=1)


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
    share_consent: bool = False,
    consent_source: str | None = None,
) -> RepairService:
    """折扣维修: a repair at the negotiated price, recorded as a service — no claim, NCD kept.
    The same ``idempotency_key`` returns the booking already made (for the same customer).
    The shop receives the customer's data (PIPL Art 23): consent naming it for repair, held or
    given now (``share_consent``; staff name the ``consent_source``), and never for a customer
    whose processing is restricted (``parties.consent.ensure_sharing``)."""
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
            consent.ensure_sharing(
                customer, shop, SharingUse.REPAIR, acting_user=acting_user,
                agreed=share_consent, source=consent_source,
            )  # fmt: skip
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
