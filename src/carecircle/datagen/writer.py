"""Generate a book chunk by chunk and write it as Parquet, one folder per table:

    DIR/<table>/part-00000.parquet, part-00001.parquet, …

``org_units`` (the tree, datagen.org), ``staff`` and ``partners`` are a single part; the other tables have one part per chunk of
customers (``chunk_size``, default 100,000). Columns and dtypes are exactly
``carecircle.ingest.schema.TABLES``. Chunks are independent (their own random streams, global
numbering from a cheap planning pass), so they run in parallel worker processes and memory
stays bounded by ``workers × chunk``. Same options → byte-identical files, whatever ``workers``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from carecircle.ingest.schema import LOAD_ORDER

from . import frames
from .book import simulate_book
from .config import GenerateOptions
from .customers import MAKE_NEV, build_people, plan_chunk
from .interactions import build_interactions
from .org import CODES, DISTRICT_UNIT, TREE
from .partners import PartyIndex, build_partners, build_staff

PART = "part-{:05d}.parquet"


def _write(df: pl.DataFrame, out: Path, table: str, part: int) -> None:
    folder = out / table
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / PART.format(part)
    tmp = target.with_suffix(".tmp")
    df.write_parquet(tmp, compression="zstd", compression_level=3, statistics=True)
    tmp.replace(target)


def _plan_offsets(options: GenerateOptions) -> tuple[np.ndarray, np.ndarray]:
    vehicles, nevs = [], []
    for chunk in range(options.chunks):
        plan = plan_chunk(options, chunk)
        vehicles.append(len(plan.make))
        nevs.append(int(MAKE_NEV[plan.make].sum()))
    offsets = np.concatenate([[0], np.cumsum(vehicles)])
    nev_offsets = np.concatenate([[0], np.cumsum(nevs)])
    return offsets, nev_offsets


def generate_chunk(
    options: GenerateOptions,
    chunk: int,
    vehicle_offset: int,
    nev_offset: int,
    parties: PartyIndex,
    out: Path,
) -> dict[str, int]:
    plan = plan_chunk(options, chunk)
    people = build_people(options, chunk, plan, vehicle_offset, nev_offset, parties)
    book = simulate_book(options, chunk, people, parties)
    interactions = build_interactions(options, chunk, people, parties, book.policies, book.claims)
    tables = {
        "customers": people.customers.with_columns(
            servicing_units(book.customer_unit, people.district)
        ),
        "vehicles": people.vehicles,
        "policies": book.policies,
        "coverages": book.coverages,
        "claims": book.claims,
        "interactions": interactions,
    }
    for name, df in tables.items():
        _write(df, out, name, chunk)
    return {name: df.height for name, df in tables.items()}


def servicing_units(latest: np.ndarray | None, district: np.ndarray) -> pl.Series:
    """A customer's servicing unit is the issuing unit of their latest policy (book.py); the
    支公司 of their district when they have none."""
    local = DISTRICT_UNIT[district]
    unit = local if latest is None else np.where(latest >= 0, latest, local)
    return frames.pick(CODES, unit).alias("unit_code")


def _run(args: tuple) -> tuple[int, dict[str, int]]:
    return args[1], generate_chunk(*args)


def generate(
    options: GenerateOptions,
    out: Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write the whole book under ``out``; returns rows per table. ``progress(n)`` is called
    with the number of customers finished after each chunk."""
    out = Path(out)
    for table in ("org_units", *LOAD_ORDER):
        folder = out / table
        if folder.exists():
            for stale in folder.glob("part-*.parquet"):
                stale.unlink()
    partners, parties = build_partners(options.customers, options.seed)
    staff = build_staff(options.customers, options.seed, partners)
    _write(TREE.units, out, "org_units", 0)
    _write(partners, out, "partners", 0)
    _write(staff, out, "staff", 0)
    counts = {name: 0 for name in LOAD_ORDER}
    counts["partners"], counts["staff"] = partners.height, staff.height
    offsets, nev_offsets = _plan_offsets(options)
    jobs = [
        (options, c, int(offsets[c]), int(nev_offsets[c]), parties, out)
        for c in range(options.chunks)
    ]

    def done(chunk: int, rows: dict[str, int]) -> None:
        for name, n in rows.items():
            counts[name] += n
        if progress is not None:
            start, stop = options.chunk_bounds(chunk)
            progress(stop - start)

    if options.workers <= 1 or options.chunks == 1:
        for job in jobs:
            done(*_run(job))
    else:
        context = multiprocessing.get_context("spawn")
        with context.Pool(min(options.workers, options.chunks), maxtasksperchild=4) as pool:
            for chunk, rows in pool.imap_unordered(_run, jobs):
                done(chunk, rows)
    return counts


def read_table(out: Path, table: str) -> pl.LazyFrame:
    return pl.scan_parquet(Path(out) / table / "*.parquet")
