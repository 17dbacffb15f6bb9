"""Claims API: report, read, move through the workflow, pay (Idempotency-Key), report figures.

Mounted by the shared NinjaAPI: ``api.add_router("/", claims_router)``."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.pagination import paginate

from carecircle.core.api.auth import acting_user
from carecircle.core.api.idempotency import create_once
from carecircle.core.api.pagination import LimitOffsetNoCount
from carecircle.core.api.schemas import ERRORS
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm
from carecircle.policies.models import Policy

from . import selectors, services
from .api_reserves import router as reserves_router
from .choices import Action, ClaimStatus
from .models import OPEN_STATUSES, Claim, ClaimPayment
from .schemas import (
    ClaimIn,
    ClaimOut,
    PaymentIn,
    PaymentOut,
    ReportOut,
    ShopClaimOut,
    ShopStepIn,
    TransitionIn,
    TransitionOut,
)
from .selectors import shop_portal
from .services import shop_portal as shop_steps

router = Router(tags=["claims"])


def _claims(request: HttpRequest):
    return Claim.objects.restrict(acting_user(request))


@router.post("/claims", response={201: ClaimOut, 200: ClaimOut, **ERRORS})
def report_claim(request: HttpRequest, payload: ClaimIn):
    """报案 on a vehicle (``vehicle_id``; ``policy_id`` names it through a policy). The caller
    must hold, or have sold, a policy on it (else 404); Idempotency-Key makes a retried report
    return the first claim."""
    user = acting_user(request)
    data = payload.dict()
    vehicle_id, policy_id = data.pop("vehicle_id"), data.pop("policy_id")
    visible = Policy.objects.restrict(user)
    if vehicle_id is not None:
        if not visible.filter(vehicle_id=vehicle_id).exists():
            raise Http404("no such vehicle")
    elif policy_id is not None:
        vehicle_id = get_object_or_404(visible, pk=policy_id).vehicle_id
    else:
        raise DomainError("vehicle_id", "请指明出险车辆 / name the vehicle", "vehicle_id")

    def create() -> Claim:
        return services.report_claim(acting_user=user, vehicle=vehicle_id, **data)

    claim, created = create_once(request, _claims(request), create)
    return (201 if created else 200), claim


@router.get("/claims", response={200: list[ClaimOut], **ERRORS})
@paginate(LimitOffsetNoCount)
def list_claims(
    request: HttpRequest,
    status: str | None = None,
    open_only: bool = False,
    policy_id: int | None = None,
    reported_since: str | None = None,
):
    """The claims the caller may see (``restrict``), newest report first; pages without a
    count (``limit``, ``offset``, ``has_more``)."""
    qs = _claims(request)
    if status:
        if status not in ClaimStatus.values:
            raise DomainError(
                "status",
                f"状态不合法 / unknown status {status!r}; one of {', '.join(ClaimStatus.values)}",
                "status",
            )
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if policy_id is not None:
        qs = qs.filter(policy_id=policy_id)
    if reported_since:
        try:
            since = dt.date.fromisoformat(reported_since)
        except ValueError:
            raise DomainError(
                "reported_since",
                "日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD",
                "reported_since",
            ) from None
        qs = qs.filter(reported_at__date__gte=since)
    return qs.order_by("-reported_at", "-pk")


@router.get("/claims/{claim_id}", response={200: ClaimOut, **ERRORS})
def get_claim(request: HttpRequest, claim_id: int):
    return get_object_or_404(_claims(request), pk=claim_id)


@router.get("/claims/{claim_id}/transitions", response={200: list[TransitionOut], **ERRORS})
def list_transitions(request: HttpRequest, claim_id: int):
    claim = get_object_or_404(_claims(request), pk=claim_id)
    return list(claim.transitions.order_by("at", "id"))


@router.post("/claims/{claim_id}/transitions", response={200: ClaimOut, **ERRORS})
def move(request: HttpRequest, claim_id: int, payload: TransitionIn):
    """One workflow step; out of order → 409 with the allowed next steps."""
    claim = get_object_or_404(_claims(request), pk=claim_id)
    if payload.action == Action.APPROVE:
        services.approve(claim, acting_user=acting_user(request), reason=payload.reason)
    else:
        services.transition(
            claim,
            payload.action,
            acting_user=acting_user(request),
            reason=payload.reason,
            data=payload.data,
        )
    return get_object_or_404(_claims(request), pk=claim_id)


@router.post("/claims/{claim_id}/payment", response={200: PaymentOut, **ERRORS})
def pay(request: HttpRequest, claim_id: int, payload: PaymentIn):
    """支付, exactly once: the same Idempotency-Key (or any key, once paid) returns the payment."""
    claim = get_object_or_404(_claims(request), pk=claim_id)
    return services.pay(
        claim,
        acting_user=acting_user(request),
        idempotency_key=request.headers.get("Idempotency-Key"),
        payee=payload.payee,
    )


@router.get("/claims/{claim_id}/payments", response={200: list[PaymentOut], **ERRORS})
def payments(request: HttpRequest, claim_id: int):
    claim = get_object_or_404(_claims(request), pk=claim_id)
    return list(ClaimPayment.objects.filter(claim=claim).order_by("created_at"))


@router.get("/claims-report", response={200: ReportOut, **ERRORS})
def report(request: HttpRequest):
    user = acting_user(request)
    if not (has_perm(user, Perm.APPROVE_CLAIMS) or has_perm(user, Perm.VIEW_COCKPIT)):
        raise PermissionDenied("理赔经理使用 / for claims managers")
    return selectors.report(user)


# ---- repair and 4S shops: the claims referred to them (partner systems) ----------------------


@router.get("/claims-shop", response={200: list[ShopClaimOut], **ERRORS})
@paginate(LimitOffsetNoCount)
def shop_claims(request: HttpRequest):
    """The claims referred to the caller's shop (送修), customer data masked; 403 for others."""
    return shop_portal.referred_claims(acting_user(request))


@router.post("/claims-shop/{claim_id}", response={200: ShopClaimOut, **ERRORS})
def shop_step(request: HttpRequest, claim_id: int, payload: ShopStepIn):
    """accept (接车), estimate (报价: parts, labour, paint) or done (完工); another shop's claim
    is a 404."""
    user = acting_user(request)
    claim = get_object_or_404(shop_portal.referred_claims(user), pk=claim_id)
    if payload.action == "accept":
        shop_steps.accept(claim.pk, acting_user=user, note=payload.note)
    elif payload.action == "estimate":
        shop_steps.submit_estimate(
            claim.pk, acting_user=user, parts=payload.parts, labour=payload.labour,
            paint=payload.paint, note=payload.note,
        )  # fmt: skip
    elif payload.action == "done":
        shop_steps.repair_done(claim.pk, acting_user=user, note=payload.note)
    else:
        raise DomainError(
            "action", "动作须为 accept、estimate 或 done / action is accept, estimate or done",
            "action",
        )  # fmt: skip
    return shop_portal.referred_claim(user, claim_id)


# Reserves, recoveries and the reserve report (#16, ADR 0015).
router.add_router("", reserves_router)
