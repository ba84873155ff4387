"""The register as an A4 PDF in the shape of the paper 人防工程日检查记录表: per site a title
block, one row per day of the month (a day with several inspections takes a line for each),
and signature lines for the inspector and the unit's safety officer. A unit's register is
its sites' sheets, each starting on a new page. The CJK font is embedded (webapp/pdf_fonts.py).
"""

from __future__ import annotations

import io
from html import escape

from flask_babel import force_locale
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

from webapp import days
from webapp.labels import label
from webapp.pdf_fonts import register_cjk_font
from webapp.services.register import Register, words
from webapp.services.register.rows import DayRow, InspectionLine, SiteMonth

MARGIN = 14 * mm
WIDTH = A4[0] - 2 * MARGIN
# 日期 | 检查时间 | 检查人 | 检查结果 | 不合格项及整改情况 | 备注
DAY_COLUMNS = [23 * mm, 21.5 * mm, 19 * mm, 20 * mm, None, 39 * mm]
DAY_COLUMNS[4] = WIDTH - sum(w for w in DAY_COLUMNS if w)
DAY_HEADERS = ["日期", "检查时间", "检查人", "检查结果", "不合格项及整改情况", "备注"]
GRID = colors.HexColor("#555555")
# Days that need no check are printed grey: the eye finds the days that matter.
QUIET = colors.HexColor("#777777")
ALERT = colors.HexColor("#b3261e")


class _Styles:
    def __init__(self, font: str):
        self.font = font
        self.title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
        self.subtitle = ParagraphStyle("sub", fontName=font, fontSize=10.5, leading=15, alignment=1)
        self.cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
        self.block = ParagraphStyle(
            "block", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK"
        )


def register_pdf(register: Register) -> bytes:
    """The PDF's bytes: one sheet per site of the register, each from a new page."""
    with force_locale("zh"):
        return _pdf(register)


def _pdf(register: Register) -> bytes:
    styles = _Styles(register_cjk_font())
    out = io.BytesIO()
    title = f"{register.subject} {words.TITLE} {words.month_label(register.month)}"
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author="人防日检",
    )
    exported = words.stamp(days.now())
    story: list = []
    for number, month in enumerate(register.sheets):
        if number:
            story.append(PageBreak())
        story += _sheet(month, register, styles)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(styles.font, 8)
        canvas.setFillColor(QUIET)
        canvas.drawString(MARGIN, MARGIN - 2 * mm, f"人防日检 · {register.unit.name}")
        canvas.drawRightString(
            A4[0] - MARGIN, MARGIN - 2 * mm, f"导出于 {exported} · 第 {doc.page} 页"
        )
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _sheet(month: SiteMonth, register: Register, styles: _Styles) -> list:
    return [
        Paragraph(words.SHEET_TITLE, styles.title),
        Paragraph(words.month_label(month.month), styles.subtitle),
        Spacer(1, 2 * mm),
        _title_block(month, register, styles),
        Spacer(1, 2.5 * mm),
        _day_table(month, styles),
        KeepTogether([Spacer(1, 6 * mm), _signatures(styles)]),
    ]


def _title_block(month: SiteMonth, register: Register, styles: _Styles) -> Table:
    site = month.site
    responsible = site.responsible_person or ""
    if site.responsible_phone:
        responsible += f"（{site.responsible_phone}）"
    summary = (
        f"应检 {month.due} 天，已检 {month.checked} 天（其中延迟同步 {month.count('late')} 天），"
        f"漏检 {month.count('missed')} 天，免检 {month.count('excused')} 天"
    )

    def p(text: str) -> Paragraph:
        return Paragraph(escape(text, quote=False), styles.block)

    rows = [
        ["工程名称", p(site.name), "工程编号", site.code],
        ["工程地址", p(site.address), "", ""],
        ["经营单位", p(register.unit.name), "使用状态", label(site.status, "zh")],
        ["责任人", p(responsible), "统计月份", words.month_label(month.month)],
        ["本月情况", p(summary), "", ""],
    ]
    table = Table(rows, colWidths=[20 * mm, WIDTH - 64 * mm, 20 * mm, 24 * mm])
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, -1), styles.font, 9.5),
            ("GRID", (0, 0), (-1, -1), 0.6, GRID),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f4")),
            ("BACKGROUND", (2, 0), (2, 0), colors.HexColor("#eef1f4")),
            ("BACKGROUND", (2, 2), (2, 3), colors.HexColor("#eef1f4")),
            ("SPAN", (1, 1), (3, 1)),
            ("SPAN", (1, 4), (3, 4)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    return table


def _day_table(month: SiteMonth, styles: _Styles) -> Table:
    rows: list[list] = [DAY_HEADERS]
    commands: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), styles.font, 8.5),
        ("BOX", (0, 0), (-1, -1), 0.8, GRID),
        ("INNERGRID", (0, 0), (-1, 0), 0.6, GRID),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for column in range(1, len(DAY_HEADERS)):
        commands.append(("LINEBEFORE", (column, 0), (column, -1), 0.4, GRID))
    for row in month.days:
        first = len(rows)
        rows += _day_lines(row, styles)
        last = len(rows) - 1
        commands.append(("LINEBELOW", (0, last), (-1, last), 0.4, GRID))
        if row.state in ("not_due", "future"):
            commands.append(("TEXTCOLOR", (0, first), (-1, last), QUIET))
        alerts = [n for n, line in enumerate(row.inspections) if line.failures]
        if row.state == "missed" and not row.inspections:
            alerts = [0]
        for offset in alerts:
            commands.append(("TEXTCOLOR", (3, first + offset), (3, first + offset), ALERT))
    table = Table(rows, colWidths=DAY_COLUMNS, repeatRows=1)
    table.setStyle(commands)
    return table


def _day_lines(row: DayRow, styles: _Styles) -> list[list]:
    """The table lines of one day: one per inspection, or one saying why there is none."""
    date_text = words.day_label(row.day)
    if not row.inspections:
        state, remark = words.DAY_STATE[row.state], row.excuse_reason or ""
        return [[date_text, "", "", state, "", _paragraph(remark, styles)]]
    lines = []
    for index, line in enumerate(row.inspections):
        remarks = _remarks(line)
        if index == 0 and row.state not in ("checked", "late"):
            # e.g. only an office visit on a missed day: the day is still missed.
            remarks.insert(0, words.day_state_text(row))
        lines.append(
            [
                date_text if index == 0 else "",
                f"{words.clock(line.started_at)}–{words.clock(line.finished_at)}",
                line.inspector,
                _result(line),
                _paragraph(_failures(line), styles),
                _paragraph("；".join(remarks), styles),
            ]
        )
    return lines


def _result(line: InspectionLine) -> str:
    result = words.result_text(line)
    return f"{words.kind_text(line)}\n{result}" if line.is_visit else result


def _failures(line: InspectionLine) -> str:
    """Each failed item, and under it what was done about it."""
    return "\n".join(
        f"{words.failed_item_text(item)}\n→ {words.rectification_text(item)}"
        for item in line.failed
    )


def _remarks(line: InspectionLine) -> list[str]:
    remarks = []
    if line.flags:
        remarks.append("标记：" + "、".join(words.flag_name(flag) for flag in line.flags))
    if line.unscanned_unflagged:
        remarks.append("未扫码")
    if line.synced_late:
        remarks.append(f"延迟同步（{words.clock(line.received_at, with_day=True)}）")
    hazards = [words.hazard_text(item) for item in line.failed if item.hazard_id]
    if hazards:
        remarks.append("隐患" + "、".join(hazards))
    return remarks


def _paragraph(text: str, styles: _Styles) -> Paragraph | str:
    """Wrapped text for cells that can be long; plain strings draw much faster."""
    if not text:
        return ""
    return Paragraph(escape(text, quote=False).replace("\n", "<br/>"), styles.cell)


def _signatures(styles: _Styles) -> Table:
    line = "________________"
    table = Table(
        [[f"检查人（签字）：{line}", f"安全管理员（签字）：{line}", "日期：______年____月____日"]],
        colWidths=[WIDTH * 0.33, WIDTH * 0.37, WIDTH * 0.30],
    )
    table.setStyle(
        [("FONT", (0, 0), (-1, -1), styles.font, 10), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
    )
    return table
