"""The numbers a claim page or the API sends, parsed: amounts of money, a liability share, a
satisfaction score. A refusal names the field and the rule."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from carecircle.core.errors import DomainError
from carecircle.core.money import ZERO, to_money


def money(field: str, value: Any, *, required: bool = False) -> Decimal:
    """An amount of yuan, 0 when empty (unless ``required``); never negative."""
    if value in (None, ""):
        if required:
            raise DomainError("required", f"{field} 必填 / {field} is required", field)
        return ZERO
    try:
        amount = to_money(value)
    except (ValueError, TypeError, InvalidOperation):
        raise DomainError("not_money", "金额格式不正确 / not an amount of money", field) from None
    if amount < 0:
        raise DomainError("negative_amount", "金额不能为负 / amount cannot be negative", field)
    return amount


def share(value: Any) -> Decimal:
    """A liability share from 0 to 1, three places."""
    try:
        parsed = Decimal(str(value)).quantize(Decimal("0.001"))
    except (InvalidOperation, ValueError):
        raise DomainError(
            "liability_share", "责任比例须为0到1的小数 / liability share is 0 to 1", "share"
        ) from None
    if not Decimal("0") <= parsed <= Decimal("1"):
        raise DomainError(
            "liability_share", "责任比例须在0到1之间 / liability share must be 0 to 1", "share"
        )
    return parsed


def score(value: Any) -> int:
    """A satisfaction score from 1 to 5."""
    try:
        parsed = int(value)
    except (TypeError, ValueError):
        parsed = 0
    if not 1 <= parsed <= 5:
        raise DomainError("satisfaction", "满意度须为1到5 / satisfaction is 1 to 5", "satisfaction")
    return parsed
