"""Limit/offset pages without ``COUNT(*)``: one extra row says whether a next page exists.

Counting a scoped million-customer book costs seconds on PostgreSQL (see the dashboard
notes), so the API pages like the search screen does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

MAX_LIMIT = 100
MAX_OFFSET = 10_000  # deeper than this, narrow the filters


class LimitOffsetNoCount(PaginationBase):
    class Input(Schema):
        limit: int = Field(25, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    class Output(Schema):
        items: list[Any]
        limit: int
        offset: int
        has_more: bool

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        offset, limit = pagination.offset, pagination.limit
        rows = list(queryset[offset : offset + limit + 1])
        return {
            "items": rows[:limit],
            "limit": limit,
            "offset": offset,
            "has_more": len(rows) > limit,
        }
