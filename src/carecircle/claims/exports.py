"""Excel export of the claims report (openpyxl)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook


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
    ):
        value = r[key]
        ws.append([label, float(value) if value is not None else None])
    steps = wb.create_sheet("cycle_time")
    steps.append(["环节 / step", "平均天数 / mean days", "次数 / count"])
    for s in r["cycle_days"]:
        steps.append([s["label"], float(s["mean"]) if s["mean"] is not None else None, s["count"]])
    handlers = wb.create_sheet("by_handler")
    handlers.append(["理赔员 / handler", "赔案 / claims", "已付 / paid", "满意度 / satisfaction"])
    for h in r["by_handler"]:
        handlers.append(
            [h["handler__username"], h["claims"], float(h["paid"] or 0), h["satisfaction"]]
        )
    shops = wb.create_sheet("by_shop")
    shops.append(
        ["修理厂 / shop", "赔案 / claims", "维修产值 / repair value", "满意度 / satisfaction"]
    )
    for s in r["by_shop"]:
        shops.append(
            [s["repair_shop__name"], s["claims"], float(s["repair_value"] or 0), s["satisfaction"]]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
