"""The field app names checklist items by their labels (Chinese, or English when the app is
in English), the code at most as a small hint: in the needs-attention list and the hazard
list."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from tests.browser.pwa_helpers import (
    fill_all_pass,
    log_in_through_app,
    open_form,
    submit,
    wait_for_state,
)
from tests.factories import make_failed_inspection
from webapp.extensions import db
from webapp.models import ChecklistTemplate, Site, User
from webapp.services.hazards import open_hazards_for_inspections

pytestmark = pytest.mark.browser


def keep_screenshot(page, name: str) -> None:
    """Set SHELTER_SCREENSHOT_DIR to look at the screens afterwards."""
    if os.environ.get("SHELTER_SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SHELTER_SCREENSHOT_DIR"], name))


def test_a_rejected_record_names_the_item_by_its_label(field_kit, page, context):
    log_in_through_app(page, field_kit.username)
    record_id = open_form(page, field_kit.site_url)
    fill_all_pass(page, field_kit.item_ids)

    def reject(route):
        route.fulfill(
            json={
                "server_time": "2026-11-30T01:00:05+00:00",
                "results": [
                    {
                        "id": record_id,
                        "status": "rejected",
                        "errors": {"results.1.rectification.deadline": ["不能早于发现当天。"]},
                    }
                ],
            }
        )

    context.route("**/api/v1/sync/inspections", reject)
    submit(page)
    wait_for_state(page, record_id, "rejected")
    error = page.inner_text(f"#needs-attention li[data-record-id='{record_id}'] .record-error")
    # results.1 is EVAC-02 (the form's second item).
    assert "疏散通道畅通，无堆物 (EVAC-02) · 整改期限: 不能早于发现当天。" in error
    keep_screenshot(page, "needs-attention.png")


def _seed_hazard(live_db, kit, item_id: str) -> int:
    with live_db():
        site = db.session.scalar(select(Site).where(Site.code == kit.site_code))
        inspector = db.session.scalar(select(User).where(User.username == kit.username))
        template = db.session.get(ChecklistTemplate, kit.template_id)
        inspection = make_failed_inspection(site, inspector, template, {item_id: None})
        (hazard,) = open_hazards_for_inspections([inspection.id])
        return hazard.id


@pytest.mark.parametrize(
    "language, label",
    [("zh", "疏散通道畅通，无堆物"), ("en", "Escape corridors clear")],
)
def test_the_hazard_list_shows_the_item_label_in_the_app_language(
    field_kit, page, live_db, language, label
):
    hazard_id = _seed_hazard(live_db, field_kit, "EVAC-02")
    log_in_through_app(page, field_kit.username)
    page.evaluate("(lang) => localStorage.setItem('shelter-lang', lang)", language)
    page.goto("/app/hazards")
    title = page.locator(f"li.hazard[data-hazard-id='{hazard_id}'] .hazard-item")
    title.wait_for()
    assert title.inner_text().split() == [*label.split(), "EVAC-02"]
    assert title.locator(".item-code").inner_text() == "EVAC-02"
    keep_screenshot(page, f"hazards-{language}.png")
