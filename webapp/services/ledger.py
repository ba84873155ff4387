"""The hazard ledger (隐患排查治理台账) as an XLSX workbook, in the columns a Chinese safety
ledger uses. Headers and values are Chinese whatever the page language; dates are SHELTER_TZ."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp import days
from webapp.extensions import db
from webapp.models import Hazard, Organisation, Site, User
from webapp.scope import get_org
from webapp.xlsx import (
    HEADER_ROW,
    freeze_and_filter,
    table_workbook,
    workbook_bytes,
    write_header,
    write_row,
    write_title,
)

# (header, column width)
COLUMNS = [
    ("序号", 6),
    ("工程名称", 22),
    ("隐患部位", 20),
    ("隐患描述", 30),
    ("等级", 6),
    ("来源", 10),
    ("发现时间", 17),
    ("发现人", 10),
    ("整改方式", 10),
    ("整改措施", 30),
    ("责任人", 16),
    ("整改时限", 12),
    ("资金", 16),
    ("完成时间", 17),
    ("验收人", 10),
    ("验收时间", 17),
    ("状态", 14),
]
HEADERS = [header for header, _width in COLUMNS]

GRADE_ZH = {"general": "一般", "major": "重大"}
SOURCE_ZH = {"self": "自查", "office": "督导检查", "covert": "暗查暗访"}
MODE_ZH = {"on_spot": "即查即改", "order": "限期整改"}
STATUS_ZH = {
    "open": "待整改",
    "rectifying": "整改中",
    "rectified": "已整改待验收",
    "closed": "已销号",
}


class LedgerRangeError(ValueError):
    """The date range is invalid; ``str(err)`` says why, ``field`` names the input."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class Ledger:
    org: Organisation
    first_day: date
    last_day: date
    hazards: list[Hazard]

    @property
    def filename(self) -> str:
        return f"隐患台账_{self.org.name}_{self.first_day:%Y%m%d}-{self.last_day:%Y%m%d}.xlsx"


def ledger_hazards(user: User, org_code: str, first_day: date, last_day: date) -> Ledger:
    """Hazards found from ``first_day`` to ``last_day`` (SHELTER_TZ days, inclusive) at the
    sites of ``org_code``'s subtree, oldest first. Raises LookupError / OutOfScope for the
    organisation and LedgerRangeError for the range."""
    if last_day < first_day:
        raise LedgerRangeError("last_day", _("The last day cannot be before the first day."))
    org = get_org(user, org_code)
    start = days.day_bounds(first_day)[0]
    end = days.day_bounds(last_day)[1]
    hazards = db.session.scalars(
        select(Hazard)
        .join(Hazard.site)
        .join(Site.unit)
        .where(Organisation.path.startswith(org.path, autoescape=True))
        .where(Hazard.found_at >= start, Hazard.found_at < end)
        .options(
            selectinload(Hazard.found_by),
            selectinload(Hazard.responsible_user),
            selectinload(Hazard.closed_by),
            selectinload(Hazard.supervising_org),
        )
        .order_by(Hazard.found_at, Hazard.id)
    ).all()
    return Ledger(org, first_day, last_day, hazards)


def ledger_xlsx(ledger: Ledger) -> bytes:
    """The workbook's bytes: a title, the period, the header row, one row per hazard."""
    book = table_workbook()
    sheet = book.active
    sheet.title = "隐患台账"
    write_title(
        sheet,
        len(COLUMNS),
        f"{ledger.org.name} 隐患排查治理台账",
        f"统计期间：{ledger.first_day:%Y-%m-%d} 至 {ledger.last_day:%Y-%m-%d}"
        f"    导出时间：{_local(days.now())}    共 {len(ledger.hazards)} 条",
    )
    write_header(sheet, HEADERS, [width for _header, width in COLUMNS])
    today = days.today()
    for number, hazard in enumerate(ledger.hazards, start=1):
        write_row(sheet, HEADER_ROW + number, ledger_row(number, hazard, today))
    freeze_and_filter(sheet, len(COLUMNS), HEADER_ROW + len(ledger.hazards))
    return workbook_bytes(book)


def ledger_row(number: int, hazard: Hazard, today: date) -> list:
    """One ledger line, in HEADERS order."""
    responsible = hazard.responsible_display
    if responsible and hazard.responsible_phone:
        responsible = f"{responsible}（{hazard.responsible_phone}）"
    funds = ""
    if hazard.funds_amount is not None:
        funds = f"{hazard.funds_amount:,.2f}元"
        if hazard.funds_source:
            funds += f"（{hazard.funds_source}）"
    elif hazard.funds_source:
        funds = hazard.funds_source
    deadline = ""
    if hazard.fixed_on_spot:
        deadline = "当场"
    elif hazard.deadline is not None:
        deadline = hazard.deadline.isoformat() + ("（立即）" if hazard.immediate else "")
    status = STATUS_ZH[hazard.status]
    if hazard.is_overdue(today):
        status += "（逾期）"
    if hazard.supervised:
        status += "（挂牌督办）"
    return [
        number,
        hazard.site.name,
        hazard.location or hazard.item_label,
        hazard.description,
        GRADE_ZH.get(hazard.grade, hazard.grade),
        SOURCE_ZH.get(hazard.source, hazard.source),
        _local(hazard.found_at),
        hazard.found_by.display_name,
        MODE_ZH.get(hazard.rectify_mode or "", ""),
        hazard.measures or "",
        responsible,
        deadline,
        funds,
        _local(hazard.rectified_at),
        hazard.closed_by.display_name if hazard.closed_by else "",
        _local(hazard.closed_at),
        status,
    ]


def _local(moment: datetime | None) -> str:
    """A moment as SHELTER_TZ wall-clock time, e.g. 2026-11-30 08:21."""
    if moment is None:
        return ""
    return moment.astimezone(days.zone()).strftime("%Y-%m-%d %H:%M")
