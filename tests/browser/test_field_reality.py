"""The phones and scanners people actually use (issue 15, field reality): WeChat's in-app
browser, iOS, a 360 px screen, the demo checklist in a handful of taps, what is done today,
and 离线 in the header. Screenshots land in the test's tmp_path (look at them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import _server_config, log_in_api, serve
from tests.browser.pwa_helpers import (
    fill_all_pass,
    log_in_through_app,
    open_form,
    outbox_records,
    submit,
    wait_for_state,
    wait_until,
)
from tests.dashboard_fixtures import add_inspection
from tests.factories import PASSWORD, make_site, make_user
from webapp.extensions import db
from webapp.models import Inspection, InspectionResult, Organisation, Site

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "timezone_id": "Asia/Shanghai",
    "locale": "zh-CN",
}
WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; V2203A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/1110005 "
    "MMWEBSDK/20231002 MMWEBID/2585 MicroMessenger/8.0.43.2480(0x28002B37) WeChat/arm64 "
    "Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


def test_in_wechat_the_phone_says_how_to_open_the_system_browser(
    field_kit, browser, live_server, tmp_path
):
    context = browser.new_context(base_url=live_server.url, user_agent=WECHAT, **PHONE)
    page = context.new_page()
    page.goto(field_kit.site_url)  # what scanning the label with WeChat opens

    # Before anything is typed in, on the login screen already:
    guide = page.locator("#login-overlay #inapp-guide-login")
    guide.wait_for()
    assert guide.get_attribute("data-in-app") == "wechat"
    text = guide.inner_text()
    assert "微信" in text and "「⋯」" in text and "在浏览器打开" in text
    assert "添加到主屏幕" in text  # ...or open the installed app
    page.screenshot(path=tmp_path / "wechat-login-360.png")

    page.fill("#login-form input[name=username]", field_kit.username)
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("form.inspection fieldset[data-item-id]")
    # On the form too, with the risk in words, above the first item.
    assert "只保存在微信里" in page.inner_text("#inapp-guide")
    assert page.locator("#inapp-guide").bounding_box()["y"] < 740
    page.screenshot(path=tmp_path / "wechat-form-360.png")

    # A record kept only in WeChat is never left without a warning.
    context.set_offline(True)
    record_id = page.get_attribute("form.inspection", "data-record-id")
    fill_all_pass(page, field_kit.item_ids)
    submit(page)
    page.wait_for_selector(".toast-bad:has-text('只保存在微信里')", timeout=15000)
    wait_for_state(page, record_id, "queued")
    assert "只保存在微信里" in page.inner_text("#inapp-unsynced")
    page.screenshot(path=tmp_path / "wechat-home-unsynced-360.png")
    context.close()


def test_the_copied_link_keeps_the_labels_scan_token(field_kit, browser, live_server):
    """Reopened in the system browser, the form still records the QR scan."""
    context = browser.new_context(base_url=live_server.url, user_agent=WECHAT, **PHONE)
    log_in_api(context, field_kit.username)
    page = context.new_page()
    open_form(page, field_kit.site_url)
    assert f"k={field_kit.qr_token}" in page.url
    context.close()


def test_an_ordinary_browser_gets_no_in_app_warning(field_kit, page):
    log_in_through_app(page, field_kit.username)
    assert page.locator("#inapp-guide").count() == 0


def test_on_an_iphone_the_app_asks_to_be_added_to_the_home_screen(
    field_kit, browser, live_server, tmp_path
):
    context = browser.new_context(base_url=live_server.url, user_agent=IPHONE_SAFARI, **PHONE)
    page = context.new_page()
    log_in_through_app(page, field_kit.username)
    card = page.locator("#add-to-home-screen")
    assert "添加到主屏幕" in card.inner_text() and "7 天" in card.inner_text()
    page.screenshot(path=tmp_path / "iphone-home-360.png", full_page=True)

    page.goto("/app/self-test")
    row = page.locator("#self-test li[data-check=home_screen][data-ok]")
    row.wait_for()
    assert row.get_attribute("data-ok") == "false" and "7 天" in row.inner_text()
    context.close()


def test_the_self_test_shows_storage_used_and_free_persistence_and_the_browser(field_kit, page):
    log_in_through_app(page, field_kit.username)
    page.goto("/app/self-test")
    page.wait_for_selector("#self-test li[data-check=reference][data-ok]")

    quota = page.inner_text("#self-test li[data-check=quota]")
    assert "已用" in quota and "MB" in quota and "可用约" in quota
    persist = page.inner_text("#self-test li[data-check=persist]")
    assert "持久存储" in persist and ("已获得" in persist or "未授予" in persist)
    browser_row = page.locator("#self-test li[data-check=browser]")
    assert (
        browser_row.get_attribute("data-ok") == "true" and "手机浏览器" in browser_row.inner_text()
    )
    home_screen = page.locator("#self-test li[data-check=home_screen]")
    assert home_screen.get_attribute("data-ok") == "true"  # not iOS: nothing is evicted


def test_the_header_says_offline_when_offline(field_kit, page, context):
    log_in_through_app(page, field_kit.username)
    badge = page.locator("#sync-badge a")
    wait_until(page, "document.querySelector('#sync-badge a').dataset.kind === 'ok'")
    assert "已同步" in badge.inner_text()

    context.set_offline(True)
    wait_until(page, "document.querySelector('#sync-badge a').dataset.kind === 'offline'")
    assert badge.inner_text() == "离线"

    page.reload()  # opened underground: never "synced"
    wait_until(page, "document.querySelector('#sync-badge a')?.dataset.kind === 'offline'")
    record_id = open_form(page, field_kit.site_url)
    fill_all_pass(page, field_kit.item_ids)
    submit(page)
    wait_for_state(page, record_id, "queued")
    wait_until(page, "document.querySelector('#sync-badge a').innerText === '离线 ↑1'")

    context.set_offline(False)
    wait_for_state(page, record_id, "synced")
    wait_until(page, "document.querySelector('#sync-badge a').dataset.kind === 'ok'")


# --- what is done today ---------------------------------------------------------------------


@pytest.fixture
def three_sites(field_kit, live_db):
    """The kit's site, a second one of its unit, and a third one a colleague has checked
    today already (on the server). Codes sort kit < second < third."""
    with live_db():
        unit = db.session.scalar(
            select(Organisation).where(Organisation.code == field_kit.unit_code)
        )
        second = make_site(unit, f"{field_kit.site_code}-B", name="第二工程")
        third = make_site(unit, f"{field_kit.site_code}-C", name="第三工程")
        colleague = make_user(unit, display_name="李同事")
        add_inspection(third, colleague, datetime.now(UTC) - timedelta(minutes=5))
        codes = (field_kit.site_code, second.code, third.code)
    return codes


def listed_sites(page) -> list[tuple[str, str | None]]:
    pairs = page.locator("#sites li[data-site]").evaluate_all(
        "items => items.map((li) => [li.dataset.site, li.dataset.checkedToday || null])"
    )
    return [tuple(pair) for pair in pairs]


def test_sites_checked_today_are_marked_and_listed_last(field_kit, three_sites, page):
    kit, second, third = three_sites
    log_in_through_app(page, field_kit.username)
    assert listed_sites(page) == [(kit, None), (second, None), (third, "server")]
    assert "李同事" in page.inner_text(f"#sites li[data-site='{third}']")
    assert "今天已检查 1/3" in page.inner_text("#sites-today")

    record_id = open_form(page, field_kit.site_url)
    fill_all_pass(page, field_kit.item_ids)
    submit(page)
    wait_for_state(page, record_id, "synced")
    page.wait_for_selector(f"#sites li[data-site='{kit}'][data-checked-today]")

    # Checked on this phone: marked at once, whatever the server's list says.
    assert listed_sites(page) == [(second, None), (kit, "phone"), (third, "server")]
    assert "本机提交" in page.inner_text(f"#sites li[data-site='{kit}']")


def test_reopening_a_site_checked_today_says_so_before_a_second_check(
    field_kit, three_sites, page, live_db
):
    kit, _second, third = three_sites
    log_in_through_app(page, field_kit.username)
    first_id = open_form(page, field_kit.site_url)
    fill_all_pass(page, field_kit.item_ids)
    submit(page)
    wait_for_state(page, first_id, "synced")

    page.goto(field_kit.site_url)  # the label scanned again
    page.wait_for_selector("#second-check")
    assert "今天已检查过此工程" in page.inner_text("#second-check")
    assert page.locator("form.inspection").count() == 0
    assert not [r for r in outbox_records(page).values() if r["state"] == "draft"]
    page.click("#second-check-back")
    page.wait_for_selector("#sync-status")
    assert not [r for r in outbox_records(page).values() if r["state"] == "draft"]

    page.goto(field_kit.site_url)
    page.click("#second-check-go")
    page.wait_for_selector("form.inspection fieldset[data-item-id]")
    assert page.get_attribute("form.inspection", "data-record-id") != first_id

    page.goto(f"/s/{third}")  # checked by a colleague: the server's word
    page.wait_for_selector("#second-check")
    assert "李同事" in page.inner_text("#second-check")


# --- the demo checklist on a 360 px phone -----------------------------------------------------


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A server of its own holding `seed-demo --days 0`: the demo's organisations, sites,
    accounts and its checklist (the product's default daily checklist), no history."""
    from flask_migrate import upgrade

    from webapp.demo import create_app

    base = tmp_path_factory.mktemp("demo-taps")
    paths = {
        "database_url": f"sqlite:///{base / 'demo.sqlite3'}",
        "photo_dir": str(base / "photos"),
        "instance": base,
    }
    config = _server_config(paths)
    app = create_app(config)
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["seed-demo", "--days", "0"])
        assert result.exit_code == 0, result.output
        tokens = {site.code: site.qr_token for site in db.session.scalars(select(Site))}
        db.session.remove()
        db.engine.dispose()
    with serve(f"webapp:create_app({config!r})", base / "server.log") as server:
        yield server, app, tokens


def test_an_all_pass_check_of_the_demo_checklist_takes_a_handful_of_taps(
    demo_server, browser, tmp_path
):
    server, app, tokens = demo_server
    context = browser.new_context(base_url=server.url, has_touch=True, is_mobile=True, **PHONE)
    log_in_api(context, "cc-u01.inspector", "renfang-demo-2026")  # logged in once, days ago
    sites = context.request.get("/api/v1/sites").json()
    site = max(sites, key=lambda s: len(s["item_ids"]))  # the longest form of the unit
    items = len(site["item_ids"])
    assert items >= 24
    page = context.new_page()
    taps = 0

    def accept(dialog):
        nonlocal taps
        taps += 1  # "OK" on the confirmation
        dialog.accept()

    page.on("dialog", accept)
    # The label scanned with the phone's camera opens the form (no tap in the app).
    page.goto(f"/s/{site['code']}?k={tokens[site['code']]}")
    page.wait_for_selector("form.inspection fieldset[data-item-id]")
    assert page.locator("fieldset[data-item-id]").count() == items
    # Short: no note box or photo button until asked for.
    assert page.locator("form.inspection textarea, form.inspection input[type=file]").count() == 0
    rest = page.locator("#rest-pass")
    assert rest.inner_text() == f"其余 {items} 项全部合格"
    box = rest.bounding_box()
    assert box["y"] + box["height"] <= 740  # in reach without scrolling
    page.screenshot(path=tmp_path / "demo-form-360.png")
    record_id = page.get_attribute("form.inspection", "data-record-id")

    rest.tap()
    taps += 1
    wait_until(page, "document.body.dataset.saveState === 'saved'")
    assert page.inner_text(".progress") == f"已填 {items}/{items}"
    page.tap("form.inspection button[type=submit]")
    taps += 1
    wait_for_state(page, record_id, "synced")

    assert taps <= 5, taps  # a handful, against one per item (and more) before
    assert taps == 3
    with app.app_context():
        stored = db.session.get(Inspection, record_id)
        results = db.session.scalars(
            select(InspectionResult).where(InspectionResult.inspection_id == record_id)
        ).all()
        assert stored.scanned
        # Each item still has its own result in the record.
        assert sorted(r.item_id for r in results) == sorted(site["item_ids"])
        assert {r.outcome for r in results} == {"pass"}
        db.session.remove()
    context.close()


def test_a_failed_item_opens_its_note_photo_and_rectification(demo_server, browser):
    server, _app, tokens = demo_server
    context = browser.new_context(base_url=server.url, **PHONE)
    log_in_api(context, "cc-u04.inspector", "renfang-demo-2026")
    site = context.request.get("/api/v1/sites").json()[0]
    item = site["item_ids"][0]
    page = context.new_page()
    page.goto(f"/s/{site['code']}?k={tokens[site['code']]}")
    fieldset = page.locator(f"fieldset[data-item-id='{item}']")
    fieldset.wait_for()
    assert fieldset.locator("textarea").count() == 0

    fieldset.locator("input[value=fail]").check()
    fieldset.locator("textarea").first.wait_for()
    assert fieldset.locator("input[type=file]").count() == 2  # evidence and after the fix
    assert fieldset.locator("input[name^='rect-mode']").count() == 2
    other = page.locator(f"fieldset[data-item-id='{site['item_ids'][1]}']")
    other.locator("[data-more]").click()  # a note on a passed item: one tap
    assert other.locator("textarea[name^='note-']").is_visible()
    assert not other.locator(".rect").is_visible()  # a rectification only for a failure
    context.close()
