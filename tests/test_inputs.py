"""Crafted input (issue 15, finding 4): ids beyond the database's integers, absurd page
numbers, days and months far outside the domain, moments that overflow when converted, a
header injected through ``next``. Each is a 4xx naming the field (a 404 for an id in a
path, like any id that does not exist), or a per-record ``rejected`` in a batch whose good
records are stored; never a 500."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.hazard_world import hazard_in, make_world
from tests.login_helpers import csrf, log_in
from webapp import days
from webapp.extensions import db
from webapp.inputs import (
    FIRST_DAY,
    LAST_DAY,
    MAX_ID,
    MAX_PAGE,
    NUL_FREE_PATTERN,
    parse_day,
    parse_moment,
    parse_month,
    parse_page,
)
from webapp.models import Inspection
from webapp.models.credibility import FlagCode, InspectionFlag

HUGE = str(2**64 - 1)
BEYOND_64_BITS = str(2**64)
PAGE = str(10**20)


@pytest.fixture
def world(app):
    with app.test_request_context():
        world = make_world()
        world.hazard = hazard_in(world, "rectifying")
        db.session.commit()
        yield world


def signed_in(app, world, who: str):
    client = app.test_client()
    log_in(client, world.user(who).username)
    return client, {"X-CSRF-Token": csrf(client)}


# (who, path, the field the reply names; None: a 404 that reads like "not found")
GETS = [
    # ids beyond 64 bits, or beyond the database's integers, in paths
    ("city_admin", f"/api/v1/hazards/{BEYOND_64_BITS}", None),
    ("city_admin", f"/api/v1/hazards/{2**31}", None),
    ("city_admin", f"/hazards/{BEYOND_64_BITS}", None),
    ("city_admin", f"/api/v1/templates/{BEYOND_64_BITS}", None),
    ("city_admin", f"/manage/checklists/{BEYOND_64_BITS}", None),
    # page numbers on every paginated list
    ("city_admin", f"/api/v1/hazards?page={PAGE}", "page"),
    ("city_admin", f"/hazards/?page={PAGE}", "page"),
    ("city_admin", f"/hazards/responsibility?page={PAGE}", "page"),
    ("city_admin", f"/manage/users/?page={PAGE}", "page"),
    ("city_admin", f"/manage/sites/?page={PAGE}", "page"),
    ("city_admin", f"/manage/qr/?page={PAGE}", "page"),
    ("city_admin", f"/manage/notify/failed?page={PAGE}", "page"),
    # days in year 1 or 9999
    ("city_admin", "/api/v1/completion?date=0001-01-01", "date"),
    ("city_admin", "/api/v1/completion?date=9999-12-31", "date"),
    ("city_admin", "/dashboard/?date=0001-01-01", "date"),
    ("city_admin", "/dashboard/?date=9999-12-31", "date"),
    ("city_admin", "/hazards/?found_from=0001-01-01", "found_from"),
    ("city_admin", "/hazards/?found_to=9999-12-31", "found_to"),
    ("city_admin", "/api/v1/hazards?found_from=0001-01-01", "found_from"),
    ("city_admin", "/api/v1/hazards?found_to=9999-12-31", "found_to"),
    ("city_admin", "/hazards/ledger?first_day=0001-01-01&last_day=0001-01-31", "first_day"),
    ("city_admin", "/hazards/ledger?first_day=9999-12-01&last_day=9999-12-31", "first_day"),
    # months 0000-01 and 9999-12
    ("city_admin", "/reports/?month=0000-01", "month"),
    ("city_admin", "/reports/?month=9999-12", "month"),
    ("city_admin", "/reports/export.xlsx?month=9999-12", "month"),
    ("city_admin", "/reports/export.pdf?month=0000-01", "month"),
    ("city_admin", "/api/v1/reports?month=0000-01", "month"),
    ("city_admin", "/api/v1/reports?month=9999-12", "month"),
    ("city_admin", "/api/v1/reports/CA/9999-12", None),
    ("city_admin", "/api/v1/reports/CA/0000-01", None),
    # a NUL character, which PostgreSQL cannot hold in text (found by schemathesis in CI)
    ("city_admin", "/api/v1/reports/CA%00/2026-01", None),
    ("city_admin", "/api/v1/inspections/%00", None),
    ("city_admin", "/manage/sites/CC-0001%00", None),
    ("city_admin", "/manage/users/%00", None),
    ("city_admin", "/inspections/%00", None),
    ("insp", "/s/%00", None),
    ("city_admin", "/api/v1/hazards?category=%00", "category"),
    ("city_admin", "/api/v1/completion?org=CA%00", "org"),
    ("city_admin", "/api/v1/sites?q=%00", "q"),
    ("city_admin", "/hazards/?category=%00", "category"),
    ("city_admin", "/dashboard/?org=%00", "org"),
    ("city_admin", "/reports/?org=%00", "org"),
    ("city_admin", "/manage/sites/?q=%00", "q"),
    ("city_admin", "/manage/users/?q=%00", "q"),
]


@pytest.mark.parametrize(("who", "path", "field"), GETS)
def test_crafted_query_is_a_4xx_naming_the_field(app, world, who, path, field):
    client, _headers = signed_in(app, world, who)
    reply = client.get(path)
    assert 400 <= reply.status_code < 500, reply.get_data(as_text=True)[:300]
    if field is None:
        assert reply.status_code == 404
        return
    if path.startswith("/api/"):
        assert field in reply.get_json()["fields"]
    else:
        assert re.search(f"{field}[:：]", reply.get_data(as_text=True))


def test_a_header_cannot_be_injected_through_next(app, world):
    client, _headers = signed_in(app, world, "city_admin")
    reply = client.get("/login?next=/%0D%0AX-Injected:%201")
    assert reply.status_code == 302
    assert "X-Injected" not in reply.headers
    assert "\r" not in reply.headers["Location"] and "\n" not in reply.headers["Location"]


@pytest.mark.parametrize(
    "client_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "1999-12-31T00:00Z"]
)
def test_a_hazard_event_at_an_absurd_moment_names_client_at(app, world, client_at):
    client, headers = signed_in(app, world, "insp")
    body = {"id": str(uuid.uuid4()), "type": "progress", "note": "x", "client_at": client_at}
    reply = client.post(f"/api/v1/hazards/{world.hazard.id}/events", json=body, headers=headers)
    assert reply.status_code == 422 and "client_at" in reply.get_json()["fields"]
    good = {"id": str(uuid.uuid4()), "type": "progress", "note": "联系施工队"}
    batch = client.post(
        "/api/v1/sync/hazard-events",
        json={
            "events": [
                {**body, "hazard_id": world.hazard.id},
                {**good, "hazard_id": world.hazard.id},
                {**good, "id": str(uuid.uuid4()), "hazard_id": int(HUGE)},
            ]
        },
        headers=headers,
    )
    assert batch.status_code == 200
    bad, stored, unknown = batch.get_json()["results"]
    assert bad["status"] == "rejected" and "client_at" in bad["fields"]
    assert stored["status"] == "created"
    assert unknown["status"] == "rejected" and "hazard_id" in unknown["fields"]


def _record(world, **fields) -> dict:
    started = days.now() - timedelta(minutes=20)
    record = {
        "id": str(uuid.uuid4()),
        "site_code": world.site.code,
        "template_id": world.template.id,
        "kind": "self",
        "started_at": started.isoformat(),
        "finished_at": (started + timedelta(minutes=10)).isoformat(),
        "results": [{"item_id": i.item_id, "outcome": "pass"} for i in world.template.items],
    }
    return {**record, **fields}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"started_at": "0001-01-01T00:00:00+14:00"}, "started_at"),
        ({"finished_at": "9999-12-31T23:59:59-12:00"}, "finished_at"),
        ({"template_id": int(HUGE)}, "template_id"),
        ({"template_id": 2**31}, "template_id"),
        ({"scan": {"token": "x", "scanned_at": "0001-01-01T00:00:00+14:00"}}, "scan.scanned_at"),
        # Found by schemathesis: an object where a choice belongs answered 500.
        ({"kind": {}}, "kind"),
        ({"results": [{"item_id": "EVAC-01", "outcome": {}}]}, "results.0.outcome"),
        (
            {"results": [{"item_id": "EVAC-01", "outcome": "fail", "rectification": {"mode": []}}]},
            "results.0.rectification.mode",
        ),
        (
            {"results": [{"item_id": "EVAC-01", "outcome": "pass", "note": "a\x00"}]},
            "results.0.note",
        ),
        ({"device": {"model": "\x00"}}, "device.model"),
    ],
)
def test_one_crafted_record_never_fails_the_good_ones_of_its_batch(app, world, bad, field):
    client, headers = signed_in(app, world, "insp")
    good = _record(world)
    crafted = _record(world, **bad)
    reply = client.post(
        "/api/v1/sync/inspections",
        json={
            "device_id": "d1",
            "device_time": days.now().isoformat(),
            "inspections": [good, crafted],
        },
        headers=headers,
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    first, second = reply.get_json()["results"]
    assert first["status"] == "created"
    assert second["status"] == "rejected" and field in second["errors"]
    assert db.session.get(Inspection, good["id"]) is not None


@pytest.mark.parametrize("device_time", ["2100-12-31T23:59:59+14:00", "2000-01-01T00:00:00-12:00"])
def test_a_phone_clock_decades_off_is_flagged_not_refused(app, world, device_time):
    client, headers = signed_in(app, world, "insp")
    good = _record(world)
    reply = client.post(
        "/api/v1/sync/inspections",
        json={"device_id": "d1", "device_time": device_time, "inspections": [good]},
        headers=headers,
    )
    assert reply.get_json()["results"][0]["status"] == "created"
    offset = db.session.execute(
        select(Inspection.clock_offset_seconds).where(Inspection.id == good["id"])
    ).scalar_one()
    assert abs(offset) > 20 * 365 * 86400  # kept (within the column's range)
    flags = db.session.scalars(
        select(InspectionFlag.code).where(InspectionFlag.inspection_id == good["id"])
    ).all()
    assert FlagCode.CLOCK_SKEW in flags


@pytest.mark.parametrize("device_time", ["0001-01-01T00:00:00+14:00", "9999-12-31T00:00Z"])
def test_a_batch_with_an_absurd_device_time_names_it(app, world, device_time):
    client, headers = signed_in(app, world, "insp")
    reply = client.post(
        "/api/v1/sync/inspections",
        json={"device_id": "d1", "device_time": device_time, "inspections": [_record(world)]},
        headers=headers,
    )
    assert reply.status_code == 422 and "device_time" in reply.get_json()["fields"]


def test_a_nul_character_in_a_batch_names_the_field(app, world):
    client, headers = signed_in(app, world, "insp")
    reply = client.post(
        "/api/v1/sync/inspections",
        json={"device_id": "d\x00", "device_time": days.now().isoformat(), "inspections": []},
        headers=headers,
    )
    assert reply.status_code == 422 and "device_id" in reply.get_json()["fields"]
    events = client.post(
        "/api/v1/sync/hazard-events", json={"device_id": "d\x00", "events": []}, headers=headers
    )
    assert events.status_code == 422 and "device_id" in events.get_json()["fields"]
    good = {"id": str(uuid.uuid4()), "type": "progress", "note": "联系施工队"}
    batch = client.post(
        "/api/v1/sync/hazard-events",
        json={
            "events": [
                {**good, "hazard_id": world.hazard.id, "note": "a\x00b"},
                {**good, "id": str(uuid.uuid4()), "hazard_id": world.hazard.id},
            ]
        },
        headers=headers,
    )
    assert batch.status_code == 200
    bad, stored = batch.get_json()["results"]
    assert bad["status"] == "rejected" and "note" in bad["fields"]
    assert stored["status"] == "created"


def test_a_nul_character_in_a_body_or_a_form_names_the_field(app, world):
    client, headers = signed_in(app, world, "insp")
    body = {"id": str(uuid.uuid4()), "type": "progress", "note": "a\x00b"}
    reply = client.post(f"/api/v1/hazards/{world.hazard.id}/events", json=body, headers=headers)
    assert reply.status_code == 422 and "note" in reply.get_json()["fields"]
    login = app.test_client().post("/api/v1/session", json={"username": "\x00", "password": "x"})
    assert login.status_code == 422 and "username" in login.get_json()["fields"]
    client, _headers = signed_in(app, world, "mgr")
    page = client.post(
        f"/hazards/{world.hazard.id}/events",
        data={"csrf_token": csrf(client), "type": "progress", "note": "a\x00b"},
    )
    assert page.status_code == 400 and re.search("note[:：]", page.get_data(as_text=True))


def test_the_api_document_says_free_text_holds_no_nul_character(app):
    """Clients (and schemathesis) learn the rule from the document: a free-text field or
    argument carries the NUL-free pattern; one already bound by a list of values or its
    own pattern keeps that."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    login = document["components"]["schemas"]["Login"]["properties"]
    assert login["password"]["pattern"] == login["username"]["pattern"] == NUL_FREE_PATTERN
    assert re.fullmatch(NUL_FREE_PATTERN, "a\x00b") is None and re.fullmatch(
        NUL_FREE_PATTERN, "消防"
    )
    arguments = {
        argument["name"]: argument["schema"]
        for argument in document["paths"]["/api/v1/hazards"]["get"]["parameters"]
    }
    assert arguments["category"]["pattern"] == NUL_FREE_PATTERN
    assert "pattern" not in arguments["source"] and "x00" not in arguments["found_to"]["pattern"]


def test_the_hazard_page_forms_name_absurd_days(app, world):
    client, _headers = signed_in(app, world, "mgr")
    reply = client.post(
        f"/hazards/{world.hazard.id}/events",
        data={"csrf_token": csrf(client), "type": "assign", "deadline": "9999-12-31"},
    )
    assert reply.status_code == 422 and "9999" in reply.get_data(as_text=True)
    verify = client.post(
        "/hazards/verify", data={"csrf_token": csrf(client), "hazard": [HUGE, BEYOND_64_BITS]}
    )
    assert verify.status_code == 302


def test_the_dashboard_excuse_form_names_an_absurd_day(app, world):
    client, _headers = signed_in(app, world, "city_admin")
    reply = client.post(
        "/dashboard/excuse",
        data={"csrf_token": csrf(client), "site": world.site.code, "date": "9999-12-31"},
    )
    assert reply.status_code == 400 and re.search("date[:：]", reply.get_data(as_text=True))


# --- the parsers themselves -------------------------------------------------------------------


def test_the_bounds(app):
    with app.test_request_context():
        assert parse_day(FIRST_DAY.isoformat()) == FIRST_DAY == date(2000, 1, 1)
        assert parse_day(LAST_DAY.isoformat()) == LAST_DAY == date(2100, 12, 31)
        assert parse_month("2026-03") == date(2026, 3, 1)
        assert parse_page(str(MAX_PAGE)) == MAX_PAGE
        assert MAX_ID == 2**31 - 1
        assert parse_moment("2026-03-09T08:00:00+08:00") == datetime.fromisoformat(
            "2026-03-09T08:00:00+08:00"
        )
        # A moment's date as written is what the bounds and the OpenAPI pattern read.
        assert parse_moment("2000-01-01T05:00:00+14:00").year == 2000
        for parse, text in [
            (parse_day, "1999-12-31"),
            (parse_day, "2101-01-01"),
            (parse_day, "2026-3-9"),
            (parse_month, "2026-13"),
            (parse_month, "0000-01"),
            (parse_month, "2026-03-01"),
            (parse_page, "0"),
            (parse_page, str(MAX_PAGE + 1)),
            (parse_page, "1e3"),
            (parse_moment, "2026-03-09T08:00:00"),  # no offset
            (parse_moment, "0001-01-01T00:00:00+14:00"),
            (parse_moment, "1999-12-31T23:00:00-12:00"),
        ]:
            with pytest.raises(ValueError):
                parse(text)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lease_expires", "9999-12-31"),
        ("permit_expires", "0001-01-01"),
        ("floor_area", "sNaN"),
        ("floor_area", "Infinity"),
    ],
)
def test_the_site_form_names_absurd_days_and_numbers(app, world, field, value):
    from tests.test_manage_sites import full_form, site

    client, _headers = signed_in(app, world, "city_admin")
    form = full_form(client, unit=world.tree["unit_a"].code, **{field: value})
    reply = client.post("/manage/sites/new", data=form)
    assert reply.status_code == 422
    assert f'id="err-{field}"' in reply.get_data(as_text=True)
    assert site("CC-0001") is None
