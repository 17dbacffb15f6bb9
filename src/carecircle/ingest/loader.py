"""Validate a table's rows and upsert them by business key, one transaction per batch.

A row either lands whole or is reported (row, column, value, rule); an unchanged row is not
rewritten, so importing the same file twice changes nothing. References to other tables are
resolved by business key against the database (earlier tables in the load order are already
committed). Policies are loaded in effective-date order so a renewal finds its predecessor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from carecircle.core import bulk

from . import convert as c
from . import fast, unique, units
from .results import RowError, TableResult
from .tables import TableSpec, ensure_teams

ROW = "__row"
BATCH = 5_000


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value)[:200]


def _missing_columns(spec: TableSpec, columns: list[str]) -> list[str]:
    needed = [col.name for col in spec.columns if col.required]
    needed += [ref.column for ref in spec.references if ref.required]
    return [name for name in needed if name not in columns]


def _duplicate_rows(spec: TableSpec, df: pl.DataFrame) -> set[int]:
    """Rows repeating a business key already seen earlier in the same file."""
    key_cols = ["policy_no", "code"] if spec.name == "coverages" else list(spec.key_fields)
    if not all(k in df.columns for k in key_cols):
        return set()
    dup = df.select(ROW, pl.struct(key_cols).is_first_distinct().not_().alias("d")).filter("d")
    return set(dup[ROW].to_list())


def load_frame(
    spec: TableSpec,
    df: pl.DataFrame,
    *,
    source: str,
    progress: Callable[[int], object] | None = None,
    batch_size: int = BATCH,
) -> TableResult:
    result = TableResult(spec.name, source, rows=df.height)
    if ROW not in df.columns:
        df = df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    missing = _missing_columns(spec, df.columns)
    if missing:
        result.errors.append(
            RowError(
                0,
                ",".join(missing),
                "",
                "missing_column",
                f"缺少必需列 / required columns missing: {', '.join(missing)}",
            )
        )
        result.rejected = df.height
        return result
    if spec.sort_by and spec.sort_by in df.columns:
        df = df.sort(spec.sort_by, ROW, nulls_last=True)
    duplicates = _duplicate_rows(spec, df)
    seen = unique.Seen() if spec.unique_identities else None  # identities met in this file
    if fast.applies(spec):  # PostgreSQL: set-based, same rules and report (fast.py)
        fast.load(spec, df, duplicates, result, batch_size=batch_size, progress=progress, seen=seen)
        return result
    for offset in range(0, df.height, batch_size):
        rows = df.slice(offset, batch_size).to_dicts()
        _load_batch(spec, rows, duplicates, result, seen)
        if progress:
            progress(len(rows))
    result.errors.sort(key=lambda e: e.row)
    return result


def _convert_row(spec: TableSpec, raw: dict[str, Any], errors: list[RowError]) -> dict | None:
    values: dict[str, Any] = {}
    row = raw[ROW]
    ok = True
    for col in spec.columns:
        cell = raw.get(col.name)
        if col.required and c.blank(cell):
            errors.append(
                RowError(row, col.name, "", "required", f"{col.name} 不能为空 / is required")
            )
            ok = False
            continue
        try:
            values[col.name] = col.convert(cell)
        except c.CellError as exc:
            errors.append(RowError(row, col.name, _cell_text(cell), exc.code, exc.message))
            ok = False
    if ok and spec.check:
        for column, code, message in spec.check(values):
            errors.append(RowError(row, column, _cell_text(raw.get(column)), code, message))
            ok = False
    return values if ok else None


def _resolve(
    spec: TableSpec, batch: list[tuple[dict, dict]], errors: list[RowError], pending_keys: set[str]
) -> list[tuple[dict, dict]]:
    """Foreign keys by business key; self-references to rows of this batch are deferred."""
    maps: dict[str, dict[str, int]] = {}
    for ref in spec.references:
        keys = {
            str(raw[ref.column]).strip() for raw, _ in batch if not c.blank(raw.get(ref.column))
        }
        found = ref.model._base_manager.filter(**{f"{ref.key}__in": keys}).values_list(
            ref.key, "pk"
        )
        maps[ref.column] = dict(found)
    kept = []
    for raw, values in batch:
        ok = True
        for ref in spec.references:
            cell = raw.get(ref.column)
            if c.blank(cell):
                if ref.required:
                    errors.append(
                        RowError(
                            raw[ROW],
                            ref.column,
                            "",
                            "required",
                            f"{ref.column} 不能为空 / is required",
                        )
                    )
                    ok = False
                values[ref.attname] = None
                continue
            key = str(cell).strip()
            pk = maps[ref.column].get(key)
            if pk is None and ref.model is spec.model and key in pending_keys:
                values[ref.attname] = ("defer", key)
            elif pk is None:
                errors.append(
                    RowError(
                        raw[ROW],
                        ref.column,
                        key,
                        f"unknown_{ref.column}",
                        f"引用的{ref.label or ref.column}不存在或已被拒 / "
                        f"no such {ref.label or ref.column}: {key}",
                    )
                )
                ok = False
            else:
                values[ref.attname] = pk
        if ok:
            kept.append((raw, values))
    return kept


def _drop_orphans(spec: TableSpec, kept: list[tuple[dict, dict]], errors: list[RowError]):
    """A deferred self-reference must point at a row that is itself landing in this batch."""
    while True:
        keys = {str(v.get(spec.key_fields[0])) for _, v in kept}
        orphans = [
            (raw, v)
            for raw, v in kept
            if any(isinstance(x, tuple) and x[1] not in keys for x in v.values())
        ]
        if not orphans:
            return kept
        for raw, v in orphans:
            attname, (_, target) = next(
                (a, x) for a, x in v.items() if isinstance(x, tuple) and x[1] not in keys
            )
            column = next(r.column for r in spec.references if r.attname == attname)
            errors.append(
                RowError(
                    raw[ROW],
                    column,
                    target,
                    f"unknown_{column}",
                    f"引用的记录已被拒 / the referenced row was rejected: {target}",
                )
            )
        dropped = {id(v) for _, v in orphans}
        kept = [(raw, v) for raw, v in kept if id(v) not in dropped]


def _not_null_text_fields(spec: TableSpec) -> dict[str, Any]:
    """Text columns that may not be NULL → what a row without a value stores: the field's
    default ("" unless the model names one, e.g. a partner's licence type), as the fast path
    and the ORM do."""
    return {
        f.attname: f.get_default()
        for f in spec.model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.null
    }


def _key(spec: TableSpec, values: dict[str, Any]) -> tuple:
    return tuple(values[f] for f in spec.key_fields)


def _existing(spec: TableSpec, keyed: dict[tuple, dict]) -> dict[tuple, dict]:
    first = spec.key_fields[0]
    wanted = {k[0] for k in keyed}
    fields = ["pk", *spec.key_fields, *spec.compare_fields()]
    rows = spec.model._base_manager.filter(**{f"{first}__in": wanted}).values(
        *dict.fromkeys(fields)
    )
    return {tuple(r[f] for f in spec.key_fields): r for r in rows}


def _same(a: Any, b: Any) -> bool:
    # Aware datetimes compare across time zones; blank text and NULL are the same "nothing".
    return a == b or (a in (None, "") and b in (None, ""))


def _load_batch(
    spec: TableSpec,
    rows: list[dict],
    duplicates: set[int],
    result: TableResult,
    seen: unique.Seen | None = None,
) -> None:
    errors: list[RowError] = []
    converted = []
    for raw in rows:
        if raw[ROW] in duplicates:
            key = ",".join(_cell_text(raw.get(k)) for k in spec.key_fields if k in raw)
            errors.append(
                RowError(
                    raw[ROW],
                    spec.key_fields[0],
                    key,
                    "duplicate_key",
                    "文件中重复的业务主键 / business key repeated in this file",
                )
            )
            continue
        values = _convert_row(spec, raw, errors)
        if values is not None:
            converted.append((raw, values))
    with transaction.atomic():
        if seen is not None:  # another customer's phone, ID number or USCC (unique.py)
            clashes = unique.check(
                spec.model,
                (unique.Candidate(raw[ROW], str(v[spec.key_fields[0]]), v) for raw, v in converted),
                seen,
            )
            errors += [error for found in clashes.values() for _, error in found]
            converted = [(raw, v) for raw, v in converted if raw[ROW] not in clashes]
        own_keys = {str(v.get(spec.key_fields[0])) for _, v in converted}
        kept = _drop_orphans(spec, _resolve(spec, converted, errors, own_keys), errors)
        units.fill_rows(spec.name, kept)
        if spec.name == "staff":
            teams = ensure_teams([v for _, v in kept])
            for _, v in kept:
                v["team_id"] = teams.get(v.get("team") or "")
        stored = spec.stored_fields()
        text_fields = _not_null_text_fields(spec)
        keyed: dict[tuple, dict] = {}
        for _, values in kept:
            if spec.finish:
                spec.finish(values)
            row = {f: values.get(f) for f in stored}
            for f, empty in text_fields.items():
                if row.get(f) is None:
                    row[f] = empty  # Django stores "no text" as "" (or the default), never NULL
            keyed[_key(spec, row)] = row
        existing = _existing(spec, keyed) if keyed else {}
        _write(spec, keyed, existing, result)
    result.errors.extend(errors)
    result.rejected += len({e.row for e in errors})


def _write(
    spec: TableSpec, keyed: dict[tuple, dict], existing: dict[tuple, dict], result: TableResult
) -> None:
    model = spec.model
    deferred: dict[str, list[tuple[tuple, str]]] = {}
    new, changed = [], []
    compare = spec.compare_fields()
    now = timezone.now()
    for key, values in keyed.items():
        for attname, value in list(values.items()):
            if isinstance(value, tuple) and value and value[0] == "defer":
                deferred.setdefault(attname, []).append((key, value[1]))
                values[attname] = existing.get(key, {}).get(attname)
        old = existing.get(key)
        if old is None:
            if spec.name == "staff":
                values["password"] = make_password(None)  # no login until an admin sets one
            new.append(values)
        elif not all(_same(old.get(f), values.get(f)) for f in compare if f not in deferred):
            obj = model(pk=old["pk"], **values)
            if hasattr(obj, "updated_at"):
                obj.updated_at = now
            changed.append(obj)
        else:
            result.unchanged += 1
    if new:
        # core.bulk: COPY on PostgreSQL, one executemany elsewhere; a missing field gets its
        # default, auto_now fields the time of the write (bulk_create compiled an expression
        # per value and spent half the import time doing so).
        bulk.insert_rows(model, new, using=model._base_manager.db)
        result.inserted += len(new)
    if changed:
        fields = [f for f in spec.stored_fields() if f not in spec.key_fields]
        if hasattr(model, "updated_at"):
            fields.append("updated_at")
        model._base_manager.bulk_update(changed, fields, batch_size=1_000)
        result.updated += len(changed)
    for attname, pairs in deferred.items():
        _link_within_batch(spec, attname, pairs)


def _link_within_batch(spec: TableSpec, attname: str, pairs: list[tuple[tuple, str]]) -> None:
    """Set self-references (a renewal → its predecessor) once both rows exist."""
    ref = next(r for r in spec.references if r.attname == attname)
    ids = dict(
        spec.model._base_manager.filter(
            **{f"{ref.key}__in": {k for _, k in pairs} | {key[0] for key, _ in pairs}}
        ).values_list(ref.key, "pk")
    )
    bulk.update_rows(
        spec.model,
        [attname],
        [(ids[key[0]], ids[target]) for key, target in pairs],
        using=spec.model._base_manager.db,
    )
