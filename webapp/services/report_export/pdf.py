"""A report ``Document`` as an A4 PDF (ReportLab): the CJK font embedded, each table kept
with its title, and bar charts of daily completion and of hazards by category."""

from __future__ import annotations

import io

from flask_babel import gettext as _

from webapp.services.report_export.document import Document


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
