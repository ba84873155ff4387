"""The CJK font embedded in generated PDFs (reports, and labels), registered once.

ReportLab's built-in fonts have no Chinese glyphs; a TrueType font is embedded (subset)
so the PDF renders the same on any reader.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "ShelterCJK"
# (path, index in the collection): Debian's fonts-wqy-zenhei first (`make test` installs it).
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)


class CJKFontMissing(RuntimeError):
    """No usable CJK font file: install fonts-wqy-zenhei or set SHELTER_CJK_FONT."""


def cjk_font_file() -> tuple[str, int]:
    """(path, subfont index) of the CJK font to embed; raises CJKFontMissing."""
    configured = current_app.config.get("SHELTER_CJK_FONT")
    candidates = ((configured, 0),) if configured else FONT_CANDIDATES
    for path, index in candidates:
        if Path(path).is_file():
            return path, index
    raise CJKFontMissing(
        "No CJK font found for PDFs: install fonts-wqy-zenhei or set SHELTER_CJK_FONT "
        "to a TrueType font file."
    )


def register_cjk_font() -> str:
    """Register the CJK font with ReportLab (once per process) and return its name."""
    return _register(*cjk_font_file())


@cache
def _register(path: str, index: int) -> str:
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=index))
    return FONT_NAME
