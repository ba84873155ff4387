"""POST /api/v1/sync/inspections: validation per record, exactly-once storage, results."""

from __future__ import annotations

import base64
import copy
import json
import logging
import re
import threading
import uuid
from datetime import date, datetime, timedelta

import pytest
import time_machine
from marshmallow import ValidationError
from sqlalchemy import func, select

from tests.contract.world import NOW, build_world, load, log_in, valid_batch, with_template
from tests.factories import PASSWORD, make_site, make_template, make_tree, make_user
from webapp.api.schemas import ExportFileSchema, SyncBatchSchema, SyncReplySchema
from webapp.extensions import db
from webapp.models import (
    Inspection,
    InspectionConflict,
    InspectionPhoto,
    InspectionResult,
)
from webapp.qr import token_fingerprint

URL = "/api/v1/sync/inspections"


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=True):
        yield build_world()


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Inspection, InspectionResult, InspectionPhoto, InspectionConflict)
    )


def sync(client, headers, inspections, **batch):
    body = {
        "device_id": "phone-7f3a",
        "device_time": NOW.isoformat(),
        "inspections": inspections,
        **batch,
    }
    reply = client.post(URL, json=body, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()["results"]


def new_id(record: dict) -> dict:
    return {**copy.deepcopy(record), "id": str(uuid.uuid4())}


def test_valid_inspection_is_stored_with_what_the_server_derives(client, world):
    headers = log_in(client, "ct-inspector")
    batch = valid_batch(world["template"].id)
    record = batch["inspections"][0]
    reply = client.post(URL, json=batch, headers=headers)
    assert reply.status_code == 200
    body = reply.get_json()
    all_photos = [p for r in record["results"] for p in r.get("photos", [])]
    after = record["results"][0]["rectification"]["photos"]
    assert body["results"] == [
        {
            "id": record["id"],
            "status": "created",
            "missing_photos": [all_photos[0], after[0], all_photos[1]],
        }
    ]
    assert "server_time" in body
    db.session.expire_all()
    stored = db.session.get(Inspection, record["id"])
    assert stored.site_id == world["site"].id
    assert stored.inspector_id == world["inspector"].id
    assert stored.day == date(2026, 11, 30)
    assert stored.failures == 2
    assert stored.scanned is True
    assert stored.evidence_complete is False
    assert stored.flags == [] and abs(stored.clock_offset_seconds - 5) <= 2
    assert stored.device_id == "phone-7f3a"
    token = record["scan"]["token"]
    assert token not in json.dumps(stored.payload)  # a secret: only its fingerprint is kept
    assert stored.payload["scan"]["token_fingerprint"] == token_fingerprint(token)
    assert {**stored.payload, "scan": record["scan"]} == record
    outcomes = {r.item_id: (r.outcome, r.rectification) for r in stored.results}
    assert outcomes["FIRE-01"] == ("pass", None)
    assert outcomes["EVAC-01"][1]["mode"] == "on_spot"
    assert outcomes["ELEC-05"][1] == {
        "mode": "order",
        "responsible": {"name": "王建国", "phone": "13800000000"},
        "deadline": "2026-12-05",
        "measures": "清走电动车，拆除私接充电线，张贴禁止标志",
        "funds": {"amount": "500.00", "source": "单位自筹"},
    }
    assert counts() == (1, 4, 3, 0)


def test_the_same_record_again_is_a_duplicate_and_changes_nothing(client, world):
    headers = log_in(client, "ct-inspector")
    record = valid_batch(world["template"].id)["inspections"][0]
    sync(client, headers, [record])
    before = db.session.get(Inspection, record["id"]).received_at
    reordered = json.loads(json.dumps(record, sort_keys=True))  # key order does not matter
    results = sync(client, headers, [reordered])
    assert results[0]["status"] == "duplicate"
    assert len(results[0]["missing_photos"]) == 3  # the phone keeps uploading them
    db.session.expire_all()
    assert db.session.get(Inspection, record["id"]).received_at == before
    assert counts() == (1, 4, 3, 0)


def test_same_id_with_other_content_is_a_conflict_kept_once_for_review(client, world):
    headers = log_in(client, "ct-inspector")
    record = valid_batch(world["template"].id)["inspections"][0]
    sync(client, headers, [record])
    changed = copy.deepcopy(record)
    changed["results"][1]["note"] = "补充说明"
    assert sync(client, headers, [changed])[0] == {"id": record["id"], "status": "conflict"}
    assert sync(client, headers, [changed])[0]["status"] == "conflict"
    assert counts() == (1, 4, 3, 1)
    kept = db.session.scalars(select(InspectionConflict)).one()
    assert kept.payload["results"] == changed["results"] and kept.user_id == world["inspector"].id
    assert db.session.get(Inspection, record["id"]).payload["results"] == record["results"]


def test_the_id_of_another_units_record_is_refused_and_leaves_that_record_alone(app, client, world):
    """A record sent under the id of a record outside the sender's scope is neither a
    duplicate nor a conflict of it: refused like any id already taken, nothing written."""
    record = valid_batch(world["template"].id)["inspections"][0]
    sync(client, log_in(client, "ct-inspector"), [record])
    intruder = app.test_client()
    theirs = copy.deepcopy(record)
    theirs["site_code"] = "CT-OTHER"
    for sent in (theirs, record):  # other content, and the very same content
        (result,) = sync(intruder, log_in(intruder, "ct-inspector-b"), [sent])
        assert result["status"] == "rejected" and list(result["errors"]) == ["id"]
        assert "missing_photos" not in result
    assert counts() == (1, 4, 3, 0)  # no conflicting copy kept under the unit's record


def test_one_bad_record_never_fails_the_others(client, world):
    headers = log_in(client, "ct-inspector")
    record = valid_batch(world["template"].id)["inspections"][0]
    bad = new_id(record)
    bad["site_code"] = "NO-SUCH-SITE"
    good = new_id(record)
    results = sync(client, headers, [record, bad, 42, good])
    assert [r["status"] for r in results] == ["created", "rejected", "rejected", "created"]
    assert list(results[1]["errors"]) == ["site_code"]
    assert results[2]["id"] is None and "_record" in results[2]["errors"]
    assert counts()[0] == 2


def test_the_same_id_twice_in_one_batch_is_stored_once(client, world):
    headers = log_in(client, "ct-inspector")
    record = valid_batch(world["template"].id)["inspections"][0]
    changed = copy.deepcopy(record)
    changed["results"][1]["note"] = "第二版"
    results = sync(client, headers, [record, record, changed])
    assert [r["status"] for r in results] == ["created", "duplicate", "conflict"]
    assert counts() == (1, 4, 3, 1)


@pytest.mark.parametrize("case", load("bad_inspections.json"), ids=lambda case: case["name"])
def test_bad_records_are_rejected_naming_the_field(client, world, case):
    headers = log_in(client, "ct-inspector")
    record = with_template(case["inspection"], world["template"].id)
    results = sync(client, headers, [record])
    assert results[0]["status"] == "rejected", results
    assert case["field"] in results[0]["errors"], results[0]["errors"]
    assert all(isinstance(m, str) and m for ms in results[0]["errors"].values() for m in ms)
    assert counts() == (0, 0, 0, 0)


def _bad_batch_body(case: dict, template_id: int) -> bytes:
    if "body_text" in case:
        return case["body_text"].encode()
    body = copy.deepcopy(case["body"])
    if isinstance(body, dict) and isinstance(body.get("inspections"), list):
        body["inspections"] = [with_template(r, template_id) for r in body["inspections"]]
        valid = valid_batch(template_id)["inspections"][0]
        body["inspections"] += [new_id(valid) for _ in range(case.get("repeat_valid", 0))]
    if "pad_to_bytes" in case:
        body["padding"] = "x" * case["pad_to_bytes"]
    return json.dumps(body).encode()


@pytest.mark.parametrize("case", load("bad_batches.json"), ids=lambda case: case["name"])
def test_bad_requests_are_refused_whole_naming_the_field(client, world, case):
    headers = {**log_in(client, "ct-inspector"), "Content-Type": "application/json"}
    reply = client.post(URL, data=_bad_batch_body(case, world["template"].id), headers=headers)
    assert reply.status_code == case["status"]
    body = reply.get_json()
    assert case["field"] in body["fields"], body
    assert body["error"] and body["message"]
    assert counts() == (0, 0, 0, 0)


def test_an_inspection_done_before_midnight_counts_for_that_day(client, world):
    headers = log_in(client, "ct-inspector")
    record = new_id(valid_batch(world["template"].id)["inspections"][0])
    record.update(started_at="2026-11-30T23:50:00+08:00", finished_at="2026-11-30T23:58:00+08:00")
    record.pop("scan")
    next_morning = NOW + timedelta(days=1) - timedelta(hours=1)
    with time_machine.travel(next_morning, tick=False):
        results = sync(client, headers, [record], device_time=next_morning.isoformat())
    assert results[0]["status"] == "created"
    stored = db.session.get(Inspection, record["id"])
    assert stored.day == date(2026, 11, 30)
    assert stored.scanned is False  # no scan: accepted and counted, without proof of presence


@pytest.mark.parametrize(
    ("phone_ahead", "flagged"),
    [(timedelta(minutes=9), False), (timedelta(minutes=11), True), (-timedelta(hours=2), True)],
)
def test_a_phone_clock_far_off_is_flagged(client, world, phone_ahead, flagged):
    headers = log_in(client, "ct-inspector")
    record = valid_batch(world["template"].id)["inspections"][0]
    later = NOW + timedelta(minutes=5)  # after the login (a session never comes from the future)
    with time_machine.travel(later, tick=False):
        sync(client, headers, [record], device_time=(later + phone_ahead).isoformat())
    stored = db.session.get(Inspection, record["id"])
    assert ("clock_skew" in {flag.code for flag in stored.flags}) is flagged
    assert stored.clock_offset_seconds == int(phone_ahead.total_seconds())


@pytest.mark.parametrize(
    ("token", "scanned"),
    [("ct-token-0123456789abcdef", True), ("ct-token-wrong-wrong-wrong", False), (None, False)],
)
def test_scan_verdict_comes_from_the_qr_rule(client, world, token, scanned):
    headers = log_in(client, "ct-inspector")
    record = valid_batch(world["template"].id)["inspections"][0]
    if token is None:
        record.pop("scan")
    else:
        record["scan"]["token"] = token
    assert sync(client, headers, [record])[0]["status"] == "created"
    assert db.session.get(Inspection, record["id"]).scanned is scanned


def _office_record(template_id: int, kind: str) -> dict:
    record = new_id(valid_batch(template_id)["inspections"][0])
    record["kind"] = kind
    # Office visits also check the items that are not on the daily form.
    record["results"].append({"item_id": "ELEC-03", "outcome": "pass"})
    return record


@pytest.mark.parametrize(
    ("username", "kind", "status"),
    [
        ("ct-manager", "self", "created"),
        ("ct-city-a", "self", "rejected"),
        ("ct-city-a", "office", "created"),
        ("ct-city-a", "covert", "rejected"),
        ("ct-province", "covert", "created"),
        ("ct-inspector", "office", "rejected"),
        ("ct-city-b", "office", "rejected"),  # outside its scope
    ],
)
def test_who_may_record_which_kind(client, world, username, kind, status):
    headers = log_in(client, username)
    if kind == "self":
        record = new_id(valid_batch(world["template"].id)["inspections"][0])
    else:
        record = _office_record(world["template"].id, kind)
    result = sync(client, headers, [record])[0]
    assert result["status"] == status, result
    if status == "rejected":
        assert set(result["errors"]) & {"kind", "site_code"}
        assert counts()[0] == 0


def test_a_stored_record_resent_after_the_rules_changed_is_still_a_duplicate(client, world):
    headers = log_in(client, "ct-inspector")
    record = valid_batch(world["template"].id)["inspections"][0]
    sync(client, headers, [record])
    world["site"].unit = world["unit_b"]  # the site moved to another unit since
    db.session.commit()
    assert sync(client, headers, [record])[0]["status"] == "duplicate"


def test_sync_needs_a_session_and_the_csrf_token(client, world):
    batch = valid_batch(world["template"].id)
    # Without a session the stale token means "log in again": a JSON 401, not a CSRF error.
    reply = client.post(URL, json=batch, headers={"X-CSRF-Token": "stale"})
    assert reply.status_code == 401 and reply.get_json()["error"] == "unauthorized"
    log_in(client, "ct-inspector")
    reply = client.post(URL, json=batch)
    assert reply.status_code == 400 and "X-CSRF-Token" in reply.get_json()["fields"]
    assert counts()[0] == 0


def test_concurrent_retries_of_one_batch_end_with_exactly_one_copy(app, world):
    """Eight phones' worth of retries race: the database keeps one copy and one conflict."""
    template_id = world["template"].id
    record = valid_batch(template_id)["inspections"][0]
    other_version = copy.deepcopy(record)
    other_version["results"][1]["note"] = "另一版本"
    second = new_id(record)
    clients = [app.test_client() for _ in range(8)]
    headers = [log_in(c, "ct-inspector") for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[str] = []
    failures: list[BaseException] = []

    def send(index: int) -> None:
        version = record if index % 2 else other_version
        body = {
            "device_id": f"phone-{index}",
            "device_time": NOW.isoformat(),
            "inspections": [second, version],
        }
        try:
            barrier.wait()
            for _ in range(2):
                reply = clients[index].post(URL, json=body, headers=headers[index])
                assert reply.status_code == 200, reply.get_data(as_text=True)
                statuses.extend(r["status"] for r in reply.get_json()["results"])
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert statuses.count("created") == 2  # one for each id
    assert statuses.count("duplicate") + statuses.count("conflict") == 30
    db.session.expire_all()
    assert counts() == (2, 8, 6, 1)


def test_logs_carry_no_password_token_or_photo_bytes(client, world, caplog):
    caplog.set_level(logging.DEBUG)
    headers = log_in(client, "ct-inspector")
    batch = valid_batch(world["template"].id)
    token = batch["inspections"][0]["scan"]["token"]
    client.post(URL, json=batch, headers=headers)
    photo = load("export_file_example.json")["photos"][0]
    client.put(
        f"/api/v1/photos/{photo['sha256']}", data=base64.b64decode(photo["data"]), headers=headers
    )
    assert "sync user=" in caplog.text and "photo " in caplog.text  # it did log
    assert PASSWORD not in caplog.text
    assert token not in caplog.text
    assert photo["data"][:40] not in caplog.text


def test_the_openapi_schemas_accept_the_contract_examples(app):
    batch = load("sync_batch_valid.json")
    assert SyncBatchSchema().load(batch)["device_id"] == batch["device_id"]
    export = load("export_file_example.json")
    assert len(ExportFileSchema().load(export)["photos"]) == len(export["photos"])
    SyncReplySchema().load(load("sync_reply_example.json"))
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/sites",
        "/api/v1/templates/{template_id}",
        "/api/v1/sync/inspections",
        "/api/v1/sync/import",
        "/api/v1/photos/{sha256}",
    ):
        assert path in spec["paths"], path
    body = spec["paths"]["/api/v1/sync/inspections"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/SyncBatch")


def test_the_payload_the_phone_builds_is_accepted(app, client):
    """tests/contract/inspection_sync.json is what the PWA's own tests build from a draft."""
    phone = load("inspection_sync.json")
    now = datetime.fromisoformat(phone["payload"]["finished_at"]) + timedelta(minutes=5)
    with time_machine.travel(now, tick=True):
        tree = make_tree()
        template = make_template(
            items=[
                {
                    "item_id": i["id"],
                    "category": i["category"],
                    "label_zh": i["label_zh"],
                    "label_en": i["label_en"],
                    "photo_required_on_fail": i["photo_required_on_fail"],
                }
                for i in phone["items"]
            ]
        )
        make_site(
            tree["unit_a"], code=phone["site"]["code"], qr_token=phone["payload"]["scan"]["token"]
        )
        make_user(tree["unit_a"], username="phone-user")
        db.session.commit()
        headers = log_in(client, "phone-user")
        record = {**phone["payload"], "template_id": template.id}
        result = sync(client, headers, [record], device_time=now.isoformat())[0]
    assert result["status"] == "created", result
    assert sorted(result["missing_photos"]) == ["1" * 64, "2" * 64]
    assert db.session.get(Inspection, record["id"]).scanned is True


@pytest.mark.parametrize("device_id", ["", "   ", "x" * 65, "d\x00"])
def test_a_blank_long_or_nul_device_id_is_refused_by_the_server_and_its_documented_schema(
    client, world, device_id
):
    """The OpenAPI document must not call valid what the server refuses (schemathesis
    sent a device_id of spaces, then one holding a NUL, which the document allowed)."""
    batch = {"device_id": device_id, "device_time": NOW.isoformat(), "inspections": []}
    reply = client.post(URL, json=batch, headers=log_in(client, "ct-inspector"))
    assert reply.status_code == 422 and "device_id" in reply.get_json()["fields"]
    for schema, document in (
        (SyncBatchSchema(), load("sync_batch_valid.json")),
        (ExportFileSchema(), load("export_file_example.json")),
    ):
        with pytest.raises(ValidationError) as refused:
            schema.load({**document, "device_id": device_id})
        assert "device_id" in refused.value.messages
    spec = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("SyncBatch", "ExportFile"):
        documented = spec[name]["properties"]["device_id"]
        too_long = len(device_id) > documented["maxLength"]
        assert too_long or not re.search(documented["pattern"], device_id)
