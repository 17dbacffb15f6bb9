"""Money is Decimal yuan with two places; never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

from .errors import DomainError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: object) -> Decimal:
    """Convert an input (str, int, Decimal, float from analytics) to yuan with 2 places.

    Floats go through ``repr`` so 0.1 becomes Decimal("0.10"), not 0.1000000000000000055….
    """
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, int | str):
        try:
            amount = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(f"not an amount of money: {value!r}") from exc
    else:
        raise TypeError(f"cannot convert {type(value).__name__} to money")
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # too many digits to carry cents ("1e30")
        raise ValueError(f"not an amount of money: {value!r}") from exc


NOT_MONEY = "金额格式不正确 / not an amount of money"
NEGATIVE = "金额不能为负 / amount cannot be negative"


def parse_money(
    field: str,
    value: object,
    *,
    default: Decimal | None = None,
    required: bool = False,
    code: str = "not_money",
    message: str = NOT_MONEY,
    negative: str = NEGATIVE,
) -> Decimal:
    """An amount a person typed (form, API, portal) as yuan with 2 places, never negative.

    Empty (``None`` or ``""``) gives ``default`` when one is given; otherwise it is refused,
    as ``required`` ("{field} 必填") when ``required`` or else as not an amount. A refusal is
    a ``DomainError`` naming ``field``: ``code``/``message`` when the text is not an amount,
    ``negative_amount``/``negative`` below zero. Callers pass their own messages only where
    their pages have always said it differently.
    """
    if value is None or value == "":
        if default is not None:
            return default
        if required:
            raise DomainError("required", f"{field} 必填 / {field} is required", field)
    try:
        amount = to_money(value)
    except (ValueError, TypeError, InvalidOperation):  # InvalidOperation: 1e30 has no cents
        raise DomainError(code, message, field) from None
    if amount < 0:
        raise DomainError("negative_amount", negative, field)
    return amount


def format_yuan(value: Decimal | None, currency: str = "CNY") -> str:
    if value is None:
        return "—"
    symbol = {"CNY": "¥", "EUR": "€"}.get(currency, currency + " ")
    return f"{symbol}{value:,.2f}"


class MoneyField(models.DecimalField):
    """Decimal(14, 2): up to ¥999,999,999,999.99."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        path = "carecircle.core.money.MoneyField"
        return name, path, args, kwargs
