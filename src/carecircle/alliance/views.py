"""Alliance pages: the merchant portal, the service manager's pages and the customer's H5
page. Thin views: parse, check permission, call one service, render (htmx partials where a
form posts in place)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, Role, has_perm
from carecircle.parties.models import Customer

from . import bulk, exports, qr, rules, selectors, services
from .choices import StatementStatus
from .models import (
    EntitlementPackage,
    MerchantLocation,
    MerchantOffer,
    Redemption,
    ServiceProduct,
    Statement,
    Voucher,
    merchant_of,
)


def _need(request: HttpRequest, perm: Perm) -> Any:
    if not has_perm(request.user, perm):
        raise PermissionDenied("无权访问 / not allowed")
    return request.user


def _back(url_name: str, message: str) -> HttpResponse:
    """Redirect back to a page with the refusal shown on it (forms without htmx)."""
    return redirect(f"{reverse(url_name)}?{urlencode({'error': message})}")


def _status(request: HttpRequest, error: DomainError) -> int:
    # htmx swaps 2xx and 403 only (base.html): the refusal comes back as content.
    return 200 if request.htmx else error.status  # type: ignore[attr-defined]


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The one navigation entry: each role lands on its own alliance page."""
    user = request.user
    if has_perm(user, Perm.MANAGE_ALLIANCE):
        return redirect("alliance:dashboard")
    if merchant_of(user) is not None:
        return redirect("alliance:merchant_portal")
    if getattr(user, "role", None) == Role.CUSTOMER and user.customer_id:  # type: ignore[union-attr]
        return redirect("alliance:my_services")
    if has_perm(user, Perm.ISSUE_VOUCHERS):
        return redirect("alliance:issue")
    raise PermissionDenied("无权访问 / not allowed")


# ----------------------------------------------------------------------------- merchant portal


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
    user = _need(request, Perm.REDEEM_VOUCHERS)
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
    user = _need(request, Perm.REDEEM_VOUCHERS)
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
            status=_status(request, error),
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
    user = _need(request, Perm.REDEEM_VOUCHERS)
    return render(request, "alliance/_todays.html", _portal_context(user))


@require_POST
@login_required
def reverse_redemption(request: HttpRequest, redemption_id: int) -> HttpResponse:
    user = _need(request, Perm.REDEEM_VOUCHERS)
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
    from .models import Booking

    user = _need(request, Perm.REDEEM_VOUCHERS)
    booking = get_object_or_404(Booking.objects.restrict(user), pk=booking_id)
    try:
        services.mark_booking(booking, request.POST.get("status", ""), acting_user=user)
    except DomainError as error:
        return _back("alliance:merchant_portal", error.message)
    return redirect("alliance:merchant_portal")


# ----------------------------------------------------------------------------- statements


@require_GET
@login_required
def statements(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (has_perm(user, Perm.MANAGE_ALLIANCE) or merchant_of(user)):
        raise PermissionDenied("无权访问 / not allowed")
    rows = Statement.objects.restrict(user).select_related("merchant")
    status = request.GET.get("status", "")
    if status in StatementStatus.values:
        rows = rows.filter(status=status)
    month = clock.today().replace(day=1)
    last_month = (month - dt.timedelta(days=1)).replace(day=1)
    context = {
        "statements": rows[:200],
        "status": status,
        "statuses": StatementStatus.choices,
        "default_month": f"{last_month:%Y-%m}",
        "manager": has_perm(user, Perm.MANAGE_ALLIANCE),
    }
    return render(request, "alliance/statements.html", context)


@require_POST
@login_required
def build_statements(request: HttpRequest) -> HttpResponse:
    user = _need(request, Perm.MANAGE_ALLIANCE)
    try:
        month = dt.date.fromisoformat(request.POST.get("month", "") + "-01")
    except ValueError:
        return HttpResponse("月份格式 YYYY-MM / month as YYYY-MM", status=400)
    services.build_statements(month, acting_user=user)
    return redirect(reverse("alliance:statements"))


@require_GET
@login_required
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    user = request.user
    statement = get_object_or_404(
        Statement.objects.restrict(user).select_related("merchant"), pk=statement_id
    )
    lines = statement.lines.select_related("redemption__voucher__product").order_by("kind", "pk")
    context = {
        "statement": statement,
        "lines": lines,
        "manager": has_perm(user, Perm.MANAGE_ALLIANCE),
        "is_merchant": merchant_of(user) == statement.merchant_id,
        "error": request.GET.get("error", ""),
    }
    return render(request, "alliance/statement_detail.html", context)


@require_POST
@login_required
def statement_action(request: HttpRequest, statement_id: int, action: str) -> HttpResponse:
    user = request.user
    statement = get_object_or_404(Statement.objects.restrict(user), pk=statement_id)
    target = reverse("alliance:statement_detail", args=[statement.pk])
    try:
        if action == "recompute":
            services.build_statement(statement.merchant, statement.month, acting_user=user)
        elif action == "approve":
            services.approve(statement, acting_user=user)
        elif action == "paid":
            services.mark_paid(statement, acting_user=user)
        elif action == "dispute":
            services.dispute(statement, request.POST.get("reason", ""), acting_user=user)
        elif action == "adjust":
            services.adjust(
                statement,
                request.POST.get("amount", "0") or "0",
                request.POST.get("note", ""),
                acting_user=user,
            )
        else:
            raise PermissionDenied("未知操作 / unknown action")
    except (DomainError, ValueError) as error:
        return redirect(f"{target}?{urlencode({'error': getattr(error, 'message', str(error))})}")
    return redirect(target)


@require_GET
@login_required
def statement_export(request: HttpRequest, statement_id: int, fmt: str) -> HttpResponse:
    statement = get_object_or_404(
        Statement.objects.restrict(request.user).select_related("merchant"), pk=statement_id
    )
    if fmt not in ("csv", "xlsx"):
        raise Http404("csv or xlsx")
    name = f"statement-{statement.merchant.code}-{statement.month:%Y-%m}"
    if fmt == "xlsx":
        body = exports.statement_xlsx(statement)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, kind = exports.statement_csv(statement), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# ----------------------------------------------------------------------------- service manager


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _need(request, Perm.MANAGE_ALLIANCE)
    act = selectors.activity()
    quality = selectors.merchant_quality(user)
    chart = {
        "tiers": [str(t["tier"]) for t in act.by_tier],
        "rates": [round((t["rate"] or 0) * 100, 1) for t in act.by_tier],
    }
    context = {
        "act": act,
        "quality": quality,
        "flagged": [q for q in quality if q.flags],
        "flag_labels": selectors.FLAG_LABELS,
        "chart": chart,
        "counts": selectors.voucher_counts(user),
    }
    return render(request, "alliance/dashboard.html", context)


@require_GET
@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not getattr(user, "is_insurer_staff", False):
        raise PermissionDenied("仅限保险公司员工 / insurer staff only")
    offers = (
        MerchantOffer.objects.restrict(user)
        .select_related("merchant", "product")
        .order_by("product__kind", "merchant__name")
    )
    context = {
        "products": ServiceProduct.objects.order_by("kind", "code"),
        "offers": offers[:300],
        "locations": MerchantLocation.objects.restrict(user).select_related("merchant")[:300],
    }
    return render(request, "alliance/catalogue.html", context)


@require_GET
@login_required
def packages(request: HttpRequest) -> HttpResponse:
    _need(request, Perm.MANAGE_ALLIANCE)
    rows = EntitlementPackage.objects.prefetch_related("items__product").order_by("code")
    return render(request, "alliance/packages.html", {"packages": rows})


@login_required
def issue(request: HttpRequest) -> HttpResponse:
    user = _need(request, Perm.ISSUE_VOUCHERS)
    context: dict[str, Any] = {
        "products": ServiceProduct.objects.filter(active=True).order_by("kind"),
        "manager": has_perm(user, Perm.MANAGE_ALLIANCE),
    }
    if request.method == "POST":
        customer = (
            Customer.objects.restrict(user)
            .filter(customer_no=request.POST.get("customer_no", "").strip())
            .first()
        )
        product = ServiceProduct.objects.filter(pk=request.POST.get("product") or 0).first()
        if customer is None or product is None:
            context["error"] = "未找到客户或服务 / customer or service not found"
        else:
            try:
                context["issued"] = services.issue_manual(
                    customer, product, acting_user=user, reason=request.POST.get("reason", "")
                )
            except DomainError as error:
                context["error"] = error.message
    return render(request, "alliance/issue.html", context)


@require_POST
@login_required
def issue_run(request: HttpRequest) -> HttpResponse:
    user = _need(request, Perm.MANAGE_ALLIANCE)
    result = bulk.issue_for_book(acting_user=user)
    context = {
        "products": ServiceProduct.objects.filter(active=True).order_by("kind"),
        "manager": True,
        "run": result,
    }
    return render(request, "alliance/issue.html", context)


# ----------------------------------------------------------------------------- customer H5


@require_GET
@login_required
def my_services(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not getattr(user, "customer_id", None):
        raise PermissionDenied("仅限客户 / customers only")
    vouchers = selectors.my_vouchers(user)
    customer_id = int(getattr(user, "customer_id", 0))
    portal = request.build_absolute_uri(reverse("alliance:merchant_portal"))
    for v in vouchers:
        if v.status == "issued":
            v.qr_svg = qr.svg_inline(qr.payload(portal, v.code))  # type: ignore[attr-defined]
        where = MerchantLocation.objects.restrict(user).filter(
            merchant__alliance_offers__product=v.product_id, merchant__alliance_offers__active=True
        )
        v.locations = list(where[:20]) if v.status == "issued" else []  # type: ignore[attr-defined]
    context = {
        "vouchers": vouchers,
        "delivered": selectors.services_delivered(customer_id),
        "today": clock.today(),
        "error": request.GET.get("error", ""),
    }
    return render(request, "alliance/my_services.html", context)


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
        Voucher.objects.only("code"), pk=voucher_id, customer_id=customer_id or -1, status="issued"
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
        services.book(voucher, location, day, acting_user=user)
    except (DomainError, ValueError) as error:
        return _back("alliance:my_services", getattr(error, "message", "日期无效 / invalid day"))
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
        return _back(
            "alliance:my_services", getattr(error, "message", "评分为1-5星 / 1 to 5 stars")
        )
    return redirect("alliance:my_services")
