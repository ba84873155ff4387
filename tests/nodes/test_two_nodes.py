"""Two app nodes behind no load balancer at all: two gunicorn instances on two ports sharing
one PostgreSQL database, one S3 bucket (moto's server on loopback) and one Redis (the rate
limits). A phone logged in on one node syncs half its batch and photos through each at the
same time, with no sticky session, then retries each half through the other node; the manager
reads every record, hazard and photo through either node; wrong passwords through both nodes
count together. Nothing is lost or duplicated.

Runs in ``make pg-test`` (marked ``db``); skipped without SHELTER_TEST_DATABASE_URL."""

from __future__ import annotations

import hashlib
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import boto3
import pytest
import redis
import requests
from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import select

from tests.browser.conftest import serve
from tests.conftest import PG_URL, new_pg_database
from tests.factories import PASSWORD, make_org, make_site, make_template, make_user
from webapp import create_app, days
from webapp.extensions import db
from webapp.models import Inspection, InspectionPhoto, OrgKind, Photo, Role

pytestmark = [
    pytest.mark.db,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (SHELTER_TEST_DATABASE_URL)"),
]

REDIS_URL = "redis://127.0.0.1:6379"
RECORDS = 24  # twelve through each node
LOGIN_LIMIT = 4  # wrong passwords per address and account


@pytest.fixture
def node_database():
    """A PostgreSQL database of this test's own (built by the migrations in ``world``)."""
    with new_pg_database("shelter_nodes") as url:
        yield url


@pytest.fixture
def node_config(node_database, s3_bucket, tmp_path) -> dict:
    redis.Redis.from_url(REDIS_URL).ping()  # fails clearly when Redis is not running
    return {
        "SHELTER_DATABASE_URL": node_database,
        "SHELTER_PHOTO_STORE": f"s3://{s3_bucket}/shelter",
        "SHELTER_PHOTO_DIR": str(tmp_path / "never-used"),
        "SHELTER_RATELIMIT_STORAGE_URI": REDIS_URL,
        "SHELTER_RATELIMIT_KEY_PREFIX": f"nodes-{uuid.uuid4().hex[:8]}",
        "SHELTER_LOGIN_LIMIT_PER_ADDRESS_AND_ACCOUNT": f"{LOGIN_LIMIT} per 15 minutes",
        "SHELTER_PUBLIC_BASE_URL": "http://127.0.0.1",
        "SHELTER_SECRET_KEY": "two-nodes-share-this-secret",
    }


@pytest.fixture
def world(node_config) -> dict:
    """Migrated schema, a unit with a site, its inspector and its manager, a checklist."""
    app = create_app(node_config)
    with app.app_context():
        upgrade()
        province = make_org(kind=OrgKind.PROVINCE)
        unit = make_org(parent=province)
        site = make_site(unit, name="两节点测试工程")
        make_template(
            items=[{"item_id": "EVAC-01", "photo_required_on_fail": True}, {"item_id": "FIRE-01"}]
        )
        inspector = make_user(unit, Role.INSPECTOR)
        manager = make_user(unit, Role.UNIT_MANAGER)
        names = {
            "site": site.code,
            "inspector": inspector.username,
            "manager": manager.username,
            "bucket": node_config["SHELTER_PHOTO_STORE"].removeprefix("s3://").split("/")[0],
        }
        db.session.commit()
        yield {**names, "app": app}
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def nodes(node_config, world, tmp_path):
    spec = f"webapp:create_app({node_config!r})"
    with (
        serve(spec, tmp_path / "node-a.log") as node_a,
        serve(spec, tmp_path / "node-b.log") as node_b,
    ):
        yield node_a.url, node_b.url


def photo(number: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (number * 9 % 256, 80, 160)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def record(site_code: str, template_id: int, number: int, sha: str) -> dict:
    started = days.now() - timedelta(hours=3, minutes=number)
    return {
        "id": str(uuid.uuid4()),
        "site_code": site_code,
        "template_id": template_id,
        "kind": "self",
        "started_at": started.isoformat(),
        "finished_at": (started + timedelta(minutes=5)).isoformat(),
        "results": [
            {
                "item_id": "EVAC-01",
                "outcome": "fail",
                "note": f"第{number}号出口堵塞",
                "photos": [sha],
                "rectification": {
                    "mode": "order",
                    "responsible": {"name": "王建国", "phone": "13800000000"},
                    "deadline": (days.today() + timedelta(days=3)).isoformat(),
                    "measures": "清理出口",
                },
            },
            {"item_id": "FIRE-01", "outcome": "pass"},
        ],
    }


def log_in(session: requests.Session, base: str, username: str) -> dict:
    reply = session.post(
        f"{base}/api/v1/session", json={"username": username, "password": PASSWORD}
    )
    assert reply.status_code == 200, reply.text
    return {"X-CSRF-Token": reply.json()["csrf_token"]}


def sync_half(phone, headers, node: str, half: list[dict], photos: dict) -> list[dict]:
    """Upload a half's photos through ``node``, then post its records there; the results."""
    for one in half:
        sha = one["results"][0]["photos"][0]
        put = phone.put(
            f"{node}/api/v1/photos/{sha}",
            data=photos[sha],
            headers={**headers, "Content-Type": "image/jpeg"},
        )
        assert put.status_code in (200, 201), put.text
    body = {"device_id": "phone-two-nodes", "device_time": days.now().isoformat()}
    reply = phone.post(
        f"{node}/api/v1/sync/inspections", json={**body, "inspections": half}, headers=headers
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["results"]


def test_a_phone_syncs_through_two_nodes_and_the_manager_reads_everything_through_either(
    world, nodes
):
    node_a, node_b = nodes
    phone = requests.Session()
    headers = log_in(phone, node_a, world["inspector"])  # logged in on A only: no stickiness
    template_id = phone.get(f"{node_a}/api/v1/sites").json()[0]["template_id"]
    photos = {hashlib.sha256(data).hexdigest(): data for data in map(photo, range(RECORDS))}
    records = [record(world["site"], template_id, n, sha) for n, sha in enumerate(photos)]
    halves = {node_a: records[: RECORDS // 2], node_b: records[RECORDS // 2 :]}

    # Both halves at once, one through each node (two phones' worth of concurrent writes).
    with ThreadPoolExecutor(2) as pool:
        replies = list(
            pool.map(lambda node: sync_half(phone, headers, node, halves[node], photos), halves)
        )
    for results, half in zip(replies, halves.values(), strict=True):
        assert [r["status"] for r in results] == ["created"] * len(half)
        assert all(r["missing_photos"] == [] for r in results)

    # The phone retries everything through the other node, both at once: duplicates only.
    swapped = {node_b: halves[node_a], node_a: halves[node_b]}
    with ThreadPoolExecutor(2) as pool:
        replies = list(
            pool.map(lambda node: sync_half(phone, headers, node, swapped[node], photos), swapped)
        )
    for results, half in zip(replies, swapped.values(), strict=True):
        assert [r["status"] for r in results] == ["duplicate"] * len(half)

    # The manager, logged in on B, reads every record, its hazard and photo through both nodes.
    manager = requests.Session()
    log_in(manager, node_b, world["manager"])
    sent = {one["id"]: one for one in records}
    for number, (inspection_id, one) in enumerate(sent.items()):
        reader = (node_a, node_b)[number % 2]
        full = manager.get(f"{reader}/api/v1/inspections/{inspection_id}")
        assert full.status_code == 200, full.text
        assert full.json()["evidence_complete"] is True
        (sha,) = one["results"][0]["photos"]
        image = manager.get(f"{(node_b, node_a)[number % 2]}/api/v1/photos/{sha}")
        assert image.status_code == 200 and image.content == photos[sha]
    for node in (node_a, node_b):
        listed = manager.get(f"{node}/api/v1/hazards", params={"per_page": 100}).json()
        assert listed["total"] == RECORDS
        origins = {
            manager.get(f"{node}/api/v1/hazards/{item['id']}").json()["events"][0]["data"][
                "inspection_id"
            ]
            for item in listed["items"]
        }
        assert origins == set(sent)

    # One bucket: each photo once, under its hash.
    bucket = world["bucket"]
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(keys) == sorted(f"shelter/{sha[:2]}/{sha}" for sha in photos)

    # One Redis: wrong passwords through either node count together. With a count per node,
    # each would have seen only half of them and let the next attempt through.
    guesses = [node_a, node_b] * (LOGIN_LIMIT // 2)
    attempt = {"username": "someone-guessed", "password": "wrong"}
    for node in guesses:
        assert requests.post(f"{node}/api/v1/session", json=attempt).status_code == 401
    for node in (node_a, node_b):
        assert requests.post(f"{node}/api/v1/session", json=attempt).status_code == 429

    # In the shared database: each record once, with what the phone sent, and each photo once.
    with world["app"].app_context():
        stored = {row.id: row for row in db.session.scalars(select(Inspection))}
        assert set(stored) == set(sent)
        for inspection_id, row in stored.items():
            assert row.payload["results"] == sent[inspection_id]["results"]
            assert row.evidence_complete is True
        assert db.session.scalar(select(db.func.count()).select_from(Photo)) == RECORDS
        assert db.session.scalar(select(db.func.count()).select_from(InspectionPhoto)) == RECORDS
