"""Import of a phone's "export unsent records" file: POST /api/v1/sync/import and the CLI."""

from __future__ import annotations

import copy
import json

import pytest
import time_machine
from sqlalchemy import func, select

from tests.contract.world import NOW, build_world, load, log_in, with_template
from webapp.extensions import db
from webapp.models import Inspection, InspectionResult, Photo

URL = "/api/v1/sync/import"


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=True):
        yield build_world()


def export_file(template_id: int) -> dict:
    document = load("export_file_example.json")
    document["inspections"] = [with_template(r, template_id) for r in document["inspections"]]
    return document


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Inspection, InspectionResult, Photo)
    )


def test_import_stores_photos_then_inspections_for_the_logged_in_user(client, world):
    headers = log_in(client, "ct-manager")  # not the exporting user: attributed to who imports
    document = export_file(world["template"].id)
    reply = client.post(URL, json=document, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert [p["status"] for p in body["photos"]] == ["created"] * 3
    record_id = document["inspections"][0]["id"]
    assert body["results"] == [{"id": record_id, "status": "created", "missing_photos": []}]
    stored = db.session.get(Inspection, record_id)
    assert stored.inspector_id == world["manager"].id
    assert stored.evidence_complete is True
    assert "clock_skew" not in {f.code for f in stored.flags} and stored.clock_offset_seconds == 0
    assert counts() == (1, 4, 3)

    again = client.post(URL, json=document, headers=headers).get_json()
    assert again["results"][0]["status"] == "duplicate"
    assert [p["status"] for p in again["photos"]] == ["duplicate"] * 3
    assert counts() == (1, 4, 3)


def test_import_after_a_partial_sync_fills_in_what_is_missing(client, world):
    headers = log_in(client, "ct-inspector")
    document = export_file(world["template"].id)
    client.post(
        "/api/v1/sync/inspections",
        json={
            "device_id": "phone-7f3a",
            "device_time": NOW.isoformat(),
            "inspections": document["inspections"],
        },
        headers=headers,
    )
    assert db.session.get(Inspection, document["inspections"][0]["id"]).evidence_complete is False
    body = client.post(URL, json=document, headers=headers).get_json()
    assert body["results"][0] == {
        "id": document["inspections"][0]["id"],
        "status": "duplicate",
        "missing_photos": [],
    }
    db.session.expire_all()
    assert db.session.get(Inspection, document["inspections"][0]["id"]).evidence_complete is True


def test_bad_records_and_photos_in_a_file_are_reported_one_by_one(client, world):
    headers = log_in(client, "ct-inspector")
    document = export_file(world["template"].id)
    bad = with_template(load("bad_inspections.json")[0]["inspection"], world["template"].id)
    document["inspections"].append(bad)
    document["photos"].append(
        {"sha256": "0" * 64, "content_type": "image/png", "data": document["photos"][0]["data"]}
    )
    document["photos"].append({"sha256": "1" * 64, "data": "*** not base64 ***"})
    body = client.post(URL, json=document, headers=headers).get_json()
    assert [r["status"] for r in body["results"]] == ["created", "rejected"]
    assert [p["status"] for p in body["photos"]] == ["created"] * 3 + ["rejected"] * 2
    assert "photos.3.sha256" in body["photos"][3]["errors"]
    assert "photos.4.data" in body["photos"][4]["errors"]
    assert counts() == (1, 4, 3)


def _spoil(field: str, value):
    def change(document: dict) -> None:
        if value is KeyError:
            document.pop(field)
        else:
            document[field] = value

    return change


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("format", _spoil("format", "something-else")),
        ("version", _spoil("version", 2)),
        ("device_id", _spoil("device_id", KeyError)),
        ("inspections", _spoil("inspections", {"a": 1})),
        ("photos", _spoil("photos", "none")),
    ],
)
def test_a_malformed_file_is_refused_whole(client, world, field, change):
    headers = log_in(client, "ct-inspector")
    document = export_file(world["template"].id)
    change(document)
    reply = client.post(URL, json=document, headers=headers)
    assert reply.status_code == 422
    assert field in reply.get_json()["fields"]
    assert counts() == (0, 0, 0)


def test_a_file_that_is_not_json_is_400(client, world):
    headers = {**log_in(client, "ct-inspector"), "Content-Type": "application/json"}
    reply = client.post(URL, data=b'{"format": "shelter-daily-check/unsent", ', headers=headers)
    assert reply.status_code == 400 and "body" in reply.get_json()["fields"]


# --- the command line -------------------------------------------------------------------


def test_cli_imports_a_file_and_prints_each_record(runner, world, tmp_path):
    path = tmp_path / "unsent.json"
    document = export_file(world["template"].id)
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(args=["import-unsent", str(path), "--user", "ct-inspector"])
    assert result.exit_code == 0, result.output
    assert f"inspection {document['inspections'][0]['id']} created" in result.output
    assert result.output.count("photo ") == 3
    stored = db.session.get(Inspection, document["inspections"][0]["id"])
    assert stored.inspector_id == world["inspector"].id
    again = runner.invoke(args=["import-unsent", str(path), "--user", "ct-inspector"])
    assert again.exit_code == 0 and "duplicate" in again.output
    assert counts() == (1, 4, 3)


def test_cli_exits_non_zero_with_rejected_records(runner, world, tmp_path):
    document = export_file(world["template"].id)
    document["inspections"][0] = copy.deepcopy(document["inspections"][0])
    document["inspections"][0]["site_code"] = "NO-SUCH-SITE"
    path = tmp_path / "unsent.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(args=["import-unsent", str(path), "--user", "ct-inspector"])
    assert result.exit_code == 2
    assert "rejected (site_code:" in result.output


@pytest.mark.parametrize(
    ("content", "username", "expected"),
    [
        ("{not json", "ct-inspector", "not valid JSON"),
        (json.dumps({"format": "x"}), "ct-inspector", "format"),
        (json.dumps({"format": "x"}), "nobody", "No active account named nobody"),
    ],
)
def test_cli_refuses_a_malformed_file_or_unknown_user(
    runner, world, tmp_path, content, username, expected
):
    path = tmp_path / "unsent.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["import-unsent", str(path), "--user", username])
    assert result.exit_code == 1
    assert expected in result.output
    assert counts() == (0, 0, 0)
