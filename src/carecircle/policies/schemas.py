"""API shapes for policies and their coverages; money and coefficients as decimal strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from ninja import Field, Schema

from carecircle.core.api.schemas import Coefficient, InputSchema, Money, RowId

from .choices import Channel, CoverageCode, Currency, EndorsementKind, InForce, PolicyKind
from .models import Policy
from .policy_parties import parties_of


class CoverageOut(Schema):
    code: CoverageCode
    limit: Money | None
    premium: Money


class CoverageIn(InputSchema):
    code: str = Field(..., max_length=24)
    premium: Money
    limit: Money | None = None


class PartyOut(Schema):
    """One role on a policy: ``applicant`` (投保人), ``insured`` (被保险人), ``owner`` (车主),
    or ``policyholder`` for a policy with no party recorded (its customer)."""

    role: str
    customer_id: int
    contact_id: int | None = None
    since: dt.date | None = None


class PolicyOut(Schema):
    id: int
    policy_no: str
    kind: PolicyKind
    customer_id: int
    vehicle_id: int
    effective_date: dt.date
    expiry_date: dt.date
    premium: Money
    currency: Currency
    ncd_level: int | None
    ncd_coefficient: Coefficient | None
    pricing_coefficient: Coefficient | None
    traffic_violation_coefficient: Coefficient
    channel: Channel
    agent_id: int | None
    partner_id: int | None
    renews_id: int | None
    renews_policy_no: str | None
    cancelled_on: dt.date | None
    coverages: list[CoverageOut]
    parties: list[PartyOut]

    @staticmethod
    def resolve_renews_policy_no(obj) -> str | None:
        return obj.renews.policy_no if obj.renews_id else None

    @staticmethod
    def resolve_coverages(obj) -> list:
        return list(obj.coverages.all())

    @staticmethod
    def resolve_parties(obj) -> list:
        return parties_of(obj)


class PolicyIn(InputSchema):
    writes = Policy

    policy_no: str = Field(..., min_length=1, max_length=40)
    kind: str = Field(..., max_length=12)
    customer_id: RowId
    vehicle_id: RowId
    effective_date: dt.date
    expiry_date: dt.date
    premium: Money
    currency: str = Field(Currency.CNY, max_length=3)
    ncd_level: int | None = None
    pricing_coefficient: Coefficient | None = None
    traffic_violation_coefficient: Coefficient = Decimal("1.000")
    channel: str = Field(..., max_length=16)
    agent_id: RowId | None = None
    partner_id: RowId | None = None
    renews_id: RowId | None = None
    coverages: list[CoverageIn] = []


class PolicyPatch(InputSchema):
    writes = Policy

    kind: str | None = Field(None, max_length=12)
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    premium: Money | None = None
    currency: str | None = Field(None, max_length=3)
    ncd_level: int | None = None
    pricing_coefficient: Coefficient | None = None
    traffic_violation_coefficient: Coefficient | None = None
    channel: str | None = Field(None, max_length=16)
    agent_id: RowId | None = None
    partner_id: RowId | None = None
    renews_id: RowId | None = None
    cancelled_on: dt.date | None = None
    coverages: list[CoverageIn] | None = None


class PolicyFilters(InputSchema):
    customer_id: RowId | None = None
    vehicle_id: RowId | None = None
    kind: PolicyKind | None = None
    channel: Channel | None = None
    expiry_from: dt.date | None = Field(None, description="终保日期 ≥ / expiry on or after")
    expiry_to: dt.date | None = Field(None, description="终保日期 ≤ / expiry on or before")
    in_force_on: dt.date | None = None

    def apply(self, qs: QuerySet) -> QuerySet:
        for field, lookup in (
            ("customer_id", "customer_id"),
            ("vehicle_id", "vehicle_id"),
            ("kind", "kind"),
            ("channel", "channel"),
            ("expiry_from", "expiry_date__gte"),
            ("expiry_to", "expiry_date__lte"),
        ):
            value = getattr(self, field)
            if value is not None:
                qs = qs.filter(**{lookup: value})
        if self.in_force_on is not None:
            qs = qs.in_force_on(self.in_force_on)  # type: ignore[attr-defined]
        return qs


class TransferIn(InputSchema):
    """An ownership transfer (过户): the new owner, the day the vehicle changed hands, and
    whether the policies in force are transferred or cancelled with a refund."""

    new_owner_id: RowId
    on: dt.date
    in_force: str = Field(..., max_length=12, description="transfer | cancel")


class EndorsementOut(Schema):
    id: int
    kind: EndorsementKind
    policy_id: int
    policy_no: str
    transfer_id: int | None
    effective_on: dt.date
    before: dict
    after: dict
    refund: Money | None
    note: str

    @staticmethod
    def resolve_policy_no(obj) -> str:
        return obj.policy.policy_no


class TransferOut(Schema):
    id: int
    vehicle_id: int
    from_owner_id: int
    to_owner_id: int
    on: dt.date
    in_force: InForce
    endorsements: list[EndorsementOut]

    @staticmethod
    def resolve_endorsements(obj) -> list:
        return list(obj.endorsements.all())
