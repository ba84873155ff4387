"""The hazards API: list with filters and pagination, detail, events, the outbox batch."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.contract.world import NOW, build_world, valid_batch
from tests.hazard_world import FULL_PLAN, PHOTO, act, hazard_in, make_world, open_hazard
from tests.login_helpers import csrf, log_in
from webapp import days
from webapp.extensions import db
from webapp.models import Hazard, HazardEvent


def login(client, user) -> dict:
    log_in(client, user.username)
    return {"X-CSRF-Token": csrf(client)}


@pytest.fixture
def world(app):
    with app.test_request_context():
        yield make_world()


def post(client, headers, hazard, **body):
    body = {"id": str(uuid.uuid4()), **body}
    return client.post(f"/api/v1/hazards/{hazard.id}/events", json=body, headers=headers)


def test_synced_failures_become_hazards_through_the_sync_api(client, app):
    with time_machine.travel(NOW, tick=True):
        contract = build_world()
        headers = login(client, contract["inspector"])
        reply = client.post(
            "/api/v1/sync/inspections", json=valid_batch(contract["template"].id), headers=headers
        )
        assert reply.status_code == 200
        assert reply.get_json()["results"][0]["status"] == "created"
        hazards = {h.item_id: h for h in db.session.scalars(select(Hazard))}
        assert set(hazards) == {"EVAC-01", "ELEC-05"}
        on_spot, order = hazards["EVAC-01"], hazards["ELEC-05"]
        assert (on_spot.status, on_spot.fixed_on_spot) == ("rectified", True)
        assert on_spot.measures == "当场移开货架，出口已畅通"
        assert on_spot.events[-1].photos == [
            "92cd3cf58b2c78a5ba05072ac9663ea27052f2ef8f1de13dfbf6c7d3dc05e057"
        ]
        assert (order.status, order.responsible_name, order.responsible_phone) == (
            "rectifying",
            "王建国",
            "13800000000",
        )
        assert (order.deadline, str(order.funds_amount), order.funds_source) == (
            date(2026, 12, 5),
            "500.00",
            "单位自筹",
        )
        # The same batch again is a duplicate and opens nothing new.
        client.post(
            "/api/v1/sync/inspections", json=valid_batch(contract["template"].id), headers=headers
        )
        assert db.session.scalar(select(func.count(Hazard.id))) == 2
        # The province sees them at once (scope), filtered by unit and status.
        client = client.application.test_client()  # another person, another browser
        login(client, contract["province_office"])
        listed = client.get("/api/v1/hazards?status=rectifying&unit=U-A1").get_json()
        assert [h["item_id"] for h in listed["items"]] == ["ELEC-05"]


def test_list_filters_and_pages_within_scope(client, world):
    hazards = [hazard_in(world, "open") for _ in range(3)]
    major = hazard_in(world, "open", major=True)
    act(
        world,
        "mgr",
        hazards[0],
        "assign",
        responsible_name="张三",
        responsible_phone="1",
        measures="清理",
        deadline=days.today() + timedelta(days=1),
    )
    login(client, world.user("prov_sup"))
    everything = client.get("/api/v1/hazards").get_json()
    assert everything["total"] == 4
    assert client.get("/api/v1/hazards?grade=major").get_json()["items"][0]["id"] == major.id
    page = client.get("/api/v1/hazards?per_page=3&page=2").get_json()
    assert (page["total"], len(page["items"]), page["page"]) == (4, 1, 2)
    assert client.get("/api/v1/hazards?status=rectifying").get_json()["total"] == 1
    assert client.get("/api/v1/hazards?status=open&status=rectifying").get_json()["total"] == 4
    assert client.get("/api/v1/hazards?category=FIRE&source=self").get_json()["total"] == 4
    assert client.get("/api/v1/hazards?due_soon=true").get_json()["total"] == 1
    assert client.get(f"/api/v1/hazards?site={world.site.code}").get_json()["total"] == 4
    today = days.today().isoformat()
    assert (
        client.get(f"/api/v1/hazards?found_from={today}&found_to={today}").get_json()["total"] == 4
    )
    tomorrow = (days.today() + timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/hazards?found_from={tomorrow}").get_json()["total"] == 0
    bad = client.get("/api/v1/hazards?per_page=500&grade=huge")
    assert bad.status_code == 422 and {"per_page", "grade"} <= set(bad.get_json()["fields"])
    client = client.application.test_client()
    login(client, world.user("cityb_sup"))
    assert client.get("/api/v1/hazards").get_json()["total"] == 0
    assert client.get(f"/api/v1/hazards/{major.id}").status_code == 404


def test_detail_has_history_plan_and_allowed_actions(client, world):
    hazard = hazard_in(world, "rectified", major=True)
    login(client, world.user("county_sup"))
    detail = client.get(f"/api/v1/hazards/{hazard.id}").get_json()
    assert [e["type"] for e in detail["events"]] == ["opened", "plan", "rectified"]
    assert detail["events"][2]["photos"] == [PHOTO]
    assert detail["events"][2]["from"] == "rectifying"
    assert detail["plan"]["contingency"] == FULL_PLAN["plan_contingency"]
    assert set(detail["allowed_actions"]) == {"verified", "rejected", "regrade", "supervise"}


def test_posting_events_answers_each_rule_with_its_status(client, world):
    hazard = hazard_in(world, "rectifying")
    headers = login(client, world.user("insp"))
    bad = post(client, headers, hazard, type="rectified", note="修好了")
    assert bad.status_code == 422 and "photos" in bad.get_json()["fields"]
    event_id = str(uuid.uuid4())
    done = post(
        client, headers, hazard, id=event_id, type="rectified", note="修好了", photos=[PHOTO]
    )
    assert done.status_code == 201
    assert done.get_json()["hazard"]["status"] == "rectified"
    again = post(
        client, headers, hazard, id=event_id, type="rectified", note="修好了", photos=[PHOTO]
    )
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    same_person = post(client, headers, hazard, type="verified")
    assert same_person.status_code == 403
    wrong_state = post(client, headers, hazard, type="progress", note="x")
    assert wrong_state.status_code == 409
    assert wrong_state.get_json()["error"] == "transition_not_allowed"
    unknown = post(client, headers, hazard, type="teleport")
    assert unknown.status_code == 422 and "type" in unknown.get_json()["fields"]
    missing = client.post(
        "/api/v1/hazards/999999/events",
        json={"id": str(uuid.uuid4()), "type": "progress", "note": "x"},
        headers=headers,
    )
    assert missing.status_code == 404
    no_token = client.post(
        f"/api/v1/hazards/{hazard.id}/events",
        json={"id": str(uuid.uuid4()), "type": "progress", "note": "x"},
    )
    assert no_token.status_code == 400
    assert (
        db.session.scalar(
            select(func.count(HazardEvent.id)).where(HazardEvent.hazard_id == hazard.id)
        )
        == 3
    )


def test_a_past_deadline_and_a_missing_plan_are_refused_with_the_field(client, world):
    hazard = hazard_in(world, "open")
    major = hazard_in(world, "open", major=True)
    headers = login(client, world.user("mgr"))
    past = post(
        client,
        headers,
        hazard,
        type="assign",
        responsible_name="张三",
        responsible_phone="1",
        measures="x",
        deadline=(days.today() - timedelta(days=1)).isoformat(),
    )
    assert past.status_code == 422 and "deadline" in past.get_json()["fields"]
    no_plan = post(
        client,
        headers,
        major,
        type="assign",
        responsible_name="张三",
        responsible_phone="1",
        measures="x",
    )
    assert no_plan.status_code == 422 and no_plan.get_json()["error"] == "plan_incomplete"
    assert "plan_contingency" in no_plan.get_json()["fields"]


def test_the_outbox_batch_gives_one_result_per_record(client, world):
    first, second = hazard_in(world, "rectifying"), hazard_in(world, "open")
    headers = login(client, world.user("insp"))
    progress_id, rectified_id = str(uuid.uuid4()), str(uuid.uuid4())
    events = [
        {"id": progress_id, "hazard_id": second.id, "type": "progress", "note": "已联系维修"},
        {
            "id": rectified_id,
            "hazard_id": first.id,
            "type": "rectified",
            "note": "已更换",
            "photos": [PHOTO],
            "client_at": "2026-11-30T10:00:00+08:00",
        },
        {"id": str(uuid.uuid4()), "hazard_id": first.id, "type": "verified"},
        {"id": "not-a-uuid", "hazard_id": first.id, "type": "progress"},
        {"id": str(uuid.uuid4()), "hazard_id": 999999, "type": "progress", "note": "x"},
    ]
    reply = client.post("/api/v1/sync/hazard-events", json={"events": events}, headers=headers)
    assert reply.status_code == 200
    results = reply.get_json()["results"]
    assert [r["status"] for r in results] == [
        "created",
        "created",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert results[2]["error"] == "not_allowed"  # an inspector does not verify
    assert "id" in results[3]["fields"]
    assert results[4]["error"] == "not_found"
    again = client.post(
        "/api/v1/sync/hazard-events", json={"events": events[:2]}, headers=headers
    ).get_json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert (
        db.session.scalar(
            select(func.count(HazardEvent.id)).where(
                HazardEvent.client_id.in_([progress_id, rectified_id])
            )
        )
        == 2
    )
    reused = dict(events[0], type="rectified", photos=[PHOTO], hazard_id=second.id, note="x")
    conflict = client.post(
        "/api/v1/sync/hazard-events", json={"events": [reused]}, headers=headers
    ).get_json()["results"]
    assert conflict[0]["status"] == "conflict"
    whole = client.post("/api/v1/sync/hazard-events", json={"nope": 1}, headers=headers)
    assert whole.status_code == 422 and "events" in whole.get_json()["fields"]


def test_the_outbox_batch_names_a_device_id_the_document_refuses(client, world):
    # Found by schemathesis: a 65-character device_id was answered 200.
    headers = login(client, world.user("insp"))
    for device_id in ("x" * 65, 12):
        body = {"device_id": device_id, "events": []}
        reply = client.post("/api/v1/sync/hazard-events", json=body, headers=headers)
        assert reply.status_code == 422 and "device_id" in reply.get_json()["fields"]
    body = {"device_id": "phone-1", "events": [], "later_field": True}
    assert client.post("/api/v1/sync/hazard-events", json=body, headers=headers).status_code == 200


def test_offices_see_escalated_overdue_hazards_of_units_below(client, world):
    hazard = open_hazard(
        world,
        "FIRE-01",
        {
            "mode": "order",
            "responsible": "李四",
            "measures": "更换",
            "deadline": days.today().isoformat(),
        },
    )
    with time_machine.travel(days.now() + timedelta(days=2)):
        login(client, world.user("county_sup"))
        assert client.get("/api/v1/hazards?escalated=true").get_json()["total"] == 1
        listed = client.get("/api/v1/hazards?overdue=true").get_json()["items"]
        assert listed[0]["id"] == hazard.id and listed[0]["overdue"] is True
        client = client.application.test_client()
        login(client, world.user("city_sup"))  # not the next office up of this unit
        assert client.get("/api/v1/hazards?escalated=true").get_json()["total"] == 0
        assert client.get("/api/v1/hazards?overdue=true").get_json()["total"] == 1


def test_the_openapi_document_lists_the_hazard_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {
        "/api/v1/hazards",
        "/api/v1/hazards/{hazard_id}",
        "/api/v1/hazards/{hazard_id}/events",
        "/api/v1/sync/hazard-events",
    } <= set(paths)
    assert "post" in paths["/api/v1/hazards/{hazard_id}/events"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"type": "progress", "note": "x"}, "id"),
        (
            {"id": "0f8b7c1e-1111-4222-8333-444455556666", "type": "progress", "photos": "abc"},
            "photos",
        ),
        (
            {"id": "0f8b7c1e-1111-4222-8333-444455556666", "type": "assign", "funds_amount": -5},
            "funds_amount",
        ),
        (
            {"id": "0f8b7c1e-1111-4222-8333-444455556666", "type": "assign", "deadline": "5 Dec"},
            "deadline",
        ),
        (
            {"id": "0f8b7c1e-1111-4222-8333-444455556666", "type": "regrade", "grade": "huge"},
            "grade",
        ),
        (
            {
                "id": "0f8b7c1e-1111-4222-8333-444455556666",
                "type": "progress",
                "client_at": "2026-11-30T10:00:00",
            },
            "client_at",
        ),
    ],
)
def test_malformed_event_bodies_name_the_field(client, world, body, field):
    hazard = hazard_in(world, "open")
    headers = login(client, world.user("mgr"))
    reply = client.post(f"/api/v1/hazards/{hazard.id}/events", json=body, headers=headers)
    assert reply.status_code == 422
    assert field in reply.get_json()["fields"]
    assert (
        db.session.scalar(
            select(func.count(HazardEvent.id)).where(HazardEvent.hazard_id == hazard.id)
        )
        == 1
    )


def test_list_refuses_bad_query_values(client, world):
    login(client, world.user("mgr"))
    reply = client.get("/api/v1/hazards?found_from=30/11/2026&status=lost")
    assert reply.status_code == 422
    assert {"found_from", "status"} <= set(reply.get_json()["fields"])
