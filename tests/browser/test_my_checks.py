"""我的检查 / My checks (issue 12 §3): "did you check B2 yesterday?" answered from the phone,
offline, with each check's state and what was submitted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.pwa_helpers import (
    fill_all_pass,
    fill_with_failures,
    log_in_through_app,
    open_form,
    outbox_records,
    submit,
    wait_for_state,
)

pytestmark = pytest.mark.browser

DEADLINE = (date.today() + timedelta(days=7)).isoformat()


@pytest.fixture
def browser_context_args(browser_context_args):
    # A phone in China: its days are Beijing days, like the server's.
    return {**browser_context_args, "timezone_id": "Asia/Shanghai", "locale": "zh-CN"}


def open_my_checks(page) -> None:
    page.click("#my-checks-link")
    page.wait_for_selector("#my-checks")


def test_a_submitted_check_opens_offline_from_my_checks(field_kit, page, context, photo):
    log_in_through_app(page, field_kit.username)
    synced_id = open_form(page, field_kit.site_url)
    fill_with_failures(page, photo, DEADLINE)
    submit(page)
    wait_for_state(page, synced_id, "synced")

    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#sync-status")
    open_my_checks(page)

    row = page.locator(f"#my-checks li[data-record-id='{synced_id}']")
    assert row.get_attribute("data-check-state") == "synced"
    assert "人民广场地下停车场" in row.inner_text() and "2 项不合格" in row.inner_text()
    assert "今天" in page.locator("#my-checks section[data-day]").first.inner_text()
    row.locator("a").click()
    page.wait_for_selector("#check-view")

    view = page.locator("#check-view")
    assert page.get_attribute("#check-state", "data-check-state") == "synced"
    assert "照片已上传，本机不再保存" in page.inner_text("#check-state")
    assert page.locator("#server-link").count() == 0  # offline: the server page is out of reach
    evac01 = view.locator("li[data-item-id='EVAC-01']")
    assert "安全出口未锁闭、未封堵" in evac01.inner_text()  # the item's label, not only its code
    assert "不合格" in evac01.inner_text() and "当场整改" in evac01.inner_text()
    assert "打开了被锁的安全出口" in evac01.inner_text()
    # Its photos went once the server had them: said so, not shown broken.
    assert evac01.locator("[data-photos-away]").count() == 2
    evac02 = view.locator("li[data-item-id='EVAC-02']")
    assert "李主任" in evac02.inner_text() and DEADLINE in evac02.inner_text()
    assert "清理通道堆放的杂物" in evac02.inner_text()
    assert view.locator("li[data-item-id='FIRE-05']").inner_text().count("不适用") == 1

    context.set_offline(False)  # online again: the record's page on the server is a tap away
    page.reload()
    page.wait_for_selector("#server-link")
    assert page.get_attribute("#server-link", "href") == f"/inspections/{synced_id}"


def test_a_check_waiting_on_the_phone_shows_its_photos_and_state(field_kit, page, context, photo):
    log_in_through_app(page, field_kit.username)
    record_id = open_form(page, field_kit.site_url)
    context.set_offline(True)
    fill_with_failures(page, photo, DEADLINE)
    submit(page)
    wait_for_state(page, record_id, "queued")

    open_my_checks(page)
    row = page.locator(f"#my-checks li[data-record-id='{record_id}']")
    assert row.get_attribute("data-check-state") == "waiting"
    assert "在本机，待同步" in row.inner_text()
    row.locator("a").click()
    page.wait_for_selector("#check-view")
    assert "只保存在本机" in page.inner_text("#check-state")
    # Still on the phone: the evidence and the after-fix photo are shown from its store.
    page.wait_for_selector("#check-view li[data-item-id='EVAC-01'] .thumb img[src^='blob:']")
    assert page.locator("#check-view li[data-item-id='EVAC-01'] .thumb img").count() == 2


def test_a_refused_check_says_why(field_kit, page, context, photo):
    log_in_through_app(page, field_kit.username)
    record_id = open_form(page, field_kit.site_url)
    context.set_offline(True)
    # The phone accepts any future deadline; the server allows at most 30 days.
    fill_with_failures(page, photo, (date.today() + timedelta(days=90)).isoformat())
    submit(page)
    context.set_offline(False)
    wait_for_state(page, record_id, "rejected")

    open_my_checks(page)
    row = page.locator(f"#my-checks li[data-record-id='{record_id}']")
    assert row.get_attribute("data-check-state") == "refused"
    row.locator("a").click()
    page.wait_for_selector("#check-view")
    assert "整改期限" in page.inner_text("#check-state")  # the field at fault, in words
    assert page.locator("#check-state a", has_text="修改后重新提交").count() == 1


def test_synced_checks_stay_readable_for_30_days_then_go(field_kit, page, context):
    """pruneSynced keeps a synced record 30 days after it was submitted (not 7)."""
    log_in_through_app(page, field_kit.username)
    record_id = open_form(page, field_kit.site_url)
    fill_all_pass(page, field_kit.item_ids)
    submit(page)
    wait_for_state(page, record_id, "synced")

    def age(days: int) -> None:
        page.evaluate(
            """([id, days]) => new Promise((resolve) => {
                indexedDB.open('shelter-daily-check').onsuccess = (e) => {
                    const db = e.target.result;
                    const store = db.transaction('records', 'readwrite').objectStore('records');
                    store.get(id).onsuccess = (got) => {
                        const when = new Date(Date.now() - days * 86400e3).toISOString();
                        const r = got.target.result;
                        store.put({...r, submitted_at: when, updated_at: when}).onsuccess = () => {
                            db.close();
                            resolve();
                        };
                    };
                };
            })""",
            [record_id, days],
        )

    age(29)
    page.reload()
    page.wait_for_selector("#sync-status")
    assert record_id in outbox_records(page)
    open_my_checks(page)
    assert page.locator(f"#my-checks li[data-record-id='{record_id}']").count() == 1

    age(31)
    page.goto("/")
    page.wait_for_selector("#sync-status")
    for _ in range(100):  # pruned at start-up, once the first screen is drawn
        if record_id not in outbox_records(page):
            break
        page.wait_for_timeout(100)
    assert record_id not in outbox_records(page)
