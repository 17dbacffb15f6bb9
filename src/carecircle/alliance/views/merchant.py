"""The merchant portal: redeem a code (typed or scanned), today's redemptions and bookings,
reverse a redemption, mark a booking attended or no-show."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm

from .. import rules, selectors, services
from ..models import Booking, MerchantLocation, MerchantOffer, Redemption
from ..rules import merchant_of
from .common import back, htmx_status, need


def _portal_context(user) -> dict[str, Any]:
    merchant = merchant_of(user)
    return {
        "redemptions": selectors.todays_redemptions(user),
        "bookings": selectors.todays_bookings(user),
        "locations": MerchantLocation.objects.restrict(user).filter(active=True),
        "offers": MerchantOffer.objects.restrict(user).select_related("product"),
        "merchant": user.partner if merchant else None,
        "quality": selectors.merchant_quality(user),
    }


@require_GET
@login_required
def merchant_portal(request: HttpRequest) -> HttpResponse:
    user = need(request, Perm.REDEEM_VOUCHERS)
    if merchant_of(user) is None:
        raise PermissionDenied("仅商户用户 / merchant staff only")
    # A phone camera opening a voucher's QR link lands here with ?code=…: the code is filled
    # in, never redeemed by the GET (the merchant still presses Redeem).
    prefill = rules.display(rules.code_from_scan(request.GET.get("code", "")))[:14]
    context = _portal_context(user) | {"prefill": prefill}
    return render(request, "alliance/merchant_portal.html", context)


@require_POST
@login_required
def redeem(request: HttpRequest) -> HttpResponse:
    user = need(request, Perm.REDEEM_VOUCHERS)
    location = request.POST.get("location") or None
    try:
        redemption = services.redeem(
            request.POST.get("code", ""),
            acting_user=user,
            location_id=int(location) if location and location.isdigit() else None,
            remote_addr=request.META.get("REMOTE_ADDR"),
        )
    except DomainError as error:
        return render(
            request,
            "alliance/_redeem_result.html",
            {"error": error},
            status=htmx_status(request, error),
        )
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("alliance:merchant_portal")
    context = {
        "redemption": redemption,
        "customer_name": redemption.voucher.customer.display_name_for(user),
    }
    response = render(request, "alliance/_redeem_result.html", context)
    response["HX-Trigger"] = "redeemed"
    return response


@require_GET
@login_required
def todays_redemptions(request: HttpRequest) -> HttpResponse:
    user = need(request, Perm.REDEEM_VOUCHERS)
    return render(request, "alliance/_todays.html", _portal_context(user))


@require_POST
@login_required
def reverse_redemption(request: HttpRequest, redemption_id: int) -> HttpResponse:
    user = need(request, Perm.REDEEM_VOUCHERS)
    redemption = get_object_or_404(Redemption.objects.restrict(user), pk=redemption_id)
    error = None
    try:
        services.reverse(redemption, acting_user=user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        error = exc
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("alliance:merchant_portal")
    context = _portal_context(user) | {"error": error}
    return render(request, "alliance/_todays.html", context)


@require_POST
@login_required
def mark_booking(request: HttpRequest, booking_id: int) -> HttpResponse:
    user = need(request, Perm.REDEEM_VOUCHERS)
    booking = get_object_or_404(Booking.objects.restrict(user), pk=booking_id)
    try:
        services.mark_booking(booking, request.POST.get("status", ""), acting_user=user)
    except DomainError as error:
        return back("alliance:merchant_portal", error.message)
    return redirect("alliance:merchant_portal")
