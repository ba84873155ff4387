"""Monthly reports as XLSX (openpyxl, with a native Excel chart) and PDF (ReportLab, with the
CJK font embedded and two bar charts). Both are rendered from one neutral ``Document`` so
the two files always say the same thing. Call inside a request (labels follow its language).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from webapp import days
from webapp.models import MonthlyReport, Organisation
from webapp.services import reports as svc
from webapp.xlsx import workbook_bytes

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    title: str
    rows: list[list]
    header: list[str] | None = None
    chart: str | None = None  # "daily" or "categories": drawn under this table in the PDF


@dataclass
class Document:
    title: str
    lines: list[str]
    tables: list[Table]
    daily: list[list] = field(default_factory=list)  # [[YYYY-MM-DD, due, checked], ...]
    categories: dict[str, int] = field(default_factory=dict)


def _value(key: str, value) -> object:
    if value is None:
        return "—"
    if key.endswith("rate") or key.endswith("rate_ytd"):
        return f"{value * 100:.1f}%"
    return value


def _figure_tables(figures: dict) -> list[Table]:
    tables = [
        Table(
            str(svc.SECTION_TITLES["A"]),
            [[str(text), _value(k, figures["A"].get(k))] for k, text in svc.A_LABELS.items()],
            chart="daily",
        ),
        _group_table(figures["A"], "by_construction"),
        _group_table(figures["A"], "by_usage"),
    ]
    if figures.get("credibility_units"):  # reports submitted before the figure have none
        tables.append(
            Table(
                _("Credibility of daily self-checks, by unit"),
                [
                    [
                        f"{u['name']} {u['code']}",
                        u["self_checks"],
                        _value("rate", u["credibility_raw_rate"]),
                        _value("rate", u["credibility_annotated_rate"]),
                    ]
                    for u in figures["credibility_units"]
                ],
                header=[_("Unit"), _("Self-checks"), _("Without any flag"), _("After annotation")],
            )
        )
    b = figures.get("B")
    if b:
        tables.append(
            Table(
                str(svc.SECTION_TITLES["B"]),
                [[str(text), _value(k, b.get(k))] for k, text in svc.b_labels().items()],
                chart="categories",
            )
        )
        tables.append(_group_table(b, "by_source"))
        tables.append(
            Table(
                _("Most recurring items"),
                [[f"{i['item_id']} {i['label']}", i["count"]] for i in b["top_items"]],
            )
        )
        if b["major_open_list"]:
            tables.append(
                Table(
                    _("Major hazards still open (五落实)"),
                    [
                        [
                            h["site"] + " / " + h["item"],
                            h["responsible"],
                            h["measures"],
                            h["funds"] if h["funds"] is not None else "",
                            h["deadline"],
                            h["contingency"],
                        ]
                        for h in b["major_open_list"]
                    ],
                    header=[
                        _("Site / item"),
                        _("Responsible"),
                        _("Measures"),
                        _("Funds"),
                        _("Deadline"),
                        _("Contingency plan"),
                    ],
                )
            )
    tables.append(
        Table(
            str(svc.SECTION_TITLES["E"]),
            [[str(text), _value(k, figures["E"].get(k))] for k, text in svc.E_LABELS.items()],
        )
    )
    return tables


def office_document(org: Organisation, month: date, report: MonthlyReport | None) -> Document:
    """A city-level office's report: the version given (frozen figures if submitted)."""
    frozen = report is not None and report.is_submitted
    figures = report.figures if frozen else svc.compute_figures(org, month)
    status = svc.submission_status(org, month)
    state = {
        "on_time": _("Submitted on time"),
        "late": _("Submitted late"),
        "missing": _("Missing: not submitted"),
        "pending": _("%(n)d days left", n=status.days_left or 0),
    }[status.state]
    lines = [
        f"{org.name} · {_('Monthly report %(month)s', month=month.strftime('%Y-%m'))}",
        f"{_('Due by %(day)s', day=status.due.isoformat())} · {state}",
    ]
    if report is not None:
        version = _("Version %(n)d", n=report.version)
        if frozen:
            local = report.submitted_at.astimezone(days.zone()).strftime("%Y-%m-%d %H:%M")
            version += " · " + _(
                "submitted %(time)s by %(name)s", time=local, name=report.submitted_by.display_name
            )
        else:
            version += " · " + _("draft, not submitted")
        lines.append(version)
    lines.append(
        _("The figures below are frozen as submitted.")
        if frozen
        else _("The figures below are live; they are frozen when the report is submitted.")
    )
    if figures.get("zero_report"):
        lines.append(
            _("Zero report: no hazards were found this month. It still has to be submitted.")
        )
    tables = [_manual_table("H", report)] + _figure_tables(figures)
    tables += [_manual_table(section, report) for section in ("C", "D", "E", "F")]
    if frozen:
        changes = svc.differences(report)
        if changes:
            tables.append(
                Table(
                    _("Late data changed these figures since submission"),
                    [[svc.figure_label(k), _fmt(a), _fmt(b)] for k, a, b in changes],
                    header=[_("Figure"), _("As submitted"), _("Now")],
                )
            )
    return Document(
        title=_("Monthly report %(month)s", month=month.strftime("%Y-%m")) + " · " + org.name,
        lines=lines,
        tables=tables,
        daily=figures.get("daily") or [],
        categories=_named(figures),
    )


def _group_table(section: dict, group: str) -> Table:
    rows = [list(row) for row in svc.group_rows(section, group)]
    return Table(str(svc.GROUP_TITLES[group]), rows)


def _named(figures: dict) -> dict[str, int]:
    """Hazards by category with the categories' names in the request's language."""
    return dict(svc.group_rows(figures.get("B") or {}, "by_category"))


def _fmt(value) -> object:
    return "—" if value is None else value


def _manual_table(section: str, report: MonthlyReport | None) -> Table:
    manual = (report.manual if report else None) or {}
    title = str(svc.SECTION_TITLES[section])
    return Table(
        title,
        [[str(f.label), manual.get(f.key, "")] for f in svc.MANUAL_FIELDS if f.section == section],
    )


def overview_document(org: Organisation, month: date) -> Document:
    """The province's (or any office's) view: each reporting office's status and figures,
    and the totals (each office counted once)."""
    rows, total = svc.province_overview(org, month)
    states = {"on_time": _("On time"), "late": _("Late"), "missing": _("Missing")}
    status_rows = []
    for row in rows:
        s = row["status"]
        state = states.get(s.state) or _("%(n)d days left", n=s.days_left or 0)
        submitted = (
            s.submitted_at.astimezone(days.zone()).strftime("%Y-%m-%d %H:%M")
            if s.submitted_at
            else ""
        )
        figures = row["figures"]
        status_rows.append(
            [
                row["office"].name,
                state,
                submitted,
                s.versions,
                _value("compliance_rate", figures["A"].get("compliance_rate")),
                (figures.get("B") or {}).get("found_month", ""),
                (figures.get("B") or {}).get("outstanding_month_end", ""),
            ]
        )
    due = svc.due_date(month).isoformat()
    return Document(
        title=_("Monthly reports %(month)s", month=month.strftime("%Y-%m")) + " · " + org.name,
        lines=[
            _("due by %(day)s", day=due),
            _(
                "Figures of submitted reports are shown as submitted; the others are live. "
                "Each office is counted once."
            ),
        ],
        tables=[
            Table(
                _("Who has reported"),
                status_rows,
                header=[
                    _("Office"),
                    _("Status"),
                    _("Submission"),
                    _("Versions"),
                    _("Compliance"),
                    _("Hazards found"),
                    str(svc.b_labels()["outstanding_month_end"]),
                ],
            )
        ]
        + [Table(_("Totals") + " · " + t.title, t.rows, t.header) for t in _figure_tables(total)],
        categories=_named(total),
    )


# --- XLSX ---------------------------------------------------------------------------------


def to_xlsx(doc: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = _("Monthly report")[:31]
    sheet.append([doc.title])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in doc.lines:
        sheet.append([line])
    head_fill = PatternFill("solid", fgColor="E9EEF4")
    for table in doc.tables:
        sheet.append([])
        sheet.append([table.title])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
        if table.header:
            sheet.append(table.header)
            for cell in sheet[sheet.max_row]:
                cell.font, cell.fill = Font(bold=True), head_fill
        for row in table.rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 48
    for column in "BCDEFG":
        sheet.column_dimensions[column].width = 18
    if doc.daily:
        data = book.create_sheet(_("Daily completion")[:31])
        data.append([_("Day"), _("Sites due"), _("Checked"), _("Completion")])
        for day, due, checked in doc.daily:
            data.append([day, due, checked, round(checked / due, 4) if due else None])
            data.cell(data.max_row, 4).number_format = "0.0%"
        chart = BarChart()
        chart.title = _("Daily completion rate")
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.add_data(
            Reference(data, min_col=4, min_row=1, max_row=data.max_row), titles_from_data=True
        )
        chart.set_categories(Reference(data, min_col=1, min_row=2, max_row=data.max_row))
        chart.width, chart.height = 24, 8
        data.add_chart(chart, "F2")
        data.column_dimensions["A"].width = 12
    return workbook_bytes(book)


# --- PDF ----------------------------------------------------------------------------------


def to_pdf(doc: Document) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    from webapp.pdf_fonts import register_cjk_font

    font = register_cjk_font()
    # wordWrap="CJK" breaks lines between Chinese characters (there are no spaces).
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, spaceAfter=6)
    h2 = ParagraphStyle(
        "h2",
        fontName=font,
        fontSize=11.5,
        leading=16,
        spaceBefore=8,
        spaceAfter=4,
        textColor=colors.HexColor("#1d3557"),
    )
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12.5, wordWrap="CJK")
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=doc.title,
        author="人防日检",
    )
    width = A4[0] - 32 * mm
    story = [Paragraph(_escape(doc.title), title)]
    story += [Paragraph(_escape(line), body) for line in doc.lines]
    story.append(Spacer(1, 4 * mm))
    charts = _charts(doc, font, width)
    for table in doc.tables:
        rows = ([table.header] if table.header else []) + table.rows
        if not rows:
            continue
        cells = [[Paragraph(_escape(str(c)), body) for c in row] for row in rows]
        columns = len(rows[0])
        widths = [width * 0.62, width * 0.38] if columns == 2 else [width / columns] * columns
        grid = PdfTable(cells, colWidths=widths, repeatRows=1 if table.header else 0)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c2cc")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if table.header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9eef4")))
        grid.setStyle(TableStyle(style))
        story.append(KeepTogether([Paragraph(_escape(table.title), h2), grid]))
        if table.chart in charts:
            story.append(charts.pop(table.chart))
    story += list(charts.values())
    pdf.build(story)
    return out.getvalue()


def _charts(doc: Document, font: str, width: float) -> dict:
    """A bar chart of daily completion and one of hazards by category, by name."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    drawings = {}
    if doc.daily:
        rates = [round(checked / due * 100, 1) if due else 0 for _d, due, checked in doc.daily]
        drawing = Drawing(width, 150)
        drawing.add(String(0, 138, _("Daily completion rate") + " (%)", fontName=font, fontSize=10))
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 30, 20, width - 40, 105
        chart.data = [rates]
        chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
        chart.categoryAxis.categoryNames = [d[8:] for d, _due, _c in doc.daily]
        chart.categoryAxis.labels.fontSize = 6
        chart.valueAxis.labels.fontSize = 7
        chart.bars[0].fillColor = colors.HexColor("#2e8b57")
        chart.bars[0].strokeColor = None
        drawing.add(chart)
        drawings["daily"] = drawing
    if doc.categories:
        names = sorted(doc.categories, key=lambda k: -doc.categories[k])
        drawing = Drawing(width, 150)
        drawing.add(String(0, 138, _("Found this month by category"), fontName=font, fontSize=10))
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 30, 20, width - 40, 105
        chart.data = [[doc.categories[k] for k in names]]
        chart.valueAxis.valueMin = 0
        chart.categoryAxis.categoryNames = names
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 8
        chart.valueAxis.labels.fontSize = 7
        chart.bars[0].fillColor = colors.HexColor("#c9372c")
        drawing.add(chart)
        drawings["categories"] = drawing
    return drawings


def _escape(text: str) -> str:
    """Paragraph text is a little markup language: escape what users typed."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )
