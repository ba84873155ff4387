"""The register as an XLSX workbook: one row per inspection, then each site's days at a
glance. Every cell goes through ``webapp.xlsx.workbook_bytes`` (never a formula)."""

from __future__ import annotations

from flask_babel import force_locale
from openpyxl.styles import Alignment, NamedStyle
from openpyxl.worksheet.worksheet import Worksheet

from webapp import days
from webapp.models import Site
from webapp.services.register import Register, words
from webapp.services.register.rows import InspectionLine, SiteMonth
from webapp.xlsx import (
    BOX,
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
    ("日期", 11),
    ("工程编号", 11),
    ("工程名称", 20),
    ("检查类型", 9),
    ("检查人", 10),
    ("开始", 7),
    ("结束", 7),
    ("同步时间", 12),
    ("扫码", 8),
    ("检查结果", 10),
    ("不合格项", 34),
    ("整改情况", 36),
    ("隐患编号", 16),
    ("可信度标记", 40),
]
HEADERS = [header for header, _width in COLUMNS]
GLANCE_FIXED = ["工程编号", "工程名称", "应检", "已检", "其中延迟同步", "漏检", "免检"]

DAY_MARKS = NamedStyle("register_day", alignment=Alignment(horizontal="center"), border=BOX)


def register_xlsx(register: Register) -> bytes:
    """The workbook's bytes for a ``Register``."""
    with force_locale("zh"):
        return _workbook(register)


def _workbook(register: Register) -> bytes:
    book = table_workbook(DAY_MARKS)
    _inspections_sheet(book.active, register)
    _glance_sheet(book.create_sheet("逐日情况"), register)
    return workbook_bytes(book)


def _inspections_sheet(sheet: Worksheet, register: Register) -> None:
    sheet.title = "检查记录"
    lines = [(month.site, line) for month in register.sheets for line in month.inspections]
    write_title(
        sheet,
        len(COLUMNS),
        f"{register.subject} {words.TITLE}（{words.month_label(register.month)}）",
        f"经营单位：{register.unit.name}    导出时间：{words.stamp(days.now())}"
        f"    共 {len(lines)} 次检查",
    )
    write_header(sheet, HEADERS, [width for _h, width in COLUMNS])
    for number, (site, line) in enumerate(lines, start=1):
        write_row(sheet, HEADER_ROW + number, inspection_row(number, site, line))
        sheet.cell(HEADER_ROW + number, 2).number_format = "yyyy-mm-dd"
    freeze_and_filter(sheet, len(COLUMNS), HEADER_ROW + len(lines))


def inspection_row(number: int, site: Site, line: InspectionLine) -> list:
    """One inspection, in HEADERS order."""
    received = words.clock(line.received_at, with_day=True)
    if line.synced_late:
        received += "（延迟）"
    return [
        number,
        days.local_day(line.started_at),
        site.code,
        site.name,
        words.kind_text(line),
        line.inspector,
        words.clock(line.started_at),
        words.clock(line.finished_at),
        received,
        words.scan_text(line),
        words.result_text(line),
        "\n".join(words.failed_item_text(item) for item in line.failed),
        "\n".join(words.rectification_text(item) for item in line.failed),
        "\n".join(filter(None, (words.hazard_text(item) for item in line.failed))),
        "\n".join(words.flag_text(flag) for flag in line.flags),
    ]


def _glance_sheet(sheet: Worksheet, register: Register) -> None:
    """A row per site: its counts, then one mark per day of the month."""
    n_days = len(register.sheets[0].days) if register.sheets else 0
    headers = GLANCE_FIXED + [str(n) for n in range(1, n_days + 1)]
    write_title(
        sheet,
        len(headers),
        f"{register.subject} 逐日检查情况（{words.month_label(register.month)}）",
        "  ".join(
            f"{mark} {words.DAY_STATE[state]}" for state, mark in words.DAY_MARK.items() if mark
        ),
    )
    write_header(sheet, headers, [11, 20, 6, 6, 8, 6, 6] + [3.5] * n_days)
    for number, month in enumerate(register.sheets, start=1):
        write_row(sheet, HEADER_ROW + number, glance_row(month), DAY_MARKS)
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, len(GLANCE_FIXED) + 1)


def glance_row(month: SiteMonth) -> list:
    return [
        month.site.code,
        month.site.name,
        month.due,
        month.checked,
        month.count("late"),
        month.count("missed"),
        month.count("excused"),
        *(words.DAY_MARK[row.state] for row in month.days),
    ]
