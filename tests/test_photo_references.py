"""Referencing a photo by its SHA-256 (issue 15, finding 2): a record counts a stored photo as
present, and opens it to the record's readers, only when its author's account or unit uploaded
those bytes. Anyone else's stored photo reads exactly like one not uploaded yet."""

from __future__ import annotations

import base64
import copy
import uuid

import pytest
import time_machine
from sqlalchemy import select

from tests.contract.world import NOW, build_world, load, log_in, valid_batch
from webapp.extensions import db
from webapp.models import Inspection, InspectionFlag

pytestmark = pytest.mark.both_photo_stores

PHOTOS = {
    p["sha256"]: base64.b64decode(p["data"]) for p in load("export_file_example.json")["photos"]
}
SHA, DATA = next(iter(PHOTOS.items()))
UNKNOWN = "e" * 64


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=True):
        yield build_world()


def put(client, headers, sha: str, data: bytes):
    return client.put(
        f"/api/v1/photos/{sha}", data=data, headers={**headers, "Content-Type": "image/png"}
    )


def batch_at(world, site_code: str, evidence: list[str]) -> dict:
    """The contract batch as a new inspection of ``site_code`` whose every photo list (of the
    failures and of the fix on the spot) is ``evidence``."""
    batch = valid_batch(world["template"].id)
    record = copy.deepcopy(batch["inspections"][0])
    record["id"] = str(uuid.uuid4())
    record["site_code"] = site_code
    for result in record["results"]:
        if "photos" in result:
            result["photos"] = evidence
        if "photos" in (result.get("rectification") or {}):
            result["rectification"]["photos"] = evidence
    batch["inspections"] = [record]
    return batch


def sync(client, headers, batch) -> dict:
    reply = client.post("/api/v1/sync/inspections", json=batch, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    (result,) = reply.get_json()["results"]
    return result


def logged_in(app, username: str):
    """A client of its own logged in as ``username``, and the headers its writes need."""
    client = app.test_client()
    return client, log_in(client, username)


def upload_as_owner(app) -> None:
    """The photo on the server, uploaded by an inspector of unit A (site CT-001)."""
    owner, headers = logged_in(app, "ct-inspector")
    assert put(owner, headers, SHA, DATA).status_code == 201


def status_of_photo(app, username: str, sha: str = SHA) -> int:
    client = app.test_client()
    log_in(client, username)
    with client.get(f"/api/v1/photos/{sha}") as reply:
        return reply.status_code


def test_another_units_stored_photo_reads_like_one_not_uploaded(app, world):
    upload_as_owner(app)
    intruder, headers = logged_in(app, "ct-inspector-b")

    stolen_batch = batch_at(world, "CT-OTHER", [SHA])
    stolen = sync(intruder, headers, stolen_batch)
    never_uploaded = sync(intruder, headers, batch_at(world, "CT-OTHER", [UNKNOWN]))

    assert stolen["status"] == never_uploaded["status"] == "created"
    assert stolen["missing_photos"] == [SHA]  # the reply does not confirm it exists
    assert never_uploaded["missing_photos"] == [UNKNOWN]
    assert db.session.get(Inspection, stolen["id"]).evidence_complete is False
    # The resend answers the same.
    resent = sync(intruder, headers, stolen_batch)
    assert resent == {"id": stolen["id"], "status": "duplicate", "missing_photos": [SHA]}
    # Neither the intruder nor anyone reading his records (his office, through the
    # inspection or the hazard it opened) gets the photo; the owner still does.
    for viewer in ("ct-inspector-b", "ct-city-b"):
        assert status_of_photo(app, viewer) == 404, viewer
    assert status_of_photo(app, "ct-inspector") == 200


def test_a_record_quoting_the_photo_of_another_units_record_stays_incomplete(app, world):
    """Once the owner's own record uses the photo, a record of another unit that quotes its
    hash is still missing it: in the stored column, on its page and in the API."""
    owner, owner_headers = logged_in(app, "ct-inspector")
    assert put(owner, owner_headers, SHA, DATA).status_code == 201
    own = sync(owner, owner_headers, batch_at(world, "CT-001", [SHA]))
    assert db.session.get(Inspection, own["id"]).evidence_complete is True
    intruder, headers = logged_in(app, "ct-inspector-b")

    quoted = sync(intruder, headers, batch_at(world, "CT-OTHER", [SHA]))

    assert quoted["missing_photos"] == [SHA]
    db.session.expire_all()
    assert db.session.get(Inspection, quoted["id"]).evidence_complete is False
    record = intruder.get(f"/api/v1/inspections/{quoted['id']}").get_json()
    assert record["evidence_complete"] is False
    assert {p["uploaded"] for item in record["items"] for p in item["photos"]} == {False}
    page = intruder.get(f"/inspections/{quoted['id']}").get_data(as_text=True)
    assert f"/api/v1/photos/{SHA}" not in page


def test_quoting_another_units_stored_photo_raises_no_flag_that_names_it(app, world):
    """The photo_reused flag would tell the intruder's record, and its readers, where the
    photo was first used: a hash alone must not raise it, the bytes must."""
    owner, owner_headers = logged_in(app, "ct-inspector")
    assert put(owner, owner_headers, SHA, DATA).status_code == 201
    earlier = batch_at(world, "CT-001", [SHA])
    (record,) = earlier["inspections"]
    record["started_at"], record["scan"]["scanned_at"] = "2026-11-30T07:05:00+08:00", None
    record["finished_at"] = "2026-11-30T07:21:30+08:00"
    first = sync(owner, owner_headers, earlier)
    intruder, headers = logged_in(app, "ct-inspector-b")

    quoted = sync(intruder, headers, batch_at(world, "CT-OTHER", [SHA]))

    assert not _flags(quoted["id"])
    # With the bytes in hand (a copy of a colleague's photo), the reuse is real evidence:
    # the record already synced is flagged when they arrive, and so is the next one.
    assert put(intruder, headers, SHA, DATA).status_code == 201
    assert _flags(quoted["id"]) == {"photo_reused": first["id"]}
    copied = sync(intruder, headers, batch_at(world, "CT-OTHER", [SHA]))
    assert _flags(copied["id"]) == {"photo_reused": first["id"]}
    assert not _flags(first["id"])


def _flags(inspection_id: str) -> dict:
    """The record's photo_reused flag, as the id of the inspection it names."""
    flags = db.session.scalars(
        select(InspectionFlag).where(
            InspectionFlag.inspection_id == inspection_id, InspectionFlag.code == "photo_reused"
        )
    )
    return {flag.code: flag.facts["other_id"] for flag in flags}


def test_uploading_the_same_bytes_proves_possession(app, world):
    upload_as_owner(app)
    other, headers = logged_in(app, "ct-inspector-b")
    batch = batch_at(world, "CT-OTHER", [SHA])
    result = sync(other, headers, batch)
    assert result["missing_photos"] == [SHA]

    # The phone answers missing_photos by uploading the photo it holds: new for him.
    uploaded = put(other, headers, SHA, DATA)
    assert uploaded.status_code == 201 and uploaded.get_json()["created"] is True
    assert put(other, headers, SHA, DATA).status_code == 200  # his own resend
    db.session.expire_all()
    assert db.session.get(Inspection, result["id"]).evidence_complete is True
    for viewer in ("ct-inspector-b", "ct-city-b"):
        assert status_of_photo(app, viewer) == 200, viewer
    assert sync(other, headers, batch)["missing_photos"] == []


def test_a_photo_uploaded_by_a_colleague_of_the_same_unit_may_be_referenced(app, world):
    upload_as_owner(app)
    manager, headers = logged_in(app, "ct-manager")
    result = sync(manager, headers, batch_at(world, "CT-001", [SHA]))
    assert result == {"id": result["id"], "status": "created", "missing_photos": []}
    assert db.session.get(Inspection, result["id"]).evidence_complete is True
    assert status_of_photo(app, "ct-city-a") == 200


def test_a_hazard_event_referencing_another_units_photo_confirms_and_grants_nothing(app, world):
    upload_as_owner(app)
    intruder, headers = logged_in(app, "ct-inspector-b")
    sync(intruder, headers, batch_at(world, "CT-OTHER", ["d" * 64]))
    hazard = intruder.get("/api/v1/hazards").get_json()["items"][0]

    def progress(photo: str):
        body = {"id": str(uuid.uuid4()), "type": "progress", "note": "进展", "photos": [photo]}
        return intruder.post(f"/api/v1/hazards/{hazard['id']}/events", json=body, headers=headers)

    stolen, never_uploaded = progress(SHA), progress(UNKNOWN)
    assert stolen.status_code == never_uploaded.status_code == 201
    for viewer in ("ct-inspector-b", "ct-city-b"):
        assert status_of_photo(app, viewer) == 404, viewer
