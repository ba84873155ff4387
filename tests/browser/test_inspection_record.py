"""A unit manager goes from the dashboard to a checked site's inspection record and sees an
item's photo, full size on tap (real server, real Chromium)."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from tests.factories import PASSWORD, make_user
from webapp.extensions import db
from webapp.models import Organisation, Role, User
from webapp.services.photos import store_photo
from webapp.services.sync.batch import record_inspections
from webapp.services.sync.storing import SyncSource


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (190, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def checked_site(live_db, field_kit):
    """Today's check of the kit's site, synced through the sync service: the exit item
    failed with a photo on the server and the after-photo not uploaded yet."""
    photo = jpeg()
    sha = hashlib.sha256(photo).hexdigest()
    started = datetime.now(UTC) - timedelta(minutes=40)
    record = {
        "id": str(uuid.uuid4()),
        "site_code": field_kit.site_code,
        "template_id": field_kit.template_id,
        "kind": "self",
        "started_at": started.isoformat(),
        "finished_at": (started + timedelta(minutes=12)).isoformat(),
        "scan": {"token": field_kit.qr_token, "scanned_at": started.isoformat()},
        "results": [
            {"item_id": item_id, "outcome": "pass"}
            for item_id in field_kit.item_ids
            if item_id != field_kit.photo_item_id
        ]
        + [
            {
                "item_id": field_kit.photo_item_id,
                "outcome": "fail",
                "note": "2号出口被货架堵住",
                "photos": [sha],
                "rectification": {
                    "mode": "on_spot",
                    "action": "当场移开货架",
                    "photos": [hashlib.sha256(b"not uploaded").hexdigest()],
                },
            }
        ],
    }
    with live_db():
        inspector = db.session.scalars(
            select(User).where(User.username == field_kit.username)
        ).one()
        unit = db.session.scalars(
            select(Organisation).where(Organisation.code == field_kit.unit_code)
        ).one()
        manager = make_user(unit, Role.UNIT_MANAGER, display_name="李经理")
        store_photo(inspector, sha, photo)
        results = record_inspections(SyncSource(inspector, "phone-9", datetime.now(UTC)), [record])
        assert results[0]["status"] == "created", results
        manager_name = manager.username
    return {"manager": manager_name, "id": record["id"], "sha": sha}


@pytest.mark.browser
def test_from_the_dashboard_to_a_checked_sites_record_and_its_photo(page, checked_site, tmp_path):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/login?lang=zh")
    page.fill("input[name=username]", checked_site["manager"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/dashboard/")
    page.locator(".sitecards a[href^='/inspections/']").click()
    page.wait_for_url(f"**/inspections/{checked_site['id']}")
    assert page.locator("h1").inner_text().startswith("人民广场地下停车场")
    assert page.get_by_text("2号出口被货架堵住").is_visible()
    thumbnail = page.locator(f"a[data-photo] img[src$='{checked_site['sha']}']")
    thumbnail.scroll_into_view_if_needed()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth === 800", arg=thumbnail.element_handle()
    )
    assert page.get_by_text("照片尚未上传", exact=True).is_visible()
    page.screenshot(path=str(tmp_path / "record-360.png"), full_page=True)

    thumbnail.click()
    full = page.locator("dialog.photo-viewer[open] img")
    full.wait_for()
    page.wait_for_function("(img) => img.naturalWidth === 800", arg=full.element_handle())
    assert page.url.endswith(checked_site["id"])  # the tap did not leave the page
    page.get_by_role("button", name="关闭").click()
    assert page.locator("dialog.photo-viewer[open]").count() == 0
