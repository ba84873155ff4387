"""GET /api/v1/inspections and GET /api/v1/inspections/<id>: scope, filters (bad values are
a 422 naming the field), keyset pagination that neither skips nor repeats while records
arrive, and the full record."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from tests.contract.world import NOW, log_in, valid_batch
from tests.credibility_world import at, build_credibility_world, check, sync
from tests.factories import make_user
from webapp.extensions import db
from webapp.models import Inspection, Role
from webapp.services.sync import batch

URL = "/api/v1/inspections"
LATER = NOW + timedelta(days=1)  # every record below is settled (a minute old) by then


@pytest.fixture
def world(app):
    """Checks of the 27th to the 30th: three by the inspector (one unscanned, one with a
    failure), one by the unit manager at the other site, one office visit."""
    with time_machine.travel(NOW, tick=True):
        world = build_credibility_world()
        mine = [
            check(world, at("11-27 08:05")),
            check(world, at("11-28 08:05"), token=None),
            check(world, at("11-29 08:05"), fail=("ELEC-05",)),
        ]
        sync(world["inspector"], mine[:1], at("11-27 19:00"))
        sync(world["inspector"], mine[1:], at("11-29 19:00"))
        manager = check(world, at("11-29 09:00"), site="CT-002", token=world["site_2"].qr_token)
        sync(world["manager"], [manager], at("11-29 19:30"))
        visit = check(world, at("11-30 07:00"), kind="office", seconds=3600)
        sync(world["city_a_office"], [visit], at("11-30 08:30"))
        world.update(mine=mine, manager_check=manager, visit=visit)
        yield world


def listing(client, **params):
    with time_machine.travel(LATER, tick=False):
        return client.get(URL, query_string=params)


def ids(reply) -> list[str]:
    assert reply.status_code == 200, reply.get_json()
    return [item["id"] for item in reply.get_json()["items"]]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("ct-inspector", {"mine"}),  # only what it filed
        ("ct-manager", {"mine", "manager_check", "visit"}),  # every check of its unit
        ("ct-city-a", {"mine", "manager_check", "visit"}),
        ("ct-province", {"mine", "manager_check", "visit"}),
        ("ct-city-b", set()),  # another city
    ],
)
def test_the_list_is_scoped_like_the_record_page(client, world, who, sees):
    log_in(client, who)
    expected = {r["id"] for key in sees for r in (world[key] if key == "mine" else [world[key]])}
    assert set(ids(listing(client))) == expected


def test_not_logged_in_is_a_json_401(client, world):
    reply = client.get(URL)
    assert reply.status_code == 401 and reply.get_json()["error"] == "unauthorized"


def test_an_item_says_what_an_integration_needs(client, world):
    log_in(client, "ct-manager")
    reply = listing(client, site="CT-001", day_from="2026-11-28", day_to="2026-11-28")
    [item] = reply.get_json()["items"]
    assert item["id"] == world["mine"][1]["id"]
    assert item["site_code"] == "CT-001" and item["unit_code"] == "U-A1"
    assert item["day"] == "2026-11-28" and item["kind"] == "self"
    assert item["inspector"] == {"username": "ct-inspector", "name": "ct-inspector"}
    assert item["started_at"].startswith("2026-11-28T00:05:00")  # UTC
    assert item["scanned"] is False and item["failures"] == 0
    assert item["evidence_complete"] is True
    assert item["url"].endswith(f"/inspections/{item['id']}")
    [flag] = [f for f in item["flags"] if f["code"] == "not_scanned"]
    assert flag["facts"] == {"case": "absent"} and flag["verdict"] is None
    assert flag["reason"] == "本次检查没有扫描二维码。" and flag["annotations"] == []
    english = client.get(URL, query_string={"site": "CT-001"}, headers={"Accept-Language": "en"})
    assert english.status_code == 200


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"site": "CT-002"}, {"manager_check"}),
        ({"org": "U-A1"}, {"mine0", "mine1", "mine2", "manager_check", "visit"}),
        ({"day_from": "2026-11-29"}, {"mine2", "manager_check", "visit"}),
        ({"day_to": "2026-11-27"}, {"mine0"}),
        ({"kind": "office"}, {"visit"}),
        ({"inspector": "ct-manager"}, {"manager_check"}),
        ({"has_failures": "true"}, {"mine2"}),
        ({"flagged": "true", "day_to": "2026-11-28"}, {"mine1"}),
        ({"flag": "not_scanned"}, {"mine1"}),
        ({"flagged": "false", "site": "CT-002"}, {"manager_check"}),
    ],
)
def test_filters(client, world, params, expected):
    by_name = {f"mine{n}": r["id"] for n, r in enumerate(world["mine"])}
    by_name.update(manager_check=world["manager_check"]["id"], visit=world["visit"]["id"])
    log_in(client, "ct-city-a")
    assert set(ids(listing(client, **params))) == {by_name[name] for name in expected}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"day_from": "0001-01-01"}, "day_from"),
        ({"day_to": "9999-12-31"}, "day_to"),
        ({"day_from": "2026-11-30", "day_to": "2026-11-01"}, "day_to"),
        ({"day_from": "yesterday"}, "day_from"),
        ({"kind": "friendly"}, "kind"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "1e9"}, "limit"),
        ({"site": "CT-OTHER"}, "site"),  # exists, in another city
        ({"site": "NOPE"}, "site"),
        ({"site": "x" * 500}, "site"),
        ({"org": "CB"}, "org"),
        ({"inspector": "ct-inspector-b"}, "inspector"),
        ({"has_failures": "perhaps"}, "has_failures"),
        ({"flag": "bad_vibes"}, "flag"),
        ({"cursor": "not a cursor"}, "cursor"),
        ({"cursor": "MjAyNi0xMS0zMA"}, "cursor"),  # base64 of something else
    ],
)
def test_a_bad_filter_is_a_422_naming_it(client, world, params, field):
    log_in(client, "ct-city-a")
    reply = listing(client, **params)
    assert reply.status_code == 422, reply.get_json()
    assert field in reply.get_json()["fields"]


def test_pages_neither_skip_nor_repeat_while_records_arrive(client, world):
    log_in(client, "ct-city-a")
    seen: list[str] = []
    first = listing(client, limit=2).get_json()
    seen += [item["id"] for item in first["items"]]
    assert first["has_more"]
    # Meanwhile: a check done on the 26th reaches the server only now, and another today.
    late = check(world, at("11-26 08:05"), site="CT-002")
    today = check(world, at("11-30 09:00"), site="CT-002")
    sync(world["inspector"], [late, today], at("11-30 12:00"))
    cursor = first["next_cursor"]
    while True:
        page = listing(client, limit=2, cursor=cursor).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    everything = [r["id"] for r in world["mine"]] + [world["manager_check"]["id"]]
    everything += [world["visit"]["id"], late["id"], today["id"]]
    assert sorted(seen) == sorted(everything) and len(seen) == len(set(seen))
    # Polling from the last cursor later finds only what arrived since.
    newer = check(world, at("11-30 10:00"), site="CT-002")
    sync(world["inspector"], [newer], at("11-30 13:00"))
    assert ids(listing(client, cursor=cursor)) == [newer["id"]]
    assert (
        ids(listing(client, cursor=listing(client, cursor=cursor).get_json()["next_cursor"])) == []
    )


@pytest.mark.parametrize("params", [{"flag": "not_scanned"}, {"kind": "self"}])
def test_a_filtered_list_pages_in_arrival_order_too(client, world, params):
    """A flag code or a kind walks its own index (the flag's copy of the arrival time):
    one record a page, in arrival order, each once, and a late arrival after the cursor."""
    log_in(client, "ct-city-a")
    unscanned = check(world, at("11-30 09:00"), site="CT-002", token=None)
    sync(world["inspector"], [unscanned], at("11-30 12:00"))
    expected = [r["id"] for r in (world["mine"][1], unscanned)]  # both unscanned self-checks
    if "kind" in params:  # arrived 11-27, 11-29 (two in one batch: by id), 11-29, 11-30
        mine = [r["id"] for r in world["mine"]]
        expected = [mine[0], *sorted(mine[1:]), world["manager_check"]["id"], unscanned["id"]]
    seen, cursor = [], None
    while True:
        page = listing(client, limit=1, **params, **({"cursor": cursor} if cursor else {}))
        seen += ids(page)
        cursor = page.get_json()["next_cursor"]
        if not page.get_json()["has_more"]:
            break
    assert seen == expected
    late = check(world, at("11-25 08:05"), site="CT-002", token=None)
    sync(world["inspector"], [late], at("11-30 13:00"))
    assert ids(listing(client, cursor=cursor, **params)) == [late["id"]]


def test_a_record_is_listed_once_it_is_a_minute_old(client, world):
    log_in(client, "ct-city-a")
    fresh = check(world, at("11-30 10:00"), site="CT-002")
    sync(world["inspector"], [fresh], at("11-30 11:00"))
    with time_machine.travel(at("11-30 11:00") + timedelta(seconds=30), tick=False):
        assert fresh["id"] not in ids(client.get(URL))
    with time_machine.travel(at("11-30 11:00") + timedelta(seconds=61), tick=False):
        assert fresh["id"] in ids(client.get(URL))


def test_a_batch_slower_than_the_commit_deadline_is_retried_not_committed_behind_a_cursor(
    client, world, monkeypatch
):
    """A batch takes its arrival time when it starts; one that would commit after readers
    may have paged past that time is rolled back and answered 503, so the phone sends it
    again and it is listed once, after the cursor."""
    log_in(client, "ct-city-a")
    cursor = listing(client).get_json()["next_cursor"]
    headers = log_in(client, "ct-inspector")
    record = check(world, at("11-30 09:00"), site="CT-002")
    body = {"device_id": "phone-1", "device_time": LATER.isoformat(), "inspections": [record]}
    real_store = batch.store_inspections
    with time_machine.travel(LATER, tick=False) as clock:

        def slow_store(*args, **kwargs):  # e.g. a write lock held by a stuck transaction
            stored = real_store(*args, **kwargs)
            clock.shift(batch.COMMIT_DEADLINE + timedelta(seconds=1))
            return stored

        monkeypatch.setattr(batch, "store_inspections", slow_store)
        reply = client.post("/api/v1/sync/inspections", json=body, headers=headers)
        assert reply.status_code == 503, reply.get_json()
        assert reply.headers["Retry-After"] and reply.get_json()["error"] == "sync_too_slow"
        assert db.session.get(Inspection, record["id"]) is None
        monkeypatch.setattr(batch, "store_inspections", real_store)
        reply = client.post("/api/v1/sync/inspections", json=body, headers=headers)
        assert [r["status"] for r in reply.get_json()["results"]] == ["created"]
    log_in(client, "ct-city-a")
    with time_machine.travel(LATER + timedelta(minutes=5)):
        assert ids(client.get(URL, query_string={"cursor": cursor})) == [record["id"]]


def test_the_full_record(client, world):
    record = valid_batch(world["template"].id)["inspections"][0]
    sync(world["inspector"], [record])
    log_in(client, "ct-manager")
    reply = client.get(f"{URL}/{record['id']}", headers={"Accept-Language": "en"})
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["id"] == record["id"] and body["device_id"] == "phone-1"
    assert body["scan"]["state"] == "valid" and body["scan"]["fingerprint"]
    items = {item["item_id"]: item for item in body["items"]}
    assert items["FIRE-01"]["outcome"] == "pass" and items["FIRE-01"]["label"]
    exit_item = items["EVAC-01"]
    assert exit_item["rectification"]["mode"] == "on_spot"
    sha = record["results"][0]["photos"][0]
    assert exit_item["photos"] == [
        {"sha256": sha, "url": f"/api/v1/photos/{sha}", "uploaded": False}
    ]
    assert exit_item["hazard"]["status"] == "rectified"
    assert exit_item["hazard"]["url"] == f"/api/v1/hazards/{exit_item['hazard']['id']}"
    assert items["ELEC-05"]["rectification"]["deadline"] == "2026-12-05"
    assert items["WATER-02"]["outcome"] == "na"
    assert body["conflicts"] == [] and body["flags"] == []


@pytest.mark.parametrize(
    "who",
    ["ct-city-b", "ct-inspector-b", "colleague"],
    ids=["other city", "other unit", "same unit"],
)
def test_the_full_record_is_404_out_of_scope(client, world, who):
    make_user(world["unit_a"], Role.INSPECTOR, username="colleague")
    db.session.commit()
    log_in(client, who)
    reply = client.get(f"{URL}/{world['mine'][0]['id']}")
    assert reply.status_code == 404 and reply.get_json()["error"] == "not_found"
    assert client.get(f"{URL}/not-a-uuid").status_code == 404


def test_both_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/inspections" in paths
    assert "/api/v1/inspections/{inspection_id}" in paths
    parameters = {p["name"] for p in paths["/api/v1/inspections"]["get"]["parameters"]}
    assert {
        "site",
        "org",
        "day_from",
        "day_to",
        "kind",
        "inspector",
        "cursor",
        "limit",
    } <= parameters
