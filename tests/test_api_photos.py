"""PUT/GET /api/v1/photos/<sha256>: content-addressed, checked, stored once, scoped."""

from __future__ import annotations

import base64
import hashlib

import pytest
import time_machine
from sqlalchemy import func, select

from tests.contract.world import NOW, build_world, load, log_in, valid_batch
from tests.photo_helpers import image_bytes, stored_objects
from webapp.extensions import db
from webapp.models import Inspection, Photo

pytestmark = pytest.mark.both_photo_stores

EXPORT = load("export_file_example.json")
PHOTOS = {p["sha256"]: base64.b64decode(p["data"]) for p in EXPORT["photos"]}
SHA, DATA = next(iter(PHOTOS.items()))


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=True):
        yield build_world()


def put(client, headers, sha: str, data: bytes, content_type: str = "image/png"):
    return client.put(
        f"/api/v1/photos/{sha}", data=data, headers={**headers, "Content-Type": content_type}
    )


def test_a_photo_is_stored_once_however_often_it_is_sent(app, client, world):
    headers = log_in(client, "ct-inspector")
    first = put(client, headers, SHA, DATA)
    assert first.status_code == 201
    assert first.get_json() == {"sha256": SHA, "content_type": "image/png", "created": True}
    again = put(client, headers, SHA, DATA)
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert stored_objects(app) == {f"{SHA[:2]}/{SHA}": DATA}
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 1


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_the_content_type_comes_from_the_decoded_image(client, world, kind, content_type):
    headers = log_in(client, "ct-inspector")
    data = image_bytes(kind)
    sha = hashlib.sha256(data).hexdigest()
    reply = put(client, headers, sha, data, content_type="text/html")
    assert reply.status_code == 201 and reply.get_json()["content_type"] == content_type


HTML_AS_JPEG = b"\xff\xd8\xff\xe0<html><script>alert(document.cookie)</script></html>"
TRUNCATED_JPEG = image_bytes("JPEG", (64, 64))[:200]
# 20,000 × 20,000 one-bit pixels: 400 megapixels in a few kilobytes of PNG.
BOMB = image_bytes("PNG", (20000, 20000), mode="1")


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("html_behind_a_jpeg_marker", HTML_AS_JPEG, 415),
        ("truncated_jpeg", TRUNCATED_JPEG, 415),
        ("gif", image_bytes("GIF"), 415),
        ("decompression_bomb", BOMB, 422),
    ],
)
def test_what_does_not_decode_as_a_photo_is_refused(app, client, world, name, data, status):
    headers = log_in(client, "ct-inspector")
    reply = put(client, headers, hashlib.sha256(data).hexdigest(), data, "image/jpeg")
    assert reply.status_code == status, name
    assert "body" in reply.get_json()["fields"]
    assert stored_objects(app) == {}
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0


def test_a_photo_is_served_so_that_no_browser_renders_it_as_a_page(client, world):
    headers = log_in(client, "ct-inspector")
    put(client, headers, SHA, DATA)
    with client.get(f"/api/v1/photos/{SHA}") as reply:
        assert reply.status_code == 200 and reply.mimetype == "image/png"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Content-Disposition"] == f'inline; filename="{SHA}.png"'
        assert "default-src 'none'" in reply.headers["Content-Security-Policy"]


BIG = b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024)


@pytest.mark.parametrize(
    ("name", "sha", "data", "status", "field"),
    [
        ("hash_mismatch", "0" * 64, DATA, 422, "sha256"),
        ("not_a_sha256", "NOT-A-HASH", DATA, 422, "sha256"),
        ("uppercase_sha256", SHA.upper(), DATA, 422, "sha256"),
        (
            "not_an_image",
            hashlib.sha256(b"%PDF-1.4 hello").hexdigest(),
            b"%PDF-1.4 hello",
            415,
            "body",
        ),
        ("empty", hashlib.sha256(b"").hexdigest(), b"", 415, "body"),
        ("too_large", hashlib.sha256(BIG).hexdigest(), BIG, 413, "body"),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_written(
    app, client, world, name, sha, data, status, field
):
    headers = log_in(client, "ct-inspector")
    reply = put(client, headers, sha, data)
    assert reply.status_code == status, name
    assert field in reply.get_json()["fields"]
    assert stored_objects(app) == {}
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0


def test_upload_needs_a_session_and_the_csrf_token(app, client, world):
    assert put(client, {}, SHA, DATA).status_code == 401  # no session: log in again
    log_in(client, "ct-inspector")
    assert put(client, {}, SHA, DATA).status_code == 400  # logged in, no token: CSRF error
    assert stored_objects(app) == {}


def test_evidence_becomes_complete_when_the_last_photo_arrives(client, world):
    headers = log_in(client, "ct-inspector")
    batch = valid_batch(world["template"].id)
    record = batch["inspections"][0]
    (result,) = client.post("/api/v1/sync/inspections", json=batch, headers=headers).get_json()[
        "results"
    ]
    assert sorted(result["missing_photos"]) == sorted(PHOTOS)
    hashes = result["missing_photos"]
    for sha in hashes[:-1]:
        put(client, headers, sha, PHOTOS[sha])
    db.session.expire_all()
    assert db.session.get(Inspection, record["id"]).evidence_complete is False
    resent = client.post("/api/v1/sync/inspections", json=batch, headers=headers).get_json()
    assert resent["results"][0] == {
        "id": record["id"],
        "status": "duplicate",
        "missing_photos": hashes[-1:],
    }
    put(client, headers, hashes[-1], PHOTOS[hashes[-1]])
    db.session.expire_all()
    assert db.session.get(Inspection, record["id"]).evidence_complete is True


def test_photos_already_there_make_a_new_inspection_complete(client, world):
    headers = log_in(client, "ct-inspector")
    for sha, data in PHOTOS.items():
        put(client, headers, sha, data)
    batch = valid_batch(world["template"].id)
    (result,) = client.post("/api/v1/sync/inspections", json=batch, headers=headers).get_json()[
        "results"
    ]
    assert result == {
        "id": batch["inspections"][0]["id"],
        "status": "created",
        "missing_photos": [],
    }
    assert db.session.get(Inspection, result["id"]).evidence_complete is True


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("ct-inspector", 200),  # the uploader
        ("ct-manager", 200),  # sees the site of an inspection referencing it
        ("ct-city-a", 200),
        ("ct-province", 200),
        ("ct-inspector-b", 404),  # another city's unit: not in scope
        ("ct-city-b", 404),
    ],
)
def test_a_photo_is_visible_within_the_scope_of_its_inspections(app, world, viewer, status):
    uploader = app.test_client()
    headers = log_in(uploader, "ct-inspector")
    for sha, data in PHOTOS.items():
        put(uploader, headers, sha, data)
    uploader.post(
        "/api/v1/sync/inspections", json=valid_batch(world["template"].id), headers=headers
    )
    client = app.test_client()
    log_in(client, viewer)
    with client.get(f"/api/v1/photos/{SHA}") as reply:
        assert reply.status_code == status
        if status == 200:
            assert reply.data == DATA and reply.mimetype == "image/png"
            assert "private" in reply.headers["Cache-Control"]
        else:
            assert reply.get_json()["error"] == "not_found"


def test_an_unreferenced_photo_is_visible_to_its_uploader_only(app, world):
    uploader = app.test_client()
    put(uploader, log_in(uploader, "ct-inspector"), SHA, DATA)
    with uploader.get(f"/api/v1/photos/{SHA}") as reply:
        assert reply.status_code == 200
    colleague = app.test_client()
    log_in(colleague, "ct-manager")
    assert colleague.get(f"/api/v1/photos/{SHA}").status_code == 404
    assert colleague.get(f"/api/v1/photos/{'f' * 64}").status_code == 404
