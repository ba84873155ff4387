"""webapp/pwa.py: the shell, the manifest, the hashed service worker; and the PWA's
JavaScript unit tests (node --test tests/js), which share tests/contract with the server."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from PIL import Image

from tests.factories import PASSWORD, make_org, make_site, make_template, make_user
from webapp import PWA_STATIC
from webapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = json.loads((ROOT / "tests/contract/inspection_sync.json").read_text(encoding="utf-8"))


def _get(client, url: str):
    """GET and close at once (static files stay open until the reply is closed)."""
    reply = client.get(url)
    reply.get_data()
    reply.close()
    return reply


def _worker(client) -> tuple[str, list[str]]:
    body = client.get("/sw.js").get_data(as_text=True)
    version = re.search(r"const SHELL_VERSION = \"([0-9a-f]+)\";", body).group(1)
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", body, re.S).group(1))
    return version, precache


def test_service_worker_is_served_fresh_from_the_root(client):
    reply = client.get("/sw.js")

    assert reply.status_code == 200
    assert reply.mimetype == "text/javascript"
    assert "no-cache" in reply.headers["Cache-Control"]
    assert reply.headers["Service-Worker-Allowed"] == "/"


def test_service_worker_precaches_the_shell_and_never_the_api(client):
    _, precache = _worker(client)

    for url in (
        "/",
        "/manifest.webmanifest",
        "/static/css/app.css",
        "/static/js/main.js",
        "/static/js/db.js",
        "/static/vendor/idb/idb.js",
        "/static/icons/icon-192.png",
    ):
        assert url in precache
    assert not [url for url in precache if url.startswith("/api")]
    assert "/static/css/manage.css" not in precache
    for url in precache:
        assert _get(client, url).status_code == 200, url


def test_service_worker_version_is_a_hash_of_the_precached_files(app, client, tmp_path):
    before, _ = _worker(client)
    assert before == _worker(client)[0]  # stable while nothing changes

    copy_dir = tmp_path / "pwa_static"
    shutil.copytree(PWA_STATIC, copy_dir)
    app.static_folder = str(copy_dir)
    assert _worker(client)[0] == before
    (copy_dir / "js" / "main.js").write_text("// changed\n", encoding="utf-8")

    assert _worker(client)[0] != before


@pytest.mark.parametrize("url", ["/", "/s/S00001", "/s/S00001?k=abc&x=1", "/app/self-test"])
def test_app_pages_serve_the_shell(client, url):
    reply = _get(client, url)

    assert reply.status_code == 200
    assert b'<script type="module" src="/static/js/main.js">' in reply.data
    assert b'<link rel="manifest" href="/manifest.webmanifest">' in reply.data


def test_manifest_makes_the_app_installable(client):
    reply = _get(client, "/manifest.webmanifest")
    manifest = reply.get_json(force=True)

    assert reply.mimetype == "application/manifest+json"
    assert manifest["name"] == "人防日检"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith(manifest["scope"])
    purposes = {}
    for icon in manifest["icons"]:
        path = PWA_STATIC / icon["src"].removeprefix("/static/")
        with Image.open(path) as image:
            width, height = image.size
        assert f"{width}x{height}" == icon["sizes"]
        purposes.setdefault(icon["purpose"], set()).add(icon["sizes"])
    assert {"192x192", "512x512"} <= purposes["any"]
    assert "512x512" in purposes["maskable"]


def test_the_phone_payload_contract_is_accepted_by_the_server(app, client):
    """The payload tests/js/inspection.test.mjs builds, posted to the real sync endpoint."""
    unit = make_org()
    user = make_user(unit)
    items = [
        {"item_id": i["id"], "photo_required_on_fail": i["photo_required_on_fail"]}
        for i in CONTRACT["items"]
    ]
    template = make_template(items=items)
    make_site(unit, code=CONTRACT["site"]["code"])
    db.session.commit()
    payload = copy.deepcopy(CONTRACT["payload"])
    payload["template_id"] = template.id
    evidence = payload["results"][0]["photos"] + payload["results"][0]["rectification"]["photos"]

    with time_machine.travel(datetime.fromisoformat(CONTRACT["finished_at"]), tick=False):
        session = client.post(
            "/api/v1/session", json={"username": user.username, "password": PASSWORD}
        ).get_json()
        reply = client.post(
            "/api/v1/sync/inspections",
            json={
                "device_id": "contract",
                "device_time": CONTRACT["finished_at"],
                "inspections": [payload],
            },
            headers={"X-CSRF-Token": session["csrf_token"]},
        )

    assert reply.status_code == 200, reply.get_data(as_text=True)
    [result] = reply.get_json()["results"]
    assert result["status"] == "created", result
    assert sorted(result["missing_photos"]) == sorted(evidence)


def test_javascript_unit_tests_pass():
    """node --test tests/js: the outbox state machine, backoff, form rules and payload."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the PWA's unit tests"
    run = subprocess.run(
        [node, "--test", "tests/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TZ": CONTRACT["timezone"]},
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"^# fail 0$", run.stdout, re.M)


def test_favicon_is_served_at_the_root_and_linked_from_the_managers_pages(client):
    reply = client.get("/favicon.ico")
    data = reply.get_data()
    reply.close()

    assert reply.status_code == 200
    assert reply.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    with Image.open(io.BytesIO(data)) as icon:
        assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
    assert '<link rel="icon" href="/favicon.ico">' in client.get("/login").get_data(as_text=True)


def test_the_shell_preloads_what_a_qr_scan_waits_for_and_the_rest_loads_when_shown(client):
    html = client.get("/s/CT-001?k=token").get_data(as_text=True)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', html))
    _, precache = _worker(client)

    # The form and everything it imports (main.js follows its static imports only).
    for path in ("js/main.js", "js/ui/inspection-form.js", "js/db.js", "vendor/idb/idb.js"):
        assert f"/static/{path}" in preloaded
    for lazy in ("home", "hazards", "my-checks", "self-test", "scanner"):
        url = f"/static/js/ui/{lazy}.js"
        assert url not in preloaded
        assert url in precache  # loaded on first use, underground too
    assert preloaded <= set(precache)
