"""GET /api/v1/sites: the caller's sites with the items their form shows today."""

from __future__ import annotations

import pytest
import time_machine

from tests.contract.world import NOW, WORLD, build_world, log_in


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=True):
        yield build_world()


@pytest.mark.parametrize(
    ("username", "codes", "kind"),
    [
        ("ct-inspector", ["CT-001"], "self"),
        ("ct-inspector-b", ["CT-OTHER"], "self"),
        ("ct-city-a", ["CT-001"], "office"),
        ("ct-province", ["CT-001", "CT-OTHER"], "office"),
    ],
)
def test_sites_in_scope_only(client, world, username, codes, kind):
    log_in(client, username)
    reply = client.get("/api/v1/sites")
    assert reply.status_code == 200
    sites = reply.get_json()
    assert [s["code"] for s in sites] == codes
    assert all(s["kind"] == kind for s in sites)


def test_a_site_carries_what_the_form_needs_and_never_its_token(client, world):
    log_in(client, "ct-inspector")
    reply = client.get("/api/v1/sites")
    assert WORLD["site"]["qr_token"] not in reply.get_data(as_text=True)
    (site,) = reply.get_json()
    assert site["code"] == "CT-001" and site["name"] == WORLD["site"]["name"]
    assert site["unit"] == {"code": "U-A1", "name": "甲市经营单位"}
    assert site["template_id"] == world["template"].id
    # Daily items in winter: the monthly item is not on the daily form; WATER-02 is seasonal.
    assert site["item_ids"] == WORLD["daily_item_ids"]
    assert site["item_ids_by_kind"] == {"self": WORLD["daily_item_ids"]}
    assert site["items_day"] == "2026-11-30"
    assert "qr_token" not in site and "address" in site


def test_office_staff_get_the_office_items_and_the_province_may_go_covert(client, world):
    log_in(client, "ct-province")
    site = next(s for s in client.get("/api/v1/sites").get_json() if s["code"] == "CT-001")
    assert set(site["item_ids_by_kind"]) == {"office", "covert"}
    assert "ELEC-03" in site["item_ids"]  # monthly items are checked on office visits


def test_seasonal_items_follow_the_day(client, world):
    log_in(client, "ct-inspector")
    with time_machine.travel("2027-07-01T09:00:00+08:00", tick=False):
        (site,) = client.get("/api/v1/sites").get_json()
    assert "WATER-02" not in site["item_ids"]  # a winter item, not in July


def test_sites_need_a_session(client, world):
    reply = client.get("/api/v1/sites")
    assert reply.status_code == 401 and reply.get_json()["error"] == "unauthorized"
