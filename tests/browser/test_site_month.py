"""A unit manager opens a site's month on a phone (360 px) and a desktop (1280 px): the
calendar fits the screen, a checked day opens its inspection, and the register downloads
(screenshots are kept where SHELTER_SCREENSHOT_DIR points)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from tests.dashboard_fixtures import add_inspection
from tests.factories import make_org, make_site, make_user
from webapp.days import day_bounds, today
from webapp.models import Role


@pytest.fixture
def month_world(live_db, field_template):
    """A unit with one site checked every day of this month so far but the 2nd."""
    with live_db():
        unit = make_org(name="南关地下商城管理处")
        manager = make_user(unit, Role.UNIT_MANAGER, display_name="李经理")
        inspector = make_user(unit, display_name="王检查")
        site = make_site(unit, name="南关地下商城1号口")
        first_day = today().replace(day=1)
        checks = {}
        for offset in range((today() - first_day).days + 1):
            day = first_day + timedelta(days=offset)
            if day.day != 2:
                at = day_bounds(day)[0] + timedelta(minutes=30)
                checks[day.day] = add_inspection(site, inspector, at).id
        world = {"manager": manager.username, "site": site.code, "checks": checks}
    return world


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
def test_the_site_month_on_a_phone_and_a_desktop(page, live_server, month_world, width):
    from tests.browser.conftest import log_in_api

    log_in_api(page.context, month_world["manager"])
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/manage/sites/{month_world['site']}?lang=zh")
    calendar = page.locator("table.cal")
    assert calendar.is_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
    box = calendar.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    shots = os.environ.get("SHELTER_SCREENSHOT_DIR")
    if shots:
        page.screenshot(path=str(Path(shots) / f"site-month-{width}.png"), full_page=True)
    with page.expect_download() as download:
        page.locator(".register-links a", has_text="PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    day, inspection_id = next(iter(month_world["checks"].items()))
    page.locator(f"td.d-checked a:has(span.d-n:text-is('{day}'))").click()
    page.wait_for_url(f"**/inspections/{inspection_id}")
