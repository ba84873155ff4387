"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL when
SHELTER_TEST_DATABASE_URL points at a server), the Flask app, its client and CLI runner."""

from __future__ import annotations

import contextlib
import os
import socket
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


@contextlib.contextmanager
def new_pg_database(prefix: str):
    """A PostgreSQL database of its own on the SHELTER_TEST_DATABASE_URL server (its URL),
    dropped afterwards, so parallel runs never share one."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database of this test session's own (None: each test gets its own SQLite file)."""
    if not PG_URL:
        yield None
        return
    with new_pg_database("shelter_test") as url:
        yield url


def pytest_generate_tests(metafunc):
    # A module or test marked both_photo_stores runs once per photo store backend.
    if metafunc.definition.get_closest_marker("both_photo_stores"):
        metafunc.parametrize("photo_store_url", ["local", "s3"], indirect=True)


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 API, a real HTTP server on a free loopback port, for the whole session; the
    AWS_* variables boto3 reads point at it (gunicorn processes started by tests inherit them)."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    settings = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
    }
    saved = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    yield endpoint
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    """A new, empty bucket on the session's S3 server; its name."""
    import boto3

    name = f"photos-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture
def photo_store_url(request) -> str:
    """SHELTER_PHOTO_STORE for the ``app`` fixture: "" (the directory SHELTER_PHOTO_DIR),
    or ``s3://<new bucket>/photos`` for the "s3" run of a test marked both_photo_stores."""
    if getattr(request, "param", "local") == "local":
        return ""
    return f"s3://{request.getfixturevalue('s3_bucket')}/photos"


@pytest.fixture
def app(database_url, tmp_path, photo_store_url):
    url = database_url or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SHELTER_DATABASE_URL": url,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret",
            "SHELTER_PHOTO_DIR": str(tmp_path / "photos"),
            "SHELTER_PHOTO_STORE": photo_store_url,
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": True,
        }
    )
    # First of all before_request functions: the CSRF check runs before the others.
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_previous_request_state)
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
def app_configured(app):
    """A factory: another app on the test's database with other settings, e.g.
    ``app_configured(SHELTER_PUBLIC_BASE_URL="https://...")`` (disposed at teardown)."""
    made = []

    def make(**settings):
        other = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "SHELTER_DATABASE_URL": app.config["SHELTER_DATABASE_URL"],
                "SECRET_KEY": "test-secret",
                **settings,
            }
        )
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()  # its pool would otherwise be garbage-collected mid-run


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
