"""Cell converters: text (or a typed value from Parquet) → Python value, or a RowError.

Each converter takes the raw cell and returns the value the model stores; a bad cell raises
:class:`CellError` with the rule's code and a bilingual message (the validators' own messages
where one exists), so the error report says exactly which rule a value broke.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from carecircle.core import validators
from carecircle.core.money import to_money

SHANGHAI = ZoneInfo("Asia/Shanghai")
Converter = Callable[[Any], Any]


class CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


# Parameterised converters are small frozen dataclasses rather than closures so the set-based
# loader (``vector.py``) can see their parameters and apply the same rule as a Polars expression.


@dataclass(frozen=True)
class text:  # lower case: used like the function it replaced, ``c.text(32)``
    max_length: int

    def __call__(self, value: Any) -> str:
        v = "" if blank(value) else str(value).strip()
        if len(v) > self.max_length:
            raise CellError(
                "too_long",
                f"超过{self.max_length}个字符 / longer than {self.max_length} characters",
            )
        return v


def _from_validator(check: Callable[[str], str]) -> Converter:
    def convert(value: Any) -> str:
        if blank(value):
            return ""
        try:
            return check(str(value))
        except ValidationError as exc:
            raise CellError(str(exc.code), str(exc.messages[0])) from None

    return convert


id_number = _from_validator(validators.check_id_number)
uscc = _from_validator(validators.check_uscc)
vin = _from_validator(validators.check_vin)
plate = _from_validator(validators.check_plate)
mobile = _from_validator(validators.check_mobile)


@dataclass(frozen=True)
class choice:
    options: frozenset[str]
    label: str

    def __init__(self, allowed: Iterable[str], label: str):
        object.__setattr__(self, "options", frozenset(allowed))
        object.__setattr__(self, "label", label)

    def __call__(self, value: Any) -> str:
        v = "" if blank(value) else str(value).strip()
        if v not in self.options:
            raise CellError(
                f"unknown_{self.label}",
                f"未知的{self.label}取值“{v}”，应为 {', '.join(sorted(self.options))} / "
                f"unknown {self.label} {v!r}",
            )
        return v


@dataclass(frozen=True)
class optional:
    inner: Converter

    def __call__(self, value: Any) -> Any:
        return None if blank(value) else self.inner(value)


def date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    v = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    raise CellError("date_format", f"日期格式不正确“{v}”，应为 YYYY-MM-DD / not a date: {v!r}")


def timestamp(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        v = str(value).strip().replace("T", " ")
        try:
            moment = dt.datetime.fromisoformat(v)
        except ValueError:
            raise CellError(
                "datetime_format", f"时间格式不正确“{v}” / not a date-time: {v!r}"
            ) from None
    # Naive times in a Chinese book are Shanghai local time.
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def money(value: Any) -> Decimal:
    try:
        amount = to_money(value)
    except (ValueError, TypeError):
        raise CellError(
            "money_format", f"金额格式不正确“{value}” / not an amount: {value!r}"
        ) from None
    if amount < 0:
        raise CellError("money_negative", f"金额不能为负“{amount}” / amount must not be negative")
    return amount


def coefficient(value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise CellError("number_format", f"不是数字“{value}” / not a number: {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise CellError(
            "coefficient_range", f"系数须为正数“{value}” / coefficient must be positive"
        )
    return number.quantize(Decimal("0.001"))


@dataclass(frozen=True)
class integer:
    low: int
    high: int

    def __call__(self, value: Any) -> int:
        try:
            number = int(Decimal(str(value).strip()))
        except (InvalidOperation, ValueError):
            raise CellError(
                "integer_format", f"不是整数“{value}” / not an integer: {value!r}"
            ) from None
        if not self.low <= number <= self.high:
            raise CellError(
                "integer_range",
                f"须在{self.low}到{self.high}之间 / must be between {self.low} and {self.high}",
            )
        return number


@dataclass(frozen=True)
class number:
    """A decimal between ``low`` and ``high`` (ends included), kept to ``places`` places."""

    low: Decimal
    high: Decimal
    places: int

    def __call__(self, value: Any) -> Decimal:
        try:
            parsed = Decimal(str(value).strip())
        except InvalidOperation:
            raise CellError(
                "number_format", f"不是数字“{value}” / not a number: {value!r}"
            ) from None
        if not parsed.is_finite() or not self.low <= parsed <= self.high:
            raise CellError(
                "number_range",
                f"须在{self.low}到{self.high}之间 / must be between {self.low} and {self.high}",
            )
        return parsed.quantize(Decimal(1).scaleb(-self.places))


@dataclass(frozen=True)
class defaulted:
    """A blank cell is ``value`` (a column the model keeps NOT NULL with a default)."""

    inner: Converter
    value: Any

    def __call__(self, value: Any) -> Any:
        return self.value if blank(value) else self.inner(value)


TRUE = {"1", "true", "yes", "y", "是", "t", "同意"}
FALSE = {"0", "false", "no", "n", "否", "f", "不同意", ""}


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    v = "" if value is None else str(value).strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise CellError("boolean_format", f"应为是/否“{value}” / expected yes or no: {value!r}")
