"""What an import did: counts per table and the row-level error report."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RowError:
    row: int  # line in a CSV/Excel file (header = 1), 1-based row in a Parquet file, 0 = file
    column: str
    value: str
    code: str
    message: str


@dataclass
class TableResult:
    table: str
    source: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    report_path: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "source": self.source,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "report": self.report_path,
            "notes": self.notes,
            "seconds": round(self.seconds, 2),
        }


@dataclass
class ImportResult:
    tables: list[TableResult] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for t in self.tables:
            agg = out.setdefault(
                t.table, dict.fromkeys(("rows", "inserted", "updated", "unchanged", "rejected"), 0)
            )
            for k in agg:
                agg[k] += getattr(t, k)
        return out

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables)


def write_report(result: TableResult, path: Path) -> None:
    """CSV with a BOM so Excel opens the Chinese messages correctly."""
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "column", "value", "rule", "message"])
        for e in result.errors:
            writer.writerow([e.row, e.column, e.value, e.code, e.message])
    result.report_path = str(path)
