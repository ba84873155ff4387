"""XLSX and PDF exports of the monthly report, read back (openpyxl; poppler's pdftotext)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
import time_machine
from openpyxl import load_workbook

from tests.dashboard_fixtures import add_inspection, local, log_in
from tests.test_reports import IN_APRIL, MARCH
from tests.test_reports import world as world  # noqa: F401  (the fixture)
from webapp.extensions import db
from webapp.services import reports as svc


def cells(workbook) -> list[str]:
    return [str(c.value) for row in workbook.active.iter_rows() for c in row if c.value is not None]


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_xlsx_reads_back(client, world):
    with time_machine.travel(IN_APRIL, tick=False):
        log_in(client, "sup_a")
        svc.submit(
            world["sup_a"], world["city_a"], MARCH, {"fines_count": "2", "main_work": "全面排查"}
        )
        reply = client.get("/reports/export.xlsx?org=CA&month=2026-03&lang=zh")
    assert reply.status_code == 200 and reply.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="report-CA-2026-03-v1.xlsx"' in reply.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(reply.data))
    text = cells(book)
    assert "甲市人防办 · 2026-03 月报" in text and "按时报送" in " ".join(text)
    sheet = book.active
    values = {row[0].value: row[1].value for row in sheet.iter_rows() if row[0].value}
    assert values["辖区人防工程总数"] == 10
    assert values["日检查落实率"] == f"{round(6 / 226, 4) * 100:.1f}%"
    assert values["本月排查发现隐患（项）"] == 4
    assert values["罚款（起）"] == 2 and values["主要工作"] == "全面排查"
    daily = book["每日检查完成情况"]
    assert daily.max_row == 32 and daily._charts  # a header, 31 days, and a bar chart
    assert [c.value for c in daily[10]] == ["2026-03-09", 8, 5, 0.625]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_pdf_renders_chinese(client, world, tmp_path):
    with time_machine.travel(IN_APRIL, tick=False):
        log_in(client, "sup_a")
        svc.submit(world["sup_a"], world["city_a"], MARCH)
        add_inspection(
            world["sites"]["A8"],
            world["insp_a"],
            local(2026, 3, 15, 10),
            received_at=local(2026, 4, 3, 8),
        )
        db.session.commit()
        reply = client.get("/reports/export.pdf?org=CA&month=2026-03&lang=zh")
    assert reply.status_code == 200 and reply.data.startswith(b"%PDF")
    text = pdf_text(reply.data, tmp_path)
    for phrase in (
        "甲市人防办",
        "一、检查覆盖情况",
        "二、隐患排查整治情况",
        "日检查落实率",
        "王经理",
        "每日检查完成率",
        "报送后补充同步的数据改变了以下数字",
    ):
        assert phrase in text, phrase
    assert b"/FontFile2" in reply.data  # the CJK font is embedded


def test_province_overview_exports(client, world, tmp_path):
    with time_machine.travel(local(2026, 4, 9, 9), tick=False):
        log_in(client, "prov")
        xlsx = client.get("/reports/export.xlsx?org=JL&month=2026-03&lang=zh")
        pdf = client.get("/reports/export.pdf?org=JL&month=2026-03&lang=zh")
    text = cells(load_workbook(io.BytesIO(xlsx.data)))
    assert text.count("缺报") == 3 and "甲市人防办" in text and "梅市人防办" in text
    if shutil.which("pdftotext"):
        assert "缺报" in pdf_text(pdf.data, tmp_path)


@pytest.mark.parametrize("org", ["CA", "JL"])  # an office's report, the province overview
def test_an_organisation_named_like_a_formula_stays_text(client, world, org):
    """Titles, lines and table cells carry organisation names: none becomes a formula."""
    name = '=HYPERLINK("http://x","y")'
    world["city_a"].name = name
    world["province"].name = name
    db.session.commit()
    with time_machine.travel(IN_APRIL, tick=False):
        log_in(client, "sup_a" if org == "CA" else "prov")
        reply = client.get(f"/reports/export.xlsx?org={org}&month=2026-03&lang=zh")
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.data))
    every_cell = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert any(str(cell.value).startswith(name) for cell in every_cell)
    assert [cell.coordinate for cell in every_cell if cell.data_type == "f"] == []
