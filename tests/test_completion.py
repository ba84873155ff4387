"""Daily completion against a small world counted by hand (see ``world`` below)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.dashboard_fixtures import add_inspection, local, make_site, make_world
from webapp.days import due_statuses, site_is_due
from webapp.extensions import db
from webapp.models import SiteExcuse
from webapp.services.completion import (
    ExcuseRefused,
    SiteFilters,
    day_completion,
    excuse_site,
    missed_rankings,
    month_coverage,
    org_heatmap,
    site_heatmap,
)

MONDAY = date(2026, 3, 9)  # idle and sealed sites are due (weekly, counted from 2024-01-01)
TUESDAY = date(2026, 3, 10)  # "today" in these tests


@pytest.fixture
def world(app):
    """On Monday 9 March 2026 (Asia/Shanghai):

    unit U-A1 (city CA): A1 checked (scanned) · A2 checked at 23:59:59, not scanned, 2
    failures · A3 checked at 00:00:00 on Tuesday (so missed Monday) · A4 checked at 20:00,
    synced Tuesday 08:00 (late) · A5 idle, checked · A6 suspended, checked (not due) ·
    A7 excused · A8 only an office check (missed). → due 6, checked 4, late 1, excused 1.
    unit U-K1 (county under CA): K1 checked, K2 sealed and not checked → due 2, checked 1.
    unit U-B1 (city CB): B1 not checked → due 1, checked 0.
    unit U-M1 (city CM, directly under the province, nominally under CA): M1 checked.
    """
    w = make_world()
    ua, insp = w["unit_a"], w["insp_a"]
    s = {code: make_site(ua, code) for code in ("A1", "A2", "A3", "A4", "A8")}
    s["A5"] = make_site(ua, "A5", status="idle", leased=False, year_built=1975)
    s["A6"] = make_site(ua, "A6", status="suspended")
    s["A7"] = make_site(ua, "A7", leased=True, crowded=True)
    s["K1"] = make_site(w["unit_county"], "K1", leased=True)
    s["K2"] = make_site(w["unit_county"], "K2", status="sealed", year_built=1970)
    s["B1"] = make_site(w["unit_b"], "B1")
    s["M1"] = make_site(w["unit_m"], "M1")
    add_inspection(s["A1"], insp, local(2026, 3, 9, 10))
    add_inspection(s["A2"], insp, local(2026, 3, 9, 23, 59, 59), scanned=False, failures=2,
                   received_at=local(2026, 3, 9, 23, 59, 59))
    add_inspection(s["A3"], insp, local(2026, 3, 10, 0, 0, 0))
    add_inspection(s["A4"], insp, local(2026, 3, 9, 20), received_at=local(2026, 3, 10, 8),
                   device_id="phone-2")
    add_inspection(s["A5"], insp, local(2026, 3, 9, 11))
    add_inspection(s["A6"], insp, local(2026, 3, 9, 11))
    add_inspection(s["A8"], w["sup_a"], local(2026, 3, 9, 15), kind="office",
                   device_id="office-phone")
    add_inspection(s["K1"], w["insp_k"], local(2026, 3, 9, 9))
    add_inspection(s["M1"], w["insp_m"], local(2026, 3, 9, 9))
    db.session.add(SiteExcuse(site=s["A7"], day=MONDAY, reason="停电检修",
                              excused_by_id=w["manager_a"].id))
    db.session.commit()
    with time_machine.travel(local(2026, 3, 10, 12), tick=False):
        yield {**w, "sites": s}


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
        "CA-K": (2, 1), "U-A1": (6, 4)}
    assert not city.sites  # sites are listed for operating units only


def test_unit_site_rows(world):
    result = day_completion(world["unit_a"], MONDAY)
    rows = {row.site.code: row for row in result.sites}
    assert {code: row.state for code, row in rows.items()} == {
        "A1": "checked", "A2": "checked", "A3": "missed", "A4": "late", "A5": "checked",
        "A6": "not_due", "A7": "excused", "A8": "missed",
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
    add_inspection(world["sites"]["B1"], world["insp_b"], local(2026, 3, 9, 21),
                   received_at=local(2026, 3, 10, 11))
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


def test_rankings_by_missed_site_days(world):
    # Sunday 8 March: only in-use sites due (U-A1 6, U-K1 1, U-B1 1, U-M1 1), none checked.
    ranks = missed_rankings(world["province"], MONDAY, days=2)
    assert [(r.org.code, r.missed) for r in ranks["units"]] == [
        ("U-A1", 8), ("U-B1", 2), ("U-K1", 2), ("U-M1", 1)]
    assert [(r.org.code, r.missed) for r in ranks["cities"]] == [("CA", 10), ("CB", 2), ("CM", 1)]


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
    assert figures == {"site_days_due": 15, "site_days_checked": 6,
                       "compliance_rate": round(6 / 15, 4), "sites_with_checks": 7}


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
