"""Security headers on every response (pages, API, static files, the service worker,
photos, downloads, errors), and templates a strict Content-Security-Policy can run."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.factories import make_site, make_tree
from tests.login_helpers import account, csrf, log_in
from tests.test_hazards_views import tiny_png
from webapp import PWA_STATIC
from webapp.extensions import db
from webapp.models import Role

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def office(app, client):
    tree = make_tree()
    account(tree["city_a"], Role.OFFICE_ADMIN, "admin")
    make_site(tree["unit_a"], "CA-0001")
    db.session.commit()
    log_in(client, "admin")
    return client


def _photo_url(client) -> str:
    png = tiny_png()
    sha = hashlib.sha256(png).hexdigest()
    reply = client.put(
        f"/api/v1/photos/{sha}",
        data=png,
        content_type="image/png",
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert reply.status_code in (200, 201), reply.get_data(as_text=True)
    return f"/api/v1/photos/{sha}"


KINDS = {
    "page": "/manage",
    "login page": "/login",
    "api": "/api/v1/me",
    "api error": "/api/v1/hazards/999999",
    "page error": "/no/such/page",
    "static file": "/static/css/manage.css",
    "service worker": "/sw.js",
    "field app shell": "/",
    "download": "/hazards/ledger?org=CA&first_day=2026-01-01&last_day=2026-01-31",
    "label": "/manage/qr/sites/CA-0001/label.png",
}


@pytest.mark.parametrize("kind", [*KINDS, "photo"])
def test_every_response_carries_the_security_headers(office, kind):
    path = _photo_url(office) if kind == "photo" else KINDS[kind]
    reply = office.get(path)
    reply.close()
    assert reply.status_code < 500
    policy = reply.headers.get("Content-Security-Policy", "")
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in policy.split(";")) if part
    )
    if kind == "photo":  # stricter: a photo is never a page (issue 15, finding 7)
        assert directives["default-src"] == "'none'" and "sandbox" in directives
    else:
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"  # no inline script, no eval
        assert directives["object-src"] == "'none'"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in reply.headers  # plain http here


def test_hsts_when_served_over_https(app_configured):
    https_app = app_configured(SHELTER_PUBLIC_BASE_URL="https://rf.example.gov.cn")
    reply = https_app.test_client().get("/login")
    assert reply.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_for_a_request_that_arrived_over_https(client):
    reply = client.get("/login", base_url="https://localhost")
    assert reply.headers["Strict-Transport-Security"] == "max-age=31536000"


# --- what a strict policy needs from the markup --------------------------------------------

MARKUP = sorted((ROOT / "webapp" / "templates").rglob("*.html")) + [PWA_STATIC / "index.html"]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler (on...=)"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


@pytest.mark.parametrize("path", MARKUP, ids=lambda p: str(p.relative_to(ROOT)))
def test_markup_has_nothing_inline(path):
    text = path.read_text(encoding="utf-8")
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{path.relative_to(ROOT)} has {', '.join(found)}: move it to pwa_static/"


def test_scripts_build_no_inline_markup():
    """The PWA's and the managers' modules never write style or handler attributes."""
    for path in (PWA_STATIC / "js").rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"style=|\son[a-z]+=\\?[\"']", text), path
