"""The daily-check register (日检查记录台账) as XLSX, for a site and a unit, read back with
openpyxl; the downloads' scope and bad input."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from tests.dashboard_fixtures import log_in
from tests.factories import make_site
from tests.register_world import NOW, build_month
from webapp.extensions import db
from webapp.services.register.xlsx import HEADER_ROW, HEADERS

EXPECTED_HEADERS = [
    "序号",
    "日期",
    "工程编号",
    "工程名称",
    "检查类型",
    "检查人",
    "开始",
    "结束",
    "同步时间",
    "扫码",
    "检查结果",
    "不合格项",
    "整改情况",
    "隐患编号",
    "可信度标记",
]


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=False):
        yield build_month()


def workbook(client, path: str):
    reply = client.get(path)
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]
    assert reply.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return reply, load_workbook(BytesIO(reply.data))


def records(book) -> list[dict]:
    rows = list(book["检查记录"].iter_rows(values_only=True))
    assert list(rows[HEADER_ROW - 1]) == EXPECTED_HEADERS == HEADERS
    return [dict(zip(EXPECTED_HEADERS, row, strict=True)) for row in rows[HEADER_ROW:]]


def test_a_site_register_has_a_row_per_inspection(client, world):
    log_in(client, "manager_a")
    reply, book = workbook(client, "/register/sites/A-01.xlsx?month=2026-03")
    assert "attachment" in reply.headers["Content-Disposition"]
    assert "A-01_2026-03.xlsx" in reply.headers["Content-Disposition"]
    sheet = book["检查记录"]
    assert sheet["A1"].value == "人民广场地下停车场 日检查记录台账（2026年3月）"
    assert "经营单位：甲市经营单位" in sheet["A2"].value and "共 6 次检查" in sheet["A2"].value
    rows = records(book)
    assert [(r["日期"].date(), r["检查类型"], r["检查人"]) for r in rows] == [
        (date(2026, 3, 3), "自查", "张三"),
        (date(2026, 3, 4), "自查", "张三"),
        (date(2026, 3, 7), "督导检查", "市督查员"),
        (date(2026, 3, 9), "自查", "张三"),
        (date(2026, 3, 9), "暗查暗访", "省暗访组"),
        (date(2026, 3, 10), "自查", "张三"),
    ]
    first = rows[0]
    assert (first["序号"], first["工程编号"], first["工程名称"]) == (
        1,
        "A-01",
        "人民广场地下停车场",
    )
    assert (first["开始"], first["结束"], first["扫码"], first["检查结果"]) == (
        "08:10",
        "08:14",
        "已扫码",
        "合格",
    )
    assert rows[1]["同步时间"] == "03-05 08:00（延迟）"
    failed = rows[3]
    assert failed["检查结果"] == "2项不合格"
    assert failed["不合格项"].split("\n") == [
        "EVAC-01 安全出口未锁闭、未封堵：EVAC-01 不合格",
        "FIRE-01 灭火器完好有效：FIRE-01 不合格",
    ]
    assert failed["整改情况"].split("\n") == [
        "即查即改：当场清理出口杂物",
        "限期整改：更换过期灭火器；责任人 王五（13900001111）；期限 2026-03-16",
    ]
    evac, fire = world["hazard_evac"].id, world["hazard_fire"].id
    assert failed["隐患编号"].split("\n") == [f"第{evac}号（已销号）", f"第{fire}号（整改中）"]
    assert rows[5]["扫码"] == "未扫码"
    # Credibility flags with their reasons and the annotation's verdict.
    assert first["可信度标记"] == "用时过短：2 个检查项仅用时 4 秒，至少应需 6 秒。（已说明）"
    assert rows[5]["可信度标记"] == "未扫码：本次检查没有扫描二维码。"
    assert rows[1]["可信度标记"] is None


def test_the_register_is_chinese_whatever_the_page_language(client, world):
    log_in(client, "manager_a")
    client.get("/manage/?lang=en")
    _reply, book = workbook(client, "/register/sites/A-01.xlsx?lang=en")
    assert records(book)[0]["可信度标记"].startswith("用时过短：")


def test_the_sheet_of_days_marks_every_day(client, world):
    log_in(client, "manager_a")
    _reply, book = workbook(client, "/register/units/U-A1.xlsx?month=2026-03")
    rows = list(book["逐日情况"].iter_rows(values_only=True))
    headers = rows[HEADER_ROW - 1]
    assert headers[:7] == ("工程编号", "工程名称", "应检", "已检", "其中延迟同步", "漏检", "免检")
    assert headers[7:] == tuple(str(day) for day in range(1, 32))
    by_code = {row[0]: row for row in rows[HEADER_ROW:]}
    assert list(by_code) == ["A-01", "A-02", "A-03"]
    a = by_code["A-01"]
    assert a[2:7] == (16, 4, 1, 12, 1)
    assert "".join(a[7:13]) == "——✓迟✗免"
    assert a[7 + 19] == "待" and a[7 + 20] is None  # today, then days still to come
    assert by_code["A-02"][2:4] == (3, 1)  # idle: the three Mondays up to today
    assert by_code["A-03"][2] == 0  # suspended


def test_a_unit_register_has_every_site(client, world):
    log_in(client, "sup_a")
    _reply, book = workbook(client, "/register/units/U-A1.xlsx?month=2026-03")
    rows = records(book)
    assert len(rows) == 7
    assert [r["工程编号"] for r in rows].count("A-02") == 1
    assert [r["序号"] for r in rows] == list(range(1, 8))


def test_no_typed_text_becomes_a_formula(client, world):
    make_site(world["unit_a"], "A-09", name='=HYPERLINK("http://evil","点我")')
    db.session.commit()
    log_in(client, "manager_a")
    _reply, book = workbook(client, "/register/units/U-A1.xlsx?month=2026-03")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    names = [row[1] for row in book["逐日情况"].iter_rows(values_only=True)]
    assert '=HYPERLINK("http://evil","点我")' in names


def test_the_default_month_is_this_month(client, world):
    log_in(client, "manager_a")
    reply, _book = workbook(client, "/register/sites/A-01.xlsx")
    assert "2026-03" in reply.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/register/sites/A-01.xlsx?month=2026-13", 400),
        ("/register/sites/A-01.xlsx?month=2026-04", 400),
        ("/register/units/U-A1.pdf?month=1999-12", 400),
        ("/register/units/U-A1.xlsx?month=%3D1%2B1", 400),
        ("/register/sites/NOPE.xlsx", 404),
        ("/register/units/CA.xlsx", 404),  # an office, not an operating unit
        ("/register/sites/A-01.csv", 404),
    ],
)
def test_bad_requests(client, world, path, status):
    log_in(client, "sup_a")
    reply = client.get(path)
    assert reply.status_code == status
    if status == 400:
        assert "month：" in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "site_status", "unit_status"),
    [
        ("manager_a", 200, 200),
        ("sup_a", 200, 200),
        ("prov", 200, 200),
        ("sup_b", 404, 404),
        ("manager_b", 404, 404),
        ("insp_a", 403, 403),
    ],
)
def test_scope(client, world, username, site_status, unit_status):
    log_in(client, username)
    assert client.get("/register/sites/A-01.xlsx").status_code == site_status
    assert client.get("/register/units/U-A1.xlsx").status_code == unit_status


def test_logged_out_goes_to_the_login_page(client, world):
    reply = client.get("/register/sites/A-01.xlsx")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]


def test_the_exported_time_is_local(client, world):
    log_in(client, "manager_a")
    _reply, book = workbook(client, "/register/sites/A-01.xlsx")
    assert "导出时间：2026-03-20 12:00" in book["检查记录"]["A2"].value
    assert isinstance(records(book)[0]["日期"], datetime)


def test_the_unit_dashboard_offers_the_month_of_its_day(client, world):
    log_in(client, "sup_a")
    html = client.get("/dashboard/?org=U-A1&date=2026-02-27").get_data(as_text=True)
    assert 'href="/register/units/U-A1.pdf?month=2026-02"' in html
    assert 'href="/register/units/U-A1.xlsx?month=2026-02"' in html
    html = client.get("/manage/sites/A-01").get_data(as_text=True)
    assert 'href="/register/sites/A-01.pdf?month=2026-03"' in html
    # An office's dashboard has no register: registers are kept by operating units.
    assert "/register/units/" not in client.get("/dashboard/?org=CA").get_data(as_text=True)
