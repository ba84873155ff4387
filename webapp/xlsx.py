"""Spreadsheets that office staff open in Excel or WPS."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.worksheet.worksheet import Worksheet


def append_row(sheet: Worksheet, values: Iterable) -> None:
    """Append a row whose cells are data, never formulas.

    openpyxl stores any string starting with "=" as a formula, so a note typed on a phone
    (``=HYPERLINK(...)``) would run when an official opens the ledger. Such cells are kept as
    the text that was typed.
    """
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"
