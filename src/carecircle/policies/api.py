"""Policies: parse, fetch through ``restrict``, call one service, render."""

from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.pagination import paginate

from carecircle.core.api.auth import acting_user
from carecircle.core.api.idempotency import create_once
from carecircle.core.api.pagination import LimitOffsetNoCount
from carecircle.core.api.schemas import ERRORS
from carecircle.parties.models import Customer, Vehicle

from . import services
from .models import Coverage, Policy
from .schemas import PolicyFilters, PolicyIn, PolicyOut, PolicyPatch

router = Router(tags=["policies"])


def _policies(request: HttpRequest):
    # Renewal link and coverages come with the page: three queries whatever its size.
    return (
        Policy.objects.restrict(acting_user(request))
        .select_related("renews")
        .only(*(f.attname for f in Policy._meta.concrete_fields), "renews__policy_no")
        .prefetch_related(Prefetch("coverages", queryset=Coverage.objects.order_by("code")))
    )


@router.get("/policies", response={200: list[PolicyOut], **ERRORS})
@paginate(LimitOffsetNoCount)
def list_policies(request: HttpRequest, filters: Query[PolicyFilters]):
    return filters.apply(_policies(request)).order_by("pk")


@router.get("/policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def get_policy(request: HttpRequest, policy_id: int):
    return get_object_or_404(_policies(request), pk=policy_id)


@router.post("/policies", response={201: PolicyOut, 200: PolicyOut, **ERRORS})
def create_policy(request: HttpRequest, payload: PolicyIn):
    user = acting_user(request)
    data = payload.dict()
    customer = get_object_or_404(Customer.objects.restrict(user), pk=data.pop("customer_id"))
    vehicle = get_object_or_404(Vehicle.objects.restrict(user), pk=data.pop("vehicle_id"))

    def create() -> Policy:
        return services.create_policy(acting_user=user, customer=customer, vehicle=vehicle, **data)

    policy, created = create_once(request, _policies(request), create)
    return (201 if created else 200), get_object_or_404(_policies(request), pk=policy.pk)


@router.patch("/policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def update_policy(request: HttpRequest, policy_id: int, payload: PolicyPatch):
    policy = get_object_or_404(_policies(request), pk=policy_id)
    services.update_policy(
        policy, acting_user=acting_user(request), **payload.dict(exclude_unset=True)
    )
    return get_object_or_404(_policies(request), pk=policy_id)
