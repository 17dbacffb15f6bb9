"""State changes on parties. Each runs in one transaction, checks permission, writes the audit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from carecircle.core import audit, locks, pii
from carecircle.core.errors import DomainError, invalid
from carecircle.core.models import AuditLog, User
from carecircle.core.roles import STAFF_ROLES, Perm, has_perm
from carecircle.core.validators import (
    birth_date_from_id,
    check_id_number,
    check_mobile,
    check_plate,
    check_uscc,
    check_vin,
    gender_from_id,
    is_new_energy_plate,
)

from . import consent, throttle
from .choices import CustomerKind
from .models import Customer, Vehicle
from .models_consent import ConsentSource

REVEALABLE = {"phone": "phone_encrypted", "id_number": "id_number_encrypted"}


def reveal_pii(customer: Customer, field: str, *, acting_user) -> str:
    """Full phone or ID number for a role that needs it; every reveal (and refusal) audited.

    ``customer`` must have been fetched through ``Customer.objects.restrict(acting_user)``.
    The refusal is recorded outside any transaction so raising does not roll it back.
    """
    if field not in REVEALABLE:
        raise ValueError(f"unknown personal-data field {field!r}")
    if not has_perm(acting_user, Perm.REVEAL_PII):
        audit.record(acting_user, AuditLog.Action.DENIED, customer, summary=f"reveal {field}")
        raise PermissionDenied("无权查看完整个人信息 / not allowed to see full personal data")
    with transaction.atomic():
        token = getattr(customer, REVEALABLE[field])
        audit.record(acting_user, AuditLog.Action.REVEAL_PII, customer, summary=f"reveal {field}")
        return pii.decrypt(token) if token else ""


# ---- writes shared by the API and the web UI -------------------------------------------------

CUSTOMER_FIELDS = (
    "name",
    "kind",
    "province",
    "city",
    "address",
    "marketing_consent",
    "do_not_call_until",
    "first_insured_on",
    "owner_id",
)
VEHICLE_FIELDS = (
    "brand",
    "model",
    "first_registration",
    "use",
    "seats",
    "price",
    "vehicle_class",
)


def require_perm(user, perm: Perm) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied("无权执行此操作 / you are not allowed to do this")


def require_visible(obj: models.Model, user) -> None:
    """The object must be inside the user's row-level scope (``restrict``)."""
    manager = type(obj)._default_manager
    if not manager.restrict(user).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied("无权访问该记录 / this record is outside your access")


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _check(field: str, check, value: str) -> str:
    try:
        return check(value)
    except ValidationError as exc:
        raise invalid(field, exc) from None


def _duplicate(field: str, what: str) -> DomainError:
    return DomainError(
        f"duplicate_{field}",
        f"已有客户使用该{what} / another customer already has this {field.replace('_', ' ')}",
        field,
        status=409,
    )


def _set_identity(customer: Customer, data: dict[str, Any]) -> None:
    """Validate and store phone, ID number and USCC; refuse duplicates across the whole book."""
    others = Customer.objects.exclude(pk=customer.pk) if customer.pk else Customer.objects.all()
    if "phone" in data:
        phone = _check("phone", check_mobile, data["phone"]) if data["phone"] else ""
        if phone and others.search_phone(phone).exists():
            raise _duplicate("phone", "手机号")
        customer.set_phone(phone)
    if customer.kind == CustomerKind.COMPANY:
        if data.get("id_number"):
            raise DomainError(
                "id_number_for_company",
                "企业客户不填身份证号，请填统一社会信用代码 / companies have a USCC, not an ID number",
                "id_number",
            )
        uscc = _check("uscc", check_uscc, data.get("uscc", customer.uscc) or "")
        if others.filter(uscc=uscc).exists():
            raise _duplicate("uscc", "统一社会信用代码")
        customer.uscc = uscc
        return
    if data.get("uscc"):
        raise DomainError(
            "uscc_for_person", "个人客户不填统一社会信用代码 / persons have no USCC", "uscc"
        )
    if "id_number" in data:
        id_number = (
            _check("id_number", check_id_number, data["id_number"]) if data["id_number"] else ""
        )
        if id_number and others.search_id_number(id_number).exists():
            raise _duplicate("id_number", "身份证号")
        customer.set_id_number(id_number)
        if id_number:
            customer.birth_date = birth_date_from_id(id_number)
            customer.gender = gender_from_id(id_number)


def _check_owner(owner_id: int | None, acting_user) -> None:
    """Only whole-book users hand a customer to someone else."""
    if owner_id == acting_user.pk:
        return
    if not has_perm(acting_user, Perm.SEE_ALL_CUSTOMERS):
        raise DomainError(
            "owner_not_allowed",
            "只能把客户分配给自己 / you can only assign customers to yourself",
            "owner_id",
            status=403,
        )
    if owner_id is None:
        return
    if not User.objects.filter(pk=owner_id, is_active=True, role__in=STAFF_ROLES).exists():
        raise DomainError(
            "owner_unknown", "负责人须为在职员工 / owner must be an active staff member", "owner_id"
        )


def create_customer(*, acting_user, **data: Any) -> Customer:
    """New policyholder. ``data``: the CUSTOMER_FIELDS plus phone, id_number, uscc, customer_no."""
    require_perm(acting_user, Perm.EDIT_CUSTOMERS)
    unknown = set(data) - {*CUSTOMER_FIELDS, "phone", "id_number", "uscc", "customer_no"}
    if unknown:
        raise ValueError(f"unknown customer fields {sorted(unknown)}")
    if _sets_personal_identity(data):
        throttle.require_room(acting_user, throttle.EXISTENCE)
    try:
        return _create_customer(acting_user, data)
    except DomainError as exc:
        throttle.existence_answered(acting_user, exc)  # counted and audited, or a 429
        raise


def _sets_personal_identity(data: dict[str, Any]) -> bool:
    """The write could answer "another customer already has this phone / ID number"."""
    return bool(data.get("phone") or data.get("id_number"))


def _create_customer(acting_user, data: dict[str, Any]) -> Customer:
    with transaction.atomic():
        customer = Customer(
            customer_no=data.pop("customer_no", None) or f"C{uuid.uuid4().hex[:12].upper()}",
            source="manual",
            unit_id=getattr(acting_user, "unit_id", None),  # 机构: served by the creator's unit
        )
        if Customer.objects.filter(customer_no=customer.customer_no).exists():
            raise _duplicate("customer_no", "客户号")
        if data.get("owner_id") is None and not has_perm(acting_user, Perm.SEE_ALL_CUSTOMERS):
            data["owner_id"] = acting_user.pk  # else the new customer would leave their scope
        _check_owner(data["owner_id"], acting_user)
        for field in CUSTOMER_FIELDS:
            if field in data:
                setattr(customer, field, data[field])
        _set_identity(customer, data)
        customer.marketing_consent = False  # the cache of the consent rows recorded below
        customer.full_clean(exclude=["owner"])
        customer.save()
        audit.record(acting_user, AuditLog.Action.CREATE, customer, summary=customer.customer_no)
        if data.get("marketing_consent"):  # an integration's flag: every channel, as imported
            _set_marketing(customer, True, acting_user)
        return customer


AUDITED_CUSTOMER = (*CUSTOMER_FIELDS, "phone_masked", "id_number_masked", "uscc")


def _set_marketing(customer: Customer, granted: bool, acting_user) -> None:
    """``marketing_consent`` through the API is recorded as consent on every marketing channel
    (source ``import``: another system says so); the flag is the cache ``parties.consent``
    keeps."""
    consent.set_marketing(customer, granted, source=ConsentSource.IMPORT, acting_user=acting_user)
    customer.refresh_from_db(fields=["marketing_consent", "marketing_consent_at"])


def update_customer(customer: Customer, *, acting_user, **changes: Any) -> Customer:
    require_perm(acting_user, Perm.EDIT_CUSTOMERS)
    require_visible(customer, acting_user)
    unknown = set(changes) - {*CUSTOMER_FIELDS, "phone", "id_number", "uscc"}
    if unknown:
        raise ValueError(f"unknown customer fields {sorted(unknown)}")
    if _sets_personal_identity(changes):
        throttle.require_room(acting_user, throttle.EXISTENCE)
    try:
        return _update_customer(customer, acting_user, changes)
    except DomainError as exc:
        throttle.existence_answered(acting_user, exc, object_id=str(customer.pk))
        raise


def _update_customer(customer: Customer, acting_user, changes: dict[str, Any]) -> Customer:
    with transaction.atomic():
        customer = locks.lock(Customer, pk=customer.pk)
        before = snapshot(customer, AUDITED_CUSTOMER)
        if "owner_id" in changes:
            _check_owner(changes["owner_id"], acting_user)
        for field in CUSTOMER_FIELDS:
            if field in changes:
                setattr(customer, field, changes[field])
        _set_identity(customer, changes)
        customer.marketing_consent = before["marketing_consent"]  # a cache: set below
        customer.full_clean(exclude=["owner"])
        customer.save()
        if changes.get("marketing_consent") is not None:
            _set_marketing(customer, changes["marketing_consent"], acting_user)
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            customer,
            summary=customer.customer_no,
            changes=audit.diff(before, snapshot(customer, AUDITED_CUSTOMER)),
        )
        return customer


def _vehicle_identity(vehicle: Vehicle, data: dict[str, Any]) -> None:
    if "vin" in data:
        vin = _check("vin", check_vin, data["vin"]) if data["vin"] else ""
        if vin and Vehicle.objects.exclude(pk=vehicle.pk).filter(vin=vin).exists():
            raise DomainError(
                "duplicate_vin",
                "该车架号已登记 / a vehicle with this VIN exists",
                "vin",
                status=409,
            )
        vehicle.vin = vin
    if "plate" in data:
        vehicle.plate = _check("plate", check_plate, data["plate"]) if data["plate"] else ""
    if data.get("new_energy") is not None:
        vehicle.new_energy = data["new_energy"]
    elif "plate" in data and vehicle.plate:
        vehicle.new_energy = is_new_energy_plate(vehicle.plate)
    if vehicle.plate and is_new_energy_plate(vehicle.plate) != vehicle.new_energy:
        raise DomainError(
            "new_energy_plate",
            "新能源车须挂8位新能源号牌，燃油车须挂7位普通号牌 / a new-energy vehicle has an "
            "8-character plate and a conventional one a 7-character plate",
            "new_energy",
        )


def create_vehicle(owner: Customer, *, acting_user, **data: Any) -> Vehicle:
    """``data``: VEHICLE_FIELDS plus vin, plate, new_energy, vehicle_no."""
    require_perm(acting_user, Perm.EDIT_CUSTOMERS)
    require_visible(owner, acting_user)
    with transaction.atomic():
        vehicle = Vehicle(
            owner=owner,
            vehicle_no=data.pop("vehicle_no", None) or f"V{uuid.uuid4().hex[:12].upper()}",
        )
        if Vehicle.objects.filter(vehicle_no=vehicle.vehicle_no).exists():
            raise DomainError(
                "duplicate_vehicle_no",
                "车辆编号已存在 / vehicle no. exists",
                "vehicle_no",
                status=409,
            )
        for field in VEHICLE_FIELDS:
            if field in data:
                setattr(vehicle, field, data[field])
        _vehicle_identity(vehicle, data)
        vehicle.full_clean()
        vehicle.save()
        audit.record(acting_user, AuditLog.Action.CREATE, vehicle, summary=str(vehicle))
        return vehicle


AUDITED_VEHICLE = (*VEHICLE_FIELDS, "vin", "plate", "new_energy", "owner_id")


def update_vehicle(vehicle: Vehicle, *, acting_user, **changes: Any) -> Vehicle:
    require_perm(acting_user, Perm.EDIT_CUSTOMERS)
    require_visible(vehicle, acting_user)
    with transaction.atomic():
        vehicle = locks.lock(Vehicle, pk=vehicle.pk)
        before = snapshot(vehicle, AUDITED_VEHICLE)
        if "owner_id" in changes:
            new_owner = (
                Customer.objects.restrict(acting_user).filter(pk=changes["owner_id"]).first()
            )
            if new_owner is None:
                raise DomainError("owner_unknown", "车主不存在 / owner not found", "owner_id")
            if new_owner.pk != vehicle.owner_id and vehicle.policies.exists():
                # An insured car changes hands by endorsement, from a date, with its
                # policies transferred or cancelled and the NCD chain restarted.
                raise DomainError(
                    "transfer_required",
                    "已投保车辆须办理过户批改 / an insured vehicle changes owner by a transfer "
                    "endorsement (POST /api/vehicles/{id}/transfer)",
                    "owner_id",
                    status=409,
                )
            vehicle.owner = new_owner
        for field in VEHICLE_FIELDS:
            if field in changes:
                setattr(vehicle, field, changes[field])
        _vehicle_identity(vehicle, changes)
        vehicle.full_clean()
        vehicle.save()
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            vehicle,
            summary=str(vehicle),
            changes=audit.diff(before, snapshot(vehicle, AUDITED_VEHICLE)),
        )
        return vehicle
