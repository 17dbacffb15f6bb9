"""Read CSV (UTF-8 or GBK), Excel (.xlsx) and Parquet into a frame with a ``__row`` column.

``__row`` is the line a person sees in the file (CSV/Excel: the header is line 1), or the
1-based row for Parquet, so the error report points at the right place.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from charset_normalizer import from_bytes

from .results import RowError

ROW = "__row"


class FileError(Exception):
    """The whole file cannot be read; the message says why, in both languages."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ReadFile:
    frame: pl.DataFrame
    notes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def decode_text(raw: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first; otherwise detect, preferring the GB family."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw[:200_000]).best()
    encoding = (best.encoding if best else "").lower()
    if encoding in {"gbk", "gb2312", "gb18030", "hz", "big5", "cp936"} or not encoding:
        encoding = "gb18030"  # superset of GBK and GB2312
    try:
        return raw.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        raise FileError(
            "encoding",
            "无法识别文件编码，请另存为 UTF-8 / cannot tell the file's encoding: save it as UTF-8",
        ) from None


def read_csv(path: Path) -> ReadFile:
    text, encoding = decode_text(path.read_bytes())
    frame = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=True)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    notes = (
        []
        if encoding == "utf-8"
        else [f"文件编码为 {encoding}，已按此读取 / decoded as {encoding}"]
    )
    return ReadFile(frame, notes)


def read_excel(path: Path, known_columns: set[str]) -> ReadFile:
    """The header is the first row (of the first 5) that names known columns and has no
    merged cells; merged group headers above it are ignored with a note."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    ws = wb.worksheets[0]
    merged_rows: dict[int, list[str]] = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            merged_rows.setdefault(r, []).append(str(rng.coord))
    rows = list(ws.iter_rows(values_only=True))
    header_at = None
    for i, row in enumerate(rows[:5], start=1):
        names = {str(v).strip() for v in row if v is not None}
        if names & known_columns and i not in merged_rows:
            header_at = i
            break
    if header_at is None:
        cells = ", ".join(sorted({c for r in range(1, 6) for c in merged_rows.get(r, [])}))
        why = (
            (
                f"表头有合并单元格 {cells}，请取消合并并每列一个列名 / header has merged cells {cells}: "
                "unmerge them so each column has one name"
            )
            if cells
            else ("找不到表头行 / no header row naming known columns in the first 5 rows")
        )
        raise FileError("excel_header", why)
    header = [
        str(v).strip() if v is not None else f"column_{j + 1}"
        for j, v in enumerate(rows[header_at - 1])
    ]
    data = rows[header_at:]
    frame = pl.DataFrame(
        {
            name: pl.Series(
                name, [_cell(r[j]) if j < len(r) else None for r in data], dtype=pl.String
            )
            for j, name in enumerate(header)
        }
    )
    frame = frame.with_row_index(ROW, offset=header_at + 1).with_columns(pl.col(ROW).cast(pl.Int64))
    frame = frame.filter(~pl.all_horizontal(pl.exclude(ROW).is_null()))  # blank trailing rows
    notes = []
    if header_at > 1:
        cells = ", ".join(c for r in range(1, header_at) for c in merged_rows.get(r, []))
        notes.append(
            f"第{header_at}行作为表头，上方合并单元格 {cells} 已忽略 / row {header_at} used as "
            f"the header; merged cells above it ({cells}) ignored"
        )
    return ReadFile(frame, notes)


def _cell(value: object) -> str | None:
    """Excel cells arrive typed (numbers, dates): keep them as text for the converters."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def read_parquet(path: Path) -> ReadFile:
    source = sorted(path.glob("*.parquet")) if path.is_dir() else path
    frame = pl.read_parquet(source)
    return ReadFile(frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64)))


def read_any(path: Path, known_columns: set[str]) -> ReadFile:
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".parquet":
        return read_parquet(path)
    if suffix in {".csv", ".txt"}:
        return read_csv(path)
    if suffix in {".xlsx", ".xlsm"}:
        return read_excel(path, known_columns)
    raise FileError(
        "file_type",
        f"不支持的文件类型 {suffix} / unsupported file type {suffix}: use CSV, XLSX or Parquet",
    )
