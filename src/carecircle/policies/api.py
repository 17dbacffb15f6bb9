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

from . import endorsements, services
from .models import Coverage, Endorsement, OwnershipTransfer, Policy
from .schemas import (
    EndorsementOut,
    PolicyFilters,
    PolicyIn,
    PolicyOut,
    PolicyPatch,
    TransferIn,
    TransferOut,
)

router = Router(tags=["policies"])


def _policies(request: HttpRequest):
    # Renewal link, coverages and parties come with the page: four queries whatever its size.
    return (
        Policy.objects.restrict(acting_user(request))
        .select_related("renews")
        .only(*(f.attname for f in Policy._meta.concrete_fields), "renews__policy_no")
        .prefetch_related(
            Prefetch("coverages", queryset=Coverage.objects.order_by("code")), "parties"
        )
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


def _transfers(request: HttpRequest):
    return OwnershipTransfer.objects.restrict(acting_user(request)).prefetch_related(
        Prefetch(
            "endorsements",
            queryset=Endorsement.objects.select_related("policy").order_by("pk"),
        )
    )


@router.post(
    "/vehicles/{vehicle_id}/transfer", response={201: TransferOut, 200: TransferOut, **ERRORS}
)
def transfer_vehicle(request: HttpRequest, vehicle_id: int, payload: TransferIn):
    """过户: the vehicle belongs to ``new_owner_id`` from ``on``; its policies in force are
    transferred (the new owner becomes insured and owner) or, ``in_force=cancel``, the
    commercial ones cancelled with the unearned premium refunded by the day (交强险 follows
    the vehicle). Needs edit-policies. Idempotent: the same request, or the same
    ``Idempotency-Key``, returns the first transfer."""
    user = acting_user(request)
    vehicle = get_object_or_404(Vehicle.objects.restrict(user), pk=vehicle_id)
    buyer = get_object_or_404(Customer.objects.restrict(user), pk=payload.new_owner_id)

    # the same request again returns the transfer it made (200), as a replayed key does
    repeated = OwnershipTransfer.objects.filter(
        vehicle=vehicle, to_owner=buyer, on=payload.on, in_force=payload.in_force
    ).exists()

    def create() -> OwnershipTransfer:
        return endorsements.transfer_vehicle(
            vehicle, buyer, on=payload.on, in_force=payload.in_force, by=user
        )

    done, created = create_once(request, _transfers(request), create)
    status = 201 if created and not repeated else 200
    return status, get_object_or_404(_transfers(request), pk=done.pk)


@router.get("/transfers/{transfer_id}", response={200: TransferOut, **ERRORS})
def get_transfer(request: HttpRequest, transfer_id: int):
    return get_object_or_404(_transfers(request), pk=transfer_id)


@router.get("/policies/{policy_id}/endorsements", response={200: list[EndorsementOut], **ERRORS})
def list_endorsements(request: HttpRequest, policy_id: int):
    """The policy's endorsements (批改), oldest first."""
    user = acting_user(request)
    policy = get_object_or_404(Policy.objects.restrict(user), pk=policy_id)
    return list(
        Endorsement.objects.restrict(user)
        .filter(policy=policy)
        .select_related("policy")
        .order_by("effective_on", "pk")
    )
