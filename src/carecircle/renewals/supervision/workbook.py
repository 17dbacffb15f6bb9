"""The supervision dashboard and the loss analysis as one Excel workbook (the export)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _

from .dashboard import Dashboard
from .losses import LossAnalysis
from .scope import Dimension

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PCT = "0.0%"
YUAN = "#,##0.00"

ROW_COLUMNS: list[tuple[str, str, str | None]] = [
    # (heading, Row attribute, number format; percentages are divided by 100)
    ("到期续保数 / Due", "due", None),
    ("已触达 / Reached", "reached", None),
    ("触达率 / Contact rate", "contact_rate", PCT),
    ("已续保 / Renewed", "renewed", None),
    ("续保率(件数) / Renewal rate (count)", "renewal_rate", PCT),
    ("到期保费 / Premium due", "premium_due", YUAN),
    ("续保保费(去年) / Premium renewed (last year's)", "premium_renewed", YUAN),
    ("续保率(保费) / Renewal rate (premium)", "premium_renewal_rate", PCT),
    ("续保新单保费 / Premium written", "premium_written", YUAN),
    ("保费同比留存 / Premium retained vs last year", "premium_retained", PCT),
    ("已流失 / Lost", "lost", None),
    ("平均呼叫次数 / Average attempts", "average_attempts", "0.00"),
    ("呼叫次数(本期) / Attempts made", "calls", None),
    ("接通次数(本期) / Connected calls", "connected_calls", None),
    ("报价数(本期) / Quotes sent", "quotes", None),
    ("合规拦截(本期) / Blocked attempts", "blocked", None),
    ("超时未触达(当前) / Overdue now", "overdue", None),
]


def _sheet(book: Any, title: str, headings: list[str], rows: list[list[Any]], formats=None):
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(values)
    for index, fmt in enumerate(formats or [], start=1):
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    sheet.freeze_panes = "B2"
    return sheet


def _cell(value: Any, fmt: str | None) -> Any:
    if value is None:
        return None
    if fmt == PCT:
        return float(value) / 100
    return value


def workbook(board: Dashboard, analysis: LossAnalysis) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    about: Any = book.active
    about.title = "说明 About"
    scope = _("全部 / whole book") if board.scope.whole_book else board.scope.team_name
    for line in (
        ("续保考核督导 / Renewal supervision",),
        ("范围 / Scope", scope),
        ("周期 / Period", f"{board.period.start} – {board.period.last_day}"),
        ("维度 / By", str(Dimension(board.dimension).label)),
        ("超时未触达截至 / Overdue as of", str(board.as_of)),
        ("口径 / Basis", "docs/renewals-supervision.md"),
    ):
        about.append(line)
    formats = [None] + [fmt for _h, _a, fmt in ROW_COLUMNS]
    _sheet(
        book,
        "考核 Figures",
        [str(Dimension(board.dimension).label)] + [h for h, _a, _f in ROW_COLUMNS],
        [
            [row.label] + [_cell(getattr(row, attr), fmt) for _h, attr, fmt in ROW_COLUMNS]
            for row in [*board.rows, board.total]
        ],
        formats,
    )
    _sheet(
        book,
        "结局 Endings",
        ["状态 / Status", "件数 / Count", "去年保费 / Premium last year", "占比 / Share"],
        [[e["label"], e["n"], e["premium"], _cell(e["share"], PCT)] for e in analysis.endings],
        [None, None, YUAN, PCT],
    )
    _sheet(
        book,
        "流失原因 Lost",
        ["原因 / Reason", "客群 / Segment", "等级 / Tier", "件数 / Count", "保费 / Premium"],
        [
            [m["reason_label"], m["segment_label"], m["tier"], m["n"], m["premium"]]
            for m in analysis.matrix
        ],
        [None, None, None, None, YUAN],
    )
    _sheet(
        book,
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
                _cell(c["gap_pct"], PCT),
            ]
            for c in analysis.competitors
        ],
        [None, None, YUAN, None, YUAN, YUAN, PCT],
    )
    _sheet(
        book,
        "合规拦截 Blocked",
        ["规则 / Rule", "次数 / Attempts"],
        [[b["label"], b["n"]] for b in board.blocked_rules],
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
