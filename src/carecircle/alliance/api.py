"""Alliance API: merchants redeem and reverse; everyone lists what ``restrict`` lets them see.

Mount with ``api.add_router("/", carecircle.alliance.api.router)`` in ``api/api.py``.
A redemption POST honours ``Idempotency-Key``: a retried request returns the first result
instead of a "used" refusal.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.pagination import paginate

from carecircle.core.api.auth import acting_user
from carecircle.core.api.idempotency import HEADER, create_once
from carecircle.core.api.pagination import LimitOffsetNoCount
from carecircle.core.api.schemas import ERRORS, ErrorOut
from carecircle.core.errors import DomainError

from . import rules, services
from .choices import AttemptOutcome
from .models import Redemption, Voucher
from .schemas import RedeemIn, RedemptionOut, ReverseIn, VoucherOut

REDEEM_ERRORS = {**ERRORS, 429: ErrorOut}


def build_router() -> Router:
    """A fresh Router with the alliance endpoints (a Router can join only one NinjaAPI)."""
    router = Router(tags=["alliance"])
    router.post(
        "/alliance/redemptions", response={201: RedemptionOut, 200: RedemptionOut, **REDEEM_ERRORS}
    )(redeem)
    router.post(
        "/alliance/redemptions/{redemption_id}/reversal", response={200: RedemptionOut, **ERRORS}
    )(reverse)
    router.get("/alliance/redemptions", response={200: list[RedemptionOut], **ERRORS})(
        paginate(LimitOffsetNoCount)(list_redemptions)
    )
    router.get("/alliance/vouchers", response={200: list[VoucherOut], **ERRORS})(
        paginate(LimitOffsetNoCount)(list_vouchers)
    )
    return router


def _redemptions(request: HttpRequest):
    return Redemption.objects.restrict(acting_user(request)).select_related(
        "voucher__product", "voucher__customer"
    )


def redeem(request: HttpRequest, payload: RedeemIn):
    user = acting_user(request)
    remote_addr = request.META.get("REMOTE_ADDR")
    try:
        redemption, created = create_once(
            request,
            _redemptions(request),
            lambda: services.redeem(
                payload.code,
                acting_user=user,
                location_id=payload.location_id,
                remote_addr=remote_addr,
            ),
        )
    except DomainError as refused:
        # Under an Idempotency-Key the redemption runs inside create_once's transaction, which
        # the refusal rolls back with its attempt row: write the row again, or every request
        # with a fresh key would be a free guess past the brake.
        keyed = bool((request.headers.get(HEADER) or "").strip())
        if keyed and refused.code in AttemptOutcome.values:
            services.log_refusal(
                user, rules.code_from_scan(payload.code), refused.code, remote_addr=remote_addr
            )
        raise
    # Typed or scanned at the counter: the merchant reads this code back, in this answer only.
    redemption.counter_code = redemption.voucher.display_code  # type: ignore[attr-defined]
    return (201 if created else 200), redemption


def reverse(request: HttpRequest, redemption_id: int, payload: ReverseIn):
    user = acting_user(request)
    redemption = get_object_or_404(_redemptions(request), pk=redemption_id)
    services.reverse(redemption, acting_user=user, reason=payload.reason)
    return get_object_or_404(_redemptions(request), pk=redemption_id)


def list_redemptions(request: HttpRequest):
    return _redemptions(request).order_by("-redeemed_at", "-pk")


def list_vouchers(request: HttpRequest):
    return (
        Voucher.objects.restrict(acting_user(request))
        .select_related("product")
        .order_by("status", "valid_until", "pk")
    )


router = build_router()
