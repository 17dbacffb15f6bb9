"""API shapes: interactions on the customer timeline, and complaints (投诉) — recorded from any
channel, read, moved through the workflow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import QuerySet
from ninja import Field, Schema

from carecircle.core import clock
from carecircle.core.api.schemas import InputSchema, Money, RowId

from .choices import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    ContactType,
    Direction,
    Medium,
    Outcome,
    Severity,
)
from .models import Interaction


class InteractionOut(Schema):
    id: int
    interaction_no: str
    customer_id: int
    contact_type: ContactType
    medium: Medium
    direction: Direction
    occurred_at: dt.datetime
    staff_id: int | None
    partner_id: int | None
    policy_id: int | None
    claim_id: int | None
    summary: str
    outcome: Outcome
    satisfaction: int | None


class InteractionIn(InputSchema):
    writes = Interaction

    customer_id: RowId
    interaction_no: str = Field("", max_length=40)
    contact_type: str = Field(..., max_length=8)
    medium: str = Field(..., max_length=8)
    direction: str = Field(..., max_length=8)
    occurred_at: dt.datetime
    summary: str = Field("", max_length=255)
    outcome: str = Field(..., max_length=12)
    satisfaction: int | None = None
    policy_id: RowId | None = None
    partner_id: RowId | None = None


class InteractionPatch(InputSchema):
    writes = Interaction

    contact_type: str | None = Field(None, max_length=8)
    medium: str | None = Field(None, max_length=8)
    direction: str | None = Field(None, max_length=8)
    occurred_at: dt.datetime | None = None
    summary: str | None = Field(None, max_length=255)
    outcome: str | None = Field(None, max_length=12)
    satisfaction: int | None = None
    policy_id: RowId | None = None
    partner_id: RowId | None = None


class InteractionFilters(InputSchema):
    customer_id: RowId | None = None
    contact_type: ContactType | None = None
    occurred_from: dt.date | None = Field(None, description="起始日期(含) / from date, inclusive")
    occurred_to: dt.date | None = Field(None, description="截止日期(含) / to date, inclusive")

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.customer_id is not None:
            qs = qs.filter(customer_id=self.customer_id)
        if self.contact_type:
            qs = qs.filter(contact_type=self.contact_type)
        # Dates are business-local days (Asia/Shanghai); __date converts in the database.
        if self.occurred_from:
            qs = qs.filter(occurred_at__date__gte=self.occurred_from)
        if self.occurred_to:
            qs = qs.filter(occurred_at__date__lte=self.occurred_to)
        return qs


# ------------------------------------------------------------------ complaints (投诉)


class ComplaintOut(Schema):
    id: int
    complaint_no: str
    customer_id: int
    channel: ComplaintChannel
    category: ComplaintCategory
    severity: Severity
    touchpoint: ContactType
    summary: str
    details: str
    status: ComplaintStatus
    owner_id: int | None
    received_at: dt.datetime
    due_at: dt.datetime
    overdue: bool = Field(description="开放且已过时限 / open and past its deadline")
    escalation_level: int
    escalated_at: dt.datetime | None
    resolution: str
    compensation: Money | None
    resolved_at: dt.datetime | None
    customer_confirmed: bool | None
    closed_at: dt.datetime | None
    claim_id: int | None
    policy_id: int | None
    interaction_id: int | None
    partner_id: int | None
    merchant_id: int | None
    staff_id: int | None
    root_cause: str

    @staticmethod
    def resolve_overdue(obj) -> bool:
        # Live, like the queue and the cockpit: past the deadline shows before escalation runs.
        return obj.is_open and obj.due_at < clock.now()


class ComplaintEventOut(Schema):
    at: dt.datetime
    actor_id: int | None
    action: str
    from_status: str
    to_status: str
    note: str


class ComplaintIn(InputSchema):
    customer_id: RowId
    channel: str = Field(..., max_length=12, description="phone, store, wechat, app, …")
    category: str = Field(..., max_length=24)
    severity: str = Field("normal", max_length=8)
    touchpoint: str = Field(..., max_length=8, description="sales, call, claims, service, brand")
    summary: str = Field(..., min_length=1, max_length=255)
    details: str = Field("", max_length=4000)
    owner_id: RowId | None = None
    claim_id: RowId | None = None
    policy_id: RowId | None = None
    interaction_id: RowId | None = None
    partner_id: RowId | None = None
    merchant_id: RowId | None = None
    staff_id: RowId | None = None


class ComplaintStepIn(InputSchema):
    """One workflow step. ``start`` (optionally to ``owner_id``), ``resolve`` (``resolution``
    required), ``confirm`` / ``reject`` (the customer's answer), ``close`` (unanswered past the
    confirmation days)."""

    action: Literal["start", "resolve", "confirm", "reject", "close"]
    note: str = Field("", max_length=2000)
    owner_id: RowId | None = None
    resolution: str = Field("", max_length=4000)
    root_cause: str = Field("", max_length=255)
    compensation: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class ComplaintFilters(InputSchema):
    status: (
        Literal["open", "overdue", "received", "in_progress", "resolved", "reopened", "closed"]
        | None
    ) = None
    customer_id: RowId | None = None
    partner_id: RowId | None = None
    category: ComplaintCategory | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None

    def apply(self, qs: Any, now: dt.datetime) -> QuerySet:  # a ComplaintQuerySet
        if self.status == "open":
            qs = qs.open()
        elif self.status == "overdue":
            qs = qs.overdue(now)
        elif self.status:
            qs = qs.filter(status=self.status)
        if self.customer_id is not None:
            qs = qs.filter(customer_id=self.customer_id)
        if self.partner_id is not None:
            qs = qs.filter(partner_id=self.partner_id) | qs.filter(merchant_id=self.partner_id)
        if self.category:
            qs = qs.filter(category=self.category)
        if self.received_from:
            qs = qs.filter(received_at__date__gte=self.received_from)
        if self.received_to:
            qs = qs.filter(received_at__date__lte=self.received_to)
        return qs
