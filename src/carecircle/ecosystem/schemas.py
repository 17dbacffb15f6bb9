"""API shapes for partner scorecards: every figure with its target, verdict and drill-down."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from carecircle.core.api.schemas import InputSchema


class LineOut(Schema):
    key: str
    section: str = Field(description="gives | gets | quality")
    label: str
    value: str | None = Field(description="精确小数字符串 / exact decimal as a string")
    target: str
    verdict: str = Field(description="met | below | above | no_target | no_data")
    drill: str = Field(description="下钻列表 / the records behind it (empty: none)")
    kind: str


class ScorecardOut(Schema):
    partner_id: int
    partner_name: str
    partner_kind: str
    month: str = Field(examples=["2026-10"])
    agreement_no: str | None
    off_terms: list[str]
    lines: list[LineOut]


class ScorecardSummaryOut(Schema):
    partner_id: int
    partner_name: str
    partner_kind: str
    month: str
    premium_brought: str
    repair_value: str
    complaints: int
    off_terms: list[str]


class DrillRowOut(Schema):
    id: int
    reference: str
    at: dt.date | None
    customer: str = Field(description="合作伙伴用户只见脱敏姓名 / masked for partner users")
    amount: str | None
    status: str


class MonthIn(InputSchema):
    month: str | None = Field(
        None, max_length=7, description="YYYY-MM; 默认上个完整月 / last month"
    )
    kind: str | None = Field(None, max_length=16)
