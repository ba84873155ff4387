"""Exporting sites to CSV (UTF-8 with BOM, so that Excel reads the Chinese) or XLSX in the
import format, so that an export can be edited and imported again."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.extensions import db
from webapp.labels import LABELS
from webapp.models import Organisation, Site
from webapp.scope import below
from webapp.services.site_io.format import COLUMNS, FORMATS, Column, csv_cell
from webapp.xlsx import workbook_bytes


def export_rows(within: Organisation | None = None) -> list[list[Any]]:
    """The header and one row per site (ordered by code), in the import format.

    Cells are typed for XLSX (int, Decimal, date, str); ``export_sites`` turns them into
    text for CSV.
    """
    query = select(Site).join(Site.unit)
    if within is not None:
        query = query.where(below(within))
    sites = db.session.execute(query.order_by(Site.code)).scalars().all()
    rows: list[list[Any]] = [[column.header for column in COLUMNS]]
    for site in sites:
        rows.append([_export_cell(column, site) for column in COLUMNS])
    return rows


def _export_cell(column: Column, site: Site) -> Any:
    value = getattr(site, column.field)
    if value is None:
        return None
    if column.kind == "unit":
        return value.code
    if column.kind == "enum":
        return LABELS[column.enum(value)][0]
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "decimal":
        return Decimal(value).quantize(Decimal("0.1"))
    return value


def export_sites(filename: str, within: Organisation | None = None) -> tuple[bytes, int]:
    """The sites under ``within`` (or all) as a .csv (UTF-8 with BOM, so Excel shows the
    Chinese) or .xlsx file, chosen by ``filename``'s extension, and how many sites it holds.
    Raises ValueError for any other extension."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(_("Only .csv and .xlsx files can be written."))
    rows = export_rows(within)
    data = _write_csv(rows) if suffix == ".csv" else _write_xlsx(rows)
    return data, len(rows) - 1


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return csv_cell(str(value))


def _write_csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _write_xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "sites"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    kinds = [column.kind for column in COLUMNS]
    for row in sheet.iter_rows(min_row=2):
        for cell, kind in zip(row, kinds, strict=True):
            if kind == "date" and cell.value is not None:
                cell.number_format = "yyyy-mm-dd"
            elif kind == "decimal" and cell.value is not None:
                cell.value = float(cell.value)
                cell.number_format = "0.0"
            elif kind == "text" and cell.value is not None:
                cell.number_format = "@"  # phone numbers and codes stay text
    for index, column in enumerate(COLUMNS, start=1):
        width = {"name": 28, "address": 40, "tenant": 30}.get(column.field, 14)
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    return workbook_bytes(workbook)


# Re-exported for callers that want the accepted headers (e.g. a web upload page).
ALIASES: dict[str, str] = {column.alias: column.header for column in COLUMNS}
