"""A city supervisor logs in and reads the dashboard on a phone (360 px) and a desktop
(1280 px); screenshots are kept (set SHELTER_SCREENSHOT_DIR to keep them somewhere)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.dashboard_fixtures import add_inspection
from tests.factories import PASSWORD, make_org, make_site, make_user
from webapp.days import day_bounds, today
from webapp.models import OrgKind, Role


@pytest.fixture
def city_world(live_db, field_template):
    """A city office with a county, two units, six sites and 30 days of checks; today:
    3 of the 5 due sites checked (one not scanned, with failures), one synced late
    yesterday, and one site missed."""
    tag = uuid.uuid4().hex[:6].upper()
    with live_db():
        province = make_org(f"P{tag}", OrgKind.PROVINCE, name="吉林省人防办")
        city = make_org(f"C{tag}", OrgKind.CITY, province, name="长春市人防办")
        county = make_org(f"K{tag}", OrgKind.COUNTY, city, name="南关区人防办")
        unit_a = make_org(f"UA{tag}", OrgKind.UNIT, county, name="南关地下商城管理处")
        unit_b = make_org(f"UB{tag}", OrgKind.UNIT, city, name="人民广场停车场公司")
        supervisor = make_user(city, Role.OFFICE_SUPERVISOR, display_name="刘督查")
        inspector = make_user(unit_a, display_name="王检查")
        other = make_user(unit_b, display_name="陈检查")
        sites = [make_site(unit_a, f"A{tag}{n}", name=f"南关地下商城{n}号口") for n in (1, 2, 3)]
        sites += [make_site(unit_b, f"B{tag}{n}", name=f"人民广场停车场{n}区") for n in (1, 2)]
        sites.append(
            make_site(unit_b, f"B{tag}9", name="老防空洞", status="suspended", year_built=1972)
        )
        now = datetime.now(UTC)
        start_today = day_bounds(today())[0]
        for back in range(1, 30):
            for n, site in enumerate(sites[:5]):
                if (back + n) % 6:  # some days missed
                    at = start_today - timedelta(days=back) + timedelta(hours=2 + n)
                    add_inspection(
                        site,
                        inspector if n < 3 else other,
                        at,
                        received_at=at + timedelta(minutes=20),
                    )
        early = max(start_today + timedelta(minutes=30), now - timedelta(hours=3))
        add_inspection(sites[0], inspector, early, received_at=early + timedelta(minutes=5))
        add_inspection(
            sites[1],
            inspector,
            early,
            scanned=False,
            failures=2,
            received_at=early + timedelta(minutes=6),
        )
        add_inspection(
            sites[3], other, early, device_id="phone-b", received_at=early + timedelta(minutes=7)
        )
        late = start_today - timedelta(hours=3)  # 21:00 yesterday, synced this morning
        add_inspection(sites[4], other, late, device_id="phone-b", received_at=early)
        names = {"username": supervisor.username, "city": city.name, "unit_a": unit_a.code}
    return names


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
def test_city_supervisor_reads_dashboard(page, live_server, city_world, width, tmp_path):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/login?lang=zh")
    page.fill("input[name=username]", city_world["username"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/dashboard/")
    kpis = page.locator(".kpis").first
    assert page.locator("h1").inner_text().startswith(city_world["city"])
    assert kpis.locator(".kpi").nth(0).locator(".n").inner_text() == "5"  # due today
    assert kpis.locator(".kpi").nth(1).locator(".n").inner_text() == "3"  # checked
    assert kpis.locator(".kpi").nth(2).locator(".n").inner_text() == "2"  # missed
    assert page.get_by_text("今日数据为临时数据").is_visible()
    # Nothing wider than the screen on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    keep = Path(os.environ.get("SHELTER_SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=str(keep / f"dashboard-city-{width}.png"), full_page=True)

    page.get_by_role("link", name="南关区人防办").first.click()
    page.get_by_role("link", name="南关地下商城管理处").first.click()
    assert page.get_by_text("未扫码").is_visible()
    assert page.get_by_text("2 项不合格").is_visible()
    assert page.locator(".sitecards li.s-missed").count() == 1
    page.screenshot(path=str(keep / f"dashboard-unit-{width}.png"), full_page=True)
