"""Load: phones syncing and managers reading dashboards, against a running server.

Run by ``bench/load.py`` (which seeds the database, starts gunicorn and reads the figures);
on its own::

    SHELTER_LOAD_PLAN=plan.json .venv/bin/locust -f bench/locustfile.py --headless \\
        -u 220 -r 20 -t 60s --host http://127.0.0.1:8000

The plan (JSON, written by bench/load.py from the seeded database) names the accounts and
what a phone knows from scanning labels::

    {"password": "...", "inspectors": ["cc-u01.inspector", ...],
     "managers": ["cc.admin", ...], "tokens": {"<site code>": "<QR token>", ...}}

``Phone`` (``LOAD_PHONES`` users, default 200) does what the app does: logs in once, loads
its sites and checklist, then every few seconds (``LOAD_PHONE_WAIT``, default "5,15") makes
a sync pass: ``GET /api/v1/me``, the photos of failed items (``PUT /api/v1/photos/<sha>``),
and one ``POST /api/v1/sync/inspections`` of 1-10 new inspections with fresh UUIDs. Each
inspection answers every item its site's form shows; about 8 % fail an item (with a
photo; 85 % fixed on the spot with an "after" photo, the rest a rectification order).
Every record must come back ``created``, anything else counts as a failure.

``Manager`` (``LOAD_MANAGERS`` users, default 20) logs in on the login page and alternates
the dashboard and the hazard list, ``LOAD_MANAGER_WAIT`` (default "5,15") seconds apart.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import gevent
from locust import FastHttpUser, between, events, task
from locust.stats import StatsEntry

PLAN = json.loads(open(os.environ["SHELTER_LOAD_PLAN"], encoding="utf-8").read())
SHANGHAI_OFFSET = timedelta(hours=8)
FAILURE_RATE = 0.08
ON_SPOT_RATE = 0.85
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# Every record a phone was told was created, by id: bench/load.py checks that the database
# stored each exactly once.
created_ids: list[str] = []
# Seconds measured (LOAD_RUN_TIME), from LOAD_SETTLE seconds after every user has logged in
# and loaded what it needs.
RUN_TIME = float(os.environ.get("LOAD_RUN_TIME", "60"))
SETTLE = float(os.environ.get("LOAD_SETTLE", "10"))
USERS = int(os.environ.get("LOAD_PHONES", "200")) + int(os.environ.get("LOAD_MANAGERS", "20"))
setup = {"done": 0, "seconds": None}
STARTED = time.monotonic()


def _wait(name: str, default: str):
    low, high = (float(part) for part in os.environ.get(name, default).split(","))
    return between(low, high)


def _base_photo() -> bytes:
    """A 1200 × 900 JPEG of about the size a phone sends (the app shrinks to 1600 px)."""
    from PIL import Image, ImageDraw

    rng = random.Random(7)
    image = Image.new("RGB", (1200, 900), (90, 96, 102))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randrange(1200), rng.randrange(900)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle([x, y, x + rng.randrange(10, 120), y + rng.randrange(10, 90)], colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return buffer.getvalue()


BASE_PHOTO = _base_photo()


def unique_photo() -> tuple[str, bytes]:
    """The base JPEG with a unique comment segment: new bytes, a new SHA-256, still an
    image that decodes."""
    comment = uuid.uuid4().hex.encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    data = BASE_PHOTO[:2] + segment + BASE_PHOTO[2:]
    return hashlib.sha256(data).hexdigest(), data


def local_iso(moment: datetime) -> str:
    return (moment + SHANGHAI_OFFSET).replace(tzinfo=None).isoformat(timespec="seconds") + "+08:00"


class Phone(FastHttpUser):
    fixed_count = int(os.environ.get("LOAD_PHONES", "200"))
    wait_time = _wait("LOAD_PHONE_WAIT", "5,15")

    def on_start(self) -> None:
        self.rng = random.Random()
        self.device_id = f"load-{uuid.uuid4().hex[:12]}"
        username = self.rng.choice(PLAN["inspectors"])
        with self.client.post(
            "/api/v1/session",
            json={"username": username, "password": PLAN["password"]},
            name="[setup] login (phone)",
            catch_response=True,
        ) as reply:
            if reply.status_code != 200:
                reply.failure(f"login {username}: {reply.status_code}")
                raise RuntimeError(f"login {username} failed")
            self.csrf = reply.json()["csrf_token"]
        sites = self.client.get("/api/v1/sites", name="[setup] /api/v1/sites").json()
        self.sites = [site for site in sites if site["item_ids"] and site["kind"] == "self"]
        # The phone caches the checklist its forms are built from.
        self.client.get(
            f"/api/v1/templates/{self.sites[0]['template_id']}",
            name="[setup] /api/v1/templates/<id>",
        )
        _set_up(self.environment)

    @task
    def sync_pass(self) -> None:
        self.client.get("/api/v1/me", name="/api/v1/me")
        records, photos = [], []
        for _ in range(self.rng.randint(1, 10)):
            record, record_photos = self.inspection()
            records.append(record)
            photos.extend(record_photos)
        for sha, data in photos:
            self.client.put(
                f"/api/v1/photos/{sha}",
                data=data,
                headers={"Content-Type": "image/jpeg", "X-CSRF-Token": self.csrf},
                name="/api/v1/photos/<sha256>",
            )
        body = {
            "device_id": self.device_id,
            "device_time": local_iso(datetime.now(UTC)),
            "inspections": records,
        }
        with self.client.post(
            "/api/v1/sync/inspections",
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "X-CSRF-Token": self.csrf},
            name="/api/v1/sync/inspections",
            catch_response=True,
        ) as reply:
            if reply.status_code != 200:
                reply.failure(f"{reply.status_code}: {reply.text[:200]}")
                return
            results = reply.json()["results"]
            wrong = [r for r in results if r["status"] != "created" or r.get("missing_photos")]
            if wrong:
                reply.failure(f"not created: {wrong[:2]}")
            created_ids.extend(r["id"] for r in results if r["status"] == "created")

    def inspection(self) -> tuple[dict, list[tuple[str, bytes]]]:
        """One check of a random site of this phone's, as the form builds it."""
        site = self.rng.choice(self.sites)
        finished = datetime.now(UTC) - timedelta(seconds=self.rng.randint(30, 1800))
        started = finished - timedelta(seconds=self.rng.randint(240, 900))
        failed_item = None
        if self.rng.random() < FAILURE_RATE:
            failed_item = self.rng.choice(site["item_ids"])
        results, photos = [], []
        for item_id in site["item_ids"]:
            if item_id != failed_item:
                results.append({"item_id": item_id, "outcome": "pass"})
                continue
            evidence = unique_photo()
            photos.append(evidence)
            result = {
                "item_id": item_id,
                "outcome": "fail",
                "note": "疏散通道堆放纸箱，影响通行",
                "photos": [evidence[0]],
            }
            if self.rng.random() < ON_SPOT_RATE:
                after = unique_photo()
                photos.append(after)
                result["rectification"] = {
                    "mode": "on_spot",
                    "action": "当场清理纸箱，通道恢复畅通",
                    "photos": [after[0]],
                }
            else:
                deadline = (finished + SHANGHAI_OFFSET).date() + timedelta(days=5)
                result["rectification"] = {
                    "mode": "order",
                    "responsible": {"name": "张伟", "phone": "13800000000"},
                    "deadline": deadline.isoformat(),
                    "measures": "联系承租方清运杂物，增设禁止堆放标识",
                    "funds": {"amount": 500, "source": "承租方自筹"},
                }
            results.append(result)
        record = {
            "id": str(uuid.uuid4()),
            "site_code": site["code"],
            "template_id": site["template_id"],
            "kind": "self",
            "started_at": local_iso(started),
            "finished_at": local_iso(finished),
            "results": results,
        }
        token = PLAN["tokens"].get(site["code"])
        if token:
            record["scan"] = {"token": token, "scanned_at": local_iso(started)}
        return record, photos


class Manager(FastHttpUser):
    fixed_count = int(os.environ.get("LOAD_MANAGERS", "20"))
    wait_time = _wait("LOAD_MANAGER_WAIT", "5,15")

    def on_start(self) -> None:
        username = random.choice(PLAN["managers"])
        page = self.client.get("/login", name="[setup] /login").text
        token = CSRF_INPUT.search(page).group(1)
        with self.client.post(
            "/login",
            data={"csrf_token": token, "username": username, "password": PLAN["password"]},
            name="[setup] login (manager)",
            allow_redirects=False,
            catch_response=True,
        ) as reply:
            if reply.status_code != 302:
                reply.failure(f"login {username}: {reply.status_code}")
                raise RuntimeError(f"login {username} failed")
        _set_up(self.environment)

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", name="/dashboard/")

    @task(2)
    def hazards(self) -> None:
        self.client.get("/hazards/", name="/hazards/")


# One-off requests of each user's start (logging in, loading the sites and the checklist):
# reported, but the p99 budget is about the steady work of syncing and reading pages.
SETUP = "[setup] "


def _set_up(environment) -> None:
    """SETTLE seconds after the last user has logged in and loaded its sites, the
    statistics start afresh and run for RUN_TIME seconds: the measured minute is the steady
    work alone. (A real phone logs in once a month; 220 logins within seconds, each a
    deliberately slow password hash, queue every other request behind them, and requests
    sent during that queue would otherwise be measured as the minute's traffic.)"""
    setup["done"] += 1
    if setup["done"] == USERS:
        setup["seconds"] = round(time.monotonic() - STARTED, 1)
        gevent.spawn_later(SETTLE, environment.runner.stats.reset_all)
        gevent.spawn_later(SETTLE + RUN_TIME, environment.runner.quit)


@events.quitting.add_listener
def _write_summary(environment, **_kwargs) -> None:
    """The figures and the created ids as JSON (``SHELTER_LOAD_SUMMARY``), for bench/load.py."""
    path = os.environ.get("SHELTER_LOAD_SUMMARY")
    if not path:
        return
    entries = sorted(environment.stats.entries.values(), key=lambda e: (e.method, e.name))
    steady = StatsEntry(environment.stats, "steady work (all but [setup])", "")
    for entry in entries:
        if not entry.name.startswith(SETUP):
            steady.extend(entry)
    rows = [_figures(entry) for entry in entries]
    summary = {
        "rows": rows + [_figures(steady), _figures(environment.stats.total)],
        "created_ids": created_ids,
        "setup_seconds": setup["seconds"],
        "failures": [
            f"{error.occurrences} × {error.method} {error.name}: {error.error}"
            for error in environment.stats.errors.values()
        ],
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(summary, handle)


def _figures(entry: StatsEntry) -> dict:
    return {
        "name": f"{entry.method} {entry.name}".strip(),
        "count": entry.num_requests,
        "failures": entry.num_failures,
        **{f"p{p}": entry.get_response_time_percentile(p / 100) for p in (50, 95, 99)},
        "max": entry.max_response_time,
        "rps": entry.total_rps,
    }
