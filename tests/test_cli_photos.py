"""``flask photos migrate --to s3://…``: the photo directory copied into a bucket (moto's S3
server on loopback), each object verified, resumable, with counts and a non-zero exit."""

from __future__ import annotations

import hashlib

import boto3
import pytest

from tests.photo_helpers import image_bytes
from webapp.photo_store.local import LocalStore

PHOTOS = [image_bytes("JPEG", colour=(n * 40, 90, 30)) for n in range(4)]
HASHES = [hashlib.sha256(data).hexdigest() for data in PHOTOS]


@pytest.fixture
def directory(app) -> LocalStore:
    store = LocalStore(app.config["SHELTER_PHOTO_DIR"])
    for sha, data in zip(HASHES, PHOTOS, strict=True):
        store.put(sha, data)
    (store.root / HASHES[0][:2] / ".upload-abc123").write_bytes(b"half a photo")
    return store


def bucket_objects(bucket: str) -> dict[str, bytes]:
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def migrate(runner, bucket: str):
    return runner.invoke(args=["photos", "migrate", "--to", f"s3://{bucket}/shelter"])


def test_every_photo_is_copied_verified_and_a_second_run_skips_them(runner, directory, s3_bucket):
    first = migrate(runner, s3_bucket)
    assert first.exit_code == 0, first.output
    assert f"Copied 4 ({sum(map(len, PHOTOS)):,} bytes), skipped 0" in first.output
    expected = {f"shelter/{sha[:2]}/{sha}": data for sha, data in zip(HASHES, PHOTOS, strict=True)}
    assert bucket_objects(s3_bucket) == expected  # not the temporary file

    again = migrate(runner, s3_bucket)
    assert again.exit_code == 0 and "Copied 0 (0 bytes), skipped 4 already there, failed 0" in (
        again.output
    )


def test_an_interrupted_run_resumes_and_a_wrong_object_is_replaced(runner, directory, s3_bucket):
    s3 = boto3.client("s3")
    s3.put_object(Bucket=s3_bucket, Key=f"shelter/{HASHES[0][:2]}/{HASHES[0]}", Body=PHOTOS[0])
    damaged = bytes([PHOTOS[1][0] ^ 1]) + PHOTOS[1][1:]  # same size, other bytes
    s3.put_object(Bucket=s3_bucket, Key=f"shelter/{HASHES[1][:2]}/{HASHES[1]}", Body=damaged)
    result = migrate(runner, s3_bucket)
    assert result.exit_code == 0, result.output
    assert "Copied 3" in result.output and "skipped 1 already there, failed 0" in result.output
    assert bucket_objects(s3_bucket)[f"shelter/{HASHES[1][:2]}/{HASHES[1]}"] == PHOTOS[1]


def test_a_damaged_file_fails_with_its_reason_and_the_others_are_copied(
    runner, directory, s3_bucket
):
    directory.path(HASHES[2]).write_bytes(b"\xff\xd8 not what it was")
    result = migrate(runner, s3_bucket)
    assert result.exit_code == 1
    assert "Copied 3" in result.output and "failed 1" in result.output
    assert f"FAILED {directory.path(HASHES[2])}: the file's bytes do not match its name" in (
        result.output
    )
    assert len(bucket_objects(s3_bucket)) == 3


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("s3://no-such-bucket-here/x", "Cannot use the bucket s3://no-such-bucket-here/x"),
        ("/var/photos", "not an s3://bucket/prefix address"),
    ],
)
def test_a_bucket_that_cannot_be_used_is_refused_before_anything_is_copied(
    runner, directory, s3_endpoint, target, message
):
    result = runner.invoke(args=["photos", "migrate", "--to", target])
    assert result.exit_code != 0 and message in result.output
