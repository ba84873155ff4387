"""Tried as a new user would: the demo data, a real server, Chromium. Every demo account
logs in on the login page, lands where its role belongs, and sees exactly the sites of
its own subtree (managers on /manage/sites/, everyone through /api/v1/sites)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Site, User

DEMO_PASSWORD = "renfang-demo-2026"
ROOT = Path(__file__).resolve().parents[2]


def _config(base: Path) -> dict:
    url = f"sqlite:///{base / 'demo.sqlite3'}"
    return {
        "SHELTER_DATABASE_URL": url,
        "SQLALCHEMY_DATABASE_URI": url,
        "SHELTER_PHOTO_DIR": str(base / "photos"),
        "SECRET_KEY": "demo-browser-test",
    }


def _start_gunicorn(config: dict, log, log_path: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "1",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            f"webapp:create_app({config!r})",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError("server exited:\n" + log_path.read_text())
        try:
            urllib.request.urlopen(url + "/login", timeout=1).close()
            return process, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A server of its own on a migrated SQLite file holding `flask seed-demo`'s data, and
    the expected view of every demo account, computed here from the org paths."""
    from flask_migrate import upgrade

    from webapp.demo import create_app

    base = tmp_path_factory.mktemp("demo")
    app = create_app(_config(base))
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["seed-demo", "--days", "0"])
        assert result.exit_code == 0, result.output
        usernames = re.findall(
            r"^\s+(\S+\.(?:admin|supervisor|manager|inspector))\s", result.output, re.M
        )
        users = db.session.execute(select(User).where(User.username.in_(usernames))).scalars().all()
        sites = db.session.execute(select(Site)).scalars().all()
        accounts = {
            user.username: {
                "role": user.role,
                "codes": {s.code for s in sites if s.unit.path.startswith(user.org.path)},
            }
            for user in users
        }
        db.session.remove()
        db.engine.dispose()
    assert len(accounts) == len(usernames) >= 8
    with open(base / "server.log", "wb") as log:
        process, url = _start_gunicorn(_config(base), log, base / "server.log")
        try:
            yield url, accounts
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.browser
def test_every_demo_account_sees_its_own_sites(demo, browser):
    url, accounts = demo
    problems = {}
    for username, expected in sorted(accounts.items()):
        context = browser.new_context(
            base_url=url, locale="zh-CN", viewport={"width": 360, "height": 740}
        )
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        landing = page.url.removeprefix(url)
        manager = expected["role"] != "inspector"
        if landing != ("/manage" if manager else "/"):
            problems[username] = f"landed on {landing}"
        api = context.request.get("/api/v1/sites")
        codes = {site["code"] for site in api.json()}
        if codes != expected["codes"]:
            problems[username] = f"API shows {len(codes)} sites, expected {len(expected['codes'])}"
        if manager:
            page.goto("/manage/sites/")
            heading = page.locator("h1 small").inner_text()
            if heading != f"共 {len(expected['codes'])} 条":
                problems[username] = f"list says {heading!r}, expected {len(expected['codes'])}"
            outside = [c for c in ("CC-0001", "JLC-0001", "MHK-0001") if c not in expected["codes"]]
            for code in outside[:1]:  # the province sees everything
                page.goto(f"/manage/sites/{code}")
                if "未找到" not in page.content():
                    problems[username] = f"could open {code}"
        else:
            page.goto("/manage")
            if "无权操作" not in page.content():
                problems[username] = "an inspector opened /manage"
        context.close()
    assert problems == {}
