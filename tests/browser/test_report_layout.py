"""The monthly report fits a 360 px phone in English and Chinese: nothing scrolls sideways
but the tables' own boxes (the page, its cards and the figures never do). Screenshots are
kept when SHELTER_SCREENSHOT_DIR is set."""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest

from tests.dashboard_fixtures import local
from tests.factories import PASSWORD, make_org, make_site, make_user
from webapp.days import today
from webapp.extensions import db
from webapp.models import Hazard, OrgKind, Role
from webapp.services import reports

pytestmark = pytest.mark.browser

WIDTH = 360
LONG_TEXT = (
    "Changchun civil air defence office, emergency section; minutes at "
    "https://rf.changchun.example.gov.cn/reports/monthly/2026/attachments/drill-minutes.pdf"
)

# Elements that scroll sideways although they should not; only a table's box may.
SIDEWAYS = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.scrollWidth > el.clientWidth + 1
    && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
    && !el.matches('.table-scroll, .mainnav'))
  .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${el.scrollWidth}>${el.clientWidth}`)"""


@pytest.fixture
def report_world(live_db, field_template):
    """A city office with a unit and sites, last month's hazards (a major one with its
    long plan still open), and a draft report whose hand-filled text is a long line."""
    tag = uuid.uuid4().hex[:6].upper()
    with live_db():
        month = reports.previous_month(today())
        province = make_org(f"P{tag}", OrgKind.PROVINCE, name="吉林省人民防空办公室")
        city = make_org(f"C{tag}", OrgKind.CITY, province, name="长春市人民防空办公室")
        unit = make_org(f"U{tag}", OrgKind.UNIT, city, name="长春市人防资产经营管理有限公司")
        sites = [
            make_site(
                unit, f"R{tag}{n}", name=f"人民广场地下商业街{n}号口", due_from=date(2020, 1, 1)
            )
            for n in range(3)
        ]
        city_staff = make_user(city, Role.OFFICE_ADMIN, display_name="刘督查")
        province_staff = make_user(province, Role.OFFICE_SUPERVISOR, display_name="省督查")
        for n, site in enumerate(sites):
            db.session.add(
                Hazard(
                    site_id=site.id,
                    item_id="EVAC-01",
                    category="EVAC",
                    item_label="安全出口未锁闭、未封堵",
                    found_by_id=city_staff.id,
                    found_by_org_id=city.id,
                    found_at=local(month.year, month.month, 10 + n, 10),
                    grade="major" if n == 0 else "ordinary",
                    source="office",
                    status="rectifying",
                    deadline=date(month.year + 1, 1, 31),
                    responsible_name="王经理（长春市人防资产经营管理有限公司工程部）",
                    measures="拆除易燃装修材料，更换为A级防火材料，并加装自动喷淋系统和应急照明",
                    funds_amount=120000,
                    plan_contingency="Fire contingency plan 2026: close the site and post warnings",
                )
            )
        db.session.flush()
        manual = {f.key: LONG_TEXT if f.kind == "text" else "3" for f in reports.MANUAL_FIELDS}
        reports.save_draft(city_staff, city, month, manual)
        names = {
            "city": city_staff.username,
            "province": province_staff.username,
            "city_code": city.code,
        }
    return names


@pytest.mark.parametrize(
    "who, path, language",
    [
        ("city", "/reports/", "en"),  # the office's own report, with its form
        ("city", "/reports/", "zh"),
        ("province", "/reports/?org={city_code}", "en"),  # read-only, the typed-in text
        ("province", "/reports/", "en"),  # the province overview and totals
    ],
)
def test_the_monthly_report_fits_a_phone(page, live_server, report_world, who, path, language):
    page.set_viewport_size({"width": WIDTH, "height": 800})
    page.goto(f"/login?lang={language}")
    page.fill("input[name=username]", report_world[who])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(path.format(**report_world))
    assert ("Monthly report" if language == "en" else "月报") in page.locator("h1").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert page.evaluate(SIDEWAYS) == []
    keep = os.environ.get("SHELTER_SCREENSHOT_DIR")
    if keep:
        name = (
            f"report-{who}-{'overview' if path == '/reports/' and who == 'province' else 'office'}"
        )
        page.screenshot(path=os.path.join(keep, f"{name}-{language}.png"), full_page=True)
