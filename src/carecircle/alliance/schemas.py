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


def _user(context: Any):
    return context["request"].auth if context and context.get("request") else None


class RedemptionOut(Schema):
    id: int
    voucher_code: str = Field(
        "", description="券码仅客户本人或柜台核销时可见 / the code: its owner's, or at the counter"
    )
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
    def resolve_voucher_code(obj: Any, context: Any) -> str:
        # The redemption just typed or scanned at the counter carries its code (``redeem``).
        return getattr(obj, "counter_code", "") or obj.voucher.code_for(_user(context))

    @staticmethod
    def resolve_customer(obj: Any, context: Any) -> str:
        return obj.voucher.customer.display_name_for(_user(context))


class VoucherOut(Schema):
    id: int
    code: str = Field("", description="券码仅客户本人可见 / the full code for its owner only")
    service: str = Field(..., alias="product.name")
    status: str
    valid_from: dt.date
    valid_until: dt.date
    source: str

    @staticmethod
    def resolve_code(obj: Any, context: Any) -> str:
        return obj.code_for(_user(context))
