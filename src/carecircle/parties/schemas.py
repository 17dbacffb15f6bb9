"""API shapes for customers and vehicles. Personal data only ever leaves masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from ninja import Field, Schema

from carecircle.core.api.schemas import InputSchema, Money, RowId
from carecircle.core.errors import DomainError, invalid
from carecircle.core.validators import check_id_number, check_mobile, check_plate, check_vin

from .choices import CustomerKind, Gender, VehicleUse
from .models import Customer, CustomerQuerySet, Vehicle


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
    phone: str | None = Field(
        None,
        description="已停用：手机号不放在网址中，请用 POST /api/customers/search / retired: a "
        "phone number never goes in a URL; use POST /api/customers/search (400 ``use_post_search``)",
    )
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
        if self.phone is not None:
            # It is in the access log already; answering would teach clients to keep doing it.
            raise DomainError(
                "use_post_search",
                "手机号、身份证号不能放在网址中，请用 POST /api/customers/search 在请求体中查询 / "
                "phone and ID numbers never go in a URL: search with POST /api/customers/search "
                "and the number in the JSON body",
                "phone",
            )
        return qs


class CustomerSearchIn(InputSchema):
    """A search by full personal identifiers, in the body (never in a URL). At least one;
    both given → the customers having both."""

    phone: str | None = Field(None, max_length=20, description="完整手机号 / full mobile number")
    id_number: str | None = Field(None, max_length=18, description="身份证号 / resident ID number")

    def fields(self) -> list[str]:
        return [f for f in ("phone", "id_number") if getattr(self, f)]

    def apply(self, qs: CustomerQuerySet) -> QuerySet:
        if not self.fields():
            raise DomainError(
                "search_term_required",
                "请填写手机号或身份证号 / give a phone or an ID number",
                "phone",
            )
        # A full number finds its customer through the blind index; nothing is decrypted.
        if self.phone:
            qs = qs.search_phone(_normalised(check_mobile, "phone", self.phone))
        if self.id_number:
            qs = qs.search_id_number(_normalised(check_id_number, "id_number", self.id_number))
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
