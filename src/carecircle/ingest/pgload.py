"""PostgreSQL: one validated batch → COPY (``core.bulk``) into a TEMP staging table →
references checked and the self-reference resolved by joining on business keys →
``INSERT … ON CONFLICT … DO UPDATE … WHERE changed``. (Other tables' ids arrive with the
batch, from one join per import: ``pgkeys.py``.)

The steps mirror the row path (loader.py) so both give the same rows, counts and report:
a reference is looked up among rows already in the database; a self-reference (a renewal)
to a row of the same batch is deferred and set by one UPDATE after the upsert; a row whose
deferred target was itself rejected is rejected too; an unchanged row is not written, so its
``updated_at`` does not move. The caller wraps each batch in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql import Query
from django.utils import timezone

from carecircle.core import bulk

from .pgkeys import OwnIds
from .results import RowError, TableResult
from .tables import Reference, TableSpec
from .vframe import POS, ROW, SEQ_ORPHAN, SEQ_REF

STAGE = "cc_ingest_stage"
TEXT = (models.CharField, models.TextField)


@dataclass
class Plan:
    """The SQL names of one table's upsert, worked out once per import."""

    spec: TableSpec
    conn: BaseDatabaseWrapper
    table: str = ""
    fields: dict[str, models.Field] = field(default_factory=dict)
    copied: list[models.Field] = field(default_factory=list)  # values computed in Polars
    keys: list[str] = field(default_factory=list)  # business-key columns
    conflict: str = ""
    own_ids: OwnIds | None = None  # set by the caller when the table refers to itself

    def __post_init__(self) -> None:
        meta = self.spec.model._meta
        self.table = self.q(meta.db_table)
        self.fields = {f.attname: f for f in meta.concrete_fields}
        refs = {r.attname for r in self.spec.references}
        self.copied = [self.fields[a] for a in self.spec.stored_fields() if a not in refs]
        self.keys = [self.q(self.fields[k].column) for k in self.spec.key_fields]
        self.conflict = f"({', '.join(self.keys)}){self._unique_condition()}"

    def q(self, name: str) -> str:
        return self.conn.ops.quote_name(name)

    def col(self, attname: str) -> str:
        return self.q(self.fields[attname].column)

    def _unique_condition(self) -> str:
        """A partial unique index (interaction_no where not blank) needs its WHERE repeated."""
        for constraint in self.spec.model._meta.constraints:
            if (
                isinstance(constraint, models.UniqueConstraint)
                and tuple(constraint.fields) == self.spec.key_fields
                and constraint.condition is not None
            ):
                query = Query(model=self.spec.model, alias_cols=False)
                where = query.build_where(constraint.condition)
                sql, params = where.as_sql(query.get_compiler(connection=self.conn), self.conn)
                return " WHERE " + self.conn.ops.compose_sql(sql, params)  # type: ignore[attr-defined]
        return ""

    def self_ref(self) -> Reference | None:
        return next((r for r in self.spec.references if r.model is self.spec.model), None)

    def stage_sql(self) -> str:
        cols = [f"{self.q(ROW)} bigint", f"{self.q(POS)} bigint"]
        cols += [f"{self.q(f.column)} {f.db_type(self.conn)}" for f in self.copied]
        for ref in self.spec.references:
            fk = self.fields[ref.attname]
            cols += [
                f"{self.q('r_' + ref.column)} text",
                f"{self.q(fk.column)} {fk.db_type(self.conn)}",
            ]
        cols.append('"__deferred" boolean NOT NULL DEFAULT false')
        return f"CREATE TEMP TABLE {STAGE} ({', '.join(cols)}) ON COMMIT DROP"


def write_batch(
    plan: Plan, batch: pl.DataFrame, result: TableResult
) -> list[tuple[int, int, RowError]]:
    """Stage, resolve and upsert one batch (inside the caller's transaction)."""
    with plan.conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")  # a test's batches never commit
        cursor.execute(plan.stage_sql())
        others = plan.spec.references  # ids found in Polars (pgkeys.py)
        if plan.own_ids is not None:
            batch = plan.own_ids.fill(batch)
        names = [
            ROW,
            POS,
            *[f.attname for f in plan.copied],
            *[f"r_{r.column}" for r in plan.spec.references],
            *[r.attname for r in others],
        ]
        columns = [
            ROW,
            POS,
            *[f.column for f in plan.copied],
            *[f"r_{r.column}" for r in plan.spec.references],
            *[plan.fields[r.attname].column for r in others],
        ]
        staged = batch.select(names).rename(dict(zip(names, columns, strict=True)))
        bulk.insert_rows(STAGE, staged, using=plan.conn.alias)
        errors = _resolve(plan, cursor)
        deferred = _defer(plan, cursor)
        upsert(plan, cursor, deferred, result)
        if deferred:
            _link(plan, cursor)
    return errors


def _resolve(plan: Plan, cursor: Any) -> list[tuple[int, int, RowError]]:
    """Foreign keys by business key, the row path's errors, then its orphan rule."""
    refs = plan.spec.references
    if not refs:
        return []
    own = plan.self_ref()
    in_batch = (
        f"EXISTS (SELECT 1 FROM {STAGE} o WHERE o.{plan.col(own.key)} = s.{plan.q('r_' + own.column)})"  # noqa: S608
        if own
        else "false"
    )
    picks = ", ".join(f"s.{plan.q('r_' + r.column)}, s.{plan.col(r.attname)}" for r in refs)
    # Only rows with a blank required reference or an unresolved one can be in error.
    suspect = " OR ".join(
        f"s.{plan.col(r.attname)} IS NULL"
        if r.required
        else f"(s.{plan.q('r_' + r.column)} IS NOT NULL AND s.{plan.col(r.attname)} IS NULL)"
        for r in refs
    )
    cursor.execute(
        f"SELECT s.{plan.q(ROW)}, {in_batch}, {picks} FROM {STAGE} s WHERE {suspect}"  # noqa: S608
    )
    errors = []
    rejected = []
    for row, own_pending, *pairs in cursor.fetchall():
        bad = False
        for i, ref in enumerate(refs):
            key, pk = pairs[2 * i], pairs[2 * i + 1]
            if key is None and ref.required:
                error = RowError(
                    row, ref.column, "", "required", f"{ref.column} 不能为空 / is required"
                )
            elif key is None or pk is not None or (ref is own and own_pending):
                continue
            else:
                label = ref.label or ref.column
                error = RowError(
                    row,
                    ref.column,
                    key,
                    f"unknown_{ref.column}",
                    f"引用的{label}不存在或已被拒 / no such {label}: {key}",
                )
            errors.append((row, SEQ_REF + i, error))
            bad = True
        if bad:
            rejected.append(row)
    if rejected:
        cursor.execute(f"DELETE FROM {STAGE} WHERE {plan.q(ROW)} = ANY(%s)", [rejected])  # noqa: S608
    if own:
        errors += _drop_orphans(plan, own, cursor)
    return errors


def _drop_orphans(plan: Plan, own: Reference, cursor: Any) -> list[tuple[int, int, RowError]]:
    """A deferred renewal whose predecessor was rejected is rejected, until none is left."""
    errors: list[tuple[int, int, RowError]] = []
    ref_key = plan.q("r_" + own.column)
    while True:
        cursor.execute(
            f"DELETE FROM {STAGE} s WHERE s.{ref_key} IS NOT NULL AND s.{plan.col(own.attname)} IS NULL "  # noqa: S608
            f"AND NOT EXISTS (SELECT 1 FROM {STAGE} o WHERE o.{plan.col(own.key)} = s.{ref_key}) "
            f"RETURNING s.{plan.q(ROW)}, s.{ref_key}"
        )
        gone = cursor.fetchall()
        if not gone:
            return errors
        for row, target in gone:
            errors.append(
                (
                    row,
                    SEQ_ORPHAN,
                    RowError(
                        row,
                        own.column,
                        target,
                        f"unknown_{own.column}",
                        f"引用的记录已被拒 / the referenced row was rejected: {target}",
                    ),
                )
            )


def _defer(plan: Plan, cursor: Any) -> int:
    """Mark rows renewing a row of this batch; until linked they keep their stored link."""
    own = plan.self_ref()
    if own is None:
        return 0
    fk, key = plan.col(own.attname), plan.col(plan.spec.key_fields[0])
    cursor.execute(
        f"UPDATE {STAGE} s SET {plan.q('__deferred')} = true, {fk} = (SELECT t.{fk} FROM "  # noqa: S608
        f"{plan.table} t WHERE t.{key} = s.{key}) "
        f"WHERE s.{plan.q('r_' + own.column)} IS NOT NULL AND s.{fk} IS NULL"
    )
    return cursor.rowcount


def upsert(plan: Plan, cursor: Any, deferred: int, result: TableResult) -> None:
    """Insert new keys, update changed rows, leave unchanged rows (and updated_at) alone."""
    spec, conn = plan.spec, plan.conn
    pk = spec.model._meta.pk
    now = timezone.now()
    stored = [plan.fields[a] for a in spec.stored_fields()]
    picks = [
        f"COALESCE(s.{plan.q(f.column)}, '')"
        if isinstance(f, TEXT) and not f.null
        else f"s.{plan.q(f.column)}"
        for f in stored
    ]
    params: list[Any] = []
    extra = [f for f in plan.fields.values() if not f.primary_key and f not in stored]
    for f in extra:
        auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        default = now if auto else (f.get_default() if f.has_default() or not f.null else None)
        picks.append(f"%s::{f.db_type(conn)}")
        params.append(f.get_db_prep_save(default, conn))
    columns = ", ".join(plan.q(f.column) for f in [*stored, *extra])
    keys = ", ".join(f"s.{k}" for k in plan.keys)
    # The row path leaves a deferred link out of the comparison (it is set afterwards).
    skip = {plan.self_ref().attname} if deferred and plan.self_ref() else set()  # type: ignore[union-attr]
    compare = [plan.fields[a] for a in spec.compare_fields() if a not in skip]
    old = ", ".join(_blankable(plan, f, "t") for f in compare)
    new = ", ".join(_blankable(plan, f, "EXCLUDED") for f in compare)
    sets = [f for f in stored if f.attname not in spec.key_fields]
    if "updated_at" in plan.fields:
        sets.append(plan.fields["updated_at"])
    assign = ", ".join(f"{plan.q(f.column)} = EXCLUDED.{plan.q(f.column)}" for f in sets)
    cursor.execute(
        f"INSERT INTO {plan.table} AS t ({columns}) "  # noqa: S608 - names from model meta
        f"SELECT DISTINCT ON ({keys}) {', '.join(picks)} FROM {STAGE} s "
        f"ORDER BY {keys}, s.{plan.q(POS)} DESC "
        f"ON CONFLICT {plan.conflict} DO UPDATE SET {assign} "
        f"WHERE ({old}) IS DISTINCT FROM ({new}) "
        f"RETURNING (t.xmax = 0), t.{plan.col(spec.key_fields[0])}, t.{plan.q(pk.column)}",
        params,
    )
    returned = cursor.fetchall()
    written = [inserted for inserted, _, _ in returned]
    if plan.own_ids is not None:  # later batches' renewals may point at these rows
        plan.own_ids.add([(key, new) for inserted, key, new in returned if inserted])
    cursor.execute(f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {STAGE} s) k")  # noqa: S608
    landed = cursor.fetchone()[0]
    result.inserted += sum(written)
    result.updated += len(written) - sum(written)
    result.unchanged += landed - len(written)


def _blankable(plan: Plan, f: models.Field, alias: str) -> str:
    # The row path treats blank text and NULL as the same "nothing".
    column = f"{alias}.{plan.q(f.column)}"
    return f"COALESCE({column}, '')" if isinstance(f, TEXT) and f.null else column


def _link(plan: Plan, cursor: Any) -> None:
    """Set deferred self-references (a renewal → its predecessor) now both rows exist."""
    own = plan.self_ref()
    assert own is not None
    fk, key, ref_key = plan.col(own.attname), plan.col(own.key), plan.q("r_" + own.column)
    pk = plan.q(plan.spec.model._meta.pk.column)
    own_key = plan.col(plan.spec.key_fields[0])
    cursor.execute(
        f"UPDATE {plan.table} t SET {fk} = p.{pk} FROM {STAGE} s "  # noqa: S608
        f"JOIN {plan.table} p ON p.{key} = s.{ref_key} "
        f"WHERE s.{plan.q('__deferred')} AND t.{own_key} = s.{own_key}"
    )
