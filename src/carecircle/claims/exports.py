"""Excel export of the claims report (openpyxl)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from .selectors.breakdowns import DIMENSIONS

GROUP_COLUMNS = (
    ("赔案 / claims", "claims"),
    ("已付 / paid", "paid"),
    ("未决准备金 / reserves", "reserved"),
    ("维修产值 / repair value", "repair_value"),
    ("满意度 / satisfaction", "satisfaction"),
    ("评价数 / rated", "rated"),
    ("投诉 / complaints", "complaints"),
    ("每千案投诉 / per 1,000 claims", "complaints_per_1000"),
    ("调查满意度 / survey CSAT", "survey_csat"),
)


def _cell(value: Any) -> Any:
    """Excel has no Decimal: money and means as numbers, counts as they are."""
    return float(value) if isinstance(value, Decimal) else value


def report_workbook(r: dict[str, Any]) -> bytes:
    wb = Workbook()
    ws = wb.create_sheet("summary", 0)
    wb.remove(wb.worksheets[1])
    ws.append(["指标 / figure", "值 / value"])
    for label, key in (
        ("赔案数 / claims", "claims"),
        ("端到端天数 / end-to-end days", "end_to_end_days"),
        ("快赔占比 / fast-track share", "fast_track_share"),
        ("重开率 / reopen rate", "reopen_rate"),
        ("已付赔款 / paid", "paid"),
        ("未决准备金 / reserves", "reserved"),
        ("平均满意度 / satisfaction", "satisfaction"),
        ("投诉 / complaints", "complaints"),
        ("每千案投诉 / complaints per 1,000 claims", "complaints_per_1000"),
        ("理赔后调查满意度 / CSAT after claims", "survey_csat"),
    ):
        ws.append([label, _cell(r[key])])
    steps = wb.create_sheet("cycle_time")
    steps.append(["环节 / step", "平均天数 / mean days", "次数 / count"])
    for s in r["cycle_days"]:
        steps.append([s["label"], float(s["mean"]) if s["mean"] is not None else None, s["count"]])
    for key, (_, label) in DIMENSIONS.items():
        sheet = wb.create_sheet(f"by_{key}")
        sheet.append([label, *(h for h, _ in GROUP_COLUMNS)])
        for row in r[f"by_{key}"]:
            sheet.append([row["name"], *(_cell(row[k]) for _, k in GROUP_COLUMNS)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
