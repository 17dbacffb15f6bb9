"""Excel export of the claims report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from carecircle.core import excel

from .selectors.breakdowns import DIMENSIONS

GROUP_COLUMNS = (
    ("赔案 / claims", "claims"),
    ("已付 / paid", "paid"),
    ("未决准备金 / reserves", "reserved"),
    ("追偿残值回收 / recoveries", "recovered"),
    ("净已决未决 / net incurred", "net_incurred"),
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
    ("追偿残值回收 / recoveries", "recovered"),
    ("净已决未决 / net incurred", "net_incurred"),
    ("平均满意度 / satisfaction", "satisfaction"),
    ("投诉 / complaints", "complaints"),
    ("每千案投诉 / complaints per 1,000 claims", "complaints_per_1000"),
    ("理赔后调查满意度 / CSAT after claims", "survey_csat"),
)


RESERVE_COLUMNS: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("期初 / opening", lambda g: g["opening"]),
    *(
        (f"{label} / {kind}", lambda g, k=kind: g["movements"][k])
        for kind, label in (
            ("open", "立案"), ("revise", "调整"), ("payment", "支付冲减"), ("return", "退票恢复"),
            ("release", "结案释放"), ("reopen", "重开"),
        )
    ),
    ("期末 / closing", lambda g: g["closing"]),
    ("到账 / confirmed", lambda g: g["payments"]["confirmed"]),
    ("退回 / returned", lambda g: g["payments"]["returned"]),
    ("重付 / reissued", lambda g: g["payments"]["reissued"]),
    ("已付 / paid", lambda g: g["paid"]),
    ("回收 / recoveries", lambda g: g["recoveries"]),
    ("净已发生 / net incurred", lambda g: g["net_incurred"]),
)  # fmt: skip


def reserve_sheets(rr: dict[str, Any]) -> list[excel.Sheet]:
    """The reserve report (issue #16): the book, then by unit, coverage and handler; each row
    ties out (opening + movements = closing)."""
    head = [h for h, _ in RESERVE_COLUMNS]
    book = {"name": f"全部 / book {rr['from']} … {rr['as_of']}", **rr}
    money = [None, *[excel.MONEY] * len(head)]
    sheets = [
        excel.Sheet(
            "reserves",
            ["", *head],
            [[book["name"], *(f(book) for _, f in RESERVE_COLUMNS)]],
            formats=money,
        )
    ]
    for key in ("unit", "coverage", "handler"):
        sheets.append(
            excel.Sheet(
                f"reserves_by_{key}",
                [key, *head],
                [[g["name"], *(f(g) for _, f in RESERVE_COLUMNS)] for g in rr[f"by_{key}"]],
                formats=money,
            )
        )
    return sheets


def report_workbook(r: dict[str, Any], reserves: dict[str, Any] | None = None) -> bytes:
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
    if reserves is not None:
        sheets.extend(reserve_sheets(reserves))
    return excel.workbook(sheets)
