"""Monthly reports as XLSX (openpyxl, with a native Excel chart) and PDF (ReportLab, with the
CJK font embedded and two bar charts). Both are rendered from one neutral ``Document``
(``document.py``) so the two files always say the same thing; ``xlsx.py`` and ``pdf.py``
each only lay it out. Call inside a request (labels follow its language).
"""

from webapp.services.report_export.document import (
    Document,
    Table,
    office_document,
    overview_document,
)
from webapp.services.report_export.pdf import to_pdf
from webapp.services.report_export.xlsx import XLSX_MIMETYPE, to_xlsx

__all__ = [
    "XLSX_MIMETYPE",
    "Document",
    "Table",
    "office_document",
    "overview_document",
    "to_pdf",
    "to_xlsx",
]
