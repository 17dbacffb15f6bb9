"""API shapes for interactions on the customer timeline."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from ninja import Field, Schema

from carecircle.core.api.schemas import InputSchema, RowId

from .choices import ContactType, Direction, Medium, Outcome


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
