"""Spreadsheets that office staff open in Excel or WPS.

Every workbook the application writes is turned into bytes by ``workbook_bytes``, the one
place that makes sure no cell is a formula. The ledger and the register are tables: a title,
a subtitle, a header row and one row per line (``table_workbook``, ``write_title``,
``write_header``, ``write_row``).
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

THIN = Side(style="thin", color="999999")
BOX = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
# Named styles: one assignment per cell (setting alignment and border one by one costs
# openpyxl a style lookup each, which dominated the time of large tables).
BODY = NamedStyle("table_body", alignment=Alignment(vertical="top", wrap_text=True), border=BOX)
HEAD = NamedStyle(
    "table_head",
    font=Font(bold=True),
    fill=PatternFill("solid", fgColor="DDE6F0"),
    alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
    border=BOX,
)
HEADER_ROW = 3  # row 1: the title, row 2: the subtitle


def table_workbook(*styles: NamedStyle) -> Workbook:
    """A new workbook that knows the table styles (BODY, HEAD and ``styles``)."""
    book = Workbook()
    for style in (BODY, HEAD, *styles):
        book.add_named_style(style)
    return book


def write_title(sheet: Worksheet, width: int, title: str, subtitle: str) -> None:
    """Rows 1 and 2: a large title and a subtitle, each across ``width`` columns."""
    last_col = get_column_letter(width)
    sheet.cell(1, 1, title).font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A1:{last_col}1")
    sheet.cell(2, 1, subtitle)
    sheet.merge_cells(f"A2:{last_col}2")


def write_header(sheet: Worksheet, headers: list[str], widths: list[float]) -> None:
    """The header row (HEADER_ROW) and the columns' widths; rows below it scroll under it
    and can be filtered (call after the rows are written)."""
    write_row(sheet, HEADER_ROW, headers, HEAD)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def write_row(sheet: Worksheet, row: int, values: list, style: NamedStyle = BODY) -> None:
    """A row of cells in ``style``, by position (``sheet[row]`` and ``sheet.max_row`` make
    openpyxl walk every cell of the sheet, which made large tables quadratic)."""
    for column, value in enumerate(values, start=1):
        sheet.cell(row, column, value).style = style.name


def freeze_and_filter(sheet: Worksheet, width: int, last_row: int) -> None:
    """Keep the header in view and offer filters on every column."""
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    last_col = get_column_letter(width)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{max(last_row, HEADER_ROW)}"


def workbook_bytes(book: Workbook) -> bytes:
    """The .xlsx file of ``book``, every cell of every sheet kept as data, never a formula.

    openpyxl stores any string starting with "=" as a formula, so a name or a note typed by
    a user (an organisation called ``=HYPERLINK(...)``, a measure typed on a phone) would
    run when an official opens the file. Titles, headers and rows alike are written as the
    text that was typed, wherever in the sheet they were put.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
