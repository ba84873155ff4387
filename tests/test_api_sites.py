"""GET /api/v1/sites: the caller's sites with the items their form shows today."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
import time_machine
from sqlalchemy import event

from tests.contract.world import NOW, WORLD, build_world, log_in
from tests.dashboard_fixtures import add_inspection
from tests.factories import make_site
from webapp.extensions import db


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
    with time_machine.travel("2027-07-01T09:00:00+08:00", tick=False):
        log_in(client, "ct-inspector")  # a login lasts 30 days
        (site,) = client.get("/api/v1/sites").get_json()
    assert "WATER-02" not in site["item_ids"]  # a winter item, not in July


def test_sites_need_a_session(client, world):
    reply = client.get("/api/v1/sites")
    assert reply.status_code == 401 and reply.get_json()["error"] == "unauthorized"


def test_checked_today_is_the_latest_check_of_the_users_kind_counted_for_today(client, world):
    site = world["site"]
    add_inspection(site, world["inspector"], NOW - timedelta(days=1))  # yesterday
    add_inspection(site, world["city_a_office"], NOW - timedelta(hours=1), kind="office")
    db.session.commit()
    log_in(client, "ct-inspector")
    (mine,) = client.get("/api/v1/sites").get_json()
    # Neither yesterday's check nor an office visit is today's daily check of the unit.
    assert mine["checked_today"] is None

    add_inspection(site, world["manager"], NOW - timedelta(hours=3))
    add_inspection(site, world["inspector"], NOW - timedelta(hours=2))
    db.session.commit()
    (mine,) = client.get("/api/v1/sites").get_json()
    assert mine["checked_today"] == {
        "at": (NOW - timedelta(hours=2)).astimezone(UTC).isoformat(),
        "by": "ct-inspector",
    }

    log_in(client, "ct-city-a")  # office staff: their own kind of check
    (office,) = client.get("/api/v1/sites").get_json()
    assert office["checked_today"]["by"] == "ct-city-a"


def test_checked_today_costs_one_query_whatever_the_number_of_sites(client, world):
    for n in range(30):
        site = make_site(world["unit_a"], f"CT-MORE{n:02d}")
        add_inspection(site, world["inspector"], NOW - timedelta(minutes=n))
    db.session.commit()
    log_in(client, "ct-inspector")
    statements = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        sites = client.get("/api/v1/sites").get_json()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert sum(1 for s in sites if s["checked_today"]) == 30
    assert sum("FROM inspections" in statement for statement in statements) == 1
