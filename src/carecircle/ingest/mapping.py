"""Column mappings for files that do not use the canonical names.

A mapping file (JSON or TOML)::

    table = "policies"                       # optional: which canonical table
    [columns]                                # source column → canonical column
    "保单号" = "policy_no"
    [values.channel]                         # recode values of a canonical column
    "电销" = "telesales"
    [constants]                              # columns the file lacks
    currency = "CNY"
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl


@dataclass
class Mapping:
    table: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Mapping:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        return cls(
            data.get("table"),
            data.get("columns", {}),
            data.get("values", {}),
            {k: str(v) for k, v in data.get("constants", {}).items()},
        )

    def apply(self, frame: pl.DataFrame) -> pl.DataFrame:
        renames = {src: dst for src, dst in self.columns.items() if src in frame.columns}
        frame = frame.rename(renames)
        for column, recode in self.values.items():
            if column in frame.columns:
                frame = frame.with_columns(
                    pl.col(column).cast(pl.String).replace(recode).alias(column)
                )
        for column, value in self.constants.items():
            if column not in frame.columns:
                frame = frame.with_columns(pl.lit(value).alias(column))
        return frame
