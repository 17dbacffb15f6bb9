"""The set-based import path on PostgreSQL: validate the whole frame with Polars, then write
batch by batch through a staging table (``pgload.py``), one transaction per batch.

Same guarantees as the row path in ``loader.py`` — same rules, same report, same counts, same
batches (so a renewal finds its predecessor exactly when the row path would) — at a fraction
of the per-row Python cost. SQLite, and tables whose rules have no set-based form, keep the
row path.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from django.db import connections, transaction

from . import pgkeys, pgload, unique, units, vframe
from .results import RowError, TableResult
from .tables import TableSpec


def applies(spec: TableSpec) -> bool:
    conn = connections[spec.model._base_manager.db]
    return conn.vendor == "postgresql" and vframe.supported(spec)


def load(
    spec: TableSpec,
    df: pl.DataFrame,
    duplicates: set[int],
    result: TableResult,
    *,
    batch_size: int,
    progress: Callable[[int], object] | None,
    seen: unique.Seen | None = None,
) -> None:
    """``df`` is sorted as the row path sorts it; ``result`` gets counts and errors; ``seen``
    (customers) carries the identities met in the file from batch to batch, as in the row
    path."""
    checked = vframe.check(spec, df, duplicates)
    errors = checked.errors
    plan = pgload.Plan(spec, connections[spec.model._base_manager.db])
    good = units.fill_frame(spec.name, pgkeys.other_ids(plan, checked.good))
    own = plan.self_ref()
    if own is not None:
        plan.own_ids = pgkeys.OwnIds(plan, good, own)
    positions = good[vframe.POS]
    for start in range(0, df.height, batch_size):
        lo = positions.search_sorted(start, "left")
        hi = positions.search_sorted(start + batch_size, "left")
        batch = good.slice(int(lo), int(hi) - int(lo))  # type: ignore[call-overload]
        if batch.height:
            with transaction.atomic(using=plan.conn.alias):
                if seen is not None:
                    batch, clashes = _unique(spec, batch, seen)
                    errors += clashes
                if batch.height:
                    errors += pgload.write_batch(plan, batch, result)
        if progress:
            progress(min(batch_size, df.height - start))
    errors.sort(key=lambda e: (e[0], e[1]))
    result.errors.extend(e for _, _, e in errors)
    result.rejected += len({row for row, _, _ in errors})


def _unique(
    spec: TableSpec, batch: pl.DataFrame, seen: unique.Seen
) -> tuple[pl.DataFrame, list[tuple[int, int, RowError]]]:
    """The batch without the rows another customer's identity rules out (unique.py), and
    their errors — the row path's check on the same rows in the same order."""
    key = spec.key_fields[0]
    plain = {vframe.PLAIN.get(i.column, i.column): i.column for i in unique.IDENTITIES}
    rows = batch.sort(vframe.POS).select(vframe.ROW, key, *plain).iter_rows(named=True)
    clashes = unique.check(
        spec.model,
        (
            unique.Candidate(r[vframe.ROW], str(r[key]), {plain[k]: r[k] for k in plain})
            for r in rows
        ),
        seen,
    )
    if not clashes:
        return batch, []
    found = [(row, order, error) for row, pairs in clashes.items() for order, error in pairs]
    return batch.filter(~pl.col(vframe.ROW).is_in(list(clashes))), found
