"""The daily-check register as an A4 PDF in the shape of the paper 日检查记录表, read back
with poppler (pdftotext, pdffonts, pdfinfo): Chinese text, one row per day, signature
lines, one sheet per site, the CJK font embedded."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import time_machine

from tests.dashboard_fixtures import log_in
from tests.register_world import NOW, build_month

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils not installed (make test installs it)"
)


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=False):
        yield build_month()


def download(client, path: str, tmp_path) -> str:
    reply = client.get(path)
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]
    assert reply.mimetype == "application/pdf"
    assert reply.data.startswith(b"%PDF")
    target = tmp_path / "register.pdf"
    target.write_bytes(reply.data)
    return str(target)


def poppler(tool: str, path: str, *args: str) -> str:
    return subprocess.run(
        [tool, *args, path, *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def day_line(text: str, label: str) -> str:
    """The text line of the day table that starts with ``label`` (e.g. 3月5日 周四)."""
    return next(line for line in text.splitlines() if line.strip().startswith(label))


def test_a_site_sheet_reads_like_the_paper_form(client, world, tmp_path):
    log_in(client, "manager_a")
    path = download(client, "/register/sites/A-01.pdf?month=2026-03", tmp_path)
    text = poppler("pdftotext", path, "-layout")
    for words in (
        "人防工程日检查记录表",
        "2026年3月",
        "人民广场地下停车场",
        "A-01",
        "长春市南关区人民大街1号",
        "甲市经营单位",
        "赵安全（13800000000）",
        "在用",
        "应检 16 天，已检 4 天（其中延迟同步 1 天），漏检 12 天，免检 1 天",
        "检查人（签字）",
        "安全管理员（签字）",
    ):
        assert words in text, words
    # One row per day of the month, each saying what happened.
    for day in range(1, 32):
        assert re.search(rf"^\s*3月{day}日 周", text, re.M), day
    assert "合格" in day_line(text, "3月3日 周二") and "08:10–08:14" in day_line(text, "3月3日")
    assert "无需检查" in day_line(text, "3月1日 周日")
    assert "漏检" in day_line(text, "3月5日 周四")
    assert "免检" in day_line(text, "3月6日 周五") and "停业维修" in text
    assert "延迟同步（03-05 08:00）" in text
    office = day_line(text, "3月7日 周六")
    assert "督导检查" in text and "市督查员" in office and "漏检" in office
    assert "2项不合格" in day_line(text, "3月9日 周一")
    assert "暗查暗访" in text and "省暗访组" in text
    assert "即查即改：当场清理出口杂物" in text
    assert "更换过期灭火器" in text and "王五" in text
    assert f"第{world['hazard_fire'].id}号（整改中）" in text
    assert "标记：未扫码" in day_line(text, "3月10日 周二")
    assert "标记：用时过短（已说明）" in day_line(text, "3月3日 周二")
    assert "今日待检" in day_line(text, "3月20日 周五")
    assert "导出于 2026-03-20 12:00" in text


def test_the_chinese_font_is_embedded(client, world, tmp_path):
    log_in(client, "manager_a")
    path = download(client, "/register/sites/A-01.pdf", tmp_path)
    # name type encoding emb sub uni object ID
    fonts = [line.split() for line in poppler("pdffonts", path).splitlines()[2:]]
    cjk = [font for font in fonts if "WenQuanYi" in font[0] or "Noto" in font[0]]
    assert cjk and all(font[-5:-2] == ["yes", "yes", "yes"] for font in cjk)  # embedded subset
    # Only ReportLab's page-setup Helvetica (one of the PDF standard fonts) is not embedded.
    assert {font[0] for font in fonts if font[-5] == "no"} <= {"Helvetica"}
    info = poppler("pdfinfo", path)
    assert "595.276 x 841.89 pts (A4)" in info


def test_a_unit_register_starts_each_site_on_a_new_page(client, world, tmp_path):
    log_in(client, "sup_a")
    path = download(client, "/register/units/U-A1.pdf?month=2026-03", tmp_path)
    pages = poppler("pdftotext", path, "-layout").split("\f")
    titled = [(n, page) for n, page in enumerate(pages) if "人防工程日检查记录表" in page]
    assert [re.search(r"A-0\d", page).group(0) for _n, page in titled] == ["A-01", "A-02", "A-03"]
    assert all(n > 0 for n, _page in titled[1:])  # never two sites' titles on one page
    idle = titled[1][1]
    assert "闲置" in idle and "漏检" in day_line(idle, "3月2日 周一")
    assert "无需检查" in day_line(idle, "3月3日 周二")
    assert "停用" in titled[2][1]
    for _n, page in titled:
        assert "安全管理员（签字）" in page or "安全管理员（签字）" in pages[_n + 1]


def test_long_text_wraps_onto_more_pages_instead_of_being_cut(client, world, tmp_path):
    from tests.dashboard_fixtures import local
    from tests.factories import make_failed_inspection
    from webapp.extensions import db

    long_note = "通道堆放大量纸箱和废旧家具，" * 20 + "<b>已清理</b> & 复查"
    for day in range(11, 20):
        make_failed_inspection(
            world["site_a"],
            world["insp"],
            world["template"],
            {"EVAC-01": {"mode": "on_spot", "action": long_note}},
            finished_at=local(2026, 3, day, 9),
        )
    db.session.commit()
    log_in(client, "manager_a")
    path = download(client, "/register/sites/A-01.pdf", tmp_path)
    pages = int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", path)).group(1))
    assert pages >= 2
    text = poppler("pdftotext", path, "-layout")
    assert text.count("安全管理员（签字）") == 1
    assert "第 2 页" in text
    flat = "".join(text.split())
    assert "<b>已清理</b>&复查" in flat  # what was typed is text, never markup
