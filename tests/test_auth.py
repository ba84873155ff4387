"""Logging in and out over HTTP: pages and /api/v1/session, cookies, CSRF, rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from tests.factories import PASSWORD, make_tree
from tests.login_helpers import account, csrf, log_in, page_token
from webapp import create_app
from webapp.extensions import db
from webapp.models import Role, User


@pytest.fixture
def tree(app):
    tree = make_tree()
    account(tree["unit_a"], Role.INSPECTOR, "insp")
    account(tree["unit_a"], Role.UNIT_MANAGER, "boss")
    account(tree["city_a"], Role.OFFICE_SUPERVISOR, "super")
    account(tree["province"], Role.OFFICE_ADMIN, "admin")
    account(tree["unit_a"], Role.INSPECTOR, "gone", active=False)
    db.session.commit()
    return tree


def set_cookie_headers(response, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def test_login_page_is_chinese_with_a_csrf_token(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "登录" in html and 'lang="zh-CN"' in html
    assert page_token(html)
    assert 'autocomplete="current-password"' in html


@pytest.mark.parametrize(
    "username, landing",
    [("insp", "/"), ("boss", "/manage"), ("super", "/manage"), ("admin", "/manage")],
)
def test_login_lands_by_role(client, tree, username, landing):
    reply = log_in(client, username)
    assert reply.status_code == 302
    assert reply.headers["Location"] == landing
    assert client.get("/api/v1/me").get_json()["user"]["username"] == username


@pytest.mark.parametrize(
    "next_url, expected",
    [
        ("/manage/sites/?q=1", "/manage/sites/?q=1"),
        ("//evil.example/x", "/manage"),
        ("https://evil.example/x", "/manage"),
        ("/\\evil.example", "/manage"),
        ("/?", "/manage"),
    ],
)
def test_login_follows_only_same_site_next(client, tree, next_url, expected):
    token = page_token(client.get("/login").get_data(as_text=True))
    reply = client.post(
        "/login",
        query_string={"next": next_url},
        data={"username": "admin", "password": PASSWORD, "csrf_token": token},
    )
    assert reply.headers["Location"] == expected


@pytest.mark.parametrize(
    "username, password, message",
    [
        ("admin", "wrong password", "用户名或密码错误"),
        ("nobody", PASSWORD, "用户名或密码错误"),
        ("gone", PASSWORD, "该账号已停用"),
    ],
)
def test_login_refused(client, tree, username, password, message):
    reply = log_in(client, username, password)
    assert reply.status_code == 401
    assert message in reply.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_login_form_errors_name_the_field(client, tree):
    token = page_token(client.get("/login").get_data(as_text=True))
    reply = client.post("/login", data={"username": "x" * 65, "password": "", "csrf_token": token})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert "最多 64 个字符" in html and "此项为必填项" in html


def test_login_form_without_csrf_token_is_refused(client, tree):
    reply = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert reply.status_code == 400
    assert client.get("/api/v1/me").status_code == 401


def test_remember_me_cookie_lasts_30_days_and_is_httponly_lax(client, tree):
    reply = log_in(client, "insp", remember=True)
    (cookie,) = set_cookie_headers(reply, "remember_token")
    attributes = [part.strip() for part in cookie.split(";")]
    assert "HttpOnly" in attributes and "SameSite=Lax" in attributes
    assert "Secure" not in attributes  # plain http in this configuration
    expires = parsedate_to_datetime(next(a for a in attributes if a.startswith("Expires="))[8:])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    (session_cookie,) = set_cookie_headers(reply, "session")
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_remember_me_restores_the_session(client, tree):
    log_in(client, "insp", remember=True)
    client.delete_cookie("session")
    assert client.get("/api/v1/me").status_code == 200


def test_logout_forgets_the_remember_me_cookie(client, tree):
    log_in(client, "insp", remember=True)
    assert client.get_cookie("remember_token") is not None
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert client.get("/api/v1/me").status_code == 401


def test_login_page_sends_a_logged_in_user_on(client, tree):
    log_in(client, "boss")
    assert client.get("/login").headers["Location"] == "/manage"
    assert client.get("/login?next=/manage/users/").headers["Location"] == "/manage/users/"


def test_without_remember_me_there_is_no_remember_cookie(client, tree):
    reply = log_in(client, "insp", remember=False)
    assert not set_cookie_headers(reply, "remember_token")
    client.delete_cookie("session")
    assert client.get("/api/v1/me").status_code == 401


def test_cookies_are_secure_when_served_over_https(app, tree):
    https_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SHELTER_DATABASE_URL": app.config["SHELTER_DATABASE_URL"],
            "SECRET_KEY": "test-secret",
            "SHELTER_PUBLIC_BASE_URL": "https://rf.example.gov.cn",
        }
    )
    client = https_app.test_client()
    try:
        reply = log_in(client, "insp", remember=True)
    finally:
        with https_app.app_context():
            db.engine.dispose()  # its pool would otherwise be garbage-collected mid-run
    assert reply.status_code == 302
    for name in ("session", "remember_token"):
        (cookie,) = set_cookie_headers(reply, name)
        assert "Secure" in [part.strip() for part in cookie.split(";")]


def test_logout_is_a_post_with_csrf(client, tree):
    log_in(client, "boss")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token
    assert client.get("/api/v1/me").status_code == 200
    reply = client.post("/logout", data={"csrf_token": csrf(client)})
    assert reply.status_code == 302 and reply.headers["Location"] == "/login"
    assert client.get("/api/v1/me").status_code == 401


def test_disabled_account_loses_its_session(client, tree):
    log_in(client, "boss")
    db.session.execute(db.update(User).where(User.username == "boss").values(active=False))
    db.session.commit()
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/manage").status_code == 302  # back to the login page


def test_pages_redirect_to_login_and_api_answers_json_401(client, tree):
    page = client.get("/manage/sites/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    api = client.get("/api/v1/me")
    assert api.status_code == 401 and api.get_json()["error"] == "unauthorized"


def test_inspector_may_not_open_managers_pages(client, tree):
    log_in(client, "insp")
    assert client.get("/manage").status_code == 403


# --- the JSON session API (issue 3's contract) ------------------------------------------


def test_api_login_returns_user_and_csrf_token(client, tree):
    reply = client.post("/api/v1/session", json={"username": "boss", "password": PASSWORD})
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["user"] == {
        "username": "boss",
        "name": "boss",
        "role": "unit_manager",
        "org": {"code": "U-A1", "name": "甲市经营单位", "kind": "unit"},
    }
    assert body["csrf_token"]
    for path in ("/api/v1/me", "/api/v1/session"):
        again = client.get(path)
        assert again.status_code == 200 and again.get_json()["user"]["username"] == "boss"


@pytest.mark.parametrize(
    "payload, status, error",
    [
        ({"username": "boss", "password": "nope"}, 401, "login_failed"),
        ({"username": "gone", "password": PASSWORD}, 401, "login_failed"),
        ({"username": "boss"}, 422, "validation_failed"),
        ({"username": "x" * 65, "password": PASSWORD}, 422, "validation_failed"),
    ],
)
def test_api_login_refused(client, tree, payload, status, error):
    reply = client.post("/api/v1/session", json=payload)
    assert reply.status_code == status
    assert reply.get_json()["error"] == error


def test_api_logout_needs_the_csrf_header(client, tree):
    token = client.post(
        "/api/v1/session", json={"username": "boss", "password": PASSWORD}
    ).get_json()["csrf_token"]
    refused = client.delete("/api/v1/session")
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "csrf_failed"
    assert "X-CSRF-Token" in refused.get_json()["fields"]
    assert client.get("/api/v1/me").status_code == 200
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": token}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_api_session_messages_follow_the_language(client, tree):
    reply = client.post(
        "/api/v1/session",
        json={"username": "boss", "password": "nope"},
        headers={"Accept-Language": "en"},
    )
    assert reply.get_json()["message"] == "Wrong username or password."


# --- rate limits -------------------------------------------------------------------------


def test_rate_limit_per_account(app, client, tree):
    app.config["SHELTER_LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    for _attempt in range(3):
        assert log_in(client, "admin", "wrong").status_code == 401
    blocked = log_in(client, "admin")  # even the right password waits now
    assert blocked.status_code == 429
    assert "登录尝试过多" in blocked.get_data(as_text=True)
    api = client.post(
        "/api/v1/session",
        json={"username": "ADMIN", "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert api.status_code == 429
    assert api.get_json()["error"] == "too_many_requests"
    assert api.get_json()["message"].startswith("Too many login attempts")
    # Another account from the same address is not affected.
    assert log_in(client, "boss").status_code == 302


def test_rate_limit_per_address(app, tree):
    app.config["SHELTER_LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    client = app.test_client()
    for n in range(4):
        assert log_in(client, f"guess{n}", "wrong").status_code == 401
    blocked = client.post("/api/v1/session", json={"username": "boss", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "登录尝试过多" in blocked.get_json()["message"]
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert (
        elsewhere.post(
            "/api/v1/session", json={"username": "boss", "password": PASSWORD}
        ).status_code
        == 200
    )


def test_successful_logins_do_not_count_towards_the_limit(app, tree):
    app.config["SHELTER_LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    for _attempt in range(4):
        client = app.test_client()
        assert log_in(client, "insp").status_code == 302


@pytest.mark.parametrize(
    "username, links, hidden",
    [
        (
            "boss",
            ["/dashboard/", "/hazards/", "/manage/sites/", "/manage/users/"],
            ["/reports/", "/manage/orgs/"],
        ),
        ("super", ["/dashboard/", "/reports/", "/manage/orgs/", "/manage/checklists/"], []),
    ],
)
def test_managers_home_links_by_role(client, tree, username, links, hidden):
    log_in(client, username)
    page = client.get("/manage")
    assert page.status_code == 200
    tiles = page.get_data(as_text=True).split('class="tiles"')[1]
    for link in links:
        assert f'href="{link}"' in tiles
    for link in hidden:
        assert f'href="{link}"' not in tiles
