"""Convert one column of a frame with the row path's rules, as Polars expressions where exact.

A converter's rule has a vector form for some column types (text length, choices, typed dates,
timestamps, amounts, integers, booleans). Every other value — and every value the vector form
rejects — goes through the scalar converter itself (``convert.py``), called once per distinct
value. Checksums (ID, USCC, VIN) and every error message are therefore the row path's own; the
vector forms only decide the common, valid case faster.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from . import convert as c

# Python's str.strip() removes exactly the characters for which str.isspace() is true; Polars'
# default set differs (e.g. U+001C..U+001F), so strip the same set explicitly.
WS = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())
UTC_US = pl.Datetime("us", "UTC")
_MONEY_TEXT = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"  # plain amounts; anything else asks to_money


def cell_text(value: Any) -> str:
    """The report's ``value`` column, as the row path writes it."""
    return "" if value is None else str(value)[:200]


def strip(s: pl.Series) -> pl.Series:
    return s.str.strip_chars(WS)


def blank(s: pl.Series) -> pl.Series:
    """``convert.blank`` for a whole column: None, or text that is only whitespace."""
    if s.dtype == pl.String:
        return (s.is_null() | (strip(s) == "")).fill_null(True)
    return s.is_null()


def known(conv: c.Converter) -> bool:
    return _dtype(conv) is not None


def result_type(conv: c.Converter) -> pl.DataType:
    kind = _dtype(conv)
    if kind is None:
        raise TypeError(f"no vector form for converter {conv!r}")
    return kind


def _dtype(conv: c.Converter) -> pl.DataType | None:
    """The type a converter's results are stored as (None: unknown, use the row path)."""
    if isinstance(conv, c.optional | c.defaulted):
        return _dtype(conv.inner)
    if isinstance(conv, c.number):
        return pl.Decimal(38, conv.places)
    if isinstance(conv, c.text | c.choice) or conv in (
        c.id_number,
        c.uscc,
        c.vin,
        c.plate,
        c.mobile,
    ):
        return pl.String()
    if isinstance(conv, c.integer):
        return pl.Int64()
    simple: dict[c.Converter, pl.DataType] = {
        c.date: pl.Date(),
        c.timestamp: UTC_US,
        c.money: pl.Decimal(38, 2),
        c.coefficient: pl.Decimal(38, 3),
        c.boolean: pl.Boolean(),
    }
    return simple.get(conv)


def _vector(conv: c.Converter, s: pl.Series) -> tuple[pl.Series, pl.Series] | None:
    """(values, ok) when the rule has an exact vector form for this column type."""
    kind = s.dtype
    if isinstance(conv, c.text) and kind == pl.String:
        v = strip(s).fill_null("")
        return v, v.str.len_chars() <= conv.max_length
    if isinstance(conv, c.choice) and kind == pl.String:
        v = strip(s).fill_null("")
        return v, v.is_in(sorted(conv.options))
    if isinstance(conv, c.integer) and kind.is_integer():
        return s.cast(pl.Int64), s.is_between(conv.low, conv.high).fill_null(False)
    if conv is c.date and kind == pl.Date:
        return s, s.is_not_null()
    if conv is c.timestamp and isinstance(kind, pl.Datetime):
        # Naive times are Shanghai local time; a time the zone skipped is left to the scalar.
        aware = (
            s
            if kind.time_zone
            else s.dt.replace_time_zone("Asia/Shanghai", ambiguous="earliest", non_existent="null")
        )
        v = aware.dt.convert_time_zone("UTC").cast(UTC_US)
        return v, v.is_not_null()
    if conv is c.money:
        if (isinstance(kind, pl.Decimal) and (kind.scale or 0) <= 2) or kind.is_integer():
            return s.cast(pl.Decimal(38, 2)), (s >= 0).fill_null(False)
        if kind == pl.String:
            plain = strip(s).fill_null("")
            ok = plain.str.contains(_MONEY_TEXT)
            return plain.set(~ok, None).cast(pl.Decimal(38, 2)), ok
    if conv is c.boolean and kind == pl.Boolean:
        return s.fill_null(False), pl.Series([True] * len(s), dtype=pl.Boolean)
    return None


def _py(value: Any) -> Any:
    # One time zone for every converted timestamp, so a column has one Polars type.
    return value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value


def _mapped(conv: c.Converter, keys: pl.Series) -> pl.DataFrame:
    """The scalar converter applied once to each distinct value: value or (rule, message)."""
    keys = keys.unique()
    out: list[Any] = []
    codes: list[str | None] = []
    messages: list[str | None] = []
    for key in keys.to_list():
        try:
            out.append(_py(conv(key)))
            codes.append(None)
            messages.append(None)
        except c.CellError as exc:
            out.append(None)
            codes.append(exc.code)
            messages.append(exc.message)
    return pl.DataFrame(
        {
            "k": keys,
            "v": _series(out, result_type(conv)),
            "code": pl.Series(codes, dtype=pl.String),
            "message": pl.Series(messages, dtype=pl.String),
            "text": pl.Series([cell_text(k) for k in keys.to_list()], dtype=pl.String),
        }
    )


def _series(values: list[Any], kind: pl.DataType) -> pl.Series:
    if isinstance(kind, pl.Decimal):
        # Build from text so every scale (0.1, 0.10) lands exactly on the target scale.
        text = [None if v is None else str(v) for v in values]
        return pl.Series("v", text, dtype=pl.String).cast(kind)
    return pl.Series("v", values, dtype=kind)


@dataclass
class Converted:
    values: pl.Series
    errors: pl.DataFrame  # idx (position in the column), rule, message, value


ERROR_SCHEMA = {"idx": pl.UInt32, "rule": pl.String, "message": pl.String, "value": pl.String}


def convert_column(conv: c.Converter, s: pl.Series, *, name: str, required: bool) -> Converted:
    if s.dtype in (pl.Null, pl.Categorical) or isinstance(s.dtype, pl.Enum):
        s = s.cast(pl.String)
    is_blank = blank(s)
    skip = is_blank if required else pl.Series([False] * len(s), dtype=pl.Boolean)
    fill = None
    if isinstance(conv, c.defaulted):  # blank → the default, like the row path
        fill = conv.value
        conv, skip = conv.inner, skip | is_blank
    if isinstance(conv, c.optional):
        conv, skip = conv.inner, skip | is_blank
    fast = _vector(conv, s)
    if fast is None:
        base = pl.Series([None] * len(s), dtype=result_type(conv))
        need = ~skip
    else:
        base, ok = fast
        need = ~ok & ~skip
    frame = pl.DataFrame({"k": s, "base": base, "need": need, "skip": skip, "blank": is_blank})
    frame = frame.with_row_index("idx")
    if need.any():
        table = _mapped(conv, s.filter(need))
        frame = frame.join(table, on="k", how="left", nulls_equal=True, maintain_order="left")
        merged = pl.when(pl.col("need")).then(pl.col("v").cast(base.dtype)).otherwise("base")
    else:
        frame = frame.with_columns(
            code=pl.lit(None, pl.String), message=pl.lit(None, pl.String), text=pl.lit("")
        )
        merged = pl.col("base")
    frame = frame.with_columns(pl.when(pl.col("skip")).then(None).otherwise(merged).alias("out"))
    if fill is not None:
        frame = frame.with_columns(
            pl.when(pl.col("blank"))
            .then(pl.lit(fill))
            .otherwise("out")
            .cast(base.dtype)
            .alias("out")
        )
    bad = frame.filter(pl.col("need") & pl.col("code").is_not_null()).select(
        "idx", pl.col("code").alias("rule"), "message", pl.col("text").alias("value")
    )
    if required:
        missing = frame.filter(pl.col("blank")).select(
            "idx",
            pl.lit("required").alias("rule"),
            pl.lit(f"{name} 不能为空 / is required").alias("message"),
            pl.lit("").alias("value"),
        )
        bad = pl.concat([bad, missing]).sort("idx")
    return Converted(frame["out"].alias(name), bad.cast(ERROR_SCHEMA))  # type: ignore[arg-type]
