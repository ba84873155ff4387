"""Every kind of page runs under the Content-Security-Policy in a real Chromium: managers'
pages, the field app (service worker, IndexedDB, photos shown from blob: URLs) and error
pages, with no violation reported; the scripts that replaced inline ones still work."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.pwa_helpers import (
    fill_with_failures,
    log_in_through_app,
    open_form,
    wait_until,
)
from tests.factories import PASSWORD, make_failed_inspection, make_org, make_site, make_user
from webapp.models import ChecklistTemplate, OrgKind, Role

pytestmark = pytest.mark.browser

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


@pytest.fixture
def watched(context):
    """Every CSP violation the pages of ``context`` report: DOM events and console lines."""
    context.add_init_script(WATCH_VIOLATIONS)
    console: list[str] = []
    context.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def violations(page) -> list[str]:
        page.wait_for_load_state("networkidle")
        return page.evaluate("window.__cspViolations") + console

    return violations


@pytest.fixture
def office_world(live_db, field_template):
    from webapp.services.hazards import open_hazards_from_inspection

    tag = uuid.uuid4().hex[:6].upper()
    with live_db() as session:
        province = make_org(f"P{tag}", OrgKind.PROVINCE, name="省人防办")
        city = make_org(f"C{tag}", OrgKind.CITY, province, name="市人防办")
        unit = make_org(f"U{tag}", OrgKind.UNIT, city, name="经营单位")
        admin = make_user(city, Role.OFFICE_ADMIN, display_name="市管理员")
        inspector = make_user(unit, display_name="王检查")
        site = make_site(unit, f"S{tag}", name="人民广场地下停车场")
        template = session.get(ChecklistTemplate, field_template)
        inspection = make_failed_inspection(site, inspector, template, {"FIRE-01": None})
        (hazard,) = open_hazards_from_inspection(inspection)
        session.flush()
        names = {
            "admin": admin.username,
            "inspector": inspector.username,
            "city": city.code,
            "unit": unit.code,
            "site": site.code,
            "hazard": hazard.id,
        }
    return names


def test_managers_pages_run_under_the_policy(page, watched, office_world):
    page.goto("/login")
    assert watched(page) == []
    page.fill("input[name=username]", office_world["admin"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    month = "2026-01"
    for path in [
        "/manage",
        "/dashboard/",
        f"/dashboard/?org={office_world['unit']}",
        "/hazards/",
        "/hazards/responsibility",
        f"/hazards/{office_world['hazard']}",
        "/hazards/ledger",
        f"/reports/?month={month}",
        "/manage/sites/",
        f"/manage/sites/{office_world['site']}",
        "/manage/users/",
        f"/manage/users/{office_world['admin']}",
        "/manage/orgs/",
        "/manage/checklists/",
        "/manage/qr/",
        "/manage/notify/",
        "/no/such/page",
    ]:
        page.goto(path)
        assert watched(page) == [], path


def test_the_scripts_that_replaced_inline_ones_work(page, watched, office_world):
    page.goto("/login")
    page.fill("input[name=username]", office_world["admin"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    page.goto(f"/manage/qr/?org={office_world['unit']}")
    page.check("#tick-all")
    boxes = page.locator("#sheet-form input[name=site]")
    assert boxes.count() >= 1
    assert all(boxes.nth(n).is_checked() for n in range(boxes.count()))
    page.uncheck("#tick-all")
    assert not any(boxes.nth(n).is_checked() for n in range(boxes.count()))

    page.goto(f"/reports/?org={office_world['city']}&month=2026-01")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("button[value=submit]")
    assert asked and ("province" in asked[0] or "省" in asked[0])
    assert page.url.endswith("month=2026-01")  # dismissed: nothing was submitted
    assert watched(page) == []


def test_the_field_app_runs_under_the_policy(page, watched, field_kit, photo):
    """The shell, the service worker, IndexedDB, the camera input and photos shown from
    blob: URLs, the hazard list and the self-test."""
    log_in_through_app(page, field_kit.username)
    assert watched(page) == []
    open_form(page, field_kit.site_url)
    fill_with_failures(page, photo, "2099-01-01")
    # A thumbnail shown from a blob: URL, decoded (a blocked one never gets a width).
    wait_until(page, "document.querySelector('[data-photos=photos] .thumb img')?.naturalWidth > 0")
    assert watched(page) == []
    for path in ("/app/hazards", "/app/self-test"):
        page.goto(path)
        assert watched(page) == [], path
