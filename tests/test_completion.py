"""Daily completion against a small world counted by hand (see ``world`` below)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.dashboard_fixtures import (
    MONDAY,
    NOW,
    TUESDAY,
    add_inspection,
    build_world,
    local,
    log_in,
    make_site,
)
from webapp.due import due_statuses, site_is_due
from webapp.extensions import db
from webapp.models import Site, SiteExcuse
from webapp.services.completion import (
    ExcuseRefused,
    SiteFilters,
    completion_rankings,
    daily_unit_counts,
    day_completion,
    excuse_site,
    month_coverage,
    org_heatmap,
    site_heatmap,
)


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def counts(result):
    t = result.tally
    return (t.due, t.checked, t.missed, t.late, t.excused)


def test_due_rule(world, app):
    assert due_statuses(MONDAY) == {"in_use", "idle", "sealed"}
    assert due_statuses(TUESDAY) == {"in_use"}
    s = world["sites"]
    assert site_is_due(s["A5"], MONDAY) and not site_is_due(s["A5"], TUESDAY)
    assert not site_is_due(s["A6"], MONDAY)  # suspended: never
    assert not site_is_due(s["A7"], MONDAY) and site_is_due(s["A7"], TUESDAY)  # excused Monday
    app.config["SHELTER_IDLE_CHECK_INTERVAL_DAYS"] = 1
    assert site_is_due(s["A5"], TUESDAY)


@pytest.mark.parametrize(
    ("org", "day", "expected"),
    [
        ("unit_a", MONDAY, (6, 4, 2, 1, 1)),
        ("unit_county", MONDAY, (2, 1, 1, 0, 0)),
        ("county", MONDAY, (2, 1, 1, 0, 0)),
        ("city_a", MONDAY, (8, 5, 3, 1, 1)),  # 梅 (nominally under CA) not included
        ("city_b", MONDAY, (1, 0, 1, 0, 0)),
        ("city_m", MONDAY, (1, 1, 0, 0, 0)),
        ("province", MONDAY, (10, 6, 4, 1, 1)),  # 梅 counted once
        ("unit_a", TUESDAY, (6, 1, 5, 0, 0)),  # idle not due on Tuesday; A3 counts today
    ],
)
def test_day_totals(world, org, day, expected):
    assert counts(day_completion(world[org], day)) == expected


def test_rate_and_children(world):
    result = day_completion(world["province"], MONDAY)
    assert result.tally.rate == 0.6
    rows = {row.org.code: (row.tally.due, row.tally.checked) for row in result.children}
    assert rows == {"CA": (8, 5), "CB": (1, 0), "CM": (1, 1), "U-P1": (0, 0)}
    city = day_completion(world["city_a"], MONDAY)
    assert {r.org.code: (r.tally.due, r.tally.checked) for r in city.children} == {
        "CA-K": (2, 1),
        "U-A1": (6, 4),
    }
    assert not city.sites  # sites are listed for operating units only


def test_unit_site_rows(world):
    result = day_completion(world["unit_a"], MONDAY)
    rows = {row.site.code: row for row in result.sites}
    assert {code: row.state for code, row in rows.items()} == {
        "A1": "checked",
        "A2": "checked",
        "A3": "missed",
        "A4": "late",
        "A5": "checked",
        "A6": "not_due",
        "A7": "excused",
        "A8": "missed",
    }
    a2 = rows["A2"]
    assert (a2.scanned, a2.failures, a2.inspector) == (False, 2, "张三")
    assert a2.inspected_at == local(2026, 3, 9, 23, 59, 59)
    a4 = rows["A4"]
    assert a4.inspected_at == local(2026, 3, 9, 20) and a4.received_at == local(2026, 3, 10, 8)
    assert rows["A1"].last_inspection_at == local(2026, 3, 9, 10)
    assert rows["A1"].last_inspector == "张三"
    assert rows["A3"].last_inspection_at is None  # its check belongs to Tuesday
    assert rows["A3"].last_sync_at is not None  # but the phone has synced since
    assert rows["A8"].last_inspection_at is None  # office checks are not self-checks
    assert rows["A7"].excuse_reason == "停电检修"
    devices = {d.device_id: d for d in result.devices}
    assert devices["phone-2"].last_received_at == local(2026, 3, 10, 8)
    assert devices["phone-1"].inspector == "张三"


def test_provisional_today_only(world):
    assert day_completion(world["unit_a"], TUESDAY).provisional
    assert not day_completion(world["unit_a"], MONDAY).provisional


def test_late_sync_moves_site_from_missed_to_checked_late(world):
    before = day_completion(world["unit_b"], TUESDAY)
    assert counts(before) == (1, 0, 1, 0, 0)
    add_inspection(
        world["sites"]["B1"],
        world["insp_b"],
        local(2026, 3, 9, 21),
        received_at=local(2026, 3, 10, 11),
    )
    db.session.commit()
    after = day_completion(world["unit_b"], MONDAY)
    assert counts(after) == (1, 1, 0, 1, 0)
    assert after.sites[0].state == "late"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SiteFilters(leased=True), (1, 1, 0, 0, 1)),  # A7 (excused) and K1
        (SiteFilters(early=True), (2, 1, 1, 0, 0)),  # A5 (1975) and K2 (1970)
        (SiteFilters(crowded=True), (0, 0, 0, 0, 1)),  # only A7, excused
        (SiteFilters(leased=True, crowded=True), (0, 0, 0, 0, 1)),
    ],
)
def test_filters(world, filters, expected):
    assert counts(day_completion(world["city_a"], MONDAY, filters)) == expected


def test_rankings_by_completion_rate_lowest_first(world):
    # Sunday 8 March: only in-use sites due (U-A1 6, U-K1 1, U-B1 1, U-M1 1), none checked;
    # Monday as in build_world. Two days: U-A1 4/12, U-K1 1/3, U-B1 0/2, U-M1 1/2.
    ranks = completion_rankings(world["province"], MONDAY, days=2)
    # By rate, not by misses: U-B1 missed only 2 but checked none of its sites; U-A1 and
    # U-K1 both checked a third, U-A1 missing more.
    assert [(r.org.code, r.checked, r.due, r.missed) for r in ranks["units"]] == [
        ("U-B1", 0, 2, 2),
        ("U-A1", 4, 12, 8),
        ("U-K1", 1, 3, 2),
        ("U-M1", 1, 2, 1),
    ]
    assert [(r.org.code, r.rate) for r in ranks["cities"]] == [
        ("CB", 0.0),
        ("CA", 0.3333),
        ("CM", 0.5),
    ]


def test_dashboard_lists_organisations_and_rankings_by_rate(client, world):
    log_in(client, "prov")
    html = client.get("/dashboard/?date=2026-03-09&lang=zh").get_data(as_text=True)
    table = html.split("<h2>按单位</h2>")[1].split("</table>")[0]
    # Monday: CB 0/1, CA 5/8, CM 1/1; U-P1 has nothing due and comes last.
    names = ("乙市人防办", "甲市人防办", "梅市人防办", "省直属单位")
    positions = [table.index(name) for name in names]
    assert positions == sorted(positions)
    ranks = html.split('class="card ranks"')[1]
    assert "市州检查完成率排名（由低到高）" in ranks and "单位检查完成率排名（由低到高）" in ranks


def test_site_heatmap(world):
    dates, rows = site_heatmap(world["unit_a"], TUESDAY, days=2)
    assert dates == [MONDAY, TUESDAY]
    states = {row.code: [cell[1] for cell in row.cells] for row in rows}
    assert states["A1"] == ["checked", "missed"]
    assert states["A3"] == ["missed", "checked"]
    assert states["A4"] == ["late", "missed"]
    assert states["A5"] == ["checked", "not_due"]
    assert states["A6"] == ["not_due", "not_due"]
    assert states["A7"] == ["excused", "missed"]


def test_org_heatmap(world):
    dates, rows = org_heatmap(world["city_a"], MONDAY, days=2)
    cells = {row.code: [(c[1], c[2]) for c in row.cells] for row in rows}
    assert cells["U-A1"] == [("missed", 0.0), ("partial", round(4 / 6, 4))]
    assert cells["CA-K"] == [("missed", 0.0), ("partial", 0.5)]


def test_month_coverage(world):
    # 1–10 March: U-A1..U-M1 in-use sites due every day; idle/sealed on Mondays 2 and 9.
    figures = month_coverage(world["city_a"], date(2026, 3, 9), date(2026, 3, 10))
    # Monday due 8 / checked 5; Tuesday due 7 (A1-A4, A7, A8, K1) / checked 1 (A3).
    assert figures == {
        "site_days_due": 15,
        "site_days_checked": 6,
        "compliance_rate": round(6 / 15, 4),
        "sites_with_checks": 7,
    }


def test_excuse_site(world):
    site = world["sites"]["A1"]
    excuse = excuse_site(world["manager_a"], site, TUESDAY, "  水管爆裂，工程封闭  ")
    assert excuse.reason == "水管爆裂，工程封闭" and excuse.excused_by_id == world["manager_a"].id
    assert not site_is_due(site, TUESDAY)
    with pytest.raises(ExcuseRefused):
        excuse_site(world["manager_a"], site, TUESDAY, "again")
    with pytest.raises(ExcuseRefused):
        excuse_site(world["manager_a"], world["sites"]["A2"], TUESDAY, "   ")
    with pytest.raises(ExcuseRefused):
        excuse_site(world["manager_a"], world["sites"]["A2"], date(2026, 3, 20), "later")


# --- the dashboard pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "query", "status"),
    [
        ("sup_a", "", 200),
        ("sup_a", "org=U-A1", 200),
        ("sup_a", "org=CB", 404),
        ("sup_a", "org=CM", 404),  # nominally under CA, not in its scope
        ("sup_a", "org=JL", 404),
        ("manager_a", "org=U-K1", 404),
        ("manager_a", "", 200),
        ("prov", "org=CM", 200),
        ("insp_a", "", 403),  # inspectors use the phone app
        ("sup_a", "date=2026-02-30", 400),
    ],
)
def test_dashboard_scope(client, world, username, query, status):
    log_in(client, username)
    assert client.get(f"/dashboard/?{query}").status_code == status


def test_dashboard_unit_page_shows_what_happened(client, world):
    log_in(client, "sup_a")
    html = client.get("/dashboard/?org=U-A1&date=2026-03-09&lang=zh").get_data(as_text=True)
    assert "未扫码" in html and "2 项不合格" in html  # A2
    assert "检查时间 03-09 20:00，同步时间 03-10 08:00（当日结束后）" in html  # A4, late
    assert "免检原因：停电检修" in html  # A7
    assert html.count('class="state state-missed"') == 2  # A3 and A8
    html = client.get("/dashboard/?date=2026-03-10&lang=zh").get_data(as_text=True)
    assert "今日数据为临时数据" in html


@pytest.mark.parametrize(
    ("username", "site", "status", "excused"),
    [
        ("manager_a", "A3", 302, True),
        ("sup_a", "A3", 302, True),
        ("sup_b", "A3", 404, False),
        ("manager_a", "K1", 404, False),
        ("insp_a", "A3", 403, False),
    ],
)
def test_excuse_page(client, world, username, site, status, excused):
    token = log_in(client, username)
    reply = client.post(
        "/dashboard/excuse",
        data={"site": site, "date": "2026-03-10", "reason": "停业装修", "csrf_token": token},
    )
    assert reply.status_code == status
    found = db.session.execute(
        db.select(SiteExcuse).where(
            SiteExcuse.site_id == world["sites"][site].id, SiteExcuse.day == TUESDAY
        )
    ).scalar_one_or_none()
    assert (found is not None) == excused


def test_excuse_needs_csrf(client, world):
    log_in(client, "manager_a")
    reply = client.post(
        "/dashboard/excuse", data={"site": "A3", "date": "2026-03-10", "reason": "x"}
    )
    assert reply.status_code == 400


def test_excused_site_checked_anyway_counts_neither_due_nor_checked(world):
    excuse_site(world["manager_a"], world["sites"]["A1"], MONDAY, "临时封闭")
    assert counts(day_completion(world["unit_a"], MONDAY)) == (5, 3, 2, 1, 2)
    figures = month_coverage(world["city_a"], MONDAY, MONDAY)
    assert (figures["site_days_due"], figures["site_days_checked"]) == (7, 4)


def test_site_is_due_only_from_its_first_day(world):
    """Two sites of U-A1 whose daily checks start on Tuesday: N1 had a trial check on
    Monday, N2 is checked on Tuesday. Monday's figures are those of the world above; on
    Tuesday both are due (U-A1: 6 + 2 due, A3 and N2 checked)."""
    ua, insp = world["unit_a"], world["insp_a"]
    n1 = make_site(ua, "N1", due_from=TUESDAY)
    n2 = make_site(ua, "N2", due_from=TUESDAY)
    add_inspection(n1, insp, local(2026, 3, 9, 16))
    add_inspection(n2, insp, local(2026, 3, 10, 9))
    db.session.commit()

    assert not site_is_due(n1, MONDAY) and site_is_due(n1, TUESDAY)
    assert counts(day_completion(ua, MONDAY)) == (6, 4, 2, 1, 1)
    assert counts(day_completion(ua, TUESDAY)) == (8, 2, 6, 0, 0)
    monday = {row.site.code: row.state for row in day_completion(ua, MONDAY).sites}
    assert (monday["N1"], monday["N2"]) == ("not_due", "not_due")
    _dates, rows = site_heatmap(ua, TUESDAY, days=2)
    states = {row.code: [cell[1] for cell in row.cells] for row in rows}
    assert (states["N1"], states["N2"]) == (["not_due", "missed"], ["not_due", "checked"])
    # Monday due 8 / checked 5 as before; Tuesday due 7 + 2, checked A3 and N2.
    figures = month_coverage(world["city_a"], MONDAY, TUESDAY)
    assert (figures["site_days_due"], figures["site_days_checked"]) == (17, 7)
    ranks = completion_rankings(world["province"], TUESDAY, days=2)
    assert ("U-A1", 2 + 6) in [(r.org.code, r.missed) for r in ranks["units"]]


def test_a_site_registered_today_is_due_from_tomorrow(world):
    with time_machine.travel(NOW, tick=False):
        site = Site(
            code="NEW1",
            name="新登记工程",
            address="长春市",
            unit=world["unit_a"],
            construction_type="basement",
            usage="parking",
        )
        db.session.add(site)
        db.session.commit()
        assert site.due_from == date(2026, 3, 11)
        assert counts(day_completion(world["unit_a"], TUESDAY)) == (6, 1, 5, 0, 0)


def test_excuses_count_only_where_a_check_was_owed_in_day_and_period_views(world):
    """A5 is idle (due on Mondays only): an excuse for Tuesday excuses nothing. The day view
    and the period view agree on it."""
    db.session.add(
        SiteExcuse(
            site=world["sites"]["A5"],
            day=TUESDAY,
            reason="停电",
            excused_by_id=world["manager_a"].id,
        )
    )
    db.session.commit()
    assert counts(day_completion(world["unit_a"], TUESDAY)) == (6, 1, 5, 0, 0)
    period = daily_unit_counts(world["unit_a"], TUESDAY, TUESDAY)[world["unit_a"].id][TUESDAY]
    assert (period.due, period.checked, period.excused) == (6, 1, 0)
