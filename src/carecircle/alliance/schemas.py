"""API shapes of the alliance: fields listed explicitly; customers' names masked for merchants."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from carecircle.core.api.schemas import InputSchema, Money, RowId


class RedeemIn(InputSchema):
    code: str = Field(
        ...,
        max_length=300,
        description="券码（可带连字符）或扫码所得的链接 / the code (dashes allowed) or the "
        "scanned QR link",
    )
    location_id: RowId | None = None


class ReverseIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=255)


class RedemptionOut(Schema):
    id: int
    voucher_code: str = Field(..., alias="voucher.display_code")
    service: str = Field(..., alias="voucher.product.name")
    customer: str = Field("", description="商户仅见脱敏姓名 / masked for merchants")
    merchant_id: int
    location_id: int | None
    agreed_price: Money
    redeemed_at: dt.datetime
    status: str
    reversed_at: dt.datetime | None
    reversal_reason: str

    @staticmethod
    def resolve_customer(obj: Any, context: Any) -> str:
        user = context["request"].auth if context and context.get("request") else None
        return obj.voucher.customer.display_name_for(user)


class VoucherOut(Schema):
    id: int
    code: str = Field(..., alias="display_code")
    service: str = Field(..., alias="product.name")
    status: str
    valid_from: dt.date
    valid_until: dt.date
    source: str
