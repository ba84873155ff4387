"""A unit manager reads the notification pages on a phone (360 px) and a desktop (1280 px):
the inbox on the home page, the channels, the failed deliveries. Nothing runs sideways off
a phone's screen (long channel URLs wrap), the buttons are big enough to tap, secrets never
reach the page, and nothing breaks the Content-Security-Policy (no inline script or style)."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import PASSWORD, make_org, make_user
from webapp.models import Notice, NoticeDelivery, NotifyChannel, OrgKind, Role

SECRET = "topsecret-header-token-123"
LONG_URL = (
    "json://127.0.0.1:9/shelter/notify/webhook/receive/from/renfang/daily/check/system"
    f"?+X-Token={SECRET}"
)
TAP = 40  # px: the smallest button a thumb hits reliably (the pages aim for 44)


@pytest.fixture
def inbox_world(live_db):
    """A unit with a manager, a channel with a long URL carrying a secret, and a notice
    whose delivery through it failed."""
    tag = uuid.uuid4().hex[:6].upper()
    with live_db() as session:
        office = make_org(f"K{tag}", OrgKind.COUNTY, name="前郭县人防办")
        unit = make_org(f"U{tag}", OrgKind.UNIT, office, name="前郭县人防工程管理所")
        manager = make_user(unit, Role.UNIT_MANAGER, display_name="白云峰")
        channel = NotifyChannel(org_id=unit.id, name="省局转发网关", url=LONG_URL)
        notice = Notice(
            key=f"missed:{unit.code}:2026-12-03",
            rule="missed",
            org_id=unit.id,
            period="2026-12-03",
            params={
                "day": "2026-12-03",
                "count": 2,
                "unit_count": 1,
                "units": [{"name": unit.name, "count": 2, "names": ["查干湖地下洗浴中心"] * 2}],
            },
            link=f"/dashboard/?org={unit.code}&date=2026-12-03",
        )
        session.add_all([channel, notice])
        session.flush()
        session.add(
            NoticeDelivery(
                notice_id=notice.id,
                channel_id=channel.id,
                status="failed",
                attempts=6,
                last_error="A Connection error occurred sending JSON notification to 127.0.0.1.",
            )
        )
        username = manager.username
    return username


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
def test_the_notification_pages_fit_a_phone_and_keep_secrets(browser, base_url, inbox_world, width):
    context = browser.new_context(
        base_url=base_url, locale="zh-CN", viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Security Policy" in m.text else None)
    page.goto("/login")
    page.fill("#username", inbox_world)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/manage")

    assert "2026-12-03 漏检 2 个工程" in page.locator("#inbox").inner_text()
    for path, button in (("/manage/notify/", "发送测试消息"), ("/manage/notify/failed", "重试")):
        reply = page.goto(path)
        assert "script-src 'self'" in reply.headers["content-security-policy"]
        assert SECRET not in page.content()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} runs {overflow} px off a {width} px screen"
        box = page.get_by_role("button", name=button).first.bounding_box()
        assert box["height"] >= TAP and box["width"] >= TAP, (path, box)
    reason = page.locator("td.reason").first.inner_text()
    assert reason.startswith("无法连接到对方服务器") and "Connection error" in reason
    state = page.locator("td.state .status").first.bounding_box()  # "失败" on one line
    assert state["height"] < 30, state
    assert violations == []
    context.close()
