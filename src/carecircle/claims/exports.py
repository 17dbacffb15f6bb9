"""Excel export of the claims report."""

from __future__ import annotations

from typing import Any

from carecircle.core import excel

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


SUMMARY = (
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
)


def report_workbook(r: dict[str, Any]) -> bytes:
    """The summary, the cycle time by step and one sheet per breakdown (``DIMENSIONS``, and
    the units when the report has them).
    Money and means are Decimals; openpyxl writes them as numbers."""
    sheets = [
        excel.Sheet(
            "summary", ["指标 / figure", "值 / value"], [[label, r[key]] for label, key in SUMMARY]
        ),
        excel.Sheet(
            "cycle_time",
            ["环节 / step", "平均天数 / mean days", "次数 / count"],
            [[s["label"], s["mean"], s["count"]] for s in r["cycle_days"]],
        ),
    ]
    groups = [(key, label) for key, (_, label) in DIMENSIONS.items()]
    if r.get("by_unit"):
        groups.insert(2, ("unit", "机构 / unit"))
    for key, label in groups:
        sheets.append(
            excel.Sheet(
                f"by_{key}",
                [label, *(h for h, _ in GROUP_COLUMNS)],
                [[row["name"], *(row[k] for _, k in GROUP_COLUMNS)] for row in r[f"by_{key}"]],
            )
        )
    return excel.workbook(sheets)
