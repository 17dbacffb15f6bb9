"""Bulk row updates that stay linear.

Django's ``bulk_update`` writes one ``CASE WHEN id=… THEN …`` per field per batch, which both
SQLite and PostgreSQL evaluate row by row against every branch — quadratic in the batch size
(4,400 renewals took 16 s). PostgreSQL gets one
``UPDATE … FROM unnest(arrays)`` per batch (measured 6.5 s instead of 15.9 s with
``executemany`` for 53,000 renewals); SQLite a parameterised ``UPDATE … WHERE id = %s`` with
``executemany``, also linear.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.utils import timezone

PG_BATCH = 50_000


def _update_unnest(table: str, pk_column: str, columns: list[models.Field], rows: list) -> int:
    quote = connection.ops.quote_name
    names = [f"c{i}" for i in range(len(columns))]
    sets = ", ".join(f"{quote(str(f.column))} = v.{n}" for f, n in zip(columns, names, strict=True))
    arrays = ", ".join(["%s::bigint[]"] + [f"%s::{f.db_type(connection)}[]" for f in columns])
    # Identifiers come from model metadata, quoted; every value is a parameter.
    sql = (
        f"UPDATE {quote(table)} AS t SET {sets} "  # noqa: S608
        f"FROM unnest({arrays}) AS v(pk, {', '.join(names)}) WHERE t.{quote(pk_column)} = v.pk"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), PG_BATCH):
            batch = rows[start : start + PG_BATCH]
            params = [[row[0] for row in batch]] + [
                [field.get_db_prep_save(row[i + 1], connection) for row in batch]
                for i, field in enumerate(columns)
            ]
            cursor.execute(sql, params)
    return len(rows)


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """``rows``: (pk, value for each field…). Returns the number of rows sent."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns: list[models.Field] = []
    for name in fields:
        field = meta.get_field(name)
        if not isinstance(field, models.Field):
            raise TypeError(f"{name} is not a concrete field")
        columns.append(field)
    pk_column = meta.pk.column if meta.pk is not None else "id"
    sets = ", ".join(f"{quote(str(field.column))} = %s" for field in columns)
    # Identifiers come from model metadata, quoted; every value is a parameter.
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(pk_column)} = %s"  # noqa: S608
    rows = list(rows)
    if connection.vendor == "postgresql":
        return _update_unnest(meta.db_table, pk_column, columns, rows)
    params = [
        [
            *(
                field.get_db_prep_save(value, connection)
                for field, value in zip(columns, row[1:], strict=True)
            ),
            row[0],
        ]
        for row in rows
    ]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    return len(params)


def insert_rows(
    model: type[models.Model], objs: Sequence[models.Model], batch_size: int = 2000
) -> int:
    """Insert new rows: ``COPY … FROM STDIN`` on PostgreSQL (measured 5.2 s instead of 14.9 s
    for 53,000 renewals with ``bulk_create``), ``bulk_create`` elsewhere. No primary keys
    come back; callers that need them read the rows again."""
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return len(objs)
    meta = model._meta
    fields = [
        f
        for f in meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    now = timezone.now()
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        # psycopg adapts the Python values (Decimal, datetime, bool, None) itself, and the
        # column types round numerics: Django's per-field preparation tripled the time.
        stamped = [
            bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) for f in fields
        ]
        names = [f.attname for f in fields]
        for obj in objs:
            values = obj.__dict__
            copy.write_row([now if s else values[n] for n, s in zip(names, stamped, strict=True)])
    return len(objs)
