"""Small histories for the credibility flags: the contract world (tests/contract/world.json)
plus a second site of the same unit, and a helper that writes inspections as a phone sends
them, synced through the real sync service at a chosen moment."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta

import time_machine

from tests.contract.world import NOW, build_world
from tests.factories import make_site
from webapp.extensions import db
from webapp.models import Inspection, User
from webapp.services.sync.batch import record_inspections
from webapp.services.sync.storing import SyncSource

TOKEN = "ct-token-0123456789abcdef"  # CT-001's label (world.json)
# The items on CT-001's form in winter: a self-check, and an office check (+ monthly item).
SELF_ITEMS = ["FIRE-01", "EVAC-01", "ELEC-05", "WATER-02"]
OFFICE_ITEMS = [*SELF_ITEMS, "ELEC-03"]


def photo(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def build_credibility_world() -> dict:
    world = build_world()
    world["site_2"] = make_site(world["unit_a"], code="CT-002", name="人民广场二号工程")
    db.session.commit()
    return world


def at(text: str) -> datetime:
    """A SHELTER_TZ wall-clock moment, e.g. at("11-30 08:05") in 2026."""
    return datetime.fromisoformat(f"2026-{text}:00+08:00")


def check(
    world: dict,
    start: datetime,
    *,
    seconds: int = 600,
    site: str = "CT-001",
    kind: str = "self",
    token: str | None = TOKEN,
    scanned_at: datetime | None = None,
    fail: tuple[str, ...] = (),
    photos: list[str] | None = None,
) -> dict:
    """A record as the phone sends it: every item on the form answered, ``fail`` failed
    with a rectification order, ``photos`` on the first item, scanned 30 s after start."""
    day = start.date()
    results = []
    for item_id in OFFICE_ITEMS if kind != "self" else SELF_ITEMS:
        result: dict = {"item_id": item_id, "outcome": "pass"}
        if item_id in fail:
            result = {
                "item_id": item_id,
                "outcome": "fail",
                "note": "不合格",
                "photos": [photo(f"{item_id} {start}")],
                "rectification": {
                    "mode": "order",
                    "responsible": "王建国",
                    "deadline": (day + timedelta(days=5)).isoformat(),
                    "measures": "限期整改",
                },
            }
        results.append(result)
    if photos:
        results[0]["photos"] = photos
    record = {
        "id": str(uuid.uuid4()),
        "site_code": site,
        "template_id": world["template"].id,
        "kind": kind,
        "started_at": start.isoformat(),
        "finished_at": (start + timedelta(seconds=seconds)).isoformat(),
        "results": results,
    }
    if token:
        moment = scanned_at or start + timedelta(seconds=30)
        record["scan"] = {"token": token, "scanned_at": moment.isoformat()}
    return record


def sync(
    user: User,
    records: list[dict],
    when: datetime = NOW,
    phone_ahead=timedelta(0),
    expect=("created", "duplicate"),
):
    """Send ``records`` from ``user``'s phone at ``when`` (its clock ``phone_ahead``)."""
    with time_machine.travel(when, tick=False):
        results = record_inspections(SyncSource(user, "phone-1", when + phone_ahead), records)
    assert {r["status"] for r in results} <= set(expect), results
    return results


def flags_of(record: dict) -> dict[str, dict]:
    """{code: facts} of a stored record's flags."""
    db.session.expire_all()
    inspection = db.session.get(Inspection, record["id"])
    return {flag.code: flag.facts for flag in inspection.flags}


def day_of(record: dict) -> date:
    return datetime.fromisoformat(record["started_at"]).date()
