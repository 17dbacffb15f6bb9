"""The supervision dashboard and the loss analysis as one Excel workbook (the export)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.core import excel
from carecircle.core.excel import MONEY, PERCENT

from .dashboard import Dashboard
from .losses import LossAnalysis
from .scope import Dimension

ROW_COLUMNS: list[tuple[str, str, str | None]] = [
    # (heading, Row attribute, number format; percentages are divided by 100)
    ("到期续保数 / Due", "due", None),
    ("已触达 / Reached", "reached", None),
    ("触达率 / Contact rate", "contact_rate", PERCENT),
    ("已续保(已出单) / Renewed (issued)", "renewed", None),
    ("已接受待支付 / Accepted, awaiting payment", "awaiting_payment", None),
    ("续保率(件数) / Renewal rate (count)", "renewal_rate", PERCENT),
    ("到期保费 / Premium due", "premium_due", MONEY),
    ("续保保费(去年) / Premium renewed (last year's)", "premium_renewed", MONEY),
    ("续保率(保费) / Renewal rate (premium)", "premium_renewal_rate", PERCENT),
    ("续保新单保费 / Premium written", "premium_written", MONEY),
    ("保费同比留存 / Premium retained vs last year", "premium_retained", PERCENT),
    ("已流失 / Lost", "lost", None),
    ("平均呼叫次数 / Average attempts", "average_attempts", "0.00"),
    ("呼叫次数(本期) / Attempts made", "calls", None),
    ("接通次数(本期) / Connected calls", "connected_calls", None),
    ("报价数(本期) / Quotes sent", "quotes", None),
    ("合规拦截(本期) / Blocked attempts", "blocked", None),
    ("超时未触达(当前) / Overdue now", "overdue", None),
]


def _table(title: str, header: list[str], rows: list[list[Any]], formats=()) -> excel.Sheet:
    """The dashboard's tables: 16 wide, the header and the first column stay in view."""
    return excel.Sheet(title, header, rows, formats, width=16, freeze="B2")


def _cell(value: Any, fmt: str | None) -> Any:
    if value is None:
        return None
    if fmt == PERCENT:
        return float(value) / 100
    return value


def workbook(board: Dashboard, analysis: LossAnalysis) -> bytes:
    """About, figures by the chosen dimension, endings, reasons lost, competitors, blocks."""
    scope = _("全部 / whole book") if board.scope.whole_book else board.scope.team_name
    unit = board.scope.unit_name or _("全部 / all units")
    about = excel.Sheet(
        "说明 About",
        rows=[
            ("续保考核督导 / Renewal supervision",),
            ("范围 / Scope", scope),
            ("机构 / Unit", unit),
            ("周期 / Period", f"{board.period.start} – {board.period.last_day}"),
            ("维度 / By", str(Dimension(board.dimension).label)),
            ("超时未触达截至 / Overdue as of", str(board.as_of)),
            ("口径 / Basis", "docs/renewals-supervision.md"),
        ],
    )
    figures = _table(
        "考核 Figures",
        [str(Dimension(board.dimension).label)] + [h for h, _a, _f in ROW_COLUMNS],
        [
            [row.label] + [_cell(getattr(row, attr), fmt) for _h, attr, fmt in ROW_COLUMNS]
            for row in [*board.rows, board.total]
        ],
        [None] + [fmt for _h, _a, fmt in ROW_COLUMNS],
    )
    endings = _table(
        "结局 Endings",
        ["状态 / Status", "件数 / Count", "去年保费 / Premium last year", "占比 / Share"],
        [[e["label"], e["n"], e["premium"], _cell(e["share"], PERCENT)] for e in analysis.endings],
        [None, None, MONEY, PERCENT],
    )
    lost = _table(
        "流失原因 Lost",
        ["原因 / Reason", "客群 / Segment", "等级 / Tier", "件数 / Count", "保费 / Premium"],
        [
            [m["reason_label"], m["segment_label"], m["tier"], m["n"], m["premium"]]
            for m in analysis.matrix
        ],
        [None, None, None, None, MONEY],
    )
    competitors = _table(
        "竞争对手 Competitors",
        [
            "竞争对手 / Competitor",
            "流失件数 / Lost",
            "去年保费 / Premium last year",
            "有双方报价 / With both prices",
            "对手平均报价 / Their average price",
            "平均价差 / Average gap vs our quote",
            "价差% / Gap %",
        ],
        [
            [
                c["competitor"],
                c["n"],
                c["premium"],
                c["priced"],
                c["average_price"],
                c["average_gap"],
                _cell(c["gap_pct"], PERCENT),
            ]
            for c in analysis.competitors
        ],
        [None, None, MONEY, None, MONEY, MONEY, PERCENT],
    )
    blocked = _table(
        "合规拦截 Blocked",
        ["规则 / Rule", "次数 / Attempts"],
        [[b["label"], b["n"]] for b in board.blocked_rules],
    )
    return excel.workbook([about, figures, endings, lost, competitors, blocked])
