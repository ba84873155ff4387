"""The field app against the real server: offline form, outbox, exactly-once sync."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.browser.conftest import log_in_api
from tests.browser.pwa_helpers import (
    fill_all_pass,
    fill_with_failures,
    image_size,
    log_in_through_app,
    make_jpeg,
    open_form,
    outbox_records,
    site_inspections,
    stored_copies,
    stored_inspection,
    submit,
    wait_for_service_worker,
    wait_for_state,
    wait_until,
)

pytestmark = pytest.mark.browser

DEADLINE = (date.today() + timedelta(days=7)).isoformat()


def test_log_in_caches_sites_and_templates(field_kit, page):
    log_in_through_app(page, field_kit.username)

    assert page.locator("#sites .site-link", has_text=field_kit.site_code).count() == 1
    cached = page.evaluate(
        """() => new Promise((resolve) => {
            indexedDB.open('shelter-daily-check').onsuccess = (e) => {
                const tx = e.target.result.transaction(['sites', 'templates']);
                const sites = tx.objectStore('sites').getAllKeys();
                const templates = tx.objectStore('templates').getAllKeys();
                tx.oncomplete = () => resolve({sites: sites.result, templates: templates.result});
            };
        })"""
    )
    assert field_kit.site_code in cached["sites"]
    assert field_kit.template_id in cached["templates"]


def test_site_url_opens_the_form_with_stable_names(field_kit, page):
    log_in_through_app(page, field_kit.username)

    record_id = open_form(page, field_kit.site_url)

    for item_id in field_kit.item_ids:
        fieldset = page.locator(f"fieldset[data-item-id='{item_id}']")
        values = fieldset.locator(f"input[type=radio][name='outcome-{item_id}']").evaluate_all(
            "inputs => inputs.map(i => i.value)"
        )
        assert values == ["pass", "fail", "na"]
    assert page.locator("form.inspection button[type=submit]").count() == 1
    draft = outbox_records(page)[record_id]
    assert draft["state"] == "draft"
    assert draft["scan"]["token"] == field_kit.qr_token


def test_offline_reload_of_a_site_url_still_shows_the_form(field_kit, page, context):
    log_in_through_app(page, field_kit.username)
    open_form(page, field_kit.site_url)

    context.set_offline(True)
    response = page.reload()
    page.wait_for_selector("fieldset[data-item-id='EVAC-01']")

    assert response.from_service_worker
    # A fresh scan of the label (any query string) is answered offline too.
    open_form(page, f"/s/{field_kit.site_code}?k={field_kit.qr_token}&utm=label")
    assert page.locator("fieldset[data-item-id]").count() == len(field_kit.item_ids)


def test_draft_survives_reload(field_kit, page, context):
    log_in_through_app(page, field_kit.username)
    record_id = open_form(page, field_kit.site_url)
    context.set_offline(True)
    page.check("input[name='outcome-FIRE-01'][value=pass]")
    page.click("fieldset[data-item-id='FIRE-01'] [data-more]")  # the note box is one tap away
    page.fill("textarea[name='note-FIRE-01']", "压力表指针在绿区")
    wait_until(page, "document.body.dataset.saveState === 'saved'")

    page.reload()
    page.wait_for_selector("fieldset[data-item-id='FIRE-01']")

    assert page.get_attribute("form.inspection", "data-record-id") == record_id
    assert page.is_checked("input[name='outcome-FIRE-01'][value=pass]")
    # A note already written is shown without the tap.
    assert page.input_value("textarea[name='note-FIRE-01']") == "压力表指针在绿区"


def test_submit_refuses_a_failure_without_its_rectification(field_kit, page):
    log_in_through_app(page, field_kit.username)
    record_id = open_form(page, field_kit.site_url)
    fill_all_pass(page, field_kit.item_ids)
    page.check("input[name='outcome-EVAC-02'][value=fail]")

    page.click("form.inspection button[type=submit]")

    assert page.locator("fieldset[data-item-id='EVAC-02'].invalid").count() == 1
    assert page.locator("fieldset[data-item-id='EVAC-02'] [data-error-for=mode]").inner_text()
    assert outbox_records(page)[record_id]["state"] == "draft"


def test_offline_inspection_with_failures_and_photos_survives_restart_then_syncs_once(
    field_kit, open_profile, tmp_path, photo, live_db, live_server
):
    profile = tmp_path / "profile"
    context = open_profile(profile)
    page = context.pages[0] if context.pages else context.new_page()
    log_in_through_app(page, field_kit.username)
    record_id = open_form(page, field_kit.site_url)
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("fieldset[data-item-id]")

    fill_with_failures(page, photo, DEADLINE)
    submit(page)
    wait_for_state(page, record_id, "queued")
    page.reload()
    wait_for_state(page, record_id, "queued")
    context.close()

    context = open_profile(profile, offline=True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/")
    wait_for_state(page, record_id, "queued")
    queued = outbox_records(page)[record_id]
    assert queued["payload"]["results"][0]["rectification"]["mode"] == "on_spot"
    assert stored_copies(live_db, record_id) == 0

    context.set_offline(False)
    wait_for_state(page, record_id, "synced")

    assert stored_copies(live_db, record_id) == 1
    stored = stored_inspection(live_db, record_id)
    assert stored["evidence_complete"] is True
    assert stored["scanned"] is True
    assert stored["results"]["EVAC-01"][1]["mode"] == "on_spot"
    assert stored["results"]["EVAC-02"][1]["mode"] == "order"
    assert stored["results"]["EVAC-02"][1]["deadline"] == DEADLINE
    evidence = queued["payload"]["results"][0]["photos"][0]
    got = context.request.get(f"/api/v1/photos/{evidence}")
    assert got.status == 200
    assert max(image_size(got.body())) <= 1600
    page.wait_for_selector("#sync-status[data-pending='0']")
    cached_urls = page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )
    assert cached_urls and not [url for url in cached_urls if "/api/" in url]


def _submit_one(page, kit) -> str:
    log_in_through_app(page, kit.username)
    record_id = open_form(page, kit.site_url)
    fill_all_pass(page, kit.item_ids)
    return record_id


def test_the_same_batch_delivered_twice_is_stored_once(field_kit, page, context, live_db):
    record_id = _submit_one(page, field_kit)
    deliveries = []

    def deliver_twice(route):
        first = route.fetch()
        second = route.fetch()
        deliveries.append((first.json(), second.json()))
        route.fulfill(response=second)

    context.route("**/api/v1/sync/inspections", deliver_twice)
    submit(page)
    wait_for_state(page, record_id, "synced")

    first, second = deliveries[0]
    assert first["results"][0]["status"] == "created"
    assert second["results"][0]["status"] == "duplicate"
    assert stored_copies(live_db, record_id) == 1


def test_a_connection_dropped_after_the_server_processed_the_batch(
    field_kit, page, context, live_db
):
    record_id = _submit_one(page, field_kit)
    attempts = []

    def drop_first_reply(route):
        attempts.append(1)
        if len(attempts) == 1:
            route.fetch()  # the server stores it...
            route.abort("connectionreset")  # ...and the phone never hears back
        else:
            route.continue_()

    context.route("**/api/v1/sync/inspections", drop_first_reply)
    submit(page)
    page.wait_for_selector(f"li[data-record-id='{record_id}'][data-state=queued] .record-error")
    assert stored_copies(live_db, record_id) == 1
    page.click("#sync-now")
    wait_for_state(page, record_id, "synced")

    assert len(attempts) == 2
    assert stored_copies(live_db, record_id) == 1


def test_a_server_error_mid_batch_is_retried_without_a_second_copy(
    field_kit, page, context, live_db
):
    record_id = _submit_one(page, field_kit)
    attempts = []

    def fail_first(route):
        attempts.append(1)
        if len(attempts) == 1:
            route.fetch()
            route.fulfill(status=500, json={"error": "internal_server_error", "message": "boom"})
        else:
            route.continue_()

    context.route("**/api/v1/sync/inspections", fail_first)
    submit(page)
    page.wait_for_selector(f"li[data-record-id='{record_id}'][data-state=queued] .record-error")
    assert "500" in page.inner_text(f"li[data-record-id='{record_id}'] .record-error")
    page.click("#sync-now")
    wait_for_state(page, record_id, "synced")

    assert stored_copies(live_db, record_id) == 1


def test_a_rejected_record_stays_on_the_phone_with_the_reason(
    field_kit, page, context, live_db, photo
):
    log_in_through_app(page, field_kit.username)
    record_id = open_form(page, field_kit.site_url)
    context.set_offline(True)
    # The phone accepts any future deadline; the server allows at most 30 days.
    fill_with_failures(page, photo, (date.today() + timedelta(days=90)).isoformat())
    submit(page)
    wait_for_state(page, record_id, "queued")

    context.set_offline(False)
    wait_for_state(page, record_id, "rejected")

    row = page.locator(f"#needs-attention li[data-record-id='{record_id}']")
    assert "整改期限" in row.inner_text()  # the field at fault, in the form's own words
    assert outbox_records(page)[record_id]["state"] == "rejected"
    assert stored_copies(live_db, record_id) == 0
    page.reload()
    wait_for_state(page, record_id, "rejected")

    # Fix it and resend: same id, stored once.
    row = page.locator(f"#needs-attention li[data-record-id='{record_id}']")
    row.locator("a.btn").click()
    page.wait_for_selector("form.inspection .card-bad")
    page.fill("input[name='deadline-EVAC-02']", DEADLINE)
    wait_until(page, "document.body.dataset.saveState === 'saved'")
    submit(page)
    wait_for_state(page, record_id, "synced")
    assert stored_copies(live_db, record_id) == 1


@pytest.mark.parametrize("ended", ["expired", "revoked"])
def test_an_ended_session_keeps_records_queued_until_the_user_logs_in_again(
    field_kit, page, context, live_db, browser, live_server, ended
):
    record_id = _submit_one(page, field_kit)
    context.set_offline(True)
    submit(page)
    wait_for_state(page, record_id, "queued")
    if ended == "expired":
        context.clear_cookies()  # the session expired while underground
    else:  # ended on the server: the phone still holds its (now worthless) cookies
        other = browser.new_context(base_url=live_server.url)
        token = log_in_api(other, field_kit.username)["csrf_token"]
        assert other.request.delete("/api/v1/sessions", headers={"X-CSRF-Token": token}).ok
        other.close()

    context.set_offline(False)
    page.wait_for_selector("#login-overlay #login-form")
    wait_for_state(page, record_id, "queued")
    assert stored_copies(live_db, record_id) == 0
    page.fill("#login-form input[name=username]", field_kit.username)
    page.fill("#login-form input[name=password]", "correct horse 9")
    page.click("#login-form button[type=submit]")

    wait_for_state(page, record_id, "synced")
    assert stored_copies(live_db, record_id) == 1


def test_installable_according_to_chromium(field_kit, open_profile, tmp_path):
    context = open_profile(tmp_path / "profile")
    page = context.pages[0] if context.pages else context.new_page()
    log_in_api(context, field_kit.username)
    page.goto("/")
    wait_for_service_worker(page)
    cdp = context.new_cdp_session(page)

    reply = cdp.send("Page.getInstallabilityErrors")

    assert reply["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []


def test_export_unsent_records_to_a_file_the_server_imports(
    field_kit, page, context, live_db, photo
):
    log_in_through_app(page, field_kit.username)
    record_id = open_form(page, field_kit.site_url)
    context.set_offline(True)
    fill_with_failures(page, photo, DEADLINE)
    submit(page)
    wait_for_state(page, record_id, "queued")

    with page.expect_download() as download_info:
        page.click("#export-unsent")
    data = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert data["format"] == "shelter-daily-check/unsent"
    assert data["version"] == 1
    assert data["username"] == field_kit.username
    assert [i["id"] for i in data["inspections"]] == [record_id]
    assert len(data["photos"]) == 2

    context.set_offline(False)
    csrf = context.request.get("/api/v1/me").json()["csrf_token"]
    reply = context.request.post("/api/v1/sync/import", data=data, headers={"X-CSRF-Token": csrf})
    assert reply.ok, reply.text()
    assert stored_copies(live_db, record_id) == 1
    assert stored_inspection(live_db, record_id)["evidence_complete"] is True
    # The phone's own copy then syncs as a duplicate and leaves the outbox.
    page.click("#sync-now")
    wait_for_state(page, record_id, "synced")
    assert site_inspections(live_db, field_kit.site_code) == 1


# The version-1 schema exactly as db.js's first rung builds it, with records written by
# that version (no "type" field yet).
V1_DATABASE = """async ({user, queued, draft}) => {
    await new Promise((resolve, reject) => {
        const open = indexedDB.open('shelter-daily-check', 1);
        open.onupgradeneeded = () => {
            const db = open.result;
            db.createObjectStore('records', {keyPath: 'id'}).createIndex('state', 'state');
            db.createObjectStore('photos', {keyPath: 'sha256'});
            db.createObjectStore('meta');
        };
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction(['records', 'meta'], 'readwrite');
            tx.objectStore('meta').put(user, 'user');
            tx.objectStore('meta').put('device-v1', 'device_id');
            tx.objectStore('records').put(queued);
            tx.objectStore('records').put(draft);
            tx.oncomplete = () => { db.close(); resolve(); };
            tx.onerror = () => reject(tx.error);
        };
    });
}"""


def test_indexeddb_upgrade_from_version_1_keeps_queued_and_draft_records(
    field_kit, page, context, live_db
):
    session = log_in_api(context, field_kit.username)
    now = date.today().isoformat() + "T09:00:00+08:00"
    queued_id, draft_id = str(uuid.uuid4()), str(uuid.uuid4())
    queued = {
        "id": queued_id,
        "state": "queued",
        "site_code": field_kit.site_code,
        "username": field_kit.username,
        "submitted_at": now,
        "updated_at": now,
        "payload": {
            "id": queued_id,
            "site_code": field_kit.site_code,
            "template_id": field_kit.template_id,
            "kind": "self",
            "started_at": now,
            "finished_at": now,
            "results": [{"item_id": i, "outcome": "pass"} for i in field_kit.item_ids],
        },
    }
    draft = {
        "id": draft_id,
        "state": "draft",
        "site_code": field_kit.site_code,
        "template_id": field_kit.template_id,
        "username": field_kit.username,
        "started_at": now,
        "updated_at": now,
        "form": {"results": {"FIRE-01": {"outcome": "pass"}}},
    }
    page.goto("/static/css/app.css")  # same origin, before the app ever ran
    page.evaluate(V1_DATABASE, {"user": session["user"], "queued": queued, "draft": draft})

    page.goto("/")
    wait_for_state(page, draft_id, "draft")
    wait_for_state(page, queued_id, "synced")

    records = outbox_records(page)
    assert records[draft_id]["type"] == "inspection"
    assert records[draft_id]["form"]["results"]["FIRE-01"]["outcome"] == "pass"
    version = page.evaluate(
        """() => new Promise((resolve) => {
            indexedDB.open('shelter-daily-check').onsuccess = (e) =>
                resolve(e.target.result.version)
        })"""
    )
    assert version == 2
    assert stored_copies(live_db, queued_id) == 1
    open_form(page, f"/s/{field_kit.site_code}?d={draft_id}")
    assert page.is_checked("input[name='outcome-FIRE-01'][value=pass]")


def test_logout_warns_while_records_are_unsynced(field_kit, page, context):
    record_id = _submit_one(page, field_kit)
    context.set_offline(True)
    submit(page)
    wait_for_state(page, record_id, "queued")
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("#logout")

    assert "1" in messages[0]
    assert page.locator("#logout").is_visible()  # still logged in
    wait_for_state(page, record_id, "queued")


def test_self_test_page_reports_what_works_offline(field_kit, page):
    log_in_through_app(page, field_kit.username)

    page.goto("/app/self-test")
    page.wait_for_selector("#self-test li[data-check=reference][data-ok]")

    ok = {
        name: page.get_attribute(f"#self-test li[data-check={name}]", "data-ok")
        for name in ("sw", "idb", "persist", "quota", "camera", "crypto", "server", "reference")
    }
    for name in ("sw", "idb", "crypto", "server", "reference"):
        assert ok[name] == "true", (name, ok)
    assert set(ok.values()) <= {"true", "false"}


def test_language_switch_shows_the_form_in_english(field_kit, page):
    log_in_through_app(page, field_kit.username)
    open_form(page, field_kit.site_url)
    legend = page.locator("fieldset[data-item-id='EVAC-02'] legend")
    assert "疏散通道畅通" in legend.inner_text()

    page.click("#lang-switch")
    page.wait_for_selector("form.inspection button[type=submit]:has-text('Submit check')")

    assert (
        "Escape corridors clear"
        in page.locator("fieldset[data-item-id='EVAC-02'] legend").inner_text()
    )
    page.reload()
    page.wait_for_selector("form.inspection button[type=submit]:has-text('Submit check')")


def test_a_new_version_is_offered_never_forced_and_warns_while_unsynced(
    field_kit, page, context, server_with_static
):
    server, static = server_with_static
    log_in_through_app(page, field_kit.username, base=server.url)
    record_id = open_form(page, f"{server.url}{field_kit.site_url}")
    fill_all_pass(page, field_kit.item_ids)
    context.set_offline(True)
    submit(page)
    wait_for_state(page, record_id, "queued")
    context.route("**/api/v1/sync/**", lambda route: route.abort())  # keep it unsynced
    context.set_offline(False)
    page.evaluate("window.stillTheSamePage = true")
    page.evaluate("caches.open('another-app-on-this-origin')")
    old_caches = page.evaluate("caches.keys()")

    main_js = static / "js" / "main.js"
    main_js.write_text(main_js.read_text(encoding="utf-8") + "\n// next release\n")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    update = page.locator("#toasts .toast button.btn")
    update.wait_for()

    assert page.evaluate("window.stillTheSamePage") is True  # no surprise reload
    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.dismiss()))
    update.click()
    page.wait_for_timeout(500)
    assert warnings and "1" in warnings[0]
    assert page.evaluate("window.stillTheSamePage") is True

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_event("load"):
        update.click()
    page.wait_for_selector("#sync-status")
    new_caches = set(page.evaluate("caches.keys()"))
    ours_before = {name for name in old_caches if name.startswith("shelter-shell-")}
    ours_after = {name for name in new_caches if name.startswith("shelter-shell-")}
    assert len(ours_before) == len(ours_after) == 1
    assert ours_after != ours_before  # our old cache is gone...
    assert "another-app-on-this-origin" in new_caches  # ...and nobody else's
    wait_for_state(page, record_id, "queued")  # nothing lost in the update


def test_a_record_stays_until_the_server_holds_every_photo(
    field_kit, page, context, live_db, tmp_path
):
    # Photos of their own: the server must not already hold them from another test.
    unique = [int(uuid.uuid4().hex[i : i + 2], 16) for i in range(0, 12, 2)]
    make_jpeg(tmp_path / "after.jpg", colour=tuple(unique[:3]))
    photo = make_jpeg(tmp_path / "evidence.jpg", colour=tuple(unique[3:]))
    log_in_through_app(page, field_kit.username)
    record_id = open_form(page, field_kit.site_url)
    context.set_offline(True)
    fill_with_failures(page, photo, DEADLINE)
    submit(page)
    wait_for_state(page, record_id, "queued")
    lost, uploads = [], []

    def lose_the_first_photo(route):
        uploads.append(route.request.url.rsplit("/", 1)[1])
        # The phone is told "stored" but the server never got the bytes.
        if not lost and route.request.method == "PUT":
            lost.append(route.request.url.rsplit("/", 1)[1])
            route.fulfill(status=201, json={"sha256": lost[0]})
        else:
            route.continue_()

    context.route("**/api/v1/photos/*", lose_the_first_photo)
    context.set_offline(False)
    wait_for_state(page, record_id, "synced")

    # The server answered "created" with that photo missing; the phone uploaded it again.
    assert uploads.count(lost[0]) == 2
    stored = stored_inspection(live_db, record_id)
    assert stored["evidence_complete"] is True
    got = context.request.get(f"/api/v1/photos/{lost[0]}")
    assert got.status == 200
    assert stored_copies(live_db, record_id) == 1
