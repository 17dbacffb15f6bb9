"""A commission statement as an Excel workbook (core.excel): a sheet of the statement's
facts and a sheet of its lines, money as yuan and rates as percentages."""

from __future__ import annotations

from carecircle.core import excel

from .models import CommissionStatement

HEADER = [
    "保单号 / policy no.",
    "类型 / kind",
    "险种 / line",
    "客户类型 / segment",
    "日期 / on",
    "计费保费 / premium",
    "费率 / rate",
    "金额 / amount",
    "费率依据 / why this rate",
]
FORMATS = [None, None, None, None, "yyyy-mm-dd", excel.MONEY, "0.00%", excel.MONEY, None]


def statement_xlsx(statement: CommissionStatement) -> bytes:
    lines = statement.lines.select_related("policy").order_by("written_on", "pk")
    rows = [
        [
            line.policy.policy_no,
            line.get_kind_display(),
            line.get_line_display(),
            line.get_segment_display(),
            line.written_on,
            line.premium,
            line.rate,
            line.amount,
            line.reason,
        ]
        for line in lines
    ]
    rows.append(["合计 / total", "", "", "", None, statement.premium, None, statement.total, ""])
    about = excel.Sheet(
        "结算单 statement",
        rows=[
            ["结算单号 / statement no.", statement.statement_no],
            ["收款方 / payee", statement.payee_name],
            ["月份 / month", f"{statement.month:%Y-%m}"],
            ["状态 / status", str(statement.get_status_display())],
            ["笔数 / lines", statement.lines_count],
            ["计费保费 / premium", statement.premium],
            ["手续费合计 / total", statement.total],
            ["付款凭证号 / payment reference", statement.payment_ref],
            [
                "舍入 / rounding",
                "每行四舍五入到分，合计为各行之和 / each line rounded half up to the cent; "
                "the total is the sum of the lines",
            ],
        ],
        width=28,
    )
    return excel.workbook(
        [about, excel.Sheet("明细 lines", HEADER, rows, FORMATS, width=16, freeze="A2")]
    )
