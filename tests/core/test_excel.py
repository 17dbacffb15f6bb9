"""Excel downloads: sheets in order, a bold header, number formats under it, widths and frozen
panes where asked; the response names the file so any browser keeps a Chinese name."""

import datetime as dt
import io
import subprocess
import sys
from decimal import Decimal

from openpyxl import load_workbook

from carecircle.core import excel


def sheets_of(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_sheets_come_in_order_with_a_bold_header_and_their_rows():
    book = sheets_of(
        excel.workbook(
            [
                excel.Sheet("说明 About", rows=[("续保考核督导 / Renewal supervision",), ("a", 1)]),
                excel.Sheet(
                    "2026-05",
                    ["券码 / voucher", "金额 / amount"],
                    [["A1", Decimal("35.50")], ["合计 / total", Decimal("35.50")]],
                ),
            ]
        )
    )
    assert book.sheetnames == ["说明 About", "2026-05"]
    assert book.active.title == "说明 About"
    about, lines = book.worksheets
    assert list(about.iter_rows(values_only=True)) == [
        ("续保考核督导 / Renewal supervision", None),
        ("a", 1),
    ]
    assert not about["A1"].font.b  # a sheet without a header has no bold row
    assert [c.font.b for c in lines[1]] == [True, True]
    assert [c.font.b for c in lines[2]] == [False, False]
    assert list(lines.iter_rows(min_row=2, values_only=True)) == [
        ("A1", 35.5),
        ("合计 / total", 35.5),
    ]


def test_number_formats_apply_to_the_rows_under_the_header_column_by_column():
    sheet = sheets_of(
        excel.workbook(
            [
                excel.Sheet(
                    "f",
                    ["name", "premium", "share", "day"],
                    [["x", Decimal("1234.5"), 0.675, dt.date(2026, 5, 1)], ["y", 2, 0.1, None]],
                    [None, excel.MONEY, excel.PERCENT],
                )
            ]
        )
    ).active
    assert [c.number_format for c in sheet[1]] == ["General"] * 4
    assert [c.number_format for c in sheet["B"][1:]] == ["#,##0.00", "#,##0.00"]
    assert [c.number_format for c in sheet["C"][1:]] == ["0.0%", "0.0%"]
    assert sheet["A2"].number_format == "General"
    assert sheet["D2"].value == dt.datetime(2026, 5, 1)  # dates keep openpyxl's date format
    assert sheet["D2"].is_date


def test_widths_and_frozen_panes_only_where_asked():
    book = sheets_of(
        excel.workbook(
            [
                excel.Sheet("wide", ["a", "b"], [[1, 2]], width=16, freeze="B2"),
                excel.Sheet("plain", ["a", "b"], [[1, 2]]),
            ]
        )
    )
    wide, plain = book.worksheets
    assert (wide.column_dimensions["A"].width, wide.column_dimensions["B"].width) == (16, 16)
    assert wide.freeze_panes == "B2"
    assert plain.freeze_panes is None
    assert plain.column_dimensions["A"].width != 16


def test_a_header_with_no_rows_is_a_sheet_of_one_row():
    sheet = sheets_of(excel.workbook([excel.Sheet("empty", ["a"], [], [excel.MONEY])])).active
    assert list(sheet.iter_rows(values_only=True)) == [("a",)]


def test_the_download_is_an_xlsx_attachment_with_its_name():
    response = excel.download(b"PK...", "claims-report.xlsx")
    assert response["Content-Type"] == excel.XLSX
    assert response["Content-Disposition"] == 'attachment; filename="claims-report.xlsx"'
    assert response.content == b"PK..."


def test_a_chinese_file_name_is_sent_utf8_encoded():
    response = excel.download(b"", "对账单-2026-05.csv", "text/csv; charset=utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%AF%B9%E8%B4%A6%E5%8D%95-2026-05.csv"
    )


def test_importing_the_helper_does_not_load_openpyxl():
    code = "import sys, carecircle.core.excel; print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
