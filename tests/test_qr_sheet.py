"""Printed labels read back by independent tools: poppler renders the PDF, zbar decodes
every QR code; the SVG is rasterised by Chromium. What comes back must be exactly the site
URLs with their current tokens."""

from __future__ import annotations

import io
import subprocess
from xml.etree import ElementTree

import pytest
from PIL import Image
from pyzbar import pyzbar

from tests.factories import PASSWORD, make_site, make_tree, make_user
from webapp import qr, qr_labels
from webapp.extensions import db
from webapp.models import Role

DPI = 100
NAMES = [
    ("南关区人民广场地下停车场人防工程", "吉林省长春市南关区人民大街2677号人民广场地下一层"),
    ("红旗街地下商业街", "长春市朝阳区红旗街与西安大路交汇处"),
    (
        "长春市第一人民医院附属防空地下室（二号楼）及其周边配套设施工程",
        "长春市南关区解放大路东段1000号院内某小区某栋楼地下二层西侧入口往北五十米处",
    ),
    ("桂林路地下仓储", "长春市朝阳区桂林路"),
    ("东岭坑道", "长春市二道区东岭南街"),
]


@pytest.fixture
def sites(app):
    app.config["SHELTER_PUBLIC_BASE_URL"] = "https://rf.jl.gov.cn"
    tree = make_tree()
    made = [
        make_site(tree["unit_a"], code=f"CC-NG-{n:04d}", name=name, address=address)
        for n, (name, address) in enumerate(NAMES, 1)
    ]
    db.session.commit()
    return made


def render_pages(pdf: bytes, tmp_path) -> list[Image.Image]:
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(source), str(tmp_path / "p")], check=True
    )
    return [load(path) for path in sorted(tmp_path.glob("p-*.png"))]


def load(path) -> Image.Image:
    with Image.open(path) as image:
        return image.copy()


def zbar(image_path) -> list[str]:
    """zbarimg, the command-line decoder from Debian's zbar-tools."""
    out = subprocess.run(
        ["zbarimg", "--raw", "-q", str(image_path)], capture_output=True, text=True
    )
    return out.stdout.split()


def test_every_label_on_the_sheet_decodes_to_its_site_url(sites, tmp_path):
    pages = render_pages(qr_labels.sheet_pdf(sites), tmp_path)
    assert len(pages) == 2  # four labels per A4 page
    assert [round(page.width * 25.4 / DPI) for page in pages] == [210, 210]
    assert [round(page.height * 25.4 / DPI) for page in pages] == [297, 297]
    per_page = [zbar(path) for path in sorted(tmp_path.glob("p-*.png"))]
    assert [len(found) for found in per_page] == [4, 1]
    assert sorted(url for found in per_page for url in found) == sorted(
        qr.site_url(site) for site in sites
    )
    # The same codes through a second decoder, which also tells how big they print.
    for page in pages:
        for symbol in pyzbar.decode(page):
            side_mm = symbol.rect.width * 25.4 / DPI
            assert 60 <= side_mm <= 70, "a QR code of at least 6 cm reads from a metre away"


def test_the_sheet_has_real_chinese_text(sites, tmp_path):
    source = tmp_path / "sheet.pdf"
    source.write_bytes(qr_labels.sheet_pdf(sites[:2]))
    fonts = subprocess.run(["pdffonts", str(source)], capture_output=True, text=True).stdout
    assert "WenQuanYi" in fonts or "Noto" in fonts
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "Noto" in line]
    assert all(" yes yes " in line for line in cjk), "the CJK font is embedded (subset)"
    text = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, text=True).stdout
    compact = "".join(text.split())
    for expected in (
        "每日检查",
        "请扫码",
        "红旗街地下商业街",
        "编号CC-NG-0002",
        "管理单位甲市经营单位",
        "人民广场地下一层",
        "Dailysafetycheck",
    ):
        assert expected in compact


def test_a_rotation_changes_what_the_printed_label_says(sites, tmp_path):
    site = sites[0]
    before = zbar_png(qr_labels.label_png(site), tmp_path)
    manager = make_user(site.unit, Role.UNIT_MANAGER)
    qr.rotate_site_token(site, manager)
    after = zbar_png(qr_labels.label_png(site), tmp_path)
    assert before != after == [qr.site_url(site)]


def zbar_png(png: bytes, tmp_path) -> list[str]:
    path = tmp_path / "label.png"
    path.write_bytes(png)
    return zbar(path)


def test_png_label_decodes(sites, tmp_path):
    for site in sites:
        png = qr_labels.label_png(site)
        with Image.open(io.BytesIO(png)) as image:
            assert image.size == (1240, 1754)  # A6 at 300 dpi
        assert zbar_png(png, tmp_path) == [qr.site_url(site)]


def test_long_names_are_wrapped_and_shortened_never_cut_off(sites):
    site = sites[2]
    site.name = "超长名称" * 30
    texts = qr_labels.layout(site).texts
    name_lines = [text for text in texts if text.bold and "超长" in text.text]
    assert len(name_lines) == 2 and name_lines[-1].text.endswith("…")
    for text in texts:
        width = qr_labels.text_width(text.text, text.size)
        assert width <= qr_labels.LABEL_W - 2 * qr_labels.MARGIN, text.text


@pytest.mark.parametrize("width", [40, 50, 60, 70, 80])
def test_wrap_keeps_closing_punctuation_off_the_line_start(app, width):
    text = "长春市第一人民医院附属防空地下室（二号楼），及其周边配套设施"
    lines = qr_labels.wrap(text, 17, width, 9)
    assert len(lines) > 1
    assert all(not part.startswith(("）", "，")) for part in lines)
    assert "".join(lines) == text


def test_a_name_full_of_markup_stays_text_in_the_svg_label(sites):
    site = sites[0]
    site.name = "仓库 </title><script>alert(\"x\")</script> & 'B'"
    svg = ElementTree.fromstring(qr_labels.label_svg(site).encode())
    title = svg.find("{http://www.w3.org/2000/svg}title")
    assert title.text == f"{site.code} {site.name}"
    assert svg.find(".//{http://www.w3.org/2000/svg}script") is None


@pytest.mark.browser
def test_svg_label_decodes_after_chromium_renders_it(sites, tmp_path):
    site = sites[2]
    svg = tmp_path / "label.svg"
    svg.write_text(qr_labels.label_svg(site), encoding="utf-8")
    shot = tmp_path / "svg.png"
    subprocess.run(
        [
            "/usr/bin/chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--force-device-scale-factor=2",
            "--window-size=420,580",
            f"--screenshot={shot}",
            svg.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert zbar(shot) == [qr.site_url(site)]


def test_label_pages_serve_decodable_labels(client, sites, tmp_path):
    manager = make_user(sites[0].unit, Role.UNIT_MANAGER)
    db.session.commit()
    client.post("/api/v1/session", json={"username": manager.username, "password": PASSWORD})
    png = client.get(f"/manage/qr/sites/{sites[1].code}/label.png")
    assert png.mimetype == "image/png"
    assert zbar_png(png.data, tmp_path) == [qr.site_url(sites[1])]
    svg = client.get(f"/manage/qr/sites/{sites[1].code}/label.svg")
    assert svg.mimetype == "image/svg+xml"
    assert sites[1].name in svg.get_data(as_text=True)
    codes = [sites[0].code, sites[3].code, sites[4].code]
    sheet = client.get("/manage/qr/sheet.pdf", query_string={"org": "U-A1", "site": codes})
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    pages = render_pages(sheet.data, tmp_path)
    assert len(pages) == 1
    found = zbar(sorted(tmp_path.glob("p-*.png"))[0])
    assert sorted(found) == sorted(qr.site_url(site) for site in (sites[0], sites[3], sites[4]))
