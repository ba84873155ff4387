"""``flask photos migrate --to s3://…``: the photo directory copied into a bucket (moto's S3
server on loopback), each object verified, resumable, with counts and a non-zero exit."""

from __future__ import annotations

import hashlib
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.photo_helpers import image_bytes
from webapp.photo_store import PhotoStoreUnavailable
from webapp.photo_store.local import LocalStore
from webapp.photo_store.s3 import S3Store

PHOTOS = [image_bytes("JPEG", colour=(n * 40, 90, 30)) for n in range(4)]
HASHES = [hashlib.sha256(data).hexdigest() for data in PHOTOS]
WRITE = S3Store.write  # the real one, before any test wraps it


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


def key(sha: str) -> str:
    return f"shelter/{sha[:2]}/{sha}"


def every_photo() -> dict[str, bytes]:
    return {key(sha): data for sha, data in zip(HASHES, PHOTOS, strict=True)}


def report_counts(output: str) -> tuple[int, int, int]:
    """(copied, skipped, failed) from the report line of ``photos migrate``."""
    found = re.search(
        r"Copied (\d+) \([\d,]+ bytes\), skipped (\d+) already there, failed (\d+)", output
    )
    assert found, output
    return tuple(int(number) for number in found.groups())


def watch_writes(monkeypatch, stop_before: int | None = None, stop_with=None, damage=()):
    """The hashes of the objects migrate writes, in order, through the real S3 client.
    ``stop_before``: the write of that number (0-based) raises ``stop_with`` instead, as if
    the run were interrupted there. ``damage``: photos whose bytes reach the bucket with
    their first byte changed (same size), as a store or proxy that mangles them would."""
    written: list[str] = []

    def write(store: S3Store, sha256: str, data: bytes) -> None:
        if len(written) == stop_before:
            raise stop_with
        written.append(sha256)
        if sha256 in damage:
            data = bytes([data[0] ^ 1]) + data[1:]
        WRITE(store, sha256, data)

    monkeypatch.setattr(S3Store, "write", write)
    return written


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


@pytest.mark.parametrize(
    ("interruption", "message"),
    [
        (KeyboardInterrupt(), "Interrupted"),
        (PhotoStoreUnavailable("s3://bucket: SlowDown"), "the bucket stopped answering"),
    ],
)
def test_a_run_stopped_part_way_resumes_without_copying_anything_twice(
    runner, directory, s3_bucket, monkeypatch, interruption, message
):
    in_order = sorted(HASHES)  # the run goes through the files in name order
    written = watch_writes(monkeypatch, stop_before=2, stop_with=interruption)
    first = migrate(runner, s3_bucket)
    assert first.exit_code == 1
    assert message in first.output and "Run again to resume" in first.output
    assert report_counts(first.output) == (2, 0, 0)
    assert written == in_order[:2]
    assert sorted(bucket_objects(s3_bucket)) == [key(sha) for sha in in_order[:2]]

    written = watch_writes(monkeypatch)
    second = migrate(runner, s3_bucket)
    assert second.exit_code == 0, second.output
    assert written == in_order[2:]  # the first two are not copied again
    assert report_counts(second.output) == (2, 2, 0)
    assert bucket_objects(s3_bucket) == every_photo()


def test_a_copy_that_reads_back_wrong_is_deleted_reported_and_copied_by_the_next_run(
    runner, directory, s3_bucket, monkeypatch
):
    watch_writes(monkeypatch, damage={HASHES[1]})
    first = migrate(runner, s3_bucket)
    assert first.exit_code == 1
    assert key(HASHES[1]) not in bucket_objects(s3_bucket)  # never left to be trusted later
    assert report_counts(first.output) == (3, 0, 1)
    assert f"FAILED {directory.path(HASHES[1])}: " in first.output
    assert "deleted from the bucket" in first.output

    written = watch_writes(monkeypatch)
    second = migrate(runner, s3_bucket)
    assert second.exit_code == 0, second.output
    assert written == [HASHES[1]] and report_counts(second.output) == (1, 3, 0)
    assert bucket_objects(s3_bucket) == every_photo()


def put_in_one_part(s3, bucket: str, key: str, data: bytes) -> None:
    """Put as a multipart upload of one part: its ETag is not the MD5 of its bytes."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=data)
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=upload,
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )


@pytest.mark.parametrize("upload", ["single put", "multipart"])
def test_an_object_of_the_right_size_with_other_bytes_is_never_kept(
    runner, directory, s3_bucket, upload
):
    s3 = boto3.client("s3")
    damaged = bytes([PHOTOS[2][0] ^ 1]) + PHOTOS[2][1:]
    if upload == "single put":
        s3.put_object(Bucket=s3_bucket, Key=key(HASHES[2]), Body=damaged)
    else:
        put_in_one_part(s3, s3_bucket, key(HASHES[2]), damaged)
    assert s3.head_object(Bucket=s3_bucket, Key=key(HASHES[2]))["ContentLength"] == len(PHOTOS[2])
    result = migrate(runner, s3_bucket)
    assert result.exit_code == 0, result.output
    assert report_counts(result.output) == (4, 0, 0)
    assert bucket_objects(s3_bucket) == every_photo()


def test_an_object_with_an_etag_that_is_not_an_md5_is_copied_again(runner, directory, s3_bucket):
    s3 = boto3.client("s3")
    put_in_one_part(s3, s3_bucket, key(HASHES[0]), PHOTOS[0])
    result = migrate(runner, s3_bucket)
    assert result.exit_code == 0, result.output
    assert report_counts(result.output) == (4, 0, 0)  # cannot be checked cheaply: written again
    assert bucket_objects(s3_bucket) == every_photo()


def test_progress_and_the_report_are_printed_when_the_output_is_a_log(runner, directory, s3_bucket):
    result = migrate(runner, s3_bucket)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    progress = [line for line in lines if line.startswith("Photos ")]
    assert progress == [f"Photos {n}/4" for n in range(1, 5)]
    report = next(line for line in lines if line.startswith("Copied"))
    assert lines.index(progress[-1]) < lines.index(report)


def test_a_terminal_shows_a_progress_bar_then_the_report(app, directory, s3_bucket):
    """The command in a process of its own whose output is a terminal (a pseudo-terminal)."""
    environment = {
        **os.environ,
        "SHELTER_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SHELTER_PHOTO_DIR": str(directory.root),
        "SHELTER_SECRET_KEY": "test-secret",
    }
    command = [
        str(Path(sys.executable).with_name("flask")),
        "--app",
        "webapp",
        *["photos", "migrate", "--to", f"s3://{s3_bucket}/shelter"],
    ]
    controller, terminal = pty.openpty()
    with subprocess.Popen(command, env=environment, stdout=terminal, stderr=terminal) as process:
        os.close(terminal)
        output = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            output += chunk
        exit_code = process.wait(timeout=60)
    os.close(controller)
    text = output.decode()
    assert exit_code == 0, text
    assert re.search(r"Photos  \[#+\]  4/4", text), text
    assert "Copied 4" in text.split("4/4")[-1]


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
