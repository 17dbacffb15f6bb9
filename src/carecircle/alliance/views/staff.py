"""The insurer's pages: the service manager's dashboard (activity, merchant quality), the
catalogue, the entitlement packages, and issuing vouchers by hand or for the whole book."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import Customer

from .. import bulk, selectors, services
from ..models import EntitlementPackage, MerchantLocation, MerchantOffer, ServiceProduct
from .common import need


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = need(request, Perm.MANAGE_ALLIANCE)
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
    need(request, Perm.MANAGE_ALLIANCE)
    rows = EntitlementPackage.objects.prefetch_related("items__product").order_by("code")
    return render(request, "alliance/packages.html", {"packages": rows})


@login_required
def issue(request: HttpRequest) -> HttpResponse:
    user = need(request, Perm.ISSUE_VOUCHERS)
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
    user = need(request, Perm.MANAGE_ALLIANCE)
    result = bulk.issue_for_book(acting_user=user)
    context = {
        "products": ServiceProduct.objects.filter(active=True).order_by("kind"),
        "manager": True,
        "run": result,
    }
    return render(request, "alliance/issue.html", context)
