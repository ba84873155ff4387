"""GET /api/v1/completion: figures, scope (404 outside), validation, OpenAPI."""

from __future__ import annotations

import pytest
import time_machine

from tests.dashboard_fixtures import NOW, build_world, log_in


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def get(client, **params):
    return client.get("/api/v1/completion", query_string=params)


def test_needs_login(client, world):
    reply = get(client)
    assert reply.status_code == 401 and reply.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize("url", ["/api/v1/completion", "/api/v1/reports"])
def test_inspectors_are_refused(client, world, url):
    """Dashboards are for managers: an inspector gets 403, as on the dashboard page."""
    log_in(client, "insp_a")
    reply = client.get(url)
    assert reply.status_code == 403 and reply.is_json


def test_province_day(client, world):
    log_in(client, "prov")
    body = get(client, date="2026-03-09").get_json()
    assert (body["date"], body["org"]["code"], body["provisional"]) == ("2026-03-09", "JL", False)
    assert (body["sites_due"], body["sites_checked"], body["sites_missed"], body["rate"]) == (
        10,
        6,
        4,
        0.6,
    )
    assert body["sites_total"] == 12
    assert {c["code"]: (c["sites_due"], c["sites_checked"]) for c in body["children"]} == {
        "CA": (8, 5),
        "CB": (1, 0),
        "CM": (1, 1),
        "U-P1": (0, 0),
    }
    assert body["sites"] == []


def test_unit_lists_sites(client, world):
    log_in(client, "sup_a")
    body = get(client, date="2026-03-09", org="U-A1").get_json()
    sites = {s["code"]: s for s in body["sites"]}
    assert sites["A2"]["scanned"] is False and sites["A2"]["failures"] == 2
    assert sites["A2"]["inspector"] == "张三" and sites["A2"]["checked"] is True
    assert sites["A4"]["state"] == "late"
    assert sites["A4"]["inspected_at"] == "2026-03-09T12:00:00+00:00"
    assert sites["A4"]["received_at"] == "2026-03-10T00:00:00+00:00"
    assert sites["A3"]["state"] == "missed" and sites["A3"]["last_inspection_at"] is None
    assert {d["device_id"] for d in body["devices"]} == {"phone-1", "phone-2"}


def test_default_is_today_and_own_org(client, world):
    log_in(client, "manager_a")
    body = get(client).get_json()
    assert body["date"] == "2026-03-10" and body["provisional"] is True
    assert body["org"]["code"] == "U-A1" and (body["sites_due"], body["sites_checked"]) == (6, 1)


def test_filters(client, world):
    log_in(client, "sup_a")
    body = get(client, date="2026-03-09", early="true").get_json()
    assert body["filters"] == ["early"] and (body["sites_due"], body["sites_checked"]) == (2, 1)


@pytest.mark.parametrize(
    ("username", "org", "status"),
    [
        ("sup_a", "CB", 404),  # another city
        ("sup_a", "CM", 404),  # nominally under CA, but not in its scope
        ("sup_a", "JL", 404),  # above
        ("sup_a", "NOPE", 404),
        ("manager_a", "CA", 404),
        ("manager_a", "U-K1", 404),
        ("sup_a", "U-K1", 200),
        ("prov", "CM", 200),
    ],
)
def test_scope(client, world, username, org, status):
    log_in(client, username)
    reply = get(client, org=org, date="2026-03-09")
    assert reply.status_code == status
    if status == 404:
        assert reply.get_json()["error"] == "not_found"


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "09/03/2026"])
def test_bad_date_is_422_with_field(client, world, bad):
    log_in(client, "prov")
    reply = get(client, date=bad)
    assert reply.status_code == 422 and "date" in reply.get_json()["fields"]


def test_in_openapi(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/completion"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"date", "org"}
    schema = spec["components"]["schemas"]["Completion"]
    assert {"date", "org", "sites_total", "sites_checked", "rate", "children", "sites"} <= set(
        schema["properties"]
    )
