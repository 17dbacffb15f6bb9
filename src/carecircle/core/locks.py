"""Row locks in one place (after Saleor's ``lock_objects.py``).

A service that reads a row, decides and writes it back locks the row first, inside its
``transaction.atomic()``, so two requests cannot both decide on the same old state:

    with transaction.atomic():
        complaint = locks.lock(Complaint, pk=complaint.pk)
        ...

Both helpers lock the model's own rows only (``FOR UPDATE OF`` its table: rows of tables a
filter or ``select_related`` joins are read, not locked), and ``lock_all`` always in primary-key
order, so two writers locking overlapping sets wait for each other instead of deadlocking.
SQLite has no row locks (Django leaves the clause out); its one writer at a time serialises.

Locks taken another way stay where they are, with their reason: skipping locked rows
(``notify.services.delivery``), locking joined rows too (``claims.services.locks``), locking
through a scope or before an aggregate or ``get_or_create``.
"""

from __future__ import annotations

from typing import Any, TypeVar, overload

from django.db import models

M = TypeVar("M", bound=models.Model)
R = TypeVar("R")

SELF = ("self",)


def _rows(source: type[M] | models.QuerySet[M, Any]) -> models.QuerySet[M, Any]:
    if isinstance(source, models.QuerySet):
        return source
    return source._default_manager.all()


def lock(source: type[M] | models.QuerySet[M, Any], /, **lookup: Any) -> M:
    """The one row of ``source`` (a model or a queryset) matching ``lookup``, read under
    ``SELECT … FOR UPDATE``; raises ``DoesNotExist`` / ``MultipleObjectsReturned`` as ``get``."""
    return _rows(source).select_for_update(of=SELF).get(**lookup)


@overload
def lock_all(source: type[M]) -> list[M]: ...
@overload
def lock_all(source: models.QuerySet[Any, R]) -> list[R]: ...
def lock_all(source: Any) -> list[Any]:
    """Every row of ``source`` read under ``SELECT … FOR UPDATE``, locked and returned in
    primary-key order (a ``values_list`` queryset gives its tuples)."""
    return list(_rows(source).select_for_update(of=SELF).order_by("pk"))
