"""Notification pages over HTTP: who may manage which organisation's channels, secrets
masked on the page, the test button's result, the failed list and retry, the inbox."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import event, select

from tests.factories import make_org, make_site, make_tree
from tests.login_helpers import account, csrf, log_in
from tests.notify_servers import WebhookReceiver
from webapp.extensions import db
from webapp.models import Notice, NoticeDelivery, NotifyChannel, OrgKind, Role
from webapp.services import notify

SECRET = "SEC9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa0099887766"
TOKEN = "0123456789abcdef0123456789abcdef"
PATH_TOKEN = "hookpath0a1b2c3d4e5f"
PARAM_TOKEN = "param9z8y7x6w5v"
CUTOFF = datetime(2026, 12, 9, 16, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def tree(app):
    tree = make_tree()
    account(tree["unit_county"], Role.UNIT_MANAGER, "umgr")
    account(tree["unit_a"], Role.UNIT_MANAGER, "other")
    account(tree["county"], Role.OFFICE_SUPERVISOR, "sup")
    account(tree["city_a"], Role.OFFICE_ADMIN, "admin")
    make_site(tree["unit_county"], name="一号工程", due_from=CUTOFF.date())
    db.session.commit()
    return tree


def client_for(app, username):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def add(client, org, url, name="群机器人"):
    return client.post(
        "/manage/notify/channels",
        data={"org": org, "url": url, "name": name, "csrf_token": csrf(client)},
    )


@pytest.mark.parametrize(
    "username, org, status",
    [
        ("umgr", "U-K1", 302),  # its own unit
        ("admin", "U-K1", 302),  # an office admin above it
        ("admin", "CA", 302),  # its own office
        ("other", "U-K1", 404),  # another unit: outside its scope
        ("sup", "U-K1", 403),  # a supervisor sees but does not manage
        ("admin", "CB", 404),
    ],
)
def test_who_may_add_a_channel(app, tree, username, org, status):
    reply = add(client_for(app, username), org, f"dingtalk://{SECRET}@{TOKEN}/")
    assert reply.status_code == status


def test_the_page_masks_secrets_and_an_invalid_url_is_refused_naming_the_field(app, tree):
    client = client_for(app, "umgr")
    add(client, "U-K1", f"dingtalk://{SECRET}@{TOKEN}/")
    add(client, "U-K1", f"jsons://example.com/hooks/{PATH_TOKEN}?-token={PARAM_TOKEN}")
    html = client.get("/manage/notify/?org=U-K1").get_data(as_text=True)
    assert "dingtalk://" in html and SECRET not in html and TOKEN not in html
    assert "jsons://example.com/****/****?-token=****" in html
    assert PATH_TOKEN not in html and PARAM_TOKEN not in html
    refused = add(client, "U-K1", "https://example.com/hook")
    assert refused.status_code == 422
    assert 'id="err-url"' in refused.get_data(as_text=True)
    bad_time = client.post(
        "/manage/notify/settings",
        data={"org": "U-K1", "cutoff_time": "25:00", "csrf_token": csrf(client)},
    )
    assert bad_time.status_code == 422 and 'id="err-cutoff_time"' in bad_time.get_data(True)


def test_the_test_button_shows_sent_or_the_reason(app, tree):
    receiver = WebhookReceiver()
    try:
        client = client_for(app, "umgr")
        add(client, "U-K1", receiver.url())
        add(client, "U-K1", "json://127.0.0.1:9/closed")
        good, bad = db.session.scalars(select(NotifyChannel).order_by(NotifyChannel.id))
        for channel in (good, bad):
            client.post(
                f"/manage/notify/channels/{channel.id}/test", data={"csrf_token": csrf(client)}
            )
        html = client.get("/manage/notify/?org=U-K1").get_data(as_text=True)
        assert receiver.bodies[0]["title"] == "人防日检测试消息"
        assert "测试消息未发送" in html and "Connection error" in html
        # What it means first, in Chinese; apprise's own words after it.
        assert "无法连接到对方服务器" in html
    finally:
        receiver.close()


def test_disable_enable_and_remove_a_channel_on_the_page(app, tree):
    client = client_for(app, "umgr")
    add(client, "U-K1", f"dingtalk://{SECRET}@{TOKEN}/", name="值班群")
    channel = db.session.scalars(select(NotifyChannel)).one()

    def act(who, action):
        return who.post(
            f"/manage/notify/channels/{channel.id}/{action}", data={"csrf_token": csrf(who)}
        )

    assert act(client_for(app, "other"), "remove").status_code == 404  # another unit's
    assert act(client, "disable").status_code == 302
    db.session.refresh(channel)
    assert channel.enabled is False
    assert "已停用" in client.get("/manage/notify/?org=U-K1").get_data(as_text=True)
    assert act(client, "enable").status_code == 302
    db.session.refresh(channel)
    assert channel.enabled is True
    assert act(client, "remove").status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(NotifyChannel)).all() == []
    page = client.get("/manage/notify/?org=U-K1").get_data(as_text=True)
    assert 'class="list channels"' not in page and '<td class="main">值班群' not in page


def test_the_inbox_shows_notices_with_an_unread_count_per_user(app, tree):
    with time_machine.travel(CUTOFF, tick=False):
        notify.run()
        client = client_for(app, "umgr")
        home = client.get("/manage").get_data(as_text=True)
        # The title carries its day: read tomorrow, "today" would be wrong.
        assert "2026-12-09 16:00 尚有 1 个工程未检查" in home and 'class="badge"' in home
        notice_link = home.split('href="/manage/notify/notices/')[1].split('"')[0]
        opened = client.get(f"/manage/notify/notices/{notice_link}")
        assert opened.status_code == 302 and "/dashboard/?org=U-K1" in opened.location
        assert 'class="badge"' not in client.get("/manage").get_data(as_text=True)
        other = client_for(app, "other")
        assert other.get(f"/manage/notify/notices/{notice_link}").status_code == 404


def test_failed_deliveries_are_listed_in_scope_and_retried_by_hand(app, tree):
    app.config.update(SHELTER_NOTIFY_MAX_ATTEMPTS=1, SHELTER_NOTIFY_SEND_TIMEOUT=1)
    client = client_for(app, "umgr")
    add(client, "U-K1", f"json://hook:{TOKEN}@127.0.0.1:9/{PATH_TOKEN}?-token={PARAM_TOKEN}")
    with time_machine.travel(CUTOFF, tick=False):
        assert notify.run().sending.failed == 1
    for username, visible in (("umgr", True), ("admin", True), ("other", False)):
        html = client_for(app, username).get("/manage/notify/failed").get_data(as_text=True)
        assert ("2026-12-09 16:00 尚有 1 个工程未检查" in html) is visible
        assert ("无法连接到对方服务器" in html) is visible
        assert ("json://hook:****@127.0.0.1:9/****?-token=****" in html) is visible
        assert TOKEN not in html and "文号" not in html
        assert PATH_TOKEN not in html and PARAM_TOKEN not in html
    delivery = db.session.scalars(select(NoticeDelivery)).one()
    other = client_for(app, "other")
    assert (
        other.post(
            f"/manage/notify/deliveries/{delivery.id}/retry", data={"csrf_token": csrf(other)}
        ).status_code
        == 404
    )
    admin = client_for(app, "admin")
    reply = admin.post(
        f"/manage/notify/deliveries/{delivery.id}/retry", data={"csrf_token": csrf(admin)}
    )
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(NoticeDelivery, delivery.id).status == "pending"
    again = admin.post(
        f"/manage/notify/deliveries/{delivery.id}/retry", data={"csrf_token": csrf(admin)}
    )
    assert again.status_code == 409


def add_failed_deliveries(tree, count: int, first: int) -> None:
    """``count`` failed deliveries under city A, each of its own unit, notice and channel."""
    for n in range(first, first + count):
        org = make_org(f"U-F{n}", OrgKind.UNIT, tree["city_a"])
        params = {"count": 1, "names": ["一号工程"], "org": org.name, "day": "2026-12-09"}
        notice = Notice(
            key=f"cutoff:{org.code}:2026-12-09",
            rule="cutoff",
            org=org,
            period="2026-12-09",
            params=params | {"time": "16:00"},
            link=f"/dashboard/?org={org.code}",
        )
        channel = NotifyChannel(org=org, name=f"值班群{n}", url=f"json://127.0.0.1:9/{n}")
        db.session.add(
            NoticeDelivery(
                notice=notice, channel=channel, status="failed", attempts=3, last_error="x"
            )
        )
    db.session.commit()


def count_statements(client, path: str) -> int:
    """Statements the page runs, its objects read afresh (the test shares the session)."""
    db.session.expire_all()
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_failed_list_costs_the_same_statements_for_2_rows_and_for_40(app, tree):
    client = client_for(app, "admin")
    add_failed_deliveries(tree, 2, 0)
    few = count_statements(client, "/manage/notify/failed")
    add_failed_deliveries(tree, 38, 2)
    assert count_statements(client, "/manage/notify/failed") == few
    html = client.get("/manage/notify/failed").get_data(as_text=True)
    assert "共 40 条" in html and "值班群39" in html and "json://127.0.0.1:9/****" in html
