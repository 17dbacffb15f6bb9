"""The set-based path converts every cell exactly as the row path's converter does: same value,
or the same rule and message for a bad cell."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from carecircle.ingest import convert as c
from carecircle.ingest.vector import cell_text, convert_column
from tests.factories import make_id_number, make_vin

SH = ZoneInfo("Asia/Shanghai")


def scalar(conv, cells, required):
    """What the row path makes of each cell: ("ok", value) or (rule, message, report value)."""
    out = []
    for cell in cells:
        if required and c.blank(cell):
            out.append(("required", "", ""))
            continue
        try:
            value = conv(cell)
            if isinstance(value, dt.datetime):
                value = value.astimezone(dt.UTC)
            out.append(("ok", value))
        except c.CellError as exc:
            out.append((exc.code, exc.message, cell_text(cell)))
    return out


def vector(conv, series, required):
    done = convert_column(conv, series, name="col", required=required)
    out = [("ok", v) for v in done.values.to_list()]
    for idx, rule, message, value in done.errors.rows():
        out[idx] = (rule, "" if rule == "required" else message, value)
    return out


TEXT = [" 张三 ", "", None, "  ", "x" * 32, "x" * 33, "\x1ca\x1c", "\u3000b\u3000", "a\nb"]
CASES = [
    (c.text(32), pl.String, TEXT),
    (
        c.choice(["direct", "agent"], "channel"),
        pl.String,
        ["direct", " agent ", "pigeon", "", None],
    ),
    (c.optional(c.choice(["M", "F"], "gender")), pl.String, ["M", "", None, "X", " F"]),
    (c.id_number, pl.String, [make_id_number(1), make_id_number(2)[:17] + "0", "123", "", None]),
    (c.vin, pl.String, [make_vin(3), make_vin(3).lower(), make_vin(4)[:16], None]),
    (c.plate, pl.String, ["浙A12345", "浙A·12345", "浙A1234", None]),
    (c.mobile, pl.String, ["13800000001", "+86 138-0000-0002", "1380000", None]),
    (c.uscc, pl.String, ["91110000100000000X", "ABC", None]),
    (c.date, pl.String, ["2025-06-01", "2025/6/1", "20250601", "2025.06.01", "June", None]),
    (c.date, pl.Date, [dt.date(2025, 6, 1), None]),
    (c.optional(c.date), pl.Date, [dt.date(2025, 6, 1), None]),
    (c.timestamp, pl.String, ["2025-06-01 10:00", "2025-06-01T10:00:00+00:00", "x", None]),
    (c.timestamp, pl.Datetime("us", "Asia/Shanghai"), [dt.datetime(2025, 6, 1, 10, tzinfo=SH)]),
    (c.timestamp, pl.Datetime("us"), [dt.datetime(2025, 6, 1, 10), dt.datetime(1988, 4, 10, 2)]),
    (c.money, pl.String, ["2760", "2760.5", "1,234.50", "-10", "0.005", "x", "007.10", " 3 "]),
    (c.money, pl.Decimal(14, 2), [Decimal("2760.00"), Decimal("-1.00"), Decimal("0")]),
    (c.money, pl.Decimal(14, 4), [Decimal("1.2345"), Decimal("1.2355")]),
    (c.money, pl.Int64, [12, -3, 0]),
    (c.money, pl.Float64, [0.1, 1234.567, -2.0]),
    (c.optional(c.money), pl.String, ["", None, "5"]),
    (c.coefficient, pl.Decimal(5, 3), [Decimal("1.150"), Decimal("0"), Decimal("-1")]),
    (c.optional(c.coefficient), pl.String, ["0.9", "x", "", "1.0005"]),
    (c.integer(1, 99), pl.Int16, [5, 0, 100, 99]),
    (c.integer(1, 99), pl.String, ["5", "5.0", "x", "200"]),
    (c.optional(c.integer(-5, 5)), pl.Int8, [None, -5, 6]),
    (c.boolean, pl.Boolean, [True, False, None]),
    (c.boolean, pl.String, ["是", "否", "yes", "0", "", None, "maybe", " TRUE "]),
]


@pytest.mark.parametrize(("conv", "dtype", "cells"), CASES)
@pytest.mark.parametrize("required", [False, True])
def test_vector_conversion_equals_the_row_converter(conv, dtype, cells, required):
    series = pl.Series("col", cells, dtype=dtype)
    cells = series.to_list()  # what the row path sees: the frame's own Python values
    assert vector(conv, series, required) == scalar(conv, cells, required)
