"""A site's month on the site page: the calendar's states on a hand-made history, links to
the inspections, office and unannounced marks, the hazards not closed, month bounds, bad
input, scope and a constant number of queries."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from sqlalchemy import event

from tests.dashboard_fixtures import add_inspection, local, log_in
from tests.factories import make_failed_inspection
from tests.register_world import EXPECTED_A, MARCH, NOW, ON_SPOT, build_month
from webapp.extensions import db
from webapp.services.register import site_months


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=False):
        yield build_month()


def cells(html: str) -> dict[int, tuple[str, str]]:
    """Day of the month → (state, the cell's inner HTML) as the page draws them."""
    found = re.findall(r'<td class="d d-(\w+)[^"]*">(.*?)</td>', html, re.S)
    result = {}
    for state, inner in found:
        if state == "out":
            continue
        day = int(re.search(r'<span class="d-n">(\d+)</span>', inner).group(1))
        result[day] = (state, inner)
    return result


def test_every_day_of_the_month_has_its_state(world):
    a, b, c = world["site_a"], world["site_b"], world["site_c"]
    month_a, month_b, month_c = site_months([a, b, c], MARCH)
    assert {row.day.day: row.state for row in month_a.days} == EXPECTED_A
    # The idle site is due on Mondays only (2, 9, 16); the days between are not due.
    idle = {row.day.day: row.state for row in month_b.days if row.state != "future"}
    assert idle == {
        **{day: "not_due" for day in range(1, 21)},
        2: "missed",
        9: "checked",
        16: "missed",
    }
    assert {row.state for row in month_c.days} == {"not_due", "future"}
    assert (month_a.due, month_a.checked, month_a.count("missed"), month_a.count("late")) == (
        16,
        4,
        12,
        1,
    )
    assert month_a.days[5].excuse_reason == "停业维修"


def test_the_calendar_draws_states_marks_and_links(client, world):
    log_in(client, "manager_a")
    html = client.get("/manage/sites/A-01?month=2026-03").get_data(as_text=True)
    drawn = cells(html)
    assert {day: state for day, (state, _inner) in drawn.items()} == EXPECTED_A
    # One inspection: the cell opens it; several: the day's entry in the month's list.
    assert f'href="/inspections/{world["checked_3"].id}"' in drawn[3][1]
    assert f'href="/inspections/{world["office_7"].id}"' in drawn[7][1]
    assert 'href="#day-2026-03-09"' in drawn[9][1]
    assert 'id="day-2026-03-09"' in html
    for inspection in ("failed_9", "covert_9"):
        assert f'href="/inspections/{world[inspection].id}"' in html
    # Office (督) and unannounced (暗) visits are marked; the plain days are not.
    assert 'class="v-office"' in drawn[7][1] and 'class="v-covert"' in drawn[9][1]
    assert "v-office" not in drawn[3][1] and "v-covert" not in drawn[3][1]
    # An excused day opens its line in the month's list, which gives the reason.
    assert "停业维修" in drawn[6][1] and 'href="#day-2026-03-06"' in drawn[6][1]
    assert re.search(r'id="day-2026-03-06">.*?免检原因：停业维修', html, re.S)
    assert "<a " not in drawn[5][1]  # nothing to open on a missed day
    assert "d-today" in re.search(r'<td class="d d-pending[^"]*"', html).group(0)
    assert "应检 16 · 已检查 4（其中延迟同步 1）· 漏检 12 · 免检 1" in html
    checks = html[html.index('id="month-checks"') :]
    assert re.search(r'id="day-2026-03-03">.*?用时过短（已说明）', checks, re.S)
    tenth = re.search(r'id="day-2026-03-10">(.*?)</li>', checks, re.S).group(1)
    assert tenth.count("未扫码") == 1  # said once, by the flag (its reason as the title)
    assert 'class="tag warn" title="本次检查没有扫描二维码。">未扫码' in tenth


def test_the_hazards_not_closed_are_beside_it(client, world):
    log_in(client, "manager_a")
    html = client.get("/manage/sites/A-01").get_data(as_text=True)
    aside = html[html.index('id="site-hazards"') : html.index('id="month-checks"')]
    assert f'/hazards/{world["hazard_fire"].id}"' in aside
    assert "逾期" in aside  # the order's deadline (16 March) has passed
    assert f'/hazards/{world["hazard_evac"].id}"' not in aside  # verified and closed
    assert "/hazards/?site=A-01" in aside


def test_the_page_opens_on_this_month_and_moves_between_months(client, world):
    log_in(client, "manager_a")
    html = client.get("/manage/sites/A-01").get_data(as_text=True)
    assert "2026年3月" in html
    # March is the site's first month (its checks began on the 3rd) and the current one.
    assert 'rel="prev"' not in html and 'rel="next"' not in html
    html = client.get("/manage/sites/A-02?month=2026-02").get_data(as_text=True)
    assert "2026年2月" in html
    assert 'href="/manage/sites/A-02?month=2026-03" rel="next"' in html
    assert 'href="/manage/sites/A-02?month=2026-01" rel="prev"' in html


@pytest.mark.parametrize(
    ("month", "complaint"),
    [
        ("2026-13", "month：月份格式为 年-月"),
        ("March", "month：月份格式为 年-月"),
        ("2026-3", "month：月份格式为 年-月"),
        ("0000-01", "month：月份格式为 年-月"),
        ("1999-12", "month：必须在 2000-01-01 到 2100-12-31 之间"),
        ("2026-04", "month：请选择 2026-03 至 2026-03 之间的月份"),
        ("2026-02", "month：请选择 2026-03 至 2026-03 之间的月份"),
        ("9999-12", "month：必须在 2000-01-01 到 2100-12-31 之间"),
    ],
)
def test_a_bad_month_is_a_400_naming_it(client, world, month, complaint):
    log_in(client, "manager_a")
    reply = client.get(f"/manage/sites/A-01?month={month}")
    assert reply.status_code == 400
    assert complaint in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "status"),
    [("manager_a", 200), ("sup_a", 200), ("prov", 200), ("sup_b", 404), ("manager_b", 404)],
)
def test_scope(client, world, username, status):
    log_in(client, username)
    assert client.get("/manage/sites/A-01?month=2026-03").status_code == status


def test_an_inspector_uses_the_phone_app_not_this_page(client, world):
    log_in(client, "insp_a")
    assert client.get("/manage/sites/A-01").status_code == 403


def test_the_english_page(client, world):
    log_in(client, "manager_a")
    html = client.get("/manage/sites/A-01?lang=en").get_data(as_text=True)
    assert "March 2026" in html and "Mon" in html
    assert "Checked (synced late)" in html


def count_queries(client, path: str) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_a_busy_month_costs_the_same_queries_as_a_quiet_one(client, world):
    log_in(client, "manager_a")
    path = "/manage/sites/A-01?month=2026-03"
    before = count_queries(client, path)
    a, insp, template = world["site_a"], world["insp"], world["template"]
    for day in range(11, 20):
        inspection = make_failed_inspection(
            a, insp, template, {"EVAC-01": ON_SPOT}, finished_at=local(2026, 3, day, 9)
        )
        inspection.received_at = local(2026, 3, day, 10)
        add_inspection(a, world["sup_a"], local(2026, 3, day, 15), kind="office", template=template)
    db.session.commit()
    assert count_queries(client, path) == before
    assert site_months([a], MARCH)[0].checked == 13


def test_a_site_registered_today_starts_tomorrow(client, world):
    from tests.factories import make_site

    make_site(world["unit_a"], "A-NEW", due_from=date(2026, 3, 21))
    db.session.commit()
    log_in(client, "manager_a")
    drawn = cells(client.get("/manage/sites/A-NEW").get_data(as_text=True))
    assert {state for day, (state, _i) in drawn.items() if day <= 20} == {"not_due"}


def test_a_check_stored_before_flags_still_says_it_was_not_scanned(client, world):
    world["office_7"].scanned = False  # no not_scanned flag: stored before flags existed
    db.session.commit()
    log_in(client, "manager_a")
    html = client.get("/manage/sites/A-01?month=2026-03").get_data(as_text=True)
    seventh = re.search(r'id="day-2026-03-07">(.*?)</li>', html, re.S).group(1)
    assert 'class="noscan">未扫码' in seventh
