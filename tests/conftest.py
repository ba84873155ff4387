"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL when
SHELTER_TEST_DATABASE_URL points at a server), the Flask app, its client and CLI runner."""

from __future__ import annotations

import os
import uuid

import pytest
from flask import current_app, g
from sqlalchemy import create_engine, text

from webapp import create_app
from webapp.extensions import db

PG_URL = os.environ.get("SHELTER_TEST_DATABASE_URL", "")


def pytest_collection_modifyitems(items):
    # Every test that builds the app talks to the database: .ci/run reruns them on PostgreSQL.
    for item in items:
        if "app" in getattr(item, "fixturenames", ()) and "browser" not in item.keywords:
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database of this test session's own, so parallel runs never share one."""
    if not PG_URL:
        yield None  # each test gets its own SQLite file
        return
    name = f"shelter_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    url = database_url or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SHELTER_DATABASE_URL": url,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret",
            "SHELTER_PHOTO_DIR": str(tmp_path / "photos"),
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": True,
        }
    )
    app.before_request(_forget_previous_request_state)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _forget_previous_request_state():
    """The test's app context outlives each test-client request, so the logged-in user,
    CSRF token and language that Flask-Login, Flask-WTF and Flask-Babel cache on ``g``
    would carry one client's identity into the next request. A real server gives every
    request its own app context and needs none of this."""
    g.pop("_login_user", None)
    g.pop("_flask_babel", None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
