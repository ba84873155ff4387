"""Importing sites from a CSV or XLSX file, all or nothing: every bad cell is reported as a
``RowError`` (spreadsheet row number, column, reason) and nothing is written unless the
whole file is valid. A site whose code exists is updated, otherwise it is created; both
only within the organisation the import may change (``within``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.days import today
from webapp.extensions import db
from webapp.forms import due_from_problem
from webapp.labels import LABELS, parse_label
from webapp.models import Organisation, OrgKind, Site
from webapp.services.site_io.format import (
    AREA_MAX,
    CAPACITY_MAX,
    COLUMNS,
    DEFAULTS,
    EARLIEST_DUE_FROM,
    FALSE_WORDS,
    PHONE,
    SITE_CODE,
    TRUE_WORDS,
    YEAR_MIN,
    CellError,
    Column,
    ImportRejected,
    ImportResult,
    RowError,
)
from webapp.services.site_io.reading import read_table

MAX_ROWS = 20_000


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
