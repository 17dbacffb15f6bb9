"""Partner portal pages for repair shops and 4S shops: the claims referred to them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carecircle.core import pii
from carecircle.core.errors import DomainError

from . import rules, shops
from .choices import Action
from .models import Claim


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
    rows = [_row(c) for c in shops.referred_claims(request.user)[:200]]
    return render(request, "claims/shop_claims.html", {"rows": rows})


def _context(request: HttpRequest, claim: Claim, **extra) -> dict:
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
        claim = shops.referred_claim(request.user, claim_id)
    except Claim.DoesNotExist:
        raise Http404("claim not found or not referred to your shop") from None
    if request.method == "POST":
        what, note = request.POST.get("what", ""), request.POST.get("note", "")
        try:
            if what == "accept":
                shops.accept(claim.pk, acting_user=request.user, note=note)
            elif what == "estimate":
                p = request.POST
                shops.submit_estimate(
                    claim.pk, acting_user=request.user, parts=p.get("parts"),
                    labour=p.get("labour"), paint=p.get("paint"), note=note,
                )  # fmt: skip
            elif what == "done":
                shops.repair_done(claim.pk, acting_user=request.user, note=note)
            else:
                raise DomainError("unknown", "未知操作 / unknown request", "what")
        except (DomainError, PermissionDenied) as exc:
            claim = shops.referred_claim(request.user, claim_id)
            ctx = _context(request, claim, error=getattr(exc, "message", str(exc)))
            return render(request, "claims/shop_claim.html", ctx, status=400)
        return redirect("claims:shop_claim", claim_id=claim.pk)
    return render(request, "claims/shop_claim.html", _context(request, claim))
