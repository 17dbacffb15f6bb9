"""Customers and vehicles: parse, fetch through ``restrict``, call one service, render."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.pagination import paginate

from carecircle.core.api.auth import acting_user
from carecircle.core.api.idempotency import create_once
from carecircle.core.api.pagination import LimitOffsetNoCount
from carecircle.core.api.schemas import ERRORS, ErrorOut
from carecircle.core.errors import DomainError

from . import services, throttle
from .api_consent import router as consent_router
from .models import Customer, Vehicle
from .schemas import (
    CustomerFilters,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    CustomerSearchIn,
    VehicleFilters,
    VehicleIn,
    VehicleOut,
    VehiclePatch,
)

router = Router(tags=["parties"])
# A write that sets a phone or ID number, and a search by one, can be braked (throttle.py).
BRAKED_ERRORS = {**ERRORS, 429: ErrorOut}
router.add_router("", consent_router)  # /customers/{id}/consents (docs/consent.md)


def _customers(request: HttpRequest):
    # Lists never load ciphertexts: only masked columns leave the database.
    return Customer.objects.restrict(acting_user(request)).defer(
        "phone_encrypted", "id_number_encrypted"
    )


@router.get("/customers", response={200: list[CustomerOut], **ERRORS})
@paginate(LimitOffsetNoCount)
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]):
    return filters.apply(_customers(request)).order_by("pk")


@router.post("/customers/search", response={200: list[CustomerOut], **BRAKED_ERRORS})
@paginate(LimitOffsetNoCount)
def search_customers(request: HttpRequest, payload: CustomerSearchIn):
    """By full mobile number and/or resident ID number, in the body — never in the URL, so
    no access log or proxy keeps them. Each search is audited (the fields, not the values)
    and braked per user (``PII_SEARCHES_PER_HOUR``, 429 ``too_many_lookups``)."""
    qs = payload.apply(_customers(request))
    throttle.answer(
        acting_user(request), throttle.PII_SEARCH, f"API search by {'+'.join(payload.fields())}"
    )
    return qs.order_by("pk")


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request: HttpRequest, customer_id: int):
    return get_object_or_404(_customers(request), pk=customer_id)


@router.post("/customers", response={201: CustomerOut, 200: CustomerOut, **BRAKED_ERRORS})
def create_customer(request: HttpRequest, payload: CustomerIn):
    try:
        customer, created = create_once(
            request,
            _customers(request),
            lambda: services.create_customer(acting_user=acting_user(request), **payload.dict()),
        )
    except DomainError as exc:
        throttle.settle(acting_user(request), exc)  # an Idempotency-Key rolled its audit back
        raise
    return (201 if created else 200), customer


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **BRAKED_ERRORS})
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch):
    customer = get_object_or_404(_customers(request), pk=customer_id)
    return services.update_customer(
        customer, acting_user=acting_user(request), **payload.dict(exclude_unset=True)
    )


def _vehicles(request: HttpRequest):
    return Vehicle.objects.restrict(acting_user(request))


@router.get("/vehicles", response={200: list[VehicleOut], **ERRORS})
@paginate(LimitOffsetNoCount)
def list_vehicles(request: HttpRequest, filters: Query[VehicleFilters]):
    return filters.apply(_vehicles(request)).order_by("pk")


@router.get("/vehicles/{vehicle_id}", response={200: VehicleOut, **ERRORS})
def get_vehicle(request: HttpRequest, vehicle_id: int):
    return get_object_or_404(_vehicles(request), pk=vehicle_id)


@router.post("/vehicles", response={201: VehicleOut, 200: VehicleOut, **ERRORS})
def create_vehicle(request: HttpRequest, payload: VehicleIn):
    data = payload.dict()
    owner = get_object_or_404(_customers(request), pk=data.pop("owner_id"))
    vehicle, created = create_once(
        request,
        _vehicles(request),
        lambda: services.create_vehicle(owner, acting_user=acting_user(request), **data),
    )
    return (201 if created else 200), vehicle


@router.patch("/vehicles/{vehicle_id}", response={200: VehicleOut, **ERRORS})
def update_vehicle(request: HttpRequest, vehicle_id: int, payload: VehiclePatch):
    vehicle = get_object_or_404(_vehicles(request), pk=vehicle_id)
    return services.update_vehicle(
        vehicle, acting_user=acting_user(request), **payload.dict(exclude_unset=True)
    )
