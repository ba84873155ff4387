"""The photo store (webapp/photo_store): the same behaviour from a directory and from an S3
bucket (moto's server on loopback), and clean answers when the bytes or the store are gone."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import boto3
import pytest
import time_machine
from sqlalchemy import func, select

from tests.contract.world import NOW, build_world, log_in
from tests.photo_helpers import image_bytes, stored_objects
from webapp.extensions import db
from webapp.models import Photo, PhotoUpload
from webapp.photo_store import PhotoNotStored, open_store, photo_store
from webapp.photo_store.local import LocalStore

pytestmark = pytest.mark.both_photo_stores

DATA = image_bytes("JPEG", colour=(10, 120, 200))
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=True):
        yield build_world()


def put(client, headers, data: bytes = DATA):
    sha = hashlib.sha256(data).hexdigest()
    return client.put(
        f"/api/v1/photos/{sha}", data=data, headers={**headers, "Content-Type": "image/jpeg"}
    )


def test_a_put_is_idempotent_and_reads_back_whole(app):
    store = photo_store()
    assert not store.has(SHA, len(DATA))
    store.put(SHA, DATA)
    store.put(SHA, DATA)
    assert store.has(SHA, len(DATA)) and not store.has(SHA, len(DATA) + 1)
    stream, size = store.open(SHA)
    with stream:
        assert (stream.read(), size) == (DATA, len(DATA))
    assert stored_objects(app) == {f"{SHA[:2]}/{SHA}": DATA}
    with pytest.raises(PhotoNotStored):
        store.open("0" * 64)


def test_a_put_replaces_an_object_of_the_same_size_with_other_bytes(app):
    """Keys are hashes, so an object under a photo's key that is not the photo (damaged on the
    way or on disk) would otherwise stay forever: every later put would find it "there"."""
    store = photo_store()
    damaged = bytes([DATA[0] ^ 1]) + DATA[1:]
    if isinstance(store, LocalStore):
        store.path(SHA).parent.mkdir(parents=True)
        store.path(SHA).write_bytes(damaged)
    else:
        store.client.put_object(Bucket=store.bucket, Key=store.key(SHA), Body=damaged)
    store.put(SHA, DATA)
    assert stored_objects(app) == {f"{SHA[:2]}/{SHA}": DATA}


def test_keys_are_content_addressed_under_the_prefix(app, photo_store_url):
    photo_store().put(SHA, DATA)
    if photo_store_url:
        bucket = photo_store_url.removeprefix("s3://").split("/")[0]
        listed = boto3.client("s3").list_objects_v2(Bucket=bucket)["Contents"]
        assert [item["Key"] for item in listed] == [f"photos/{SHA[:2]}/{SHA}"]
    else:
        assert (Path(app.config["SHELTER_PHOTO_DIR"]) / SHA[:2] / SHA).read_bytes() == DATA


def test_a_photo_whose_bytes_are_gone_is_a_clean_404(app, client, world):
    headers = log_in(client, "ct-inspector")
    assert put(client, headers).status_code == 201
    _remove_object(app)
    reply = client.get(f"/api/v1/photos/{SHA}")
    assert reply.status_code == 404 and reply.get_json()["error"] == "not_found"


def test_a_cached_copy_is_revalidated_without_reading_the_store(app, client, world):
    headers = log_in(client, "ct-inspector")
    put(client, headers)
    with client.get(f"/api/v1/photos/{SHA}") as first:
        assert first.status_code == 200 and first.data == DATA
        assert first.headers["Content-Length"] == str(len(DATA))
    _remove_object(app)  # a 304 needs only the database
    again = client.get(f"/api/v1/photos/{SHA}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unavailable_store_is_a_retryable_503_and_nothing_is_written(
    app, client, world, monkeypatch
):
    headers = log_in(client, "ct-inspector")
    put(client, headers)
    _break_store(app, monkeypatch)
    other = image_bytes("PNG", colour=(1, 2, 3))
    reply = put(client, headers, other)
    assert reply.status_code == 503, reply.get_data(as_text=True)
    assert reply.get_json()["error"] == "photo_store_unavailable"
    assert int(reply.headers["Retry-After"]) > 0
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 1
    assert db.session.scalar(select(func.count()).select_from(PhotoUpload)) == 1
    read = client.get(f"/api/v1/photos/{SHA}")
    assert read.status_code == 503 and "Retry-After" in read.headers


def _remove_object(app) -> None:
    store = photo_store()
    if isinstance(store, LocalStore):
        store.path(SHA).unlink()
    else:
        store.client.delete_object(Bucket=store.bucket, Key=store.key(SHA))


def _break_store(app, monkeypatch) -> None:
    """The directory becomes a file (nothing can be written or read below it); the bucket's
    endpoint stops answering (a port nobody listens on)."""
    store = photo_store()
    if isinstance(store, LocalStore):
        shutil.rmtree(store.root)
        store.root.write_bytes(b"not a directory")
        return
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    app.extensions["photo_store"] = open_store(store.location)
