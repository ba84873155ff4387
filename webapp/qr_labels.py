"""Site QR labels: one layout, drawn three ways (A4 PDF sheet, PNG, SVG).

A label is A6 (105 x 148.5 mm, a quarter of A4, so a sheet is cut in four): the instruction
每日检查 请扫码 on a band at the top, a QR code of 64 mm (about 1.7 mm per module, readable
from a metre away), then the site's name, code, address and owning unit. Chinese text uses
an embedded CJK TrueType font (Debian's fonts-wqy-zenhei), so it prints the same anywhere.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache
from html import escape

import qrcode
from qrcode.image.svg import SvgPathImage
from reportlab.pdfbase import pdfmetrics

from webapp.days import today
from webapp.models import Site
from webapp.pdf_fonts import cjk_font_file, register_cjk_font
from webapp.qr import site_url, token_fingerprint

SVG_FONT_FAMILY = (
    "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', "
    "'Microsoft YaHei', SimHei, sans-serif"
)

LABEL_W, LABEL_H = 105.0, 148.5  # mm: A6
A4_W, A4_H = 210.0, 297.0
COLUMNS, ROWS = 2, 2
MARGIN = 7.0  # mm inside the cut line; printers cannot print the outer 4-5 mm of a sheet
QR_SIZE = 64.0  # mm, the code itself; the quiet zone is the white label around it
QR_TOP = 33.0
BAND_H = 19.0
PT = 25.4 / 72  # mm per typographic point
# Labels in one sheet request (50 pages, about 6 s to draw): a city is printed unit by unit.
MAX_SHEET_LABELS = 200

INK = "#111111"
GREY = "#555555"
BAND = "#b3261e"  # the red of civil-defence signage
WHITE = "#ffffff"

INSTRUCTION_ZH = "每日检查 请扫码"
INSTRUCTION_EN = "Daily safety check: scan this code"
FOOTER = "人防日检 Shelter Daily Check"


@dataclass(frozen=True)
class Text:
    text: str
    x: float  # mm from the label's left edge (centre of the line)
    y: float  # mm from the label's top edge (baseline)
    size: float  # pt
    color: str = INK
    bold: bool = False


@dataclass
class Label:
    """Everything drawn on one label, in millimetres from its top-left corner."""

    url: str
    matrix: list[list[bool]]
    texts: list[Text] = field(default_factory=list)

    @property
    def module(self) -> float:
        return QR_SIZE / len(self.matrix)

    @property
    def qr_x(self) -> float:
        return (LABEL_W - QR_SIZE) / 2


# --- fonts ------------------------------------------------------------------------------


def _registered_font() -> str:
    return register_cjk_font()


def text_width(text: str, size: float) -> float:
    """Width in mm of ``text`` at ``size`` pt in the label font."""
    return pdfmetrics.stringWidth(text, _registered_font(), size) * PT


def wrap(text: str, size: float, width: float, max_lines: int) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines of ``width`` mm (character by
    character, as Chinese is written), of even length, no line starting with closing
    punctuation; an overlong last line ends with an ellipsis."""
    lines = _greedy_wrap(text, size, width, max_lines)
    if 1 < len(lines) and not lines[-1].endswith("…"):
        # Narrow the measure while the line count holds: two halves, not a long line and a stub.
        low, high = width / len(lines), width
        while high - low > 0.5:
            middle = (low + high) / 2
            if len(_greedy_wrap(text, size, middle, len(lines) + 1)) == len(lines):
                high = middle
            else:
                low = middle
        lines = _greedy_wrap(text, size, high, max_lines)
    for index in range(1, len(lines)):
        while lines[index] and lines[index][0] in _NO_LINE_START and len(lines[index - 1]) > 1:
            lines[index] = lines[index - 1][-1] + lines[index]
            lines[index - 1] = lines[index - 1][:-1]
    return lines


_NO_LINE_START = "）》」』】〕，。、；：！？·)]},.;:!?"


def _greedy_wrap(text: str, size: float, width: float, max_lines: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for char in text:
        if text_width(current + char, size) <= width:
            current += char
            continue
        lines.append(current)
        current = char.lstrip()
        if len(lines) == max_lines:
            break
    else:
        if current:
            lines.append(current)
        return lines
    last = lines[-1]
    while last and text_width(last + "…", size) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


# --- layout -----------------------------------------------------------------------------


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules for ``url`` (error correction M: 15 % of a dirty label may be lost)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def layout(site: Site) -> Label:
    url = site_url(site)
    label = Label(url=url, matrix=qr_matrix(url))
    centre = LABEL_W / 2
    inner = LABEL_W - 2 * MARGIN - 4
    add = label.texts.append
    add(Text(INSTRUCTION_ZH, centre, MARGIN + 10.5, 24, WHITE, bold=True))
    add(Text(INSTRUCTION_EN, centre, MARGIN + 16, 8.5, WHITE))

    y = QR_TOP + QR_SIZE + 10.5
    name_size = 17.0
    while name_size > 11 and len(wrap(site.name, name_size, inner, 9)) > 2:
        name_size -= 1
    for line in wrap(site.name, name_size, inner, 2):
        add(Text(line, centre, y, name_size, bold=True))
        y += name_size * PT * 1.3
    add(Text(f"编号 {site.code}", centre, y + 0.5, 11))
    y += 11 * PT * 1.2 + 1.5
    for line in wrap(f"地址 {site.address}", 8.5, inner, 2):
        add(Text(line, centre, y, 8.5, GREY))
        y += 8.5 * PT * 1.35
    for line in wrap(f"管理单位 {site.unit.name}", 8.5, inner, 1):
        add(Text(line, centre, y, 8.5, GREY))
    issued = f"{FOOTER} · {today():%Y-%m-%d} · No. {token_fingerprint(site.qr_token)[:6]}"
    add(Text(issued, centre, LABEL_H - MARGIN + 1.5, 6.5, GREY))
    return label


# --- PDF --------------------------------------------------------------------------------


def sheet_pdf(sites: list[Site]) -> bytes:
    """An A4 PDF with four labels per page (cut along the dashed lines)."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = _registered_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(A4_W * mm, A4_H * mm), pageCompression=1)
    pdf.setTitle("人防日检 二维码标签 QR labels")
    pdf.setAuthor("人防日检 Shelter Daily Check")
    per_page = COLUMNS * ROWS
    for start in range(0, len(sites), per_page):
        _cut_lines(pdf)
        for slot, site in enumerate(sites[start : start + per_page]):
            column, row = slot % COLUMNS, slot // COLUMNS
            left = column * LABEL_W
            top = A4_H - row * LABEL_H
            _draw_label_pdf(pdf, layout(site), font, left, top)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _cut_lines(pdf) -> None:
    from reportlab.lib.units import mm

    pdf.saveState()
    pdf.setStrokeColor("#bbbbbb")
    pdf.setLineWidth(0.4)
    pdf.setDash(3, 3)
    for column in range(1, COLUMNS):
        pdf.line(column * LABEL_W * mm, 0, column * LABEL_W * mm, A4_H * mm)
    for row in range(1, ROWS):
        pdf.line(0, row * LABEL_H * mm, A4_W * mm, row * LABEL_H * mm)
    pdf.restoreState()


def _draw_label_pdf(pdf, label: Label, font: str, left: float, top: float) -> None:
    """Draw ``label`` with its top-left corner at (left, top) mm of the page (PDF y is up)."""
    from reportlab.lib.units import mm

    def x(value: float) -> float:
        return (left + value) * mm

    def y(value: float) -> float:
        return (top - value) * mm

    pdf.saveState()
    pdf.setFillColor(BAND)
    pdf.roundRect(
        x(MARGIN),
        y(MARGIN + BAND_H),
        (LABEL_W - 2 * MARGIN) * mm,
        BAND_H * mm,
        2 * mm,
        stroke=0,
        fill=1,
    )
    pdf.setFillColor("#000000")
    # The code as one filled path in module units (a transform scales it): one PDF object
    # with short integer coordinates instead of a thousand rectangles.
    pdf.saveState()
    pdf.translate(x(label.qr_x), y(QR_TOP))
    pdf.scale(label.module * mm, -label.module * mm)
    modules = pdf.beginPath()
    for row, cells in enumerate(label.matrix):
        for start, length in _runs(cells):
            modules.rect(start, row, length, 1)
    pdf.drawPath(modules, stroke=0, fill=1)
    pdf.restoreState()
    for text in label.texts:
        pdf.setFillColor(text.color)
        pdf.setStrokeColor(text.color)
        pdf.setFont(font, text.size)
        line = pdf.beginText()
        # Render mode 2 (fill and stroke) thickens the strokes: the font has no bold face.
        line.setTextRenderMode(2 if text.bold else 0)
        pdf.setLineWidth(0.5 if text.bold else 0)
        width = text_width(text.text, text.size)
        line.setTextOrigin(x(text.x - width / 2), y(text.y))
        line.textOut(text.text)
        pdf.drawText(line)
    pdf.restoreState()


def _runs(cells: list[bool]):
    """(start, length) of each run of dark modules in a row: fewer, larger rectangles."""
    start = None
    for index, dark in enumerate([*cells, False]):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            yield start, index - start
            start = None


# --- PNG --------------------------------------------------------------------------------


def label_png(site: Site, dpi: int = 300) -> bytes:
    """One label as a PNG at ``dpi`` (300: 1240 x 1754 px, prints at A6)."""
    from PIL import Image, ImageDraw

    label = layout(site)
    scale = dpi / 25.4  # px per mm
    image = Image.new("RGB", (round(LABEL_W * scale), round(LABEL_H * scale)), WHITE)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (MARGIN * scale, MARGIN * scale, (LABEL_W - MARGIN) * scale, (MARGIN + BAND_H) * scale),
        radius=2 * scale,
        fill=BAND,
    )
    # Whole pixels per module keep the code sharp for decoders.
    step = max(1, int(label.module * scale))
    size = step * len(label.matrix)
    origin_x = round((LABEL_W * scale - size) / 2)
    origin_y = round(QR_TOP * scale + (QR_SIZE * scale - size) / 2)
    for row, cells in enumerate(label.matrix):
        for start, length in _runs(cells):
            x0 = origin_x + start * step
            y0 = origin_y + row * step
            draw.rectangle((x0, y0, x0 + length * step - 1, y0 + step - 1), fill="#000000")
    for text in label.texts:
        font = _pil_font(*cjk_font_file(), round(text.size * PT * scale))
        draw.text(
            (text.x * scale, text.y * scale),
            text.text,
            font=font,
            fill=text.color,
            anchor="ms",
            stroke_width=1 if text.bold else 0,
            stroke_fill=text.color,
        )
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


@cache
def _pil_font(path: str, index: int, pixels: int):
    """Pillow's handle on the label font at one size (opening the 16 MB TTC is the slow part)."""
    from PIL import ImageFont

    return ImageFont.truetype(path, pixels, index=index)


# --- SVG --------------------------------------------------------------------------------


def label_svg(site: Site) -> str:
    """One label as a standalone SVG document sized in millimetres."""
    label = layout(site)
    qr_path, qr_units = _qr_svg_path(label.url)
    scale = QR_SIZE / qr_units
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_W}mm" height="{LABEL_H}mm" '
        f'viewBox="0 0 {LABEL_W} {LABEL_H}">',
        f"<title>{escape(site.code)} {escape(site.name)}</title>",
        f'<rect width="{LABEL_W}" height="{LABEL_H}" fill="{WHITE}"/>',
        f'<rect x="{MARGIN}" y="{MARGIN}" width="{LABEL_W - 2 * MARGIN}" height="{BAND_H}" '
        f'rx="2" fill="{BAND}"/>',
        f'<g transform="translate({label.qr_x} {QR_TOP}) scale({scale:.6f})">'
        f'<path d="{escape(qr_path)}" fill="#000000" shape-rendering="crispEdges"/></g>',
        f'<g font-family="{SVG_FONT_FAMILY}" text-anchor="middle">',
    ]
    for text in label.texts:
        weight = ' font-weight="bold"' if text.bold else ""
        parts.append(
            f'<text x="{text.x:.2f}" y="{text.y:.2f}" font-size="{text.size * PT:.2f}" '
            f'fill="{text.color}"{weight}>{escape(text.text)}</text>'
        )
    parts += ["</g>", "</svg>", ""]
    return "\n".join(parts)


def _qr_svg_path(url: str) -> tuple[str, float]:
    """The QR code as one SVG path from qrcode's SVG image factory, and its side in the
    path's own units."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, image_factory=SvgPathImage
    )
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image()
    side = float(image.units(image.pixel_size, text=False))
    return image.path.get("d"), side
