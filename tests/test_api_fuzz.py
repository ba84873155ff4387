"""schemathesis against /api/v1/openapi.json, logged in as each role: no 5xx, and every
reply (status code, content type, headers, body) as the document says.

A short run, a few cases per operation and role; the long run is bench/api_fuzz.py, its
figures in docs/security.md."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from PIL import Image

from tests.factories import PASSWORD
from tests.hazard_world import hazard_in, make_world
from tests.schemathesis_hooks import EXISTING
from webapp import create_app, days
from webapp.extensions import db

pytestmark = pytest.mark.db


def _openapi_document() -> dict:
    """The document as the app serves it (building the app touches no database)."""
    app = create_app({"TESTING": True, "SHELTER_DATABASE_URL": "sqlite://"})
    return app.test_client().get("/api/v1/openapi.json").get_json()


CONFIG = Path(__file__).with_name("schemathesis.toml")
schema = schemathesis.openapi.from_dict(
    _openapi_document(), config=schemathesis.config.SchemathesisConfig.from_path(CONFIG)
)

# Role → the world's account (tests/hazard_world.py): unit staff of the site's unit,
# office staff of the city above it, and the province office.
ACCOUNTS = {
    "inspector": "insp",
    "unit_manager": "mgr",
    "office_supervisor": "city_sup",
    "office_admin": "city_admin",
    "province": "prov_sup",
}
LOGOUTS = {("DELETE", "/api/v1/session"), ("DELETE", "/api/v1/sessions")}
# Logins schemathesis makes up come from an address of their own, so the failed-login
# limits they run into never hold back the fuzzer's own logins (from 127.0.0.1).
MADE_UP_LOGINS_FROM = "198.51.100.7"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def fuzzed(database_url, tmp_path_factory):
    """The app on a database of its own with a small world, shared by every case of the
    module (cases change it as a client would), and the ids of what exists in it."""
    folder = tmp_path_factory.mktemp("fuzz")
    url = database_url or f"sqlite:///{folder / 'fuzz.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SHELTER_DATABASE_URL": url,
            "SHELTER_PHOTO_DIR": str(folder / "photos"),
        }
    )
    with app.app_context():
        db.create_all()
        world = make_world()
        hazards = [hazard_in(world, status) for status in ("open", "rectifying", "rectified")]
        hazards += [hazard_in(world, status, major=True) for status in ("open", "rectifying")]
        db.session.commit()
        existing = {
            "hazard_id": [hazard.id for hazard in hazards],
            "inspection_id": [hazard.inspection_id for hazard in hazards],
            "template_id": [world.template.id],
            "org_code": [world.tree[key].code for key in ("city_a", "county", "province")],
            "month": [days.today().strftime("%Y-%m")],
        }
        usernames = {role: world.user(key).username for role, key in ACCOUNTS.items()}
    photo = png()
    existing["sha256"] = [hashlib.sha256(photo).hexdigest()]
    EXISTING.update(existing)
    yield app, usernames, photo
    EXISTING.clear()
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


class Fuzzer:
    """A test client logged in as one account that sends schemathesis's cases with the
    session's CSRF token, and logs in again after a case that logged it out."""

    def __init__(self, app, username: str):
        self.app, self.username = app, username
        self.client = app.test_client()
        self.log_in()

    def log_in(self):
        reply = self.client.post(
            "/api/v1/session", json={"username": self.username, "password": PASSWORD}
        )
        assert reply.status_code == 200, reply.get_data(as_text=True)
        self.token = reply.get_json()["csrf_token"]

    def headers(self) -> dict:
        # schemathesis asks for compressed replies as requests would, but over WSGI nothing
        # decompresses them for its checks.
        return {"X-CSRF-Token": self.token, "Accept-Encoding": "identity"}

    def call_and_validate(self, case):
        extra = {}
        if (case.method, case.path) == ("POST", "/api/v1/session"):
            extra["environ_base"] = {"REMOTE_ADDR": MADE_UP_LOGINS_FROM}
        case.call_and_validate(
            app=self.app,
            session=self.client,
            headers=self.headers(),
            buffered=True,  # read the whole reply and close it, as a server does
            **extra,
        )
        if (case.method, case.path) in LOGOUTS:
            self.log_in()


@pytest.fixture(scope="module")
def fuzzers(fuzzed):
    app, usernames, photo = fuzzed
    made = {role: Fuzzer(app, username) for role, username in usernames.items()}
    inspector = made["inspector"]
    stored = inspector.client.put(
        f"/api/v1/photos/{hashlib.sha256(photo).hexdigest()}",
        data=photo,
        headers={"X-CSRF-Token": inspector.token, "Content-Type": "image/png"},
    )
    assert stored.status_code in (200, 201), stored.get_data(as_text=True)
    return made


@pytest.mark.parametrize("role", ACCOUNTS)
@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_documented(case, role, fuzzers):
    fuzzers[role].call_and_validate(case)
