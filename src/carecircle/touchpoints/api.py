"""The touchpoints API, one router: interactions on the customer timeline, and complaints (投诉).
Handlers parse, fetch through ``restrict``, call one service, render.

Complaints — who: insurer staff record complaints for customers they can see, a customer records
their own; complaint handlers list and work them; a customer lists, reads and answers their own.
Partner and merchant users are refused (they see complaints naming them, masked, on their
scorecard).

Idempotency: a POST with ``Idempotency-Key`` creates once (a retry returns the first
complaint, 200); a workflow step with a key is applied once (a retry returns the complaint as
the first call left it instead of a 409 for a step already taken).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.pagination import paginate

from carecircle.core import clock
from carecircle.core.api.auth import acting_user
from carecircle.core.api.idempotency import create_once
from carecircle.core.api.pagination import LimitOffsetNoCount
from carecircle.core.api.schemas import ERRORS
from carecircle.core.errors import DomainError
from carecircle.core.models import User
from carecircle.core.roles import Perm, Role, has_perm
from carecircle.parties.models import Customer, Partner
from carecircle.policies.models import Policy

from .models import Complaint, ComplaintEvent, Interaction
from .schemas import (
    ComplaintEventOut,
    ComplaintFilters,
    ComplaintIn,
    ComplaintOut,
    ComplaintStepIn,
    InteractionFilters,
    InteractionIn,
    InteractionOut,
    InteractionPatch,
)
from .services import complaints, interactions

router = Router(tags=["touchpoints"])


def _interactions(request: HttpRequest):
    return Interaction.objects.restrict(acting_user(request))


@router.get("/interactions", response={200: list[InteractionOut], **ERRORS})
@paginate(LimitOffsetNoCount)
def list_interactions(request: HttpRequest, filters: Query[InteractionFilters]):
    return filters.apply(_interactions(request)).order_by("-occurred_at", "-pk")


@router.get("/interactions/{interaction_id}", response={200: InteractionOut, **ERRORS})
def get_interaction(request: HttpRequest, interaction_id: int):
    return get_object_or_404(_interactions(request), pk=interaction_id)


@router.post("/interactions", response={201: InteractionOut, 200: InteractionOut, **ERRORS})
def record_interaction(request: HttpRequest, payload: InteractionIn):
    user = acting_user(request)
    data = payload.dict()
    customer = get_object_or_404(Customer.objects.restrict(user), pk=data.pop("customer_id"))
    interaction, created = create_once(
        request,
        _interactions(request),
        lambda: interactions.record_interaction(customer, acting_user=user, **data),
    )
    return (201 if created else 200), interaction


@router.patch("/interactions/{interaction_id}", response={200: InteractionOut, **ERRORS})
def update_interaction(request: HttpRequest, interaction_id: int, payload: InteractionPatch):
    interaction = get_object_or_404(_interactions(request), pk=interaction_id)
    return interactions.update_interaction(
        interaction, acting_user=acting_user(request), **payload.dict(exclude_unset=True)
    )


# Complaints (投诉)

# The claim a complaint names, looked up without importing claims (an app above this one).
CLAIM = Complaint._meta.get_field("claim").related_model
PARTNER_ROLES = (Role.PARTNER_USER, Role.MERCHANT_USER)


def _reader(user) -> None:
    if getattr(user, "role", None) in PARTNER_ROLES:
        raise PermissionDenied(
            "合作伙伴请在记分卡查看涉及本机构的投诉 / partners see complaints about them on "
            "their scorecard"
        )
    if not (has_perm(user, Perm.HANDLE_COMPLAINTS) or getattr(user, "customer_id", None)):
        raise PermissionDenied("需要投诉处理权限 / needs the handle-complaints permission")


def _complaints(request: HttpRequest):
    return Complaint.objects.restrict(acting_user(request))


def _linked(model: Any, pk: int | None):
    if pk is None:
        return None
    return get_object_or_404(model._default_manager, pk=pk)


@router.post("/complaints", response={201: ComplaintOut, 200: ComplaintOut, **ERRORS})
def record_complaint(request: HttpRequest, payload: ComplaintIn):
    """投诉登记 from any channel. 201 created; 200 when an Idempotency-Key replays."""
    user = acting_user(request)
    if getattr(user, "role", None) in PARTNER_ROLES:
        raise PermissionDenied("只有员工或客户本人可登记投诉 / staff or the customer only")
    data = payload.dict()
    customer = get_object_or_404(Customer.objects.restrict(user), pk=data.pop("customer_id"))
    # Links are read unscoped and checked by the service (the claim, policy and interaction
    # must be the customer's own): an id from another customer is a 400, not a leak.
    links: dict[str, Any] = {
        "claim": _linked(CLAIM, data.pop("claim_id")),
        "policy": _linked(Policy, data.pop("policy_id")),
        "interaction": _linked(Interaction, data.pop("interaction_id")),
        "partner": _linked(Partner, data.pop("partner_id")),
        "merchant": _linked(Partner, data.pop("merchant_id")),
        "staff": _linked(User, data.pop("staff_id")),
        "owner": _linked(User, data.pop("owner_id")),
    }
    complaint, created = create_once(
        request,
        _complaints(request),
        lambda: complaints.receive(customer, acting_user=user, **data, **links),
    )
    return (201 if created else 200), complaint


@router.get("/complaints", response={200: list[ComplaintOut], **ERRORS})
@paginate(LimitOffsetNoCount)
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilters]):
    _reader(acting_user(request))
    qs = filters.apply(_complaints(request), clock.now())
    return qs.order_by("-received_at", "-pk")


@router.get("/complaints/{complaint_id}", response={200: ComplaintOut, **ERRORS})
def get_complaint(request: HttpRequest, complaint_id: int):
    _reader(acting_user(request))
    return get_object_or_404(_complaints(request), pk=complaint_id)


@router.get("/complaints/{complaint_id}/events", response={200: list[ComplaintEventOut], **ERRORS})
def list_events(request: HttpRequest, complaint_id: int):
    _reader(acting_user(request))
    complaint = get_object_or_404(_complaints(request), pk=complaint_id)
    return list(complaint.events.order_by("at", "id"))


def _step(complaint: Complaint, user, p: ComplaintStepIn) -> ComplaintEvent:
    if p.action == "start":
        owner = _linked(User, p.owner_id)
        done = complaints.start(complaint, acting_user=user, owner=owner, note=p.note)
    elif p.action == "resolve":
        done = complaints.resolve(
            complaint,
            acting_user=user,
            resolution=p.resolution,
            root_cause=p.root_cause,
            compensation=p.compensation,
        )
    elif p.action in ("confirm", "reject"):
        done = complaints.confirm(
            complaint, acting_user=user, satisfied=p.action == "confirm", note=p.note
        )
    else:
        done = complaints.close_unconfirmed(complaint, acting_user=user, note=p.note)
    return done.events.order_by("-id").first()


@router.post("/complaints/{complaint_id}/steps", response={200: ComplaintOut, **ERRORS})
def move(request: HttpRequest, complaint_id: int, payload: ComplaintStepIn):
    """One workflow step; out of order → 409. The services check who may take it."""
    user = acting_user(request)
    _reader(user)
    complaint = get_object_or_404(_complaints(request), pk=complaint_id)
    try:
        create_once(
            request,
            ComplaintEvent.objects.filter(complaint=complaint),
            lambda: _step(complaint, user, payload),
        )
    except ComplaintEvent.DoesNotExist:
        raise DomainError(
            "idempotency_key_reused",
            "该幂等键已用于另一投诉 / this Idempotency-Key was used for another complaint",
            "Idempotency-Key",
            status=409,
        ) from None
    return get_object_or_404(_complaints(request), pk=complaint_id)
