"""Parquet snapshots in the canonical layout (``ingest.schema.TABLES``).

``scan_snapshot`` opens a folder written by ``carecircle generate --out`` or by
``export_snapshot`` (one folder of part files, or one ``<table>.parquet``, per table).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from .export import QUERIES, scan_service_uses
from .pipeline import Inputs

NEEDED = ("customers", "policies", "claims", "interactions")
# The columns the pipeline reads (a generated snapshot has more; they are not read).
NEEDED_COLUMNS = {table: [name for _, name in QUERIES[table][0]] for table in QUERIES}
# Columns added after snapshots were first written (and absent from the canonical layout of
# ``carecircle generate --out``): a snapshot without one reads it as this value.
LATER_COLUMNS = {"claims": {"amount_recovered": pl.lit(0).cast(pl.Decimal(14, 2))}}  # #16


class SnapshotError(ValueError):
    pass


def table_path(folder: Path, table: str) -> str:
    single = folder / f"{table}.parquet"
    if single.exists():
        return str(single)
    part_dir = folder / table
    if part_dir.is_dir() and any(part_dir.glob("*.parquet")):
        return str(part_dir / "*.parquet")
    raise SnapshotError(f"snapshot {folder} has no table {table!r} ({single} or {part_dir}/)")


def scan_table(folder: Path, table: str) -> pl.LazyFrame:
    frame = pl.scan_parquet(table_path(folder, table))
    names = frame.collect_schema().names()
    later = {c: e for c, e in LATER_COLUMNS.get(table, {}).items() if c not in names}
    missing = [c for c in NEEDED_COLUMNS[table] if c not in names and c not in later]
    if missing:
        raise SnapshotError(f"{table}: missing column(s) {', '.join(missing)}")
    return frame.with_columns(**later).select(NEEDED_COLUMNS[table])


def scan_snapshot(folder: Path) -> Inputs:
    folder = Path(folder)
    frames = {t: scan_table(folder, t) for t in NEEDED}
    return Inputs(
        customers=frames["customers"],
        policies=frames["policies"],
        claims=frames["claims"],
        interactions=frames["interactions"],
        service_uses=scan_service_uses(folder),
    )
