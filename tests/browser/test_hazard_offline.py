"""Hazard actions on the phone: a progress update and a rectified action made offline go
through the outbox and reach the server exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.browser.pwa_helpers import (
    log_in_through_app,
    make_jpeg,
    outbox_records,
    wait_for_service_worker,
)
from tests.factories import make_failed_inspection
from webapp.extensions import db
from webapp.models import ChecklistTemplate, Hazard, HazardEvent, Photo, Site, User
from webapp.services.hazards import open_hazards_for_inspections

pytestmark = pytest.mark.browser


def _seed_hazards(live_db, kit) -> tuple[int, int]:
    """Two unfixed hazards at the kit's site: one open, one under a rectification order."""
    with live_db():
        site = db.session.scalar(select(Site).where(Site.code == kit.site_code))
        inspector = db.session.scalar(select(User).where(User.username == kit.username))
        template = db.session.get(ChecklistTemplate, kit.template_id)
        failed_items = [i for i in kit.item_ids if i != kit.photo_item_id][:2]
        inspection = make_failed_inspection(
            site,
            inspector,
            template,
            {
                failed_items[0]: None,
                failed_items[1]: {"mode": "order", "responsible": "李四", "measures": "更换灭火器"},
            },
        )
        hazards = {h.item_id: h.id for h in open_hazards_for_inspections([inspection.id])}
    return hazards[failed_items[0]], hazards[failed_items[1]]


def _hazard_event_records(page) -> dict[str, dict]:
    return {k: v for k, v in outbox_records(page).items() if v.get("type") == "hazard_event"}


def _wait_until_synced(page, ids: list[str], attempts: int = 60) -> None:
    """Poll the outbox (the app syncs on its own once back online)."""
    for _ in range(attempts):
        records = outbox_records(page)
        if all(records[i]["state"] == "synced" for i in ids):
            return
        page.wait_for_timeout(500)
    raise AssertionError({i: outbox_records(page)[i]["state"] for i in ids})


def _act(page, hazard_id: int, action: str, note: str, photo=None) -> None:
    card = page.locator(f"li.hazard[data-hazard-id='{hazard_id}']")
    card.locator(f"button[data-action='{action}']").click()
    form = card.locator(f"form.hazard-action[data-type='{action}']")
    form.locator("textarea[name=note]").fill(note)
    if photo is not None:
        form.locator("input[name=photos]").set_input_files(str(photo))
    form.locator("button[type=submit]").click()
    card.locator(f"[data-pending='{action}']").wait_for()


def test_progress_and_rectified_made_offline_sync_exactly_once(
    field_kit, page, context, live_db, tmp_path
):
    open_id, ordered_id = _seed_hazards(live_db, field_kit)
    photo = make_jpeg(tmp_path / "fixed.jpg", colour=(40, 160, 60))
    log_in_through_app(page, field_kit.username)
    page.click("#open-hazards")
    page.wait_for_selector(f"li.hazard[data-hazard-id='{ordered_id}']")
    wait_for_service_worker(page)

    context.set_offline(True)
    page.reload()  # answered by the service worker; the list comes from IndexedDB
    page.wait_for_selector(f"li.hazard[data-hazard-id='{ordered_id}']")
    _act(page, open_id, "progress", "已联系维保单位，明天更换")
    _act(page, ordered_id, "rectified", "已更换过期灭火器", photo)
    # The rectified card shows its new state offline, with no further actions.
    card = page.locator(f"li.hazard[data-hazard-id='{ordered_id}']")
    assert card.get_attribute("data-status") == "rectified"
    assert card.locator("button[data-action]").count() == 0

    records = _hazard_event_records(page)
    assert sorted(r["payload"]["type"] for r in records.values()) == ["progress", "rectified"]
    assert {r["state"] for r in records.values()} == {"queued"}
    with live_db():
        assert (
            db.session.scalar(
                select(func.count(HazardEvent.id)).where(HazardEvent.client_id.in_(list(records)))
            )
            == 0
        )

    context.set_offline(False)
    _wait_until_synced(page, list(records))

    # A second pass (the app does one whenever it comes back) sends nothing again, and the
    # same batch delivered twice by a flaky network is answered "duplicate".
    page.reload()
    page.wait_for_selector(f"li.hazard[data-hazard-id='{ordered_id}']")
    token = page.evaluate("fetch('/api/v1/me').then((r) => r.json()).then((b) => b.csrf_token)")
    resent = page.request.post(
        "/api/v1/sync/hazard-events",
        data={"events": [r["payload"] for r in records.values()]},
        headers={"X-CSRF-Token": token},
    )
    assert [r["status"] for r in resent.json()["results"]] == ["duplicate", "duplicate"]

    with live_db():
        stored = db.session.scalars(
            select(HazardEvent).where(HazardEvent.client_id.in_(list(records)))
        ).all()
        assert len(stored) == 2
        by_type = {e.type: e for e in stored}
        assert by_type["progress"].note == "已联系维保单位，明天更换"
        assert by_type["progress"].hazard_id == open_id
        rectified = by_type["rectified"]
        assert (rectified.hazard_id, rectified.from_status, rectified.to_status) == (
            ordered_id,
            "rectifying",
            "rectified",
        )
        assert rectified.client_at is not None
        assert len(rectified.photos) == 1
        assert db.session.get(Photo, rectified.photos[0]) is not None  # uploaded before the event
        assert db.session.get(Hazard, ordered_id).status == "rectified"
        assert db.session.get(Hazard, open_id).status == "open"
