"""Excel downloads, built one way: a workbook of sheets, each a bold header row, its rows,
number formats by column and, where asked, column widths and frozen panes; and the
download response with the right content type and a filename any browser reads (UTF-8 names
too).

openpyxl is imported inside ``workbook`` so that it loads on the first download, not with
every page (``core.excel`` itself is cheap to import).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY = "#,##0.00"  # yuan: thousands separated, two places
PERCENT = "0.0%"  # a share stored as 0.675 shows as 67.5%


@dataclass(frozen=True)
class Sheet:
    """One worksheet. Cells take what openpyxl takes (str, int, float, Decimal, date, None)."""

    title: str
    header: Sequence[Any] = ()  # the first row, in bold; empty for a sheet of plain lines
    rows: Iterable[Sequence[Any]] = ()
    formats: Sequence[str | None] = ()  # a number format per column for the rows under the header
    width: float | None = None  # every used column's width
    freeze: str | None = None  # the top-left cell that stays in view, "B2": header and labels


def workbook(sheets: Iterable[Sheet]) -> bytes:
    """The ``.xlsx`` file of ``sheets``, in their order."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.worksheets[0])
    for spec in sheets:
        sheet = book.create_sheet(spec.title)
        if spec.header:
            sheet.append(list(spec.header))
            for cell in sheet[1]:
                cell.font = Font(bold=True)
        for row in spec.rows:
            sheet.append(list(row))
        first = 2 if spec.header else 1
        for index, fmt in enumerate(spec.formats, start=1):
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=first, min_col=index, max_col=index):
                    cell.number_format = fmt
        if spec.width is not None:
            for column in sheet.columns:
                sheet.column_dimensions[column[0].column_letter].width = spec.width
        if spec.freeze:
            sheet.freeze_panes = spec.freeze
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def download(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    """``content`` as an attachment named ``filename`` (``filename*=utf-8''…`` when it is not
    ASCII, so 对账单.xlsx arrives as 对账单.xlsx)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
