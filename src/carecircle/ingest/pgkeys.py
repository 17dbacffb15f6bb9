"""Other tables' ids by business key, looked up once per import with one SQL join per reference.

The tables a table refers to (customers, vehicles, partners, staff …) are loaded earlier in
the load order and are not written while this table loads, so looking their keys up once for
the whole file finds exactly what a lookup per batch would — at one hash join instead of an
index probe per row. A reference to the table being loaded (a renewal) can also point at a row
an earlier batch inserted: :class:`OwnIds` starts from one join for the rows stored before the
import and adds each batch's inserted ids (from the upsert's RETURNING), so it always knows
what a lookup at that batch would find. Whether a renewal's target is in its own batch (then
deferred) or nowhere (then an error) is still decided per batch in SQL, in ``pgload``. The
foreign-key constraints are checked again by PostgreSQL when each batch commits.
"""

from __future__ import annotations

import polars as pl
from django.db import models, transaction

from carecircle.core import bulk

from .tables import Reference

KEYS = "cc_ingest_keys"


def other_ids(plan, good: pl.DataFrame) -> pl.DataFrame:
    """``good`` with each non-self reference's id column (null: no such row)."""
    for ref in plan.spec.references:
        if ref.model is plan.spec.model:
            continue
        column = f"r_{ref.column}"
        keys = good[column].drop_nulls().unique()
        found = _lookup(plan, ref, keys) if len(keys) else []
        ids = pl.DataFrame(found, schema={column: pl.String, ref.attname: pl.Int64}, orient="row")
        good = good.join(ids, on=column, how="left", maintain_order="left")
    return good


class OwnIds:
    """Ids of this table's rows that its self-reference (a renewal) points at, by key."""

    def __init__(self, plan, good: pl.DataFrame, ref: Reference):
        self.column, self.attname = f"r_{ref.column}", ref.attname
        keys = good[self.column].drop_nulls().unique()
        self.wanted = set(keys.to_list())
        self.ids = dict(_lookup(plan, ref, keys)) if len(keys) else {}

    def fill(self, batch: pl.DataFrame) -> pl.DataFrame:
        found = [self.ids.get(k) for k in batch[self.column].to_list()]
        return batch.with_columns(pl.Series(self.attname, found, dtype=pl.Int64))

    def add(self, inserted: list[tuple[str, int]]) -> None:
        self.ids.update((k, pk) for k, pk in inserted if k in self.wanted)


def _lookup(plan, ref: Reference, keys: pl.Series) -> list[tuple[str, int]]:
    target = ref.model._meta
    key = target.get_field(ref.key)
    assert isinstance(key, models.Field)
    q = plan.q
    with transaction.atomic(using=plan.conn.alias), plan.conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{KEYS}")
        cursor.execute(f"CREATE TEMP TABLE {KEYS} (k text PRIMARY KEY) ON COMMIT DROP")
        bulk.insert_rows(KEYS, keys.to_frame("k"), using=plan.conn.alias)
        cursor.execute(f"ANALYZE {KEYS}")  # so the planner sees its size and hash-joins
        cursor.execute(
            f"SELECT k.k, t.{q(target.pk.column)} FROM {KEYS} k "  # noqa: S608 - names from meta
            f"JOIN {q(target.db_table)} t ON t.{q(key.column)} = k.k"
        )
        return cursor.fetchall()
