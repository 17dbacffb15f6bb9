"""Types shared by every app's schemas: money and coefficients as exact decimal strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field, PlainSerializer, WithJsonSchema, field_validator

# Yuan with two places as a string ("2760.00"), never a float.
# A row id as input: positive and inside the databases' 64-bit integer range, so an absurd
# number is a 422 on every backend (SQLite would overflow, PostgreSQL would just match nothing).
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]

Money = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "2760.00"}),
]
# Rating coefficients with three places ("0.850").
Coefficient = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{v:.3f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{3}$", "example": "1.000"}),
]


class ErrorOut(Schema):
    """Every 4xx body: a stable code, the input at fault (or null) and a bilingual message."""

    code: str
    field: str | None = None
    message: str
    errors: list[ErrorItem] | None = None


class ErrorItem(Schema):
    code: str
    field: str | None = None
    message: str


ErrorOut.model_rebuild()
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class InputSchema(Schema):
    """Base for request bodies and filters: text with NUL characters is refused (422), since
    PostgreSQL cannot store or compare it and would answer with a server error."""

    @field_validator("*", mode="before")
    @classmethod
    def no_nul_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("文本不能包含NUL字符 / text cannot contain NUL characters")
        return value
