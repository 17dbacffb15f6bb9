from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

from carecircle.core import pii
from carecircle.core.api.schemas import Money, RowId


class ClaimIn(Schema):
    """报案 on a vehicle and what was damaged or who was hurt; the service links the vehicle's
    交强险 and 商业险 in force at the accident. ``policy_id`` is still accepted from older
    clients: it names the vehicle through its policy."""

    vehicle_id: RowId | None = None
    policy_id: RowId | None = None
    accident_at: dt.datetime
    description: str = Field("", max_length=2000)
    location: str = Field("", max_length=128)
    own_car: bool = True
    other_car: bool | None = Field(None, description="default: not single_vehicle")
    other_property: bool = False
    injured: int = Field(0, ge=0, le=99)
    deaths: int = Field(0, ge=0, le=99)
    liability: str | None = Field(
        None, max_length=8, description="full | main | equal | minor | none, or a share 0..1"
    )
    injury: bool = False
    single_vehicle: bool = False
    liability_clear: bool = False
    customer_estimate: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    channel: str = "api"


class ClaimOut(Schema):
    id: int
    claim_no: str
    policy_id: int
    compulsory_policy_id: int | None
    vehicle_id: int
    coverage: str
    status: str
    injury: bool
    deaths: int
    late_report: bool
    fast_track: bool
    accident_at: dt.datetime
    reported_at: dt.datetime
    amount_reserved: Money
    amount_approved: Money | None
    amount_paid: Money
    promised_on: dt.date | None
    due_on: dt.date | None
    due_clock: str
    clock_state: str
    escalated_to: str
    repair_shop_id: int | None
    screened_at: dt.datetime | None  # empty while the screening task has not run ("being checked")


class TransitionIn(Schema):
    action: str = Field(..., max_length=24)
    reason: str = Field("", max_length=2000)
    data: dict[str, Any] = {}


class TransitionOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    at: dt.datetime
    reason: str


class PaymentIn(Schema):
    payee: str | None = None


class PaymentOut(Schema):
    id: int
    claim_id: int
    kind: str
    round: int
    amount: Money
    payee: str
    idempotency_key: str
    created_at: dt.datetime
    # The bank's answer (#16, ADR 0016): paid means confirmed and not returned.
    status: str
    sent_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_reason: str
    reissue_of_id: int | None


class GroupOut(Schema):
    name: str
    claims: int
    paid: Money
    repair_value: Money
    satisfaction: Decimal | None
    rated: int
    complaints: int
    complaints_per_1000: Decimal | None
    survey_csat: Decimal | None


class ReportOut(Schema):
    claims: int
    end_to_end_days: Decimal | None
    fast_track_share: Decimal | None
    reopen_rate: Decimal | None
    paid: Money
    reserved: Money
    satisfaction: Decimal | None
    rated: int
    complaints: int
    complaints_per_1000: Decimal | None
    survey_csat: Decimal | None
    by_handler: list[GroupOut]
    by_shop: list[GroupOut]
    by_branch: list[GroupOut]


class ShopClaimOut(Schema):
    """What a repair shop sees of a claim referred to it: the customer masked."""

    id: int
    claim_no: str
    status: str
    vehicle: str
    customer_name: str
    customer_phone: str
    accident_at: dt.datetime
    amount_assessed: Money | None
    shop_accepted_at: dt.datetime | None
    shop_estimate_amount: Money | None
    repair_done_at: dt.datetime | None

    @staticmethod
    def resolve_vehicle(obj) -> str:
        return str(obj.vehicle)

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return pii.mask_name(obj.policy.customer.name)

    @staticmethod
    def resolve_customer_phone(obj) -> str:
        return obj.policy.customer.phone_masked


class ShopStepIn(Schema):
    action: str = Field(..., description="accept | estimate | done")
    parts: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    labour: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    paint: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    note: str = Field("", max_length=255)
