"""Steps the PWA browser tests share: log in through the app, fill the form, read the
outbox from IndexedDB, and count what the server stored."""

from __future__ import annotations

import io
import time
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from tests.factories import PASSWORD
from webapp.extensions import db
from webapp.models import Inspection, InspectionResult, Site


def make_jpeg(path: Path, size=(2400, 1800), colour=(200, 60, 40)) -> Path:
    """A camera-sized JPEG (bigger than the 1600 px the phone keeps)."""
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 200):
        image.paste((30, 30, 30), (x, 0, x + 40, size[1]))
    image.save(path, "JPEG", quality=85)
    return path


def image_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def wait_until(page, expression: str, timeout: float = 30_000) -> None:
    """Poll a JavaScript ``expression`` in the page until it is truthy.

    Instead of Playwright's ``wait_for_function``: while waiting, that compiles its
    predicate with ``eval`` inside the page, which the app's Content-Security-Policy
    forbids (no 'unsafe-eval'). ``page.evaluate`` runs through DevTools, outside the policy.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout:.0f} ms: {expression}")
        page.wait_for_timeout(100)


def wait_for_service_worker(page) -> None:
    wait_until(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")


def log_in_through_app(page, username: str, password: str = PASSWORD, base: str = "") -> None:
    """Open the app, log in on its login screen, wait for the cached site list and the SW."""
    page.goto(f"{base}/")
    page.fill("#login-form input[name=username]", username)
    page.fill("#login-form input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#sites .site-link")
    wait_for_service_worker(page)


def open_form(page, url: str) -> str:
    """Navigate to a site URL; returns the inspection's UUID once the form is shown."""
    page.goto(url)
    page.wait_for_selector("form.inspection fieldset[data-item-id]")
    return page.get_attribute("form.inspection", "data-record-id")


def wait_saved(page) -> None:
    wait_until(page, "document.body.dataset.saveState === 'saved'")


def choose(page, item_id: str, outcome: str) -> None:
    page.check(f"input[name='outcome-{item_id}'][value={outcome}]")


def fill_with_failures(page, photo: Path, deadline: str) -> None:
    """EVAC-01 fails and is fixed on the spot (evidence and after photos: the item requires
    them); EVAC-02 fails with a rectification order; the rest pass."""
    choose(page, "EVAC-01", "fail")
    page.set_input_files("input[name='photo-EVAC-01']", str(photo))
    page.wait_for_selector("fieldset[data-item-id='EVAC-01'] [data-photos=photos] .thumb img[src]")
    page.check("input[name='rect-mode-EVAC-01'][value=on_spot]")
    page.fill("textarea[name='action-EVAC-01']", "打开了被锁的安全出口，钥匙交值班室")
    page.set_input_files("input[name='after-photo-EVAC-01']", str(photo.with_name("after.jpg")))
    page.wait_for_selector(
        "fieldset[data-item-id='EVAC-01'] [data-photos=after_photos] .thumb img[src]"
    )
    choose(page, "EVAC-02", "fail")
    page.check("input[name='rect-mode-EVAC-02'][value=order]")
    page.fill("input[name='responsible-EVAC-02']", "李主任")
    page.fill("input[name='deadline-EVAC-02']", deadline)
    page.fill("textarea[name='measures-EVAC-02']", "清理通道堆放的杂物，设置警示")
    page.fill("input[name='funds-amount-EVAC-02']", "500")
    page.fill("input[name='funds-source-EVAC-02']", "单位自筹")
    choose(page, "FIRE-01", "pass")
    choose(page, "FIRE-05", "na")
    wait_saved(page)


def fill_all_pass(page, item_ids) -> None:
    for item_id in item_ids:
        choose(page, item_id, "pass")
    wait_saved(page)


def submit(page) -> None:
    page.click("form.inspection button[type=submit]")
    page.wait_for_selector("#sync-status")


def outbox_records(page) -> dict[str, dict]:
    """Every record in the app's IndexedDB outbox, by id (read with the raw IDB API)."""
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open('shelter-daily-check');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const tx = open.result.transaction('records');
                const all = tx.objectStore('records').getAll();
                all.onsuccess = () => {
                    open.result.close();
                    resolve(Object.fromEntries(all.result.map((r) => [r.id, r])));
                };
            };
        })"""
    )


def wait_for_state(page, record_id: str, state: str, timeout: float = 20000) -> None:
    page.wait_for_selector(
        f"li[data-record-id='{record_id}'][data-state='{state}']", state="attached", timeout=timeout
    )


def stored_copies(live_db, record_id: str) -> int:
    with live_db():
        return db.session.scalar(
            select(func.count()).select_from(Inspection).where(Inspection.id == record_id)
        )


def stored_inspection(live_db, record_id: str) -> dict:
    """What the server holds for one inspection, as plain values."""
    with live_db():
        inspection = db.session.get(Inspection, record_id)
        if inspection is None:
            return {}
        results = db.session.scalars(
            select(InspectionResult).where(InspectionResult.inspection_id == record_id)
        ).all()
        site = db.session.get(Site, inspection.site_id)
        return {
            "site_code": site.code,
            "scanned": inspection.scanned,
            "evidence_complete": inspection.evidence_complete,
            "failures": inspection.failures,
            "results": {r.item_id: (r.outcome, r.rectification) for r in results},
        }


def site_inspections(live_db, site_code: str) -> int:
    with live_db():
        return db.session.scalar(
            select(func.count())
            .select_from(Inspection)
            .join(Site, Site.id == Inspection.site_id)
            .where(Site.code == site_code)
        )
