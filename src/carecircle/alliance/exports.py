"""Statement exports for payment: CSV (UTF-8 with BOM, opens in Excel) and Excel.

The file's total row equals the statement total to the cent (lines are summed as Decimal)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from carecircle.core import excel
from carecircle.core.money import ZERO

from .models import Statement

HEADER = [
    "商户编码 / merchant code",
    "商户 / merchant",
    "月份 / month",
    "类型 / kind",
    "券码 / voucher",
    "服务 / service",
    "核销时间 / redeemed at",
    "金额 / amount",
    "说明 / note",
]


def statement_rows(statement: Statement) -> list[list[str]]:
    rows = []
    total = ZERO
    lines = statement.lines.select_related("redemption__voucher__product").order_by("kind", "pk")
    for line in lines:
        r = line.redemption
        rows.append(
            [
                statement.merchant.code,
                statement.merchant.name,
                f"{statement.month:%Y-%m}",
                line.get_kind_display(),
                r.voucher.masked_code if r else "",
                r.voucher.product.name if r else "",
                f"{r.redeemed_at:%Y-%m-%d %H:%M}" if r else "",
                f"{line.amount:.2f}",
                line.note,
            ]
        )
        total += line.amount
    assert total == statement.total, "statement total does not reconcile with its lines"
    rows.append(["", "", "", "合计 / total", "", "", "", f"{total:.2f}", ""])
    return rows


def statement_csv(statement: Statement) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(statement_rows(statement))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def statement_xlsx(statement: Statement) -> bytes:
    """One sheet named after the month; the amounts as numbers (column H, money format)."""
    rows = [[*text, Decimal(amount), note] for *text, amount, note in statement_rows(statement)]
    formats = [None] * HEADER.index("金额 / amount") + [excel.MONEY]
    return excel.workbook([excel.Sheet(f"{statement.month:%Y-%m}", HEADER, rows, formats)])
