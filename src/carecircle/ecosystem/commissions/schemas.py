"""API shapes of commission statements (money and rates as exact decimal strings)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from carecircle.core.api.schemas import InputSchema


class StatementsIn(InputSchema):
    month: str | None = Field(None, examples=["2026-10"], description="YYYY-MM")
    status: str | None = Field(None, description="draft | approved | paid")


class StatementOut(Schema):
    id: int
    statement_no: str
    month: str = Field(examples=["2026-10"])
    partner_id: int | None
    agent_id: int | None
    payee: str
    status: str
    lines_count: int
    premium: str = Field(description="精确小数字符串 / exact decimal as a string")
    total: str
    approved_at: dt.datetime | None
    paid_at: dt.datetime | None
    payment_ref: str


class CommissionLineOut(Schema):
    id: int
    policy_no: str
    kind: str = Field(description="commission | clawback")
    line: str = Field(description="compulsory | commercial")
    segment: str = Field(description="new | renewal | transfer_in")
    written_on: dt.date
    premium: str
    rate: str
    amount: str
    reason: str


class StatementDetailOut(StatementOut):
    lines: list[CommissionLineOut]
