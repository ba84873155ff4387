"""A report ``Document`` as an XLSX workbook (openpyxl), with the daily completion rate as
a native Excel chart on a sheet of its own."""

from __future__ import annotations

from flask_babel import gettext as _

from webapp.services.report_export.document import Document
from webapp.xlsx import workbook_bytes

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
