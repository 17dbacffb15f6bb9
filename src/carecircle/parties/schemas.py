"""API shapes for customers and vehicles. Personal data only ever leaves masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from ninja import Field, Schema

from carecircle.core import pii
from carecircle.core.api.schemas import InputSchema, Money, RowId
from carecircle.core.errors import invalid
from carecircle.core.validators import check_mobile, check_plate, check_vin

from .choices import CustomerKind, Gender, VehicleUse
from .models import Customer, Vehicle


def _viewer(context: Any):
    request = (context or {}).get("request")
    return getattr(request, "auth", None)


class CustomerOut(Schema):
    id: int
    customer_no: str
    kind: CustomerKind
    name: str
    gender: Gender | None = None
    phone_masked: str
    id_number_masked: str
    uscc: str
    province: str
    city: str
    marketing_consent: bool
    do_not_call_until: dt.date | None
    owner_id: int | None
    first_insured_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_name(obj, context) -> str:
        # Partners see 张**, staff and the customer themselves the full name.
        return obj.display_name_for(_viewer(context))

    @staticmethod
    def resolve_gender(obj) -> str | None:
        return obj.gender or None


class CustomerIn(InputSchema):
    writes = Customer
    takes_null = frozenset({"customer_no", "uscc"})  # generated; none

    kind: CustomerKind = CustomerKind.PERSON
    name: str = Field(..., min_length=1, max_length=128)
    customer_no: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=20)
    id_number: str | None = Field(None, max_length=18)
    uscc: str | None = Field(None, max_length=18)
    province: str = Field("", max_length=16)
    city: str = Field("", max_length=32)
    address: str = Field("", max_length=255)
    marketing_consent: bool = False
    do_not_call_until: dt.date | None = None
    first_insured_on: dt.date | None = None
    owner_id: RowId | None = None


class CustomerPatch(InputSchema):
    writes = Customer
    takes_null = frozenset({"uscc", "marketing_consent"})  # cleared; left as it is

    kind: CustomerKind | None = None
    name: str | None = Field(None, min_length=1, max_length=128)
    phone: str | None = Field(None, max_length=20)
    id_number: str | None = Field(None, max_length=18)
    uscc: str | None = Field(None, max_length=18)
    province: str | None = Field(None, max_length=16)
    city: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=255)
    marketing_consent: bool | None = None
    do_not_call_until: dt.date | None = None
    first_insured_on: dt.date | None = None
    owner_id: RowId | None = None


class CustomerFilters(InputSchema):
    city: str | None = None
    kind: CustomerKind | None = None
    owner_id: RowId | None = None
    phone: str | None = Field(None, description="完整手机号 / full mobile number")
    customer_no: str | None = None

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.city:
            qs = qs.filter(city=self.city)
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.owner_id is not None:
            qs = qs.filter(owner_id=self.owner_id)
        if self.customer_no:
            qs = qs.filter(customer_no=self.customer_no.strip())
        if self.phone:
            # A full number finds its customer through the blind index; nothing is decrypted.
            qs = qs.filter(
                phone_hash=pii.blind_index(_normalised(check_mobile, "phone", self.phone))
            )
        return qs


def _normalised(check, field: str, value: str) -> str:
    try:
        return check(value)
    except ValidationError as exc:
        raise invalid(field, exc) from None


class VehicleOut(Schema):
    id: int
    vehicle_no: str
    owner_id: int
    plate: str
    vin: str
    brand: str
    model: str
    first_registration: dt.date | None
    new_energy: bool
    use: VehicleUse
    seats: int
    price: Money | None
    vehicle_class: str


class VehicleIn(InputSchema):
    writes = Vehicle
    takes_null = frozenset({"vehicle_no", "new_energy"})  # generated; from the plate

    owner_id: RowId
    vehicle_no: str | None = Field(None, max_length=32)
    plate: str = Field("", max_length=12)
    vin: str = Field("", max_length=17)
    brand: str = Field("", max_length=32)
    model: str = Field("", max_length=64)
    first_registration: dt.date | None = None
    new_energy: bool | None = Field(None, description="默认按号牌判断 / defaults from the plate")
    use: VehicleUse = VehicleUse.HOUSEHOLD
    seats: int = Field(5, ge=1, le=99)
    price: Money | None = None
    vehicle_class: str = Field("", max_length=32)


class VehiclePatch(InputSchema):
    writes = Vehicle
    takes_null = frozenset({"plate", "vin", "new_energy"})  # cleared; from the plate

    owner_id: RowId | None = None
    plate: str | None = Field(None, max_length=12)
    vin: str | None = Field(None, max_length=17)
    brand: str | None = Field(None, max_length=32)
    model: str | None = Field(None, max_length=64)
    first_registration: dt.date | None = None
    new_energy: bool | None = None
    use: VehicleUse | None = None
    seats: int | None = Field(None, ge=1, le=99)
    price: Money | None = None
    vehicle_class: str | None = Field(None, max_length=32)


class VehicleFilters(InputSchema):
    plate: str | None = None
    vin: str | None = None
    customer_id: RowId | None = None

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.plate:
            qs = qs.filter(plate=_normalised(check_plate, "plate", self.plate))
        if self.vin:
            qs = qs.filter(vin=_normalised(check_vin, "vin", self.vin))
        if self.customer_id is not None:
            qs = qs.filter(owner_id=self.customer_id)
        return qs
