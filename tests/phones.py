"""Phones that sync as the app does, for tests against a real server: a unit with its
inspector, sites and checklist (``make_field``), new records as the form builds them
(``inspections``, ``inspections_with_photos``), and a ``Phone`` that logs in once and
resends a request after any network error or 5xx until the server accepts it, as
pwa_static/js/sync.js does; ``syncing`` keeps a few of them busy in threads."""

from __future__ import annotations

import contextlib
import hashlib
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from tests.factories import PASSWORD, make_org, make_site, make_template, make_user
from tests.photo_helpers import image_bytes
from webapp.extensions import db

SYNC = "/api/v1/sync/inspections"
ITEMS = [f"EVAC-0{n}" for n in range(1, 6)] + [f"FIRE-0{n}" for n in range(1, 6)]


def make_field() -> dict:
    """What the phones need, as plain values (commits)."""
    unit = make_org()
    inspector = make_user(unit)
    sites = [make_site(unit).code for _ in range(6)]
    template = make_template(items=[{"item_id": item} for item in ITEMS])
    db.session.commit()
    return {"username": inspector.username, "sites": sites, "template_id": template.id}


def server_config(database_url: str, photo_dir: Path, photo_store: str = "") -> dict:
    return {
        "SHELTER_DATABASE_URL": database_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SHELTER_PHOTO_DIR": str(photo_dir),
        "SHELTER_PHOTO_STORE": photo_store,
        "SECRET_KEY": "faults-test-secret",
    }


def inspections(field: dict, count: int, rng: random.Random, failing: float = 0.25) -> list[dict]:
    """``count`` new records as the phone builds them; a share ``failing`` of them fails an
    item and fixes it on the spot (so the hazards and their chain are written in the same
    batch)."""
    records = []
    for _ in range(count):
        finished = datetime.now(UTC) - timedelta(minutes=rng.randint(1, 30))
        failed = rng.choice(ITEMS) if rng.random() < failing else None
        results = [
            {"item_id": item, "outcome": "pass"}
            if item != failed
            else {
                "item_id": item,
                "outcome": "fail",
                "note": "通道堆放杂物",
                "rectification": {"mode": "on_spot", "action": "当场清理"},
            }
            for item in ITEMS
        ]
        records.append(
            {
                "id": str(uuid.uuid4()),
                "site_code": rng.choice(field["sites"]),
                "template_id": field["template_id"],
                "kind": "self",
                "started_at": (finished - timedelta(minutes=10)).isoformat(),
                "finished_at": finished.isoformat(),
                "results": results,
            }
        )
    return records


def inspections_with_photos(
    field: dict, count: int, rng: random.Random
) -> tuple[list[dict], dict[str, bytes]]:
    """``count`` records that each fail an item with a photo of it (a real JPEG of its own);
    the records, and the photos by SHA-256."""
    records = inspections(field, count, rng, failing=1)
    photos = {}
    for record in records:
        for result in record["results"]:
            if result["outcome"] == "fail":
                data = image_bytes(colour=tuple(rng.randrange(256) for _ in range(3)))
                result["photos"] = [hashlib.sha256(data).hexdigest()]
                photos[result["photos"][0]] = data
    return records, photos


class Phone:
    """An inspector's phone: logged in once; sends a request until the server accepts it,
    again after every connection error or 5xx, and notes each failure it saw."""

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.http = requests.Session()
        reply = self.http.post(
            base_url + "/api/v1/session",
            json={"username": username, "password": PASSWORD},
            timeout=30,
        )
        reply.raise_for_status()
        self.csrf = reply.json()["csrf_token"]
        self.device_id = f"phone-{uuid.uuid4().hex[:8]}"
        self.failures: list[str] = []

    def sync(self, records: list[dict]) -> list[dict]:
        """The results of the batch once the server accepted it."""
        body = {
            "device_id": self.device_id,
            "device_time": datetime.now(UTC).isoformat(),
            "inspections": records,
        }
        return self.send("POST", SYNC, json=body).json()["results"]

    def upload_photo(self, data: bytes) -> str:
        """PUT a photo (JPEG) until the server holds it; its SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        self.send("PUT", f"/api/v1/photos/{sha}", data=data, content_type="image/jpeg")
        return sha

    def send(self, method: str, path: str, content_type=None, give_up_after=45, **body):
        """The reply once it is a 2xx; raises AssertionError on a 4xx or after
        ``give_up_after`` seconds of failures."""
        headers = {"X-CSRF-Token": self.csrf}
        if content_type:
            headers["Content-Type"] = content_type
        deadline = time.monotonic() + give_up_after
        while True:
            try:
                reply = self.http.request(
                    method, self.base_url + path, headers=headers, timeout=30, **body
                )
            except requests.ConnectionError as error:
                self.failures.append(f"connection error: {type(error).__name__}")
            else:
                if reply.ok:
                    return reply
                if reply.status_code < 500:
                    raise AssertionError(f"refused: {reply.status_code} {reply.text[:300]}")
                error = reply.json().get("error") if reply.content.startswith(b"{") else None
                self.failures.append(
                    f"{reply.status_code} {error} retry-after={reply.headers.get('Retry-After')}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"never accepted; failures seen: {self.failures}")
            time.sleep(0.2)


@dataclass
class Fleet:
    phones: list[Phone]
    sent: list[dict] = field(default_factory=list)  # records the server accepted

    @property
    def failures(self) -> list[str]:
        return [failure for phone in self.phones for failure in phone.failures]


@contextlib.contextmanager
def syncing(
    base_url: str, username: str, phones: int, one_pass: Callable[[Phone, random.Random], list]
) -> Iterator[Fleet]:
    """``phones`` phones, each in a thread of its own, making ``one_pass(phone, rng)`` (which
    returns the records the server accepted) over and over until the block ends. Raises the
    first error any phone met."""
    fleet = Fleet([Phone(base_url, username) for _ in range(phones)])
    stop = threading.Event()
    errors: list[BaseException] = []

    def run(phone: Phone, seed: int) -> None:
        rng = random.Random(seed)
        try:
            while not stop.is_set():
                fleet.sent.extend(one_pass(phone, rng))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(p, n)) for n, p in enumerate(fleet.phones)]
    for thread in threads:
        thread.start()
    try:
        yield fleet
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=50)
    if errors:
        raise errors[0]


def wait_for(condition: Callable[[], bool], failure: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.05)
