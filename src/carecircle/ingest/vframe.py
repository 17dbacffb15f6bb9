"""Validate a whole table at once: the row path's rules, in the row path's order, per row.

Produces the rows that passed (converted values under their model field names, each reference
as its stripped business key in ``r_<column>``) and the errors of the rest. References are
checked against the database later, batch by batch, in SQL (``pgload.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from carecircle.core import pii
from carecircle.parties.choices import CustomerKind

from . import tables as t
from .results import RowError
from .tables import TableSpec
from .vector import ERROR_SCHEMA, blank, cell_text, convert_column, known, strip

ROW = "__row"
POS = "__pos"  # position in the (sorted) frame: decides the batch, as in the row path
# Order of a row's errors in the report, as the row path appends them.
SEQ_CHECK, SEQ_REF, SEQ_ORPHAN = 1_000, 2_000, 3_000
# Plain identities kept beside their ciphertexts until the batch's uniqueness check.
PLAIN = {"phone": "__plain_phone", "id_number": "__plain_id_number"}

Problem = tuple[str, str, str]  # (column, rule, message)
# The cross-column rules of tables.py as expressions over converted values.
CHECKS: dict[str, list[tuple[Problem, pl.Expr]]] = {
    "customers": [
        (
            t.COMPANY_HAS_ID,
            (pl.col("kind") == CustomerKind.COMPANY.value) & (pl.col("id_number") != ""),
        ),
        (t.PERSON_HAS_USCC, (pl.col("kind") == CustomerKind.PERSON.value) & (pl.col("uscc") != "")),
    ],
    "policies": [(t.EXPIRY_BEFORE_EFFECTIVE, pl.col("expiry_date") <= pl.col("effective_date"))],
    "claims": [(t.REPORTED_BEFORE_ACCIDENT, pl.col("reported_at") < pl.col("accident_at"))],
}


def customer_pii(frame: pl.DataFrame) -> pl.DataFrame:
    """``tables.customer_finish`` over a column: the same pii functions, value by value."""

    def each(name: str, fn: Callable[[str], str]) -> pl.Series:
        return pl.Series(name, [fn(v) if v else "" for v in values], dtype=pl.String)

    values = frame["phone"].to_list()
    phone = [
        each("phone_encrypted", pii.encrypt),
        each("phone_hash", pii.blind_index),
        each("phone_masked", pii.mask_phone),
        each("phone_last4", lambda v: v[-4:]),
    ]
    values = frame["id_number"].to_list()
    ids = [
        each("id_number_encrypted", pii.encrypt),
        each("id_number_hash", pii.blind_index),
        each("id_number_masked", pii.mask_id_number),
    ]
    # The plain values stay under private names (never staged nor stored) for the book-wide
    # uniqueness check, which looks them up under every readable key (unique.py).
    return frame.rename({"phone": PLAIN["phone"], "id_number": PLAIN["id_number"]}).with_columns(
        *phone, *ids
    )


FINISH: dict[str, Callable[[pl.DataFrame], pl.DataFrame]] = {"customers": customer_pii}


def supported(spec: TableSpec) -> bool:
    """Every rule of this table has a set-based form (else the row path loads it)."""
    return (
        spec.name != "staff"  # teams and login passwords are made row by row; a small table
        and all(known(col.convert) for col in spec.columns)
        and (spec.check is None or spec.name in CHECKS)
        and (spec.finish is None or spec.name in FINISH)
    )


@dataclass
class Checked:
    good: pl.DataFrame  # ROW, POS, stored values by field name, r_<reference column>
    errors: list[tuple[int, int, RowError]]  # (row, order within the row, error)


def _duplicate_errors(spec: TableSpec, df: pl.DataFrame) -> list[tuple[int, int, RowError]]:
    keys = [k for k in spec.key_fields if k in df.columns]
    out = []
    for raw in df.select(ROW, *keys).iter_rows(named=True):
        value = ",".join(cell_text(raw[k]) for k in keys)
        out.append(
            (
                raw[ROW],
                0,
                RowError(
                    raw[ROW],
                    spec.key_fields[0],
                    value,
                    "duplicate_key",
                    "文件中重复的业务主键 / business key repeated in this file",
                ),
            )
        )
    return out


def _column(df: pl.DataFrame, name: str) -> pl.Series:
    # A column absent from the file is None in every row, as ``raw.get(name)`` is.
    return df[name] if name in df.columns else pl.Series(name, [None] * df.height, pl.String)


def check(spec: TableSpec, df: pl.DataFrame, duplicates: set[int]) -> Checked:
    """``df`` is sorted as the row path sorts it; ``duplicates`` are its repeated-key rows."""
    df = df.with_row_index(POS).with_columns(pl.col(POS).cast(pl.Int64))
    is_dup = pl.col(ROW).is_in(sorted(duplicates))
    errors = _duplicate_errors(spec, df.filter(is_dup))
    df = df.filter(~is_dup)
    rows = df[ROW]
    converted = {}
    failed = pl.Series([False] * df.height, dtype=pl.Boolean)
    for order, col in enumerate(spec.columns):
        done = convert_column(
            col.convert, _column(df, col.name), name=col.name, required=col.required
        )
        converted[col.name] = done.values
        bad = done.errors.cast(ERROR_SCHEMA)  # type: ignore[arg-type]
        for idx, rule, message, value in bad.rows():
            errors.append((rows[idx], order, RowError(rows[idx], col.name, value, rule, message)))
        failed = failed.scatter(bad["idx"], True) if bad.height else failed
    values = pl.DataFrame(converted).with_columns(df[ROW], df[POS]).filter(~failed)
    raw = df.filter(~failed)
    broken = pl.Series([False] * values.height, dtype=pl.Boolean)
    for order, ((column, rule, message), expr) in enumerate(CHECKS.get(spec.name, [])):
        hit = values.select(expr.fill_null(False)).to_series()
        for row, cell in zip(raw.filter(hit)[ROW], _column(raw, column).filter(hit), strict=True):
            errors.append(
                (row, SEQ_CHECK + order, RowError(row, column, cell_text(cell), rule, message))
            )
        broken = broken | hit
    values, raw = values.filter(~broken), raw.filter(~broken)
    refs = {f"r_{ref.column}": _key_text(_column(raw, ref.column)) for ref in spec.references}
    good = values.with_columns(**refs)
    if spec.finish is not None:
        good = FINISH[spec.name](good)
    renames = {c.name: c.target for c in spec.columns if c.target and c.target != c.name}
    drop = [col.name for col in spec.columns if not col.target and col.name in good.columns]
    return Checked(good.drop(drop).rename(renames), errors)


def _key_text(s: pl.Series) -> pl.Series:
    """A reference cell as the row path looks it up: ``str(cell).strip()``, blank → None."""
    text = s if s.dtype == pl.String else s.cast(pl.String)
    return strip(text).set(blank(s), None)
