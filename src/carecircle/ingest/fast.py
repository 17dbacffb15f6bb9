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

from . import pgkeys, pgload, units, vframe
from .results import TableResult
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
) -> None:
    """``df`` is sorted as the row path sorts it; ``result`` gets counts and errors."""
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
                errors += pgload.write_batch(plan, batch, result)
        if progress:
            progress(min(batch_size, df.height - start))
    errors.sort(key=lambda e: (e[0], e[1]))
    result.errors.extend(e for _, _, e in errors)
    result.rejected += len({row for row, _, _ in errors})
