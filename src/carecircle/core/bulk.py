"""Bulk writes and reads: one COPY implementation, one SQLite fallback.

``insert_rows`` puts rows — model instances, dict rows (by attribute name) or a Polars frame
(by column name) — into a table. PostgreSQL moves them with ``COPY … FROM STDIN``; every
other database with ``executemany`` of one ``INSERT``, in batches. Nothing else differs:

- With a conflict policy (:class:`OnConflict`: do nothing, or update given fields)
  PostgreSQL copies into a temporary staging table first, then runs one
  ``INSERT … SELECT … ON CONFLICT``; SQLite puts the same ``ON CONFLICT`` clause on its
  ``INSERT``. ``insert_new`` inserts the rows whose key is not stored yet and returns the
  keys that clashed; it stages on every database (the same temporary table and statement).
- ``staging=True`` stages on every database (the round trip the tests check).
- The writes run in the caller's transaction; a staged write is a savepoint of its own, so a
  failure leaves nothing of it behind.

``update_rows`` writes given fields of rows by primary key (``UPDATE … FROM unnest(arrays)``
on PostgreSQL, ``executemany`` elsewhere: both linear, where ``bulk_update``'s ``CASE WHEN``
is quadratic). ``read_frame`` reads a query into a typed Polars frame: ``COPY (query) TO
STDOUT`` as CSV on PostgreSQL, the cursor on SQLite, every column as text parsed to the
given types the same way on both.

Identifiers come from model metadata or from the caller's fixed text, quoted; values are
never formatted into SQL.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

BATCH = 50_000  # rows per CSV chunk or executemany call
PolarsType = pl.DataType | type[pl.DataType]
Progress = Callable[[int], object] | None
Rows = pl.DataFrame | Iterable[models.Model] | Iterable[Mapping[str, Any]]


@dataclass(frozen=True)
class OnConflict:
    """What ``insert_rows`` does with a row whose key is already stored.

    ``key``: the unique key's field names (column names for a bare table) — optional for
    "nothing" (then any unique constraint), required for "update", where a key repeated
    within the rows is refused: which of them would win is not the same on every database."""

    action: str  # "nothing" | "update"
    key: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # "update": the fields overwritten from the new row

    @classmethod
    def do_nothing(cls, *key: str) -> OnConflict:
        return cls("nothing", tuple(key))

    @classmethod
    def update(cls, key: Sequence[str], fields: Sequence[str]) -> OnConflict:
        if not key or not fields:
            raise ValueError("an update on conflict needs the key and the fields to update")
        return cls("update", tuple(key), tuple(fields))


@dataclass
class Written:
    """``rows`` inserted; ``clashed``: the key (a tuple, as given) of each row not inserted
    because its key was stored already or came earlier in the same rows (the first wins)."""

    rows: int
    clashed: list[tuple] = field(default_factory=list)


@dataclass
class _Target:
    conn: BaseDatabaseWrapper
    table: str
    model: type[models.Model] | None

    def q(self, name: str) -> str:
        return self.conn.ops.quote_name(name)

    @property
    def postgres(self) -> bool:
        return self.conn.vendor == "postgresql"

    def column(self, name: str) -> str:
        """A field name or attribute name → its column (a bare table: the name itself)."""
        if self.model is None:
            return name
        f = self.model._meta.get_field(name)
        if not isinstance(f, models.Field) or f.column is None:
            raise TypeError(f"{name} is not a concrete field")
        return f.column


def _target(target: type[models.Model] | str, using: str | None) -> _Target:
    if isinstance(target, str):
        return _Target(connections[using or DEFAULT_DB_ALIAS], target, None)
    alias = using or router.db_for_write(target) or DEFAULT_DB_ALIAS
    return _Target(connections[alias], target._meta.db_table, target)


# ---------------------------------------------------------------------------- rows → columns


def _writable_fields(model: type[models.Model], names: Sequence[str] | None) -> list[models.Field]:
    meta = model._meta
    if names is not None:
        fields = [meta.get_field(n) for n in names]
        return [f for f in fields if isinstance(f, models.Field)]
    return [
        f
        for f in meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]


def _needs_prep(f: models.Field, postgres: bool) -> bool:
    """Values the driver cannot take as they are. psycopg adapts Decimal, dates, aware
    datetimes, booleans and UUIDs itself (and the column types round numerics): Django's
    per-field preparation tripled the time of a 53,000-row COPY. SQLite needs Django's form
    for datetimes (naive UTC text), times, decimals and UUIDs."""
    if isinstance(f, models.JSONField | models.FileField | models.DurationField):
        return True
    if postgres:
        return False
    sqlite_forms = models.DateTimeField | models.TimeField | models.DecimalField | models.UUIDField
    return isinstance(f, sqlite_forms)


def _python_rows(
    t: _Target, rows: Iterable[Any], names: Sequence[str] | None
) -> tuple[list[str], Iterator[list[Any]]]:
    """Model instances or dicts → (columns, value lists). A dict's missing field gets the
    field's default; ``auto_now``/``auto_now_add`` fields are stamped with one ``now``."""
    assert t.model is not None
    fields = _writable_fields(t.model, names)
    now = timezone.now()
    stamped = [
        bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) for f in fields
    ]
    plan = [
        (f.attname, s, f.get_default() if f.has_default() or not f.null else None)
        for f, s in zip(fields, stamped, strict=True)
    ]
    every = [(name, s) for name, s, _ in plan]
    preps = [(i, f.get_db_prep_save) for i, f in enumerate(fields) if _needs_prep(f, t.postgres)]
    conn = t.conn

    def values() -> Iterator[list[Any]]:
        # One comprehension per row (this loop is the COPY's cost in Python).
        for row in rows:
            data = row.__dict__ if isinstance(row, models.Model) else row
            try:
                out = [now if s else data[n] for n, s in every]
            except KeyError:  # a dict without some fields: their defaults
                out = [now if s else data.get(n, d) for n, s, d in plan]
            for i, prep in preps:
                if out[i] is not None:
                    out[i] = prep(out[i], conn)
            yield out

    return [f.column for f in fields], values()


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Frame columns in the form Django stores on SQLite: dates as ISO text, datetimes as
    naive UTC text (fraction only when not zero; a naive datetime is taken as UTC, as
    PostgreSQL's session reads it), times alike, decimals as text."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            col = _strftime(col, "%Y-%m-%d %H:%M:%S")
        elif dtype == pl.Time:
            col = _strftime(col, "%H:%M:%S")
        elif dtype == pl.Date or isinstance(dtype, pl.Decimal):
            col = col.cast(pl.String)
        exprs.append(col.alias(name))
    return frame.select(exprs)


def _strftime(col: pl.Expr, whole: str) -> pl.Expr:
    return (
        pl.when(col.dt.microsecond() == 0)
        .then(col.dt.strftime(whole))
        .otherwise(col.dt.strftime(whole + "%.6f"))
    )


# ------------------------------------------------------------------------------- transport


def _copy(
    t: _Target,
    table: str,
    columns: Sequence[str],
    rows: pl.DataFrame | Iterator[list[Any]],
    batch_size: int,
    progress: Progress,
) -> int:
    """Append rows to ``table``: one COPY on PostgreSQL, batched executemany elsewhere."""
    names = ", ".join(t.q(c) for c in columns)
    sent = 0
    if t.postgres:
        frame = isinstance(rows, pl.DataFrame)
        options = " WITH (FORMAT csv)" if frame else ""
        with (
            t.conn.cursor() as cursor,
            cursor.copy(f"COPY {t.q(table)} ({names}) FROM STDIN{options}") as copy,
        ):
            if isinstance(rows, pl.DataFrame):
                for start in range(0, rows.height, batch_size):
                    chunk = rows.slice(start, batch_size)
                    copy.write(chunk.write_csv(include_header=False).encode())
                    sent += chunk.height
                    if progress:
                        progress(sent)
            else:
                for values in rows:
                    copy.write_row(values)
                    sent += 1
                if progress and sent:
                    progress(sent)
        return sent
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {t.q(table)} ({names}) VALUES ({marks})"  # noqa: S608
    return _executemany(t, sql, rows, batch_size, progress)[0]


def _executemany(
    t: _Target,
    sql: str,
    rows: pl.DataFrame | Iterator[list[Any]],
    batch_size: int,
    progress: Progress,
) -> tuple[int, int]:
    """SQLite: (rows sent, rows changed — ``changes()`` summed over each batch)."""
    sent = changed = 0
    batches: Iterable[list]
    if isinstance(rows, pl.DataFrame):
        ready = _sqlite_ready(rows)
        batches = (ready.slice(s, batch_size).rows() for s in range(0, ready.height, batch_size))
    else:
        batches = _chunks(rows, batch_size)
    for batch in batches:
        with t.conn.cursor() as cursor:
            cursor.executemany(sql, batch)
            changed += max(cursor.rowcount, 0)
        sent += len(batch)
        if progress:
            progress(sent)
    return sent, changed


def _chunks(rows: Iterator[list[Any]], size: int) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---------------------------------------------------------------------------------- insert


def insert_rows(
    target: type[models.Model] | str,
    rows: Rows,
    *,
    fields: Sequence[str] | None = None,
    conflict: OnConflict | None = None,
    staging: bool = False,
    using: str | None = None,
    batch_size: int = BATCH,
    progress: Progress = None,
) -> int:
    """Insert ``rows`` into ``target`` (a model, or a table's name for a frame); returns the
    rows written (inserted, plus updated under ``OnConflict.update``).

    A frame's columns are the table's column names, written as they are (money as Decimal or
    exact text, datetimes aware; a naive datetime is taken as UTC). Model instances and dicts
    are read by attribute name; ``fields`` limits them to those fields (default: every
    concrete field but an automatic primary key); a dict's missing field gets its default,
    and ``auto_now`` fields one ``now``. No primary keys come back. ``progress`` gets the rows
    sent so far. PostgreSQL stages whenever there is a conflict policy; ``staging=True`` stages
    on every database."""
    t, columns, data = _prepared(target, rows, fields, using)
    if not columns:
        return 0
    if conflict is not None and conflict.action == "update":
        data = _refuse_repeated_keys(t, conflict.key, columns, data)
    if staging or (conflict is not None and t.postgres):
        with transaction.atomic(using=t.conn.alias):
            return _staged(t, columns, data, conflict, None, batch_size, progress).rows
    if conflict is None:
        return _copy(t, t.table, columns, data, batch_size, progress)
    # SQLite: the conflict clause on the INSERT itself; changes() counts what it wrote.
    names = ", ".join(t.q(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {t.q(t.table)} ({names}) VALUES ({marks}) {_on_conflict(t, conflict)}"  # noqa: S608
    return _executemany(t, sql, data, batch_size, progress)[1]


def insert_new(
    target: type[models.Model] | str,
    rows: Rows,
    key: Sequence[str],
    *,
    fields: Sequence[str] | None = None,
    using: str | None = None,
    batch_size: int = BATCH,
    progress: Progress = None,
) -> Written:
    """Insert the rows whose ``key`` (field names) is not stored yet, and name the others:
    staged on every database, one ``INSERT … SELECT … ON CONFLICT (key) DO NOTHING``."""
    if not key:
        raise ValueError("insert_new needs the key")
    t, columns, data = _prepared(target, rows, fields, using)
    if not columns:
        return Written(0)
    with transaction.atomic(using=t.conn.alias):
        return _staged(t, columns, data, None, tuple(key), batch_size, progress)


Data = pl.DataFrame | Iterator[list[Any]]


def _prepared(
    target: type[models.Model] | str, rows: Rows, fields: Sequence[str] | None, using: str | None
) -> tuple[_Target, list[str], Data]:
    t = _target(target, using)
    if isinstance(rows, pl.DataFrame):
        return t, list(rows.columns), rows
    if t.model is None:
        raise TypeError("rows other than a Polars frame need a model")
    columns, values = _python_rows(t, rows, fields)
    return t, columns, values


def _key_columns(t: _Target, key: Sequence[str], columns: list[str]) -> list[str]:
    names = [t.column(k) for k in key]
    missing = [k for k in names if k not in columns]
    if missing:
        raise ValueError(f"the key column(s) {missing} are not among the rows' columns")
    return names


def _refuse_repeated_keys(t: _Target, key: Sequence[str], columns: list[str], data: Data) -> Data:
    """The rows unchanged (Python rows, read once here, as a new iterator)."""
    names = _key_columns(t, key, columns)
    if isinstance(data, pl.DataFrame):
        repeated = bool(data.select(names).is_duplicated().any())
    else:
        rows = list(data)
        at = [columns.index(k) for k in names]
        repeated = len({tuple(r[i] for i in at) for r in rows}) < len(rows)
        data = iter(rows)
    if repeated:
        raise ValueError("a key is repeated in the rows: which one to keep is undefined")
    return data


def _on_conflict(t: _Target, conflict: OnConflict) -> str:
    target = f"({', '.join(t.q(t.column(k)) for k in conflict.key)}) " if conflict.key else ""
    if conflict.action == "update":
        sets = ", ".join(
            f"{t.q(c)} = EXCLUDED.{t.q(c)}" for c in (t.column(f) for f in conflict.fields)
        )
        return f"ON CONFLICT {target}DO UPDATE SET {sets}"
    return f"ON CONFLICT {target}DO NOTHING"


def _staged(
    t: _Target,
    columns: list[str],
    data: Data,
    conflict: OnConflict | None,
    report: tuple[str, ...] | None,
    batch_size: int,
    progress: Progress,
) -> Written:
    """Copy into a temporary table of the target's column types, then one
    ``INSERT … SELECT … [ON CONFLICT]``. A report numbers the rows (``__n``) so the ones
    whose key was stored already are named by their keys as the caller gave them."""
    stage = f"cc_bulk_{t.table}"[:63]
    names = ", ".join(t.q(c) for c in columns)
    keys: list[tuple] = []
    if report is not None:
        key = _key_columns(t, report, columns)
        if isinstance(data, pl.DataFrame):
            keys = data.select(key).rows()
            data = data.with_row_index("__n")
        else:
            rows = list(data)
            at = [columns.index(k) for k in key]
            keys = [tuple(r[i] for i in at) for r in rows]
            data = iter([[n, *r] for n, r in enumerate(rows)])
        conflict = OnConflict.do_nothing(*report)
    number = "CAST(0 AS bigint) AS __n, " if report is not None else ""
    schema = "pg_temp" if t.postgres else "temp"
    with t.conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {schema}.{t.q(stage)}")
        shape = f"AS SELECT {number}{names} FROM {t.q(t.table)}"  # noqa: S608
        if t.postgres:
            cursor.execute(f"CREATE TEMP TABLE {t.q(stage)} ON COMMIT DROP {shape} WITH NO DATA")
        else:
            cursor.execute(f"CREATE TEMP TABLE {t.q(stage)} {shape} WHERE 0")
    _copy(
        t, stage, ["__n", *columns] if report is not None else columns, data, batch_size, progress
    )
    clashed: list[tuple] = []
    with t.conn.cursor() as cursor:
        if report is not None:
            match = " AND ".join(f"d.{t.q(c)} = s.{t.q(c)}" for c in key)
            cursor.execute(
                f"SELECT s.__n FROM {t.q(stage)} s WHERE EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {t.q(t.table)} d WHERE {match})"
            )
            stored = {n for (n,) in cursor.fetchall()}
            seen: set[tuple] = set()
            for n, k in enumerate(keys):
                # NULLs never clash, as in a unique index.
                if n in stored or (k in seen and None not in k):
                    clashed.append(k)
                seen.add(k)
        order = " ORDER BY __n" if report is not None else ""
        clause = _on_conflict(t, conflict) if conflict is not None else ""
        cursor.execute(
            f"INSERT INTO {t.q(t.table)} ({names}) SELECT {names} FROM {t.q(stage)} "  # noqa: S608
            f"WHERE true{order} {clause}"
        )
        written = cursor.rowcount
        cursor.execute(f"DROP TABLE {schema}.{t.q(stage)}")
    return Written(written, clashed)


# ---------------------------------------------------------------------------------- update


def update_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    using: str | None = None,
    batch_size: int = BATCH,
) -> int:
    """``rows``: (pk, value for each field…). Returns the number of rows sent.

    PostgreSQL: one ``UPDATE … FROM unnest(arrays)`` per batch (6.5 s instead of 15.9 s with
    ``executemany`` for 53,000 renewals); elsewhere a parameterised ``UPDATE … WHERE pk = %s``
    through ``executemany``."""
    t = _target(model, using)
    meta = model._meta
    columns: list[models.Field] = []
    for name in fields:
        f = meta.get_field(name)
        if not isinstance(f, models.Field):
            raise TypeError(f"{name} is not a concrete field")
        columns.append(f)
    pk_column = meta.pk.column if meta.pk is not None else "id"
    rows = list(rows)
    conn = t.conn
    if t.postgres:
        names = [f"c{i}" for i in range(len(columns))]
        sets = ", ".join(
            f"{t.q(str(f.column))} = v.{n}" for f, n in zip(columns, names, strict=True)
        )
        arrays = ", ".join(["%s::bigint[]"] + [f"%s::{f.db_type(conn)}[]" for f in columns])
        sql = (
            f"UPDATE {t.q(t.table)} AS t SET {sets} "  # noqa: S608
            f"FROM unnest({arrays}) AS v(pk, {', '.join(names)}) WHERE t.{t.q(pk_column)} = v.pk"
        )
        with conn.cursor() as cursor:
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                params = [[row[0] for row in batch]] + [
                    [f.get_db_prep_save(row[i + 1], conn) for row in batch]
                    for i, f in enumerate(columns)
                ]
                cursor.execute(sql, params)
        return len(rows)
    sets = ", ".join(f"{t.q(str(f.column))} = %s" for f in columns)
    sql = f"UPDATE {t.q(t.table)} SET {sets} WHERE {t.q(pk_column)} = %s"  # noqa: S608
    values = (
        [
            *(f.get_db_prep_save(value, conn) for f, value in zip(columns, row[1:], strict=True)),
            row[0],
        ]
        for row in rows
    )
    return _executemany(t, sql, values, batch_size, None)[0]


# ------------------------------------------------------------------------------------ read


def read_frame(
    select: Sequence[tuple[str, str]],
    source: str,
    schema: Mapping[str, PolarsType],
    params: Sequence[Any] = (),
    *,
    using: str | None = None,
    postgres_settings: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """``SELECT <expression> AS <name>, … FROM <source>`` (fixed text, never input) → a frame
    typed by ``schema`` (name → Polars type).

    Every column is read as text — CSV from ``COPY (…) TO STDOUT`` on PostgreSQL,
    ``CAST(… AS TEXT)`` on SQLite, so the driver builds no Python objects — then parsed the
    same way on both (:func:`parse_text`). ``params`` fill ``%s`` placeholders (bound on
    SQLite; on PostgreSQL, whose COPY takes none, composed into the text by the driver).
    ``postgres_settings`` hold for this statement only (``SET LOCAL``, e.g. ``{"jit": "off"}``)."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    conn.ensure_connection()
    names = [name for _, name in select]
    postgres = conn.vendor == "postgresql"
    columns = ", ".join(
        f"{expr} AS {name}" if postgres else f"CAST({expr} AS TEXT) AS {name}"
        for expr, name in select
    )
    sql = f"SELECT {columns} FROM {source}"  # noqa: S608 (fixed text, no input)
    text_schema = {n: pl.String for n in names}
    if postgres:
        buffer = io.BytesIO()
        scope = transaction.atomic(using=conn.alias) if postgres_settings else nullcontext()
        with scope, conn.cursor() as cursor:
            for name, value in (postgres_settings or {}).items():
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
            if params:
                sql = conn.ops.compose_sql(sql, params)  # type: ignore[attr-defined]
            with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for chunk in copy:
                    buffer.write(chunk)
        if buffer.tell() == 0:  # no rows: read_csv refuses an empty file
            frame = pl.DataFrame(schema=text_schema)
        else:
            buffer.seek(0)
            frame = pl.read_csv(
                buffer, has_header=False, new_columns=names, schema_overrides=text_schema
            )
    else:
        with conn.cursor() as cursor:
            cursor.execute(sql, params or None)
            rows = cursor.fetchall()
        frame = pl.DataFrame(rows, schema=text_schema, orient="row")
    return parse_text(frame, schema)


def parse_text(frame: pl.DataFrame, schema: Mapping[str, PolarsType]) -> pl.DataFrame:
    """Text columns (PostgreSQL's CSV, SQLite's ``CAST AS TEXT``) → the given Polars types.

    Dates keep their first ten characters; datetimes are UTC as Django stores them
    (PostgreSQL prints "+00", SQLite keeps naive UTC text; the format is inferred from the
    first value) and are converted to the target's time zone; booleans are "t"/"true"/"1"
    (PostgreSQL, SQLite); everything else is a plain cast (what does not parse is null)."""
    exprs = []
    for name in frame.columns:
        target = schema[name]
        col = pl.col(name)
        if target == pl.Date:
            col = col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        elif isinstance(target, pl.Datetime):
            col = col.str.replace(r"\+00(:00)?$", "").str.to_datetime(strict=False, time_zone="UTC")
            col = (
                col.dt.convert_time_zone(target.time_zone)
                if target.time_zone
                else col.dt.replace_time_zone(None)
            )
        elif target == pl.Boolean:
            col = col.is_in(["1", "t", "true", "True"])
        exprs.append(col.cast(target, strict=False).alias(name))
    return frame.select(exprs)
