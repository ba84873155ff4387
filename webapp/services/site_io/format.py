"""The one table format of sites in CSV and XLSX files (documented in docs/admin.md, "Site
import/export format"): its columns with their Chinese headers and English aliases, the
bounds of their values, and how a refused file explains itself (``RowError``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

from webapp.forms import CODE_PATTERN, PHONE_PATTERN
from webapp.inputs import FIRST_DAY
from webapp.models import ConstructionType, SiteStatus, Usage

# The same rules as the site and user forms.
SITE_CODE = re.compile(CODE_PATTERN)
PHONE = re.compile(PHONE_PATTERN)
TRUE_WORDS = {"是", "true", "yes", "y", "1"}
FALSE_WORDS = {"否", "false", "no", "n", "0"}
FORMATS = (".csv", ".xlsx")
# Excel and WPS run a CSV cell that starts with one of these as a formula. An export puts an
# apostrophe before such a cell (the spreadsheet then shows it as text); an import takes it off.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """``text`` as written into a CSV cell: never read as a formula."""
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def csv_value(cell: str) -> str:
    """What a CSV cell written by ``csv_cell`` held."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(CSV_FORMULA_STARTS) else cell


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
EARLIEST_DUE_FROM = FIRST_DAY
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


# The Chinese headers in the format's order (what an export writes).
HEADERS: list[str] = [column.header for column in COLUMNS]
