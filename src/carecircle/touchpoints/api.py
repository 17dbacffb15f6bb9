"""Interactions: parse, fetch through ``restrict``, call one service, render."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.pagination import paginate

from carecircle.core.api.auth import acting_user
from carecircle.core.api.idempotency import create_once
from carecircle.core.api.pagination import LimitOffsetNoCount
from carecircle.core.api.schemas import ERRORS
from carecircle.parties.models import Customer

from . import services
from .models import Interaction
from .schemas import InteractionFilters, InteractionIn, InteractionOut, InteractionPatch

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
        lambda: services.record_interaction(customer, acting_user=user, **data),
    )
    return (201 if created else 200), interaction


@router.patch("/interactions/{interaction_id}", response={200: InteractionOut, **ERRORS})
def update_interaction(request: HttpRequest, interaction_id: int, payload: InteractionPatch):
    interaction = get_object_or_404(_interactions(request), pk=interaction_id)
    return services.update_interaction(
        interaction, acting_user=acting_user(request), **payload.dict(exclude_unset=True)
    )


# Complaints (投诉) share this router: one per app (DESIGN.md), a file per use case.
from .complaint_api import mount as _mount_complaints  # noqa: E402

_mount_complaints(router)
