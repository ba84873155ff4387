"""Browser tests: the real app as a real server process, Debian's Chromium, a real database.

Fixtures for every browser test (mark each test ``@pytest.mark.browser``):

``live_server`` (session)
    The app served by gunicorn on a free 127.0.0.1 port, on a temporary SQLite file
    whose schema was built by the committed migrations (``flask db upgrade``).
    ``live_server.url`` is its base URL (``http://127.0.0.1:PORT``); pytest-playwright's
    ``page`` and ``context`` fixtures get it as ``base_url``, so ``page.goto("/s/S00001")``
    works. One server is shared by the whole session: give your data unique codes (the
    factories do by default) rather than expecting an empty database.

``live_db`` (session)
    A Flask app object in the test process bound to the same database file, for seeding
    and for checking what the server stored::

        with live_db() as session:          # app context pushed; commits on exit
            tree = make_tree()              # tests/factories.py, unchanged
            user = make_user(tree["unit_a"])
        with live_db():
            n = db.session.scalar(select(func.count(Inspection.id)))

    Objects are expunged after the block; copy the codes and usernames you need out of it.

``field_template`` (session)
    The id of the live database's published "daily" checklist (four items in two
    categories; ``EVAC-01`` requires a photo on failure), created once. Do not create
    another "daily" version 1 in the live database; depend on this fixture instead.

``field_kit`` (function)
    A fresh inspector (password ``tests.factories.PASSWORD``), its unit and one in-use
    site, using ``field_template``. Returns a ``FieldKit`` with plain values: ``username``,
    ``site_code``, ``qr_token``, ``template_id``, ``item_ids``, ``photo_item_id``, ``site_url``.

``log_in_api(context, username, password=PASSWORD)``
    Logs a browser context in through ``POST /api/v1/session`` (cookies land in the context,
    exactly as if the page had logged in); returns the reply JSON with the ``csrf_token``.

``server_with_static`` (function)
    ``(server, static_dir)``: a second gunicorn on the same database serving the PWA from a
    copy of pwa_static/ that the test may edit (e.g. to ship a new app version).

``open_profile`` (function)
    A factory for persistent Chromium contexts (a real profile directory, as a phone keeps
    across restarts): ``ctx = open_profile(profile_dir)``; close it and call
    ``open_profile(profile_dir)`` again to "restart the browser" with the same service
    worker, caches and IndexedDB. Persistent contexts are also what CDP
    ``Page.getInstallabilityErrors`` needs. All are closed at teardown.

``browser_type_launch_args`` is overridden here (Debian's /usr/bin/chromium and its
flags from TOOLING.md), so pytest-playwright's ``browser``/``context``/``page`` work as
documented. Never run ``playwright install``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.pwa_helpers import make_jpeg
from tests.factories import PASSWORD, make_org, make_site, make_template, make_user
from webapp import PWA_STATIC

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_paths(tmp_path_factory):
    base = tmp_path_factory.mktemp("live")
    return {
        "database_url": f"sqlite:///{base / 'live.sqlite3'}",
        "photo_dir": str(base / "photos"),
        "instance": base,
    }


def _server_config(paths: dict) -> dict:
    return {
        "SHELTER_DATABASE_URL": paths["database_url"],
        "SQLALCHEMY_DATABASE_URI": paths["database_url"],
        "SHELTER_PHOTO_DIR": paths["photo_dir"],
        "SHELTER_PUBLIC_BASE_URL": "http://127.0.0.1",
        "SECRET_KEY": "browser-test-secret",
        # Many tests log the same kind of account in many times a minute.
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture(scope="session")
def live_db(live_paths):
    """A context manager factory: ``with live_db() as session:`` seeds or queries the
    live server's database from the test process (commits on a clean exit)."""
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db

    app = create_app(_server_config(live_paths))
    with app.app_context():
        upgrade()

    @contextlib.contextmanager
    def session_scope():
        with app.app_context():
            try:
                yield db.session
                db.session.commit()
                db.session.expunge_all()
            finally:
                db.session.remove()

    session_scope.app = app
    yield session_scope
    with app.app_context():
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen


@contextlib.contextmanager
def serve(app_spec: str, log_path: Path, workers: int = 1, threads: int = 8):
    """Run gunicorn on ``app_spec`` (e.g. ``webapp:create_app({...})``) on a free port until
    the block ends; yields a LiveServer once it answers."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "2",
                app_spec,
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise RuntimeError("server exited:\n" + log_path.read_text())
                try:
                    urllib.request.urlopen(url + "/", timeout=1).close()
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield LiveServer(url=url, process=process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def live_server(live_db, live_paths):
    """gunicorn serving the app on 127.0.0.1:<free port>, polled until it answers."""
    config = _server_config(live_paths)
    with serve(f"webapp:create_app({config!r})", live_paths["instance"] / "server.log") as server:
        yield server


@pytest.fixture
def server_with_static(live_db, live_paths, tmp_path):
    """A second server on the same database whose PWA files are a copy in ``tmp_path``
    that the test may change (to ship a "new version" of the app). Returns
    ``(server, static_dir)``."""
    static = tmp_path / "pwa_static"
    shutil.copytree(PWA_STATIC, static)
    config = _server_config(live_paths)
    spec = f"tests.browser.conftest:app_with_static({config!r}, {str(static)!r})"
    with serve(spec, tmp_path / "server.log") as server:
        yield server, static


def app_with_static(config: dict, static_dir: str):
    """The app, serving its PWA from ``static_dir`` (for server_with_static)."""
    from webapp import create_app

    app = create_app(config)
    app.static_folder = static_dir
    return app


@pytest.fixture
def photo(tmp_path):
    """A failed item's photo; fill_with_failures takes the fix's photo from beside it."""
    make_jpeg(tmp_path / "after.jpg", colour=(40, 160, 60))
    return make_jpeg(tmp_path / "evidence.jpg")


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@dataclass
class FieldKit:
    username: str
    unit_code: str
    site_code: str
    qr_token: str
    template_id: int
    item_ids: list[str]
    photo_item_id: str
    site_url: str


FIELD_ITEMS = [
    {
        "item_id": "EVAC-01",
        "label_zh": "安全出口未锁闭、未封堵",
        "label_en": "Exits unlocked and unblocked",
        "photo_required_on_fail": True,
        "fix_immediately": True,
    },
    {
        "item_id": "EVAC-02",
        "label_zh": "疏散通道畅通，无堆物",
        "label_en": "Escape corridors clear",
    },
    {
        "item_id": "FIRE-01",
        "label_zh": "灭火器压力正常，在有效期内",
        "label_en": "Extinguishers present, pressure OK, in date",
    },
    {"item_id": "FIRE-05", "label_zh": "常闭式防火门关闭", "label_en": "Fire doors shut"},
]


@pytest.fixture(scope="session")
def field_template(live_db) -> int:
    """The published "daily" checklist of the live database (created once per session);
    its id. Sites get it through webapp.checklist.current_template()."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import ChecklistTemplate

    with live_db():
        # The newest version wins, whatever "daily" versions are already there.
        newest = db.session.scalar(
            select(func.max(ChecklistTemplate.version)).where(ChecklistTemplate.key == "daily")
        )
        template = make_template(
            items=[dict(spec) for spec in FIELD_ITEMS], version=(newest or 0) + 1
        )
        template_id = template.id
    return template_id


@pytest.fixture
def field_kit(live_db, live_server, field_template) -> FieldKit:
    """A fresh inspector, unit and in-use site of its own (see the module docstring)."""
    with live_db():
        unit = make_org()
        user = make_user(unit, display_name="王检查")
        site = make_site(unit, name="人民广场地下停车场")
        kit = FieldKit(
            username=user.username,
            unit_code=unit.code,
            site_code=site.code,
            qr_token=site.qr_token,
            template_id=field_template,
            item_ids=[spec["item_id"] for spec in FIELD_ITEMS],
            photo_item_id="EVAC-01",
            site_url=f"/s/{site.code}?k={site.qr_token}",
        )
    return kit


def log_in_api(context, username: str, password: str = PASSWORD) -> dict:
    """Log ``context`` in through the JSON API; returns ``{user, csrf_token}``."""
    reply = context.request.post(
        "/api/v1/session", data={"username": username, "password": password}
    )
    assert reply.ok, reply.text()
    return reply.json()


@pytest.fixture
def open_profile(playwright, live_server, browser_type_launch_args):
    """Factory for persistent contexts; see the module docstring."""
    opened = []

    def launch(profile_dir: Path, **kwargs):
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            **{**browser_type_launch_args, "base_url": live_server.url, **kwargs},
        )
        opened.append(context)
        return context

    yield launch
    for context in opened:
        with contextlib.suppress(Exception):
            context.close()
