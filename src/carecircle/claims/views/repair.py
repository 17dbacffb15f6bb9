"""Repair network pages: the “should I claim?” calculator (the customer's, or a seat's or
handler's for a customer in their scope), discounted repair booked from it (折扣维修, a service,
not a claim), and the repair or 4S shop's partner portal for the claims referred to it (送修).
Thin: parse, one service, render."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.core import clock, pii
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm
from carecircle.parties import consent
from carecircle.parties.models import Customer, Partner
from carecircle.parties.models_consent import SharingUse
from carecircle.policies.models import Policy

from .. import rules
from ..choices import Action
from ..models import Claim, RepairService
from ..selectors import network, shop_portal
from ..services import repairs
from ..services import shop_portal as shop_steps

# ---- the calculator and discounted repairs --------------------------------------------------


@require_GET
@login_required
def calculator(request: HttpRequest) -> HttpResponse:
    """“Should I claim?” for the customer, or for a seat/agent/handler with ?customer=<id>."""
    own_customer_id = getattr(request.user, "customer_id", None)
    if own_customer_id and not getattr(request.user, "is_insurer_staff", False):
        customer = Customer.objects.get(pk=own_customer_id)
    else:
        customer = (
            Customer.objects.restrict(request.user)
            .filter(pk=request.GET.get("customer") or 0)
            .first()
        )
    shops = network.shops()
    ctx: dict[str, Any] = {"customer": customer, "shops": shops, "q": request.GET}
    if customer is not None and request.GET.get("shop"):
        try:
            shop = Partner.objects.get(pk=request.GET["shop"])
            verdict, policy, terms = network.calculate(
                customer,
                acting_user=request.user,
                shop=shop,
                parts_list=request.GET.get("parts", "0"),
                labour_hours=request.GET.get("hours", "0"),
                deductible=request.GET.get("deductible", "0"),
            )
            ctx.update(verdict=verdict, policy=policy, terms=terms, shop=shop)
            ctx["shop_sharing"] = _sharing(customer, shop)  # Art 23: the shop gets their data
            # The no-claim path can be booked at once; the key makes a repeated POST harmless.
            ctx["booking_key"] = uuid.uuid4().hex
            ctx["tomorrow"] = clock.today() + dt.timedelta(days=1)
        except (DomainError, Partner.DoesNotExist, PermissionDenied) as exc:
            ctx["error"] = getattr(exc, "message", str(exc))
    return render(request, "claims/calculator.html", ctx)


def _sharing(customer: Customer, shop: Partner) -> list[dict[str, Any]]:
    wording, text = consent.sharing_text(shop, SharingUse.REPAIR)
    agreed = shop.pk in consent.partners_agreed(customer, SharingUse.REPAIR)
    return [{"partner_id": shop.pk, "wording": wording, "text": text, "agreed": agreed}]


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


@require_POST
@login_required
def book_repair(request: HttpRequest) -> HttpResponse:
    """折扣维修 from the calculator: the customer for their own policy, or claims staff for a
    customer in their scope. Booked as a service (no claim, NCD untouched); answered with the
    booking's page (shop and price). Another customer's policy is a 404."""
    user = request.user
    is_customer = bool(getattr(user, "customer_id", None)) and not getattr(
        user, "is_insurer_staff", False
    )
    if not (is_customer or has_perm(user, Perm.HANDLE_CLAIMS)):
        raise PermissionDenied("无权预约 / you may not book repairs")
    policy = (
        Policy.objects.restrict(user)
        .select_related("customer")
        .filter(pk=_int(request.POST.get("policy")))
        .first()
    )
    if policy is None or (is_customer and policy.customer_id != getattr(user, "customer_id", None)):
        raise Http404("policy not found or not in your scope")
    shop = Partner.objects.filter(
        pk=_int(request.POST.get("shop")), kind__in=network.REPAIR_KINDS
    ).first()
    try:
        if shop is None:
            raise DomainError("repair_shop", "请选择合作修理厂 / choose a network shop", "shop")
        try:
            booked_for = dt.date.fromisoformat(request.POST.get("booked_for", ""))
        except ValueError:
            raise DomainError(
                "booked_for", "请选择预约日期 / choose a date", "booked_for"
            ) from None
        service = repairs.book_repair(
            policy.customer,
            acting_user=user,
            shop=shop,
            vehicle_id=policy.vehicle_id,
            description=request.POST.get("description", ""),
            parts_list=request.POST.get("parts", "0"),
            labour_hours=request.POST.get("hours", "0"),
            booked_for=booked_for,
            idempotency_key=request.POST.get("idempotency_key"),
            share_consent=request.POST.get("share_consent") == "on",
            consent_source=request.POST.get("consent_source") or None,
        )
    except DomainError as exc:
        ctx = {
            "customer": policy.customer,
            "shops": network.shops(),
            "q": request.POST,
            "error": exc.message,
        }
        return render(request, "claims/calculator.html", ctx, status=exc.status or 400)
    return redirect("claims:repair_booked", service_id=service.pk)


@require_GET
@login_required
def repair_booked(request: HttpRequest, service_id: int) -> HttpResponse:
    service = (
        RepairService.objects.restrict(request.user)
        .select_related("shop", "vehicle")
        .filter(pk=service_id)
        .first()
    )
    if service is None:
        raise Http404("booking not found or not in your scope")
    return render(request, "claims/repair_booked.html", {"service": service})


# ---- the repair shop's partner portal ------------------------------------------------------


def _row(claim: Claim) -> dict:
    """What a shop may see of the customer: masked name and phone, the car."""
    customer = claim.policy.customer
    return {
        "claim": claim,
        "customer_name": pii.mask_name(customer.name),
        "customer_phone": customer.phone_masked,
    }


@require_GET
@login_required
def shop_claims(request: HttpRequest) -> HttpResponse:
    rows = [_row(c) for c in shop_portal.referred_claims(request.user)[:200]]
    return render(request, "claims/shop_claims.html", {"rows": rows})


def _portal_context(request: HttpRequest, claim: Claim, **extra) -> dict:
    def allowed(action: str) -> bool:
        return claim.status in rules.STEPS[action].sources

    return {
        **_row(claim),
        "timeline": claim.transitions.filter(
            action__in=[Action.REFER, *sorted(rules.SHOP_ACTIONS)]
        ).order_by("at", "id"),
        "can_accept": claim.shop_accepted_at is None and allowed(Action.SHOP_ACCEPT),
        "can_estimate": claim.shop_accepted_at is not None and allowed(Action.SHOP_ESTIMATE),
        "can_finish": claim.shop_accepted_at is not None
        and claim.repair_done_at is None
        and allowed(Action.REPAIR_DONE),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@login_required
def shop_claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    try:
        claim = shop_portal.referred_claim(request.user, claim_id)
    except Claim.DoesNotExist:
        raise Http404("claim not found or not referred to your shop") from None
    if request.method == "POST":
        what, note = request.POST.get("what", ""), request.POST.get("note", "")
        try:
            if what == "accept":
                shop_steps.accept(claim.pk, acting_user=request.user, note=note)
            elif what == "estimate":
                p = request.POST
                shop_steps.submit_estimate(
                    claim.pk, acting_user=request.user, parts=p.get("parts"),
                    labour=p.get("labour"), paint=p.get("paint"), note=note,
                )  # fmt: skip
            elif what == "done":
                shop_steps.repair_done(claim.pk, acting_user=request.user, note=note)
            else:
                raise DomainError("unknown", "未知操作 / unknown request", "what")
        except (DomainError, PermissionDenied) as exc:
            claim = shop_portal.referred_claim(request.user, claim_id)
            ctx = _portal_context(request, claim, error=getattr(exc, "message", str(exc)))
            return render(request, "claims/shop_claim.html", ctx, status=400)
        return redirect("claims:shop_claim", claim_id=claim.pk)
    return render(request, "claims/shop_claim.html", _portal_context(request, claim))
