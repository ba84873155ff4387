"""Import and export of sites as CSV or XLSX: one table format, documented in README
("Site import/export format").

The header row names the columns (Chinese headers first, English aliases accepted); each
further row is one site. Import is all-or-nothing: every bad cell is reported as a
``RowError`` (spreadsheet row number, column, reason) and nothing is written unless the
whole file is valid. A site whose code exists is updated, otherwise it is created; both
only within the organisation the import may change (``within``).

Used by ``flask import-sites`` / ``flask export-sites``; a web upload can call
``import_sites`` / ``export_sites`` the same way with ``within=user.org`` after checking
the user's role.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.days import today
from webapp.extensions import db
from webapp.forms import CODE_PATTERN, PHONE_PATTERN, due_from_problem
from webapp.labels import LABELS, parse_label
from webapp.models import ConstructionType, Organisation, OrgKind, Site, SiteStatus, Usage
from webapp.scope import below
from webapp.xlsx import append_row

MAX_ROWS = 20_000
# The same rules as the site and user forms.
SITE_CODE = re.compile(CODE_PATTERN)
PHONE = re.compile(PHONE_PATTERN)
TRUE_WORDS = {"是", "true", "yes", "y", "1"}
FALSE_WORDS = {"否", "false", "no", "n", "0"}
FORMATS = (".csv", ".xlsx")


@dataclass(frozen=True)
class Column:
    """One column of the format: the Site attribute, its Chinese header (used on export)
    and its English alias, how a cell is read, and whether the column must be present
    (required columns also need a value in every row)."""

    field: str
    header: str
    alias: str
    kind: str  # text | unit | enum | int | decimal | bool | date
    required: bool = False
    max_length: int | None = None
    enum: type[StrEnum] | None = None
    # A blank cell keeps the site's value (a created site gets the model's default).
    keep_when_blank: bool = False


COLUMNS: list[Column] = [
    Column("code", "工程编号", "code", "text", required=True, max_length=32),
    Column("name", "工程名称", "name", "text", required=True, max_length=120),
    Column("address", "地址", "address", "text", required=True, max_length=200),
    Column("unit", "所属单位编号", "unit_code", "unit", required=True, max_length=32),
    Column(
        "construction_type",
        "构筑方式",
        "construction_type",
        "enum",
        required=True,
        enum=ConstructionType,
    ),
    Column("year_built", "建成年份", "year_built", "int"),
    Column("usage", "用途", "usage", "enum", required=True, enum=Usage),
    Column("leased", "是否出租", "leased", "bool"),
    Column("tenant", "承租方", "tenant", "text", max_length=120),
    Column("lease_expires", "租赁到期", "lease_expires", "date"),
    Column("permit_expires", "使用证到期", "permit_expires", "date"),
    Column("crowded", "人员密集", "crowded", "bool"),
    Column("capacity", "核定人数", "capacity", "int"),
    Column("hillside", "山地", "hillside", "bool"),
    Column("low_lying", "低洼", "low_lying", "bool"),
    Column("floor_area", "建筑面积", "floor_area", "decimal"),
    Column("responsible_person", "责任人", "responsible_person", "text", max_length=64),
    Column("responsible_phone", "责任人电话", "responsible_phone", "text", max_length=40),
    Column("status", "状态", "status", "enum", enum=SiteStatus),
    Column("due_from", "日检起始日", "due_from", "date", keep_when_blank=True),
]

# Values a created site gets for a column the file leaves out.
DEFAULTS: dict[str, Any] = {
    "leased": False,
    "crowded": False,
    "hillside": False,
    "low_lying": False,
    "status": SiteStatus.IN_USE.value,
}

YEAR_MIN = 1900
# An import may register sites whose daily checks began before (moving a register from
# elsewhere, restoring an export); the site form may not (see due_from_problem).
EARLIEST_DUE_FROM = date(2000, 1, 1)
CAPACITY_MAX = 1_000_000
AREA_MAX = Decimal("999999999.9")  # Numeric(10, 1)


@dataclass(frozen=True)
class RowError:
    """A reason the file was refused. ``row`` is the spreadsheet row (the header is row 1),
    ``column`` the header as written in the file; either is None for file-level errors."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return _("Row %(row)d: %(message)s", row=self.row, message=self.message)
        return _(
            "Row %(row)d, column “%(column)s”: %(message)s",
            row=self.row,
            column=self.column,
            message=self.message,
        )


class ImportRejected(Exception):
    """The file was refused; ``errors`` lists every reason. Nothing was written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class CellError(ValueError):
    """A cell's value is not acceptable; ``str(err)`` is the reason."""


# --- reading files --------------------------------------------------------------------


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
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
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


# --- checking rows --------------------------------------------------------------------


def _header_map(header: list[str]) -> tuple[dict[int, Column], list[RowError]]:
    """Which column each header cell names; errors for unknown, repeated or missing ones."""
    by_name: dict[str, Column] = {}
    for column in COLUMNS:
        by_name[column.header] = column
        by_name[column.alias.lower()] = column
    found: dict[int, Column] = {}
    seen: dict[str, int] = {}
    errors: list[RowError] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        column = by_name.get(name) or by_name.get(name.lower())
        if column is None:
            errors.append(RowError(1, name, _("Unknown column.")))
        elif column.field in seen:
            errors.append(RowError(1, name, _("This column appears twice.")))
        else:
            seen[column.field] = index
            found[index] = column
    for column in COLUMNS:
        if column.required and column.field not in seen:
            errors.append(RowError(1, column.header, _("Missing required column.")))
    return found, errors


def _parse_cell(column: Column, text: str) -> Any:
    """The value of one non-empty cell; raises CellError."""
    if column.max_length is not None and len(text) > column.max_length:
        raise CellError(_("Longer than %(max)d characters.", max=column.max_length))
    if column.kind in ("text", "unit"):
        if column.field == "code" and not SITE_CODE.match(text):
            raise CellError(_("Letters, digits, - and _ only."))
        if column.field == "responsible_phone" and not PHONE.match(text):
            raise CellError(_("Digits, spaces, +, - and brackets only."))
        return text
    if column.kind == "enum":
        try:
            return parse_label(column.enum, text).value
        except ValueError:
            accepted = "、".join(LABELS[member][0] for member in column.enum)
            raise CellError(
                _("“%(value)s” is not one of: %(accepted)s.", value=text, accepted=accepted)
            ) from None
    if column.kind == "bool":
        word = text.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(_("Write 是 or 否 (true/false and 1/0 work too)."))
    if column.kind == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise CellError(_("Not a date in the form YYYY-MM-DD."))
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise CellError(_("Not a date in the form YYYY-MM-DD.")) from None
    if column.kind == "int":
        return _parse_int(column, text)
    if column.kind == "decimal":
        return _parse_area(text)
    raise AssertionError(column.kind)


def _parse_int(column: Column, text: str) -> int:
    if not re.fullmatch(r"\d+", text):
        raise CellError(_("Not a whole number."))
    value = int(text)
    low, high = (YEAR_MIN, today().year) if column.field == "year_built" else (0, CAPACITY_MAX)
    if not low <= value <= high:
        raise CellError(_("Must be between %(low)d and %(high)d.", low=low, high=high))
    return value


def _parse_area(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(_("Not a number.")) from None
    if not value.is_finite() or value < 0 or value > AREA_MAX:
        raise CellError(_("Must be a number between 0 and %(max)s.", max=str(AREA_MAX)))
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _check_rows(
    rows: list[list[str]], within: Organisation | None
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Parse every data row into Site field values; collect every error."""
    if not rows or not any(cell.strip() for cell in rows[0]):
        return [], [RowError(None, None, _("The file has no header row."))]
    columns, errors = _header_map(rows[0])
    if errors:
        return [], errors
    body = [
        (number, row)
        for number, row in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    if not body:
        return [], [RowError(None, None, _("The file contains no sites."))]
    if len(body) > MAX_ROWS:
        return [], [
            RowError(None, None, _("At most %(max)d sites can be imported at once.", max=MAX_ROWS))
        ]

    units = _units_by_code(
        {
            row[i].strip()
            for _n, row in body
            for i, c in columns.items()
            if c.kind == "unit" and i < len(row)
        }
    )
    parsed: list[tuple[int, dict[str, Any]]] = []
    first_row_of: dict[str, int] = {}
    for number, row in body:
        values: dict[str, Any] = {}
        for index, column in columns.items():
            header = rows[0][index].strip()
            text = row[index].strip() if index < len(row) else ""
            if not text:
                if column.required:
                    errors.append(RowError(number, header, _("Required.")))
                elif not column.keep_when_blank:
                    values[column.field] = DEFAULTS.get(column.field)
                continue
            try:
                value = _parse_cell(column, text)
                if column.kind == "unit":
                    value = _check_unit(units.get(value), value, within)
            except CellError as err:
                errors.append(RowError(number, header, str(err)))
                continue
            values[column.field] = value
        code = values.get("code")
        if code is not None:
            if code in first_row_of:
                errors.append(
                    RowError(
                        number,
                        _header_of(rows[0], columns, "code"),
                        _("Same code as row %(row)d.", row=first_row_of[code]),
                    )
                )
            else:
                first_row_of[code] = number
        parsed.append((number, values))
    return parsed, errors


def _header_of(header: list[str], columns: dict[int, Column], field: str) -> str:
    """The header, as written in the file, of the column for ``field``."""
    return next(header[i].strip() for i, c in columns.items() if c.field == field)


def _units_by_code(codes: Iterable[str]) -> dict[str, Organisation]:
    codes = [code for code in codes if code]
    if not codes:
        return {}
    found = db.session.execute(select(Organisation).where(Organisation.code.in_(codes)))
    return {org.code: org for org in found.scalars()}


def _check_unit(org: Organisation | None, code: str, within: Organisation | None) -> Organisation:
    if org is None:
        raise CellError(_("No organisation has the code “%(code)s”.", code=code))
    if org.org_kind is not OrgKind.UNIT:
        raise CellError(_("“%(code)s” is an office, not an operating unit.", code=code))
    if not org.active:
        raise CellError(_("Operating unit “%(code)s” is deactivated.", code=code))
    if within is not None and not within.contains(org):
        raise CellError(
            _(
                "Operating unit “%(code)s” is outside the organisation this import may change.",
                code=code,
            )
        )
    return org


# --- importing ------------------------------------------------------------------------


def import_sites(filename: str, data: bytes, within: Organisation | None = None) -> ImportResult:
    """Create or update the sites listed in a .csv/.xlsx file, all or nothing.

    ``within``: only units in this organisation's subtree may be named, and only sites
    already under it may be updated (None: anywhere, for the operator's command line).
    Raises ImportRejected listing every error; then nothing has been written.
    """
    rows = read_table(filename, data)
    parsed, errors = _check_rows(rows, within)
    codes = [values["code"] for _n, values in parsed if values.get("code")]
    existing = (
        {
            site.code: site
            for site in db.session.execute(select(Site).where(Site.code.in_(codes))).scalars()
        }
        if codes
        else {}
    )
    columns = _header_map(rows[0])[0] if parsed else {}
    code_header = _header_of(rows[0], columns, "code") if parsed else None
    for number, values in parsed:
        site = existing.get(values.get("code"))
        if values.get("due_from") is not None:
            problem = due_from_problem(
                values["due_from"], site.due_from if site else None, earliest=EARLIEST_DUE_FROM
            )
            if problem:
                header = _header_of(rows[0], columns, "due_from")
                errors.append(RowError(number, header, str(problem)))
        if site is not None and within is not None and not within.contains(site.unit):
            errors.append(
                RowError(
                    number,
                    code_header,
                    _(
                        "Site “%(code)s” belongs to a unit outside the organisation this import "
                        "may change.",
                        code=site.code,
                    ),
                )
            )
    if errors:
        raise ImportRejected(sorted(errors, key=_error_order))

    result = ImportResult()
    try:
        for _number, values in parsed:
            site = existing.get(values["code"])
            if site is None:
                db.session.add(Site(**{**DEFAULTS, **values}))
                result.created.append(values["code"])
            elif _apply(site, values):
                result.updated.append(site.code)
            else:
                result.unchanged.append(site.code)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def _error_order(error: RowError) -> tuple[int, int]:
    column = next(
        (i for i, c in enumerate(COLUMNS) if error.column in (c.header, c.alias)), len(COLUMNS)
    )
    return (error.row or 0, column)


def _apply(site: Site, values: dict[str, Any]) -> bool:
    """Set the values that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        current = getattr(site, name)
        if name == "unit":
            if current.id != value.id:
                site.unit = value
                changed = True
        elif current != value:
            setattr(site, name, value)
            changed = True
    return changed


# --- exporting ------------------------------------------------------------------------


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
    return str(value)


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
        append_row(sheet, row)
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
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Re-exported for callers that want the accepted headers (e.g. a web upload page).
HEADERS: list[str] = [column.header for column in COLUMNS]
ALIASES: dict[str, str] = {column.alias: column.header for column in COLUMNS}
