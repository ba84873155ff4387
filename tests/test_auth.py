"""Logging in and out over HTTP: pages and /api/v1/session, cookies, CSRF, ending logins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from tests.factories import PASSWORD, make_tree
from tests.login_helpers import account, csrf, log_in, page_token
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


def test_cookies_are_secure_when_served_over_https(app_configured, tree):
    https_app = app_configured(SHELTER_PUBLIC_BASE_URL="https://rf.example.gov.cn")
    reply = log_in(https_app.test_client(), "insp", remember=True)
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


# --- the CSRF token is a new one after logging in -------------------------------------------


def test_the_login_page_login_rotates_the_csrf_token(client, tree):
    """A token planted before the login (e.g. by someone who saw the login page on a
    shared phone) is worthless once a user has logged in."""
    before = page_token(client.get("/login").get_data(as_text=True))
    reply = client.post(
        "/login", data={"username": "boss", "password": PASSWORD, "csrf_token": before}
    )
    assert reply.status_code == 302
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/api/v1/me").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 302


def test_the_api_login_rotates_the_csrf_token_and_returns_the_new_one(client, tree):
    before = page_token(client.get("/login").get_data(as_text=True))
    reply = client.post("/api/v1/session", json={"username": "boss", "password": PASSWORD})
    after = reply.get_json()["csrf_token"]
    refused = client.delete("/api/v1/session", headers={"X-CSRF-Token": before})
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf_failed"
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": after}).status_code == 204


# --- logins the server can end (issue 15, finding 1) ----------------------------------------


def _saved_cookies(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")}


def _with_cookies(app, cookies: dict[str, str]):
    """A new browser holding copies of ``cookies`` (as someone who copied them would)."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def _log_out_page(client):
    return client.post("/logout", data={"csrf_token": csrf(client)})


def _log_out_api(client):
    return client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf(client)})


@pytest.mark.parametrize("log_out", [_log_out_page, _log_out_api])
def test_a_copy_of_the_cookies_is_worthless_after_logging_out(app, client, tree, log_out):
    log_in(client, "insp", remember=True)
    saved = _saved_cookies(client)
    assert _with_cookies(app, saved).get("/api/v1/me").status_code == 200
    assert log_out(client).status_code in (204, 302)
    assert _with_cookies(app, saved).get("/api/v1/me").status_code == 401
    assert _with_cookies(app, {"session": saved["session"]}).get("/api/v1/me").status_code == 401
    remember_only = _with_cookies(app, {"remember_token": saved["remember_token"]})
    assert remember_only.get("/api/v1/me").status_code == 401


def test_logging_out_on_one_device_keeps_the_others(app, tree):
    phone, desk = app.test_client(), app.test_client()
    log_in(phone, "boss", remember=True)
    log_in(desk, "boss")
    _log_out_page(desk)
    assert phone.get("/api/v1/me").status_code == 200
    assert desk.get("/api/v1/me").status_code == 401


def test_a_password_reset_ends_every_login_of_the_account(app, client, tree):
    phone = app.test_client()
    log_in(phone, "insp", remember=True)
    saved = _saved_cookies(phone)
    log_in(client, "boss")
    reply = client.post(
        "/manage/users/insp/password",
        data={
            "csrf_token": csrf(client),
            "password": "a new secret 1",
            "confirm": "a new secret 1",
        },
    )
    assert reply.status_code == 302
    assert phone.get("/api/v1/me").status_code == 401
    assert _with_cookies(app, saved).get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200  # the manager who did it stays


def test_a_deactivated_account_stays_logged_out_when_reactivated(app, client, tree):
    phone = app.test_client()
    log_in(phone, "insp", remember=True)
    log_in(client, "boss")
    for action in ("deactivate", "reactivate"):
        assert (
            client.post(f"/manage/users/insp/{action}", data={"csrf_token": csrf(client)})
        ).status_code == 302
    assert phone.get("/api/v1/me").status_code == 401


def test_log_out_everywhere_from_ones_own_account_page(app, client, tree):
    phone = app.test_client()
    log_in(phone, "boss", remember=True)
    log_in(client, "boss")
    page = client.get("/manage/users/boss").get_data(as_text=True)
    assert "/manage/users/boss/logout-everywhere" in page
    assert '<dd id="live-logins">2</dd>' in page
    reply = client.post("/manage/users/boss/logout-everywhere", data={"csrf_token": csrf(client)})
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/login")
    assert phone.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_an_admin_logs_an_account_out_everywhere(app, client, tree):
    phone = app.test_client()
    log_in(phone, "insp", remember=True)
    log_in(client, "boss")
    reply = client.post("/manage/users/insp/logout-everywhere", data={"csrf_token": csrf(client)})
    assert reply.status_code == 302
    assert phone.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200
    # Not for an account one does not manage (the office supervisor above: 403), nor unseen (404).
    assert client.post(
        "/manage/users/super/logout-everywhere", data={"csrf_token": csrf(client)}
    ).status_code in (403, 404)


def test_log_out_everywhere_through_the_api(app, client, tree):
    phone = app.test_client()
    log_in(phone, "insp", remember=True)
    token = client.post(
        "/api/v1/session", json={"username": "insp", "password": PASSWORD}
    ).get_json()["csrf_token"]
    assert client.delete("/api/v1/sessions", headers={"X-CSRF-Token": token}).status_code == 204
    assert phone.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 401
