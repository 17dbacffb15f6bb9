"""The customer's H5 page: their services and vouchers (code and QR), the QR image, booking
a visit and rating a service used."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.parties import consent
from carecircle.parties.models import Customer
from carecircle.parties.models_consent import SharingUse

from .. import qr, selectors, services
from ..models import MerchantLocation, Redemption, Voucher
from .common import back


@require_GET
@login_required
def my_services(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not getattr(user, "customer_id", None):
        raise PermissionDenied("仅限客户 / customers only")
    vouchers = selectors.my_vouchers(user)
    portal = request.build_absolute_uri(reverse("alliance:merchant_portal"))
    agreed = consent.partners_agreed(
        Customer.objects.get(pk=getattr(user, "customer_id", 0)), SharingUse.SERVICE_BOOKING
    )
    for v in vouchers:
        if v.status == "issued":
            v.qr_svg = qr.svg_inline(qr.payload(portal, v.code))  # type: ignore[attr-defined]
        where = MerchantLocation.objects.restrict(user).filter(
            merchant__alliance_offers__product=v.product_id, merchant__alliance_offers__active=True
        )
        where = where.select_related("merchant")  # the merchant each booking would name
        v.locations = list(where[:20]) if v.status == "issued" else []  # type: ignore[attr-defined]
        v.sharing = sharing_wordings(v.locations, agreed)  # type: ignore[attr-defined]
    context = {
        "vouchers": vouchers,
        "delivered": selectors.services_delivered(user),
        "today": clock.today(),
        "error": request.GET.get("error", ""),
    }
    return render(request, "alliance/my_services.html", context)


def sharing_wordings(locations: list[MerchantLocation], agreed: set[int]) -> list[dict]:
    """Art 23 on the booking form: for each merchant among ``locations``, the wording that
    names it and the data it would receive, and whether the customer agreed already."""
    merchants = {loc.merchant_id: loc.merchant for loc in locations}
    out = []
    for merchant in merchants.values():
        wording, text = consent.sharing_text(merchant, SharingUse.SERVICE_BOOKING)
        out.append(
            {
                "partner_id": merchant.pk,
                "wording": wording,
                "text": text,
                "agreed": merchant.pk in agreed,
            }
        )
    return out


@require_GET
@login_required
def voucher_qr(request: HttpRequest, voucher_id: int, fmt: str) -> HttpResponse:
    """The QR of one of the customer's own unused vouchers, as PNG or SVG (to save or print).
    Only the voucher's owner gets it: 404 for anyone else, staff included, and for vouchers
    no longer usable."""
    if fmt not in ("png", "svg"):
        raise Http404("png or svg")
    customer_id = getattr(request.user, "customer_id", None)
    voucher = get_object_or_404(
        Voucher.objects.restrict(request.user).only("code"),
        pk=voucher_id,
        customer_id=customer_id or -1,
        status="issued",
    )
    portal = request.build_absolute_uri(reverse("alliance:merchant_portal"))
    body, kind = qr.image(qr.payload(portal, voucher.code), fmt)
    response = HttpResponse(body, content_type=kind)
    # the image holds a live code: not for shared caches or the browser's disk
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def book(request: HttpRequest, voucher_id: int) -> HttpResponse:
    user = request.user
    voucher = get_object_or_404(Voucher.objects.restrict(user), pk=voucher_id)
    location = get_object_or_404(
        MerchantLocation.objects.restrict(user), pk=request.POST.get("location") or 0
    )
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
        services.book(
            voucher, location, day, acting_user=user,
            share_consent=request.POST.get("share_consent") == "on",
        )  # fmt: skip
    except (DomainError, ValueError) as error:
        return back("alliance:my_services", getattr(error, "message", "日期无效 / invalid day"))
    return redirect("alliance:my_services")


@require_POST
@login_required
def rate(request: HttpRequest, redemption_id: int) -> HttpResponse:
    user = request.user
    redemption = get_object_or_404(
        Redemption.objects.restrict(user).select_related("voucher"), pk=redemption_id
    )
    try:
        services.rate(
            redemption,
            int(request.POST.get("stars", "0") or 0),
            acting_user=user,
            complaint=request.POST.get("complaint") == "on",
            comment=request.POST.get("comment", ""),
        )
    except (DomainError, ValueError) as error:
        return back("alliance:my_services", getattr(error, "message", "评分为1-5星 / 1 to 5 stars"))
    return redirect("alliance:my_services")
