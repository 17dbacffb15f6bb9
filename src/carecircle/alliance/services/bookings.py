"""Bookings and ratings: a customer books a visit for a voucher, the merchant marks it
attended or no-show, the customer rates the service used."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm, has_perm
from carecircle.parties import consent
from carecircle.parties.models_consent import SharingUse

from ..choices import BookingStatus, RedemptionStatus, VoucherStatus
from ..models import Booking, MerchantLocation, MerchantOffer, Rating, Redemption, Voucher
from ..rules import merchant_of


def book(
    voucher: Voucher,
    location: MerchantLocation,
    day: dt.date,
    *,
    acting_user,
    share_consent: bool = False,
    consent_source: str | None = None,
) -> Booking:
    """A customer books a visit for one of their vouchers at a location offering the service.

    The booking gives the merchant the customer's name and mobile number (PIPL Art 23): it
    needs the customer's consent naming that merchant — held already, or given now
    (``share_consent``: ticked on the booking page under the wording; staff booking for the
    customer name the ``consent_source``, a call recording or a paper form). A customer whose
    processing is restricted is shared with no merchant (``parties.consent.ensure_sharing``)."""
    if getattr(acting_user, "customer_id", None) != voucher.customer_id and not has_perm(
        acting_user, Perm.ISSUE_VOUCHERS
    ):
        raise PermissionDenied("只能预约自己的服务券 / only your own vouchers")
    if voucher.status != VoucherStatus.ISSUED:
        raise DomainError("not_bookable", "该券不可预约 / this voucher cannot be booked")
    if not (voucher.valid_from <= day <= voucher.valid_until) or day < clock.today():
        raise DomainError("day", "日期不在有效期内 / the day is outside the validity", "day")
    if not MerchantOffer.objects.filter(
        merchant_id=location.merchant_id, product_id=voucher.product_id, active=True
    ).exists():
        raise DomainError("location", "该门店不提供此服务 / not offered there", "location")
    with transaction.atomic():
        consent.ensure_sharing(
            voucher.customer, location.merchant, SharingUse.SERVICE_BOOKING,
            acting_user=acting_user, agreed=share_consent, source=consent_source,
        )  # fmt: skip
        taken = (
            Booking.objects.select_for_update()
            .filter(location=location, day=day, status=BookingStatus.BOOKED)
            .count()
        )
        if taken >= location.daily_capacity:
            raise DomainError("full", "当日已约满 / fully booked that day", "day", status=409)
        booking = Booking.objects.create(
            voucher=voucher, merchant_id=location.merchant_id, location=location, day=day
        )
        audit.record(acting_user, AuditLog.Action.CREATE, booking, summary=f"booking {day}")
    return booking


def mark_booking(booking: Booking, status: str, *, acting_user) -> Booking:
    """The merchant marks a booking attended or no-show (the no-show rate)."""
    if merchant_of(acting_user) != booking.merchant_id:
        raise PermissionDenied("只能处理本商户的预约 / only your merchant's bookings")
    if status not in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW):
        raise DomainError("status", "状态无效 / invalid status", "status")
    if status == BookingStatus.NO_SHOW and clock.today() < booking.day:
        # a visit cannot be missed before its day (no-shows weigh on the merchant's review)
        raise DomainError(
            "too_early", "预约日之前不能标记爽约 / not a no-show before the booked day", "status"
        )
    with transaction.atomic():
        if not Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
            status=status
        ):
            raise DomainError("booking_closed", "预约已处理 / booking already closed", status=409)
        audit.record(acting_user, AuditLog.Action.UPDATE, booking, summary=status)
    booking.refresh_from_db()
    return booking


def rate(
    redemption: Redemption, stars: int, *, acting_user, complaint: bool = False, comment: str = ""
) -> Rating:
    if getattr(acting_user, "customer_id", None) != redemption.voucher.customer_id:
        raise PermissionDenied("只能评价自己的服务 / only your own services")
    if not 1 <= int(stars) <= 5:
        raise DomainError("stars", "评分为1-5星 / 1 to 5 stars", "stars")
    if redemption.status != RedemptionStatus.COMPLETED:
        raise DomainError(
            "not_rateable", "已冲正的服务不能评价 / a reversed service cannot be rated", status=409
        )
    with transaction.atomic():
        rating, _ = Rating.objects.update_or_create(
            redemption=redemption,
            defaults={
                "merchant_id": redemption.merchant_id,
                "stars": int(stars),
                "complaint": bool(complaint),
                "comment": (comment or "")[:255],
            },
        )
        audit.record(acting_user, AuditLog.Action.CREATE, rating, summary=f"{stars} stars")
    return rating
