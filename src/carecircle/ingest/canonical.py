"""Import entry points: files of canonical tables, a folder of them, or adapted frames."""

from __future__ import annotations

import operator
import time
from functools import reduce
from pathlib import Path

import polars as pl
from django.db.models import Exists, OuterRef
from tqdm import tqdm

from carecircle.claims.services.backfill import backfill_ledger
from carecircle.claims.services.reporting import link_compulsory_policies
from carecircle.core import audit
from carecircle.core.models import AuditLog
from carecircle.core.org import load_units
from carecircle.parties import consent
from carecircle.policies.choices import PartyRole
from carecircle.policies.models import Policy, PolicyParty
from carecircle.policies.policy_parties import default_parties_for

from . import units
from .loader import load_frame
from .mapping import Mapping
from .readers import FileError, read_any
from .results import ImportResult, RowError, TableResult, write_report
from .schema import LOAD_ORDER, ORG_UNITS, TABLES
from .tables import SPECS


class ImportError_(Exception):
    pass


def detect_table(path: Path) -> str | None:
    stem = path.name.split(".")[0].lower()
    for table in sorted([*TABLES, "org_units"], key=len, reverse=True):
        if stem == table or stem.startswith(table + "_") or stem.startswith(table + "-"):
            return table
    return None


def _report_path(path: Path, table: str) -> Path:
    return (
        path / f"{table}.errors.csv" if path.is_dir() else path.with_name(path.name + ".errors.csv")
    )


def import_frame(
    table: str,
    frame: pl.DataFrame,
    *,
    source: str,
    report_to: Path | None,
    progress: bool = True,
    notes: list[str] | None = None,
) -> TableResult:
    spec = SPECS[table]
    frame = units.with_aliases(frame)
    bar = tqdm(
        total=frame.height,
        desc=f"{table:<12}",
        unit="row",
        disable=not progress,
        leave=True,
        dynamic_ncols=True,
    )
    started = time.perf_counter()
    try:
        result = load_frame(spec, frame, source=source, progress=lambda n: bar.update(n))
    finally:
        bar.close()
    result.notes.extend(notes or [])
    if table == "staff":
        placed = units.place_teams()
        if placed:
            result.notes.append(f"已为 {placed} 个团队定机构 / {placed} teams placed in a unit")
    if table == "claims":
        # A claim is paid by the vehicle's 交强险 first (issue #14): link the one in force on the
        # accident day, as a reported claim is linked, in one UPDATE after the load.
        linked = link_compulsory_policies()
        result.notes.append(f"已关联交强险 {linked} 件 / {linked} claims linked to their 交强险")
    result.seconds = time.perf_counter() - started
    if report_to is not None and result.errors:
        write_report(result, report_to)
    return result


def import_units(path: Path, *, acting_user=None) -> TableResult:
    """The organisation tree (``org_units``: code, name, level, parent_code[, province,
    city]) through ``core.org.load_units``: idempotent, each change audited, a bad row
    reported like any row error."""
    result = TableResult("org_units", str(path))
    started = time.perf_counter()
    try:
        read = read_any(path, set(ORG_UNITS))
    except FileError as exc:
        result.errors.append(RowError(0, "", path.name, exc.code, exc.message))
        write_report(result, _report_path(path, "org_units"))
        return result
    rows = units.unit_rows(read.frame)
    result.rows = len(rows)
    loaded = load_units(rows, by=acting_user, reason="import")
    result.inserted = loaded.created
    result.updated = loaded.updated + loaded.moved
    result.unchanged = loaded.unchanged
    for row, code, message in loaded.errors:
        result.errors.append(RowError(row, "code", code, "org_unit", message))
    result.rejected = loaded.rejected
    result.seconds = time.perf_counter() - started
    if result.errors:
        write_report(result, _report_path(path, "org_units"))
    return result


def import_path(
    path: Path, *, mapping: Mapping | None = None, table: str | None = None, progress: bool = True
) -> TableResult:
    table = table or (mapping.table if mapping else None) or detect_table(path)
    if table == "org_units":
        return import_units(path)
    if table not in SPECS:
        raise ImportError_(
            f"无法判断 {path.name} 是哪张表，请用 --table 指定 / cannot tell which table {path.name} "
            f"holds: name it after a table ({', '.join(TABLES)}) or pass --table"
        )
    known = set(TABLES[table]) | set((mapping.columns if mapping else {}).keys())
    try:
        read = read_any(path, known)
    except FileError as exc:
        result = TableResult(table, str(path))
        result.errors.append(RowError(0, "", path.name, exc.code, exc.message))
        write_report(result, _report_path(path, table))
        return result
    frame = mapping.apply(read.frame) if mapping else read.frame
    return import_frame(
        table,
        frame,
        source=str(path),
        report_to=_report_path(path, table),
        progress=progress,
        notes=read.notes,
    )


def import_paths(
    paths: list[Path],
    *,
    mapping: Mapping | None = None,
    table: str | None = None,
    acting_user=None,
    progress: bool = True,
) -> ImportResult:
    result = ImportResult()
    order = {name: i for i, name in enumerate(("org_units", *LOAD_ORDER))}
    for path in sorted(paths, key=lambda p: order.get(table or detect_table(p) or "", 99)):
        result.tables.append(import_path(path, mapping=mapping, table=table, progress=progress))
    complete_the_book(result)
    _audit(result, acting_user, [str(p) for p in paths])
    return result


def load_canonical_dir(path: Path, *, acting_user=None, progress: bool = True) -> ImportResult:
    """A folder written by ``carecircle generate``: DIR/<table>.parquet or DIR/<table>/*.parquet."""
    path = Path(path)
    result = ImportResult()
    for table in ("org_units", *LOAD_ORDER):
        for candidate in (path / table, path / f"{table}.parquet"):
            if candidate.exists():
                result.tables.append(import_path(candidate, table=table, progress=progress))
                break
    if not result.tables:
        raise ImportError_(f"{path} 中没有可导入的表 / no canonical tables found in {path}")
    complete_the_book(result)
    _audit(result, acting_user, [str(path)])
    return result


def complete_the_book(result: ImportResult) -> None:
    """What a bulk load owes the rules after its rows are in (#15): the marketing flag of loaded
    customers recorded as consent per channel (source import; the checks read the consent
    record, not the flag), and applicant = insured = owner for policies that name no parties.
    Both are set-based and leave earlier rows alone, so a re-import adds nothing."""
    loaded = {t.table: t for t in result.tables if t.inserted or t.updated}
    if "customers" in loaded:
        n = consent.backfill_flagged()
        loaded["customers"].notes.append(f"marketing consent recorded for {n:,} customers")
    if "policies" in loaded:
        # Lacking any role (not "lacking all": the helper writes one role per statement).
        lacking = reduce(
            operator.or_,
            [
                ~Exists(PolicyParty.objects.filter(policy=OuterRef("pk"), role=role))
                for role in PartyRole.values
            ],
        )
        n = default_parties_for(Policy.objects.filter(lacking))
        loaded["policies"].notes.append(f"{n:,} policy parties (applicant, insured, owner)")
    if "claims" in loaded:
        # The reserve ledger and the paid amounts as payments (#16; claims.services.backfill).
        done = backfill_ledger()
        loaded["claims"].notes.append(
            f"{done.movements:,} opening reserve movements, {done.payments:,} payments confirmed"
        )


def _audit(result: ImportResult, acting_user, sources: list[str]) -> None:
    audit.record(
        acting_user,
        AuditLog.Action.IMPORT,
        object_type="ingest.import",
        summary=f"import {', '.join(sources)}"[:255],
        changes={"tables": result.counts(), "rejected": result.rejected},
    )
