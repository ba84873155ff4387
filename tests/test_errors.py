"""Error replies: JSON {error, message, fields} under /api that say what was wrong, pages
elsewhere, in the user's language."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_tree
from tests.login_helpers import account, csrf, log_in
from webapp.extensions import db
from webapp.models import Role


@pytest.fixture
def boss(app):
    tree = make_tree()
    account(tree["unit_a"], Role.UNIT_MANAGER, "boss")
    db.session.commit()
    return "boss"


def api_login(client, username: str) -> dict:
    reply = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    return {"X-CSRF-Token": reply.get_json()["csrf_token"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/session"),
        ("post", "/api/v1/hazards/1/events"),
        ("post", "/api/v1/sync/hazard-events"),
        ("post", "/api/v1/sync/inspections"),
    ],
)
def test_malformed_json_is_named(client, boss, method, path):
    headers = api_login(client, boss) if path != "/api/v1/session" else {}
    reply = getattr(client, method)(
        path, data='{"username": "boss",', content_type="application/json", headers=headers
    )
    assert reply.status_code == 400
    body = reply.get_json()
    assert body["error"] == "malformed_json"
    assert "JSON" in body["fields"]["body"][0]


@pytest.mark.parametrize("path", ["/api/v1/session", "/api/v1/hazards/1/events"])
def test_a_body_too_large_is_named_with_the_limit(app, client, boss, path):
    headers = api_login(client, boss) if path != "/api/v1/session" else {}
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    reply = client.post(
        path, data=b"x" * (3 * 1024 * 1024), content_type="application/json", headers=headers
    )
    assert reply.status_code == 413
    body = reply.get_json()
    assert body["error"] == "body_too_large"
    assert "2 MB" in body["message"] and body["fields"]["body"] == [body["message"]]


def test_a_page_upload_too_large_says_the_limit(app, client, boss):
    log_in(client, boss)
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    reply = client.post(
        "/hazards/1/events",
        data={"csrf_token": csrf(client), "note": "x" * (3 * 1024 * 1024)},
    )
    assert reply.status_code == 413
    assert "2 MB" in reply.get_data(as_text=True)


def test_csrf_failures_are_explained_in_chinese(client, boss):
    log_in(client, boss)
    page = client.post("/logout", data={"csrf_token": "forged"}).get_data(as_text=True)
    assert "CSRF token" not in page and "安全令牌" in page
    api = client.delete("/api/v1/session", headers={"X-CSRF-Token": "forged"}).get_json()
    assert api["error"] == "csrf_failed" and "安全令牌" in api["message"]
    missing = client.delete("/api/v1/session").get_json()
    assert "安全令牌" in missing["fields"]["X-CSRF-Token"][0]


def test_csrf_failures_are_explained_in_english(client, boss):
    log_in(client, boss)
    reply = client.delete(
        "/api/v1/session", headers={"X-CSRF-Token": "forged", "Accept-Language": "en"}
    )
    assert "security token" in reply.get_json()["message"]


def test_a_database_that_cannot_be_reached_is_a_503_to_retry_never_a_500():
    from webapp import create_app

    url = "postgresql+psycopg://postgres@127.0.0.1:9/nothing_listens_here"
    app = create_app({"SHELTER_DATABASE_URL": url, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    api = client.post("/api/v1/session", json={"username": "boss", "password": PASSWORD})
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "5"
    assert api.get_json()["error"] == "database_unavailable"
    page = client.post("/login", data={"username": "boss", "password": PASSWORD})
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "服务器暂时无法访问数据库" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sync/inspections",
        "/api/v1/sync/import",
        "/api/v1/sync/hazard-events",
    ],
)
def test_a_body_not_sent_as_json_is_named(client, boss, path):
    # Found by schemathesis: the sync endpoints read any Content-Type as JSON.
    headers = {**api_login(client, boss), "Content-Type": "text/plain"}
    reply = client.post(path, data='{"device_id": "d", "events": []}', headers=headers)
    assert reply.status_code == 415
    body = reply.get_json()
    assert body["error"] == "unsupported_media_type" and "JSON" in body["fields"]["body"][0]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("delete", "/api/v1/sites", {"GET", "HEAD", "OPTIONS"}), ("put", "/login", {"GET", "POST"})],
)
def test_a_method_not_allowed_says_which_are(client, method, path, allowed):
    # Found by schemathesis: the 405 lost its Allow header in the error handler.
    reply = getattr(client, method)(path)
    assert reply.status_code == 405
    assert allowed <= {m.strip() for m in reply.headers["Allow"].split(",")}
