"""The numbers a claim page or the API sends, parsed: a liability share, a satisfaction score
(amounts of money: ``core.money.parse_money``). A refusal names the field and the rule."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from carecircle.core.errors import DomainError


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
