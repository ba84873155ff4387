"""Reading a .csv (UTF-8 with or without BOM, or GBK) or .xlsx file into rows of strings."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from flask_babel import gettext as _

from webapp.services.site_io.format import ImportRejected, RowError, csv_value


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The rows of a .csv or .xlsx file as lists of strings (header row first).

    CSV may be UTF-8 (with or without BOM) or GBK; XLSX is read from its first sheet.
    Raises ImportRejected for an unsupported or unreadable file.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return _read_csv(data)
    if suffix == ".xlsx":
        return _read_xlsx(data)
    raise ImportRejected([RowError(None, None, _("Only .csv and .xlsx files can be imported."))])


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly any byte string
        raise ImportRejected([RowError(None, None, _("The CSV file is neither UTF-8 nor GBK."))])
    try:
        return [
            [csv_value(cell) for cell in row] for row in csv.reader(io.StringIO(text, newline=""))
        ]
    except csv.Error as err:
        raise ImportRejected(
            [RowError(None, None, _("Not a readable CSV file: %(reason)s", reason=str(err)))]
        ) from err


def _read_xlsx(data: bytes) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as err:
        raise ImportRejected([RowError(None, None, _("Not a readable .xlsx file."))]) from err
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        return [[_xlsx_cell_text(value) for value in row] for row in rows]
    finally:
        workbook.close()


def _xlsx_cell_text(value: Any) -> str:
    """A cell as the text a CSV would hold (dates as YYYY-MM-DD, 2005.0 as 2005)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
