"""Types shared by every app's schemas: money and coefficients as exact decimal strings."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from ninja import Schema
from pydantic import Field, PlainSerializer, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

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
# The refusals every operation documents. 413 is a body over DATA_UPLOAD_MAX_MEMORY_SIZE
# (code ``body_too_large``, core/api/errors.py): an operation that reads a body can answer it.
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


class InputSchema(Schema):
    """Base for request bodies and filters: text with NUL characters is refused (422), since
    PostgreSQL cannot store or compare it and would answer with a server error.

    A write schema names the model it writes (``writes``; its fields carry the columns' names,
    ``owner_id`` for a foreign key): a null sent for a column that cannot hold one is refused
    here with a 422 ``null_not_allowed`` naming the field, instead of reaching the database as
    an IntegrityError (a 500). In a PATCH an optional field means "may be left out", not "may
    be null". ``takes_null`` lists the fields whose null the service reads itself (a default
    such as "from the plate", or "clear it")."""

    writes: ClassVar[type[models.Model] | None] = None
    takes_null: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def no_nul_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("文本不能包含NUL字符 / text cannot contain NUL characters")
        if value is None and info.field_name in not_null_fields(cls):
            raise PydanticCustomError("null_not_allowed", "不能为空值 / cannot be null")
        return value


@functools.cache
def not_null_fields(schema: type[InputSchema]) -> frozenset[str]:
    """The schema's fields written to a column that is NOT NULL (and not in ``takes_null``)."""
    model = schema.writes
    if model is None:
        return frozenset()
    out = set()
    for name in schema.model_fields:
        if name in schema.takes_null:
            continue
        try:
            column = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(column, models.Field) and column.concrete and not column.null:
            out.add(name)
    return frozenset(out)
