"""Faults during sync, with real processes: a gunicorn worker killed with SIGKILL in the
middle of a batch, PostgreSQL restarted or crashed under load, and the photo store full,
read-only or unreachable.

The phones' rule (pwa_static/js/sync.js) is to send the same batch again after a network
error or any 5xx. Afterwards every record they sent must be stored exactly once: the
count, and the content (the hash of each record as sent, its item results, one hazard
per failed item, an intact hazard chain). docs/security.md ("Faults") says what a client
sees. Each test takes well under a minute. The phones and their records: tests/phones.py.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import free_port, serve
from tests.own_postgres import OwnPostgres
from tests.phones import (
    SYNC,
    Phone,
    inspections,
    inspections_with_photos,
    make_field,
    server_config,
    syncing,
    wait_for,
)
from tests.photo_helpers import image_bytes
from webapp import create_app
from webapp.extensions import db
from webapp.models import Hazard, Inspection, InspectionResult, Photo
from webapp.photo_store import open_store
from webapp.photo_store.local import LocalStore
from webapp.services.hazards import verify_chain
from webapp.services.sync.parsing import content_hash

pytestmark = pytest.mark.faults

# --- what the database must hold afterwards --------------------------------------------------


def assert_stored_exactly_once(sent: list[dict]) -> None:
    """The database holds each sent record once, with the content the phone sent."""
    db.session.remove()
    stored = dict(db.session.execute(select(Inspection.id, Inspection.content_hash)).all())
    assert stored == {record["id"]: content_hash(record) for record in sent}
    results = db.session.scalar(select(func.count(InspectionResult.id)))
    assert results == sum(len(record["results"]) for record in sent)
    failed = sum(r["outcome"] == "fail" for record in sent for r in record["results"])
    assert db.session.scalar(select(func.count(Hazard.id))) == failed
    checked, broken = verify_chain()
    assert broken is None and checked >= failed


def worker_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


# --- a worker killed in the middle of a batch -----------------------------------------------


def app_stalling_a_sync(config: dict, control: str, stage: str):
    """The app (for gunicorn), in which the first sync request after ``control/arm`` appears
    stops at ``stage`` of its transaction ("before_commit": every row written but not
    committed; "after_commit": committed, the reply not yet sent), writes its worker's
    process id to ``control/stalled`` and waits there to be killed."""
    from flask import has_request_context, request
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    app = create_app(config)
    folder = Path(control)

    def stall(_session) -> None:
        if not (has_request_context() and request.path == SYNC):
            return
        try:
            (folder / "arm").unlink()  # one request only, whichever worker or thread has it
        except FileNotFoundError:
            return
        (folder / "stalling").write_text(str(os.getpid()))
        os.replace(folder / "stalling", folder / "stalled")
        time.sleep(120)

    event.listen(Session, stage, stall)
    return app


@pytest.mark.parametrize(
    "stage, status",
    [
        ("before_commit", "created"),  # the rows die with the transaction: the retry stores them
        ("after_commit", "duplicate"),  # stored, but the phone never heard: the retry is a no-op
    ],
)
def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(app, tmp_path, stage, status):
    field = make_field()
    control = tmp_path / "control"
    control.mkdir()
    (control / "arm").touch()
    config = server_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "photos")
    spec = f"tests.test_faults:app_stalling_a_sync({config!r}, {str(control)!r}, {stage!r})"
    with serve(spec, tmp_path / "server.log", workers=2, threads=4) as server:
        phone = Phone(server.url, field["username"])
        batch = inspections(field, 25, random.Random(1))
        outcome: dict = {}
        sender = threading.Thread(target=lambda: outcome.update(results=phone.sync(batch)))
        sender.start()
        stalled = control / "stalled"
        deadline = time.monotonic() + 30
        while not stalled.exists():
            assert time.monotonic() < deadline, "the batch never reached the stalling point"
            time.sleep(0.05)
        worker = int(stalled.read_text())
        assert worker in worker_pids(server.process.pid)
        os.kill(worker, signal.SIGKILL)
        sender.join(timeout=50)
        assert not sender.is_alive()

    assert phone.failures == ["connection error: ConnectionError"]
    assert [r["status"] for r in outcome["results"]] == [status] * len(batch)
    assert_stored_exactly_once(batch)


def test_workers_killed_at_random_under_load_lose_nothing_and_double_nothing(app, tmp_path):
    field = make_field()
    config = server_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "photos")
    with serve(f"webapp:create_app({config!r})", tmp_path / "server.log", workers=2) as server:
        with syncing(server.url, field["username"], 3, sync_a_batch(field)) as fleet:
            rng = random.Random(7)
            for _ in range(4):
                time.sleep(rng.uniform(0.4, 1.0))
                pids = worker_pids(server.process.pid)
                if pids:
                    os.kill(rng.choice(sorted(pids)), signal.SIGKILL)
    assert_stored_exactly_once(fleet.sent)


def sync_a_batch(field: dict):
    """A phone's pass: one batch of 10 new records, accepted as new or already stored."""

    def one_pass(phone: Phone, rng: random.Random) -> list[dict]:
        batch = inspections(field, 10, rng)
        assert {r["status"] for r in phone.sync(batch)} <= {"created", "duplicate"}
        return batch

    return one_pass


# --- PostgreSQL restarted or crashed under load ---------------------------------------------


@pytest.fixture(scope="module")
def own_postgres():
    """A PostgreSQL server of this test module's own (restarting the shared one would break
    other test runs on the machine)."""
    server = OwnPostgres.start()
    yield server
    server.stop()


@pytest.mark.parametrize("mode", ["fast", "immediate"])  # a restart; a crash and recovery
def test_postgresql_restarted_under_load_loses_nothing_and_doubles_nothing(
    own_postgres, tmp_path, mode
):
    database_url = own_postgres.new_database()
    config = server_config(database_url, tmp_path / "photos")
    check_app = create_app(config)
    with check_app.app_context():
        db.create_all()
        field = make_field()

    with serve(f"webapp:create_app({config!r})", tmp_path / "server.log", workers=2) as server:
        with syncing(server.url, field["username"], 4, sync_a_batch(field)) as fleet:
            time.sleep(1.5)
            own_postgres.restart(mode)
            time.sleep(1.5)

    seen = fleet.failures
    assert seen, "the restart hit no request: the test proved nothing"
    unexpected = [
        failure
        for failure in seen
        if failure != "503 database_unavailable retry-after=5"
        and not failure.startswith("connection")
    ]
    assert not unexpected, unexpected
    with check_app.app_context():
        assert_stored_exactly_once(fleet.sent)
        db.session.remove()
        db.engine.dispose()


# --- the photo store full, read-only or unreachable ------------------------------------------


class BreakableDirectory:
    """A photo directory that can be filled up or made read-only, then healed: a tiny tmpfs
    of its own when the tests run as root (mounting needs it); otherwise a plain directory,
    which only ``chmod`` can make read-only (and which cannot be filled)."""

    def __init__(self, path: Path):
        path.mkdir()
        self.path = path
        self.mounted = os.geteuid() == 0 and self._mount("-t", "tmpfs", "-o", "size=4m", "tmpfs")

    def _mount(self, *args: str) -> bool:
        return self._run_mount(*args).returncode == 0

    def _run_mount(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["mount", *args, str(self.path)], capture_output=True, check=False)

    def _remount_read_only(self) -> None:
        """The kernel refuses (EBUSY) while a file on it is open for writing, as when an
        upload is being written at that instant: try again until no write is in flight."""
        deadline = time.monotonic() + 10
        while (done := self._run_mount("-o", "remount,ro")).returncode != 0:
            assert time.monotonic() < deadline, f"could not remount read-only: {done.stderr!r}"
            time.sleep(0.01)

    def break_(self, how: str) -> None:
        if how == "full":
            if not self.mounted:
                pytest.skip("filling a file system needs a tmpfs, and mounting one needs root")
            filler = os.open(self.path / ".filler", os.O_WRONLY | os.O_CREAT)
            try:
                while os.write(filler, b"\0" * 65536):
                    pass
            except OSError:  # ENOSPC: full
                pass
            finally:
                os.close(filler)
        elif self.mounted:
            self._remount_read_only()
        else:
            for folder in [self.path, *self.path.glob("*/")]:
                folder.chmod(0o555)

    def heal(self) -> None:
        if self.mounted:
            self._mount("-o", "remount,rw")
        for folder in [self.path, *self.path.glob("*/")]:
            folder.chmod(0o755)
        (self.path / ".filler").unlink(missing_ok=True)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "--lazy", str(self.path)], check=False)


class StoppableS3:
    """A bucket on an S3 server of this test's own (moto on loopback), which can be stopped
    and started again on the same port with its objects kept."""

    def __init__(self, monkeypatch):
        import boto3
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self.server_class = ThreadedMotoServer
        self.start()
        for key, value in {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.port}",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "test-key",
            "AWS_SECRET_ACCESS_KEY": "test-secret",
        }.items():
            monkeypatch.setenv(key, value)  # gunicorn inherits them
        bucket = f"fragile-{uuid.uuid4().hex[:12]}"
        boto3.client("s3").create_bucket(Bucket=bucket)
        self.url = f"s3://{bucket}/photos"

    def start(self) -> None:
        self.server = self.server_class(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def break_(self, _how: str) -> None:
        self.server.stop()

    def heal(self) -> None:
        self.start()

    def close(self) -> None:
        self.server.stop()


@pytest.mark.parametrize("fault", ["full", "read-only", "unreachable"])
def test_a_photo_store_full_read_only_or_unreachable_loses_nothing_and_doubles_nothing(
    app, tmp_path, monkeypatch, fault
):
    field = make_field()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if fault == "unreachable":  # an S3 endpoint that stops answering
        store = StoppableS3(monkeypatch)
        config = server_config(url, tmp_path / "unused", store.url)
    else:  # a directory on a file system that fills up or turns read-only
        store = BreakableDirectory(tmp_path / "store")
        config = server_config(url, store.path)
    photos: dict[str, bytes] = {}

    def one_pass(phone: Phone, rng: random.Random) -> list[dict]:
        records, their_photos = inspections_with_photos(field, 3, rng)
        photos.update(their_photos)
        # As the app: the photos first, then the records that reference them.
        for data in their_photos.values():
            phone.upload_photo(data)
        results = phone.sync(records)
        assert [(r["status"], r["missing_photos"]) for r in results] == [("created", [])] * 3
        return records

    try:
        with serve(f"webapp:create_app({config!r})", tmp_path / "server.log", workers=2) as server:
            with syncing(server.url, field["username"], 2, one_pass) as fleet:
                wait_for(lambda: len(fleet.sent) >= 12, "the phones never got going")
                store.break_(fault)
                wait_for(lambda: fleet.failures, "no upload failed")
                time.sleep(1)  # retries keep failing meanwhile
                store.heal()
                synced = len(fleet.sent)
                wait_for(lambda: len(fleet.sent) >= synced + 12, "the phones never recovered")

        # Checked while the store still holds what it held (a tmpfs goes with its mount).
        retryable = "503 photo_store_unavailable retry-after="
        unexpected = [f for f in fleet.failures if not f.startswith(retryable)]
        assert not unexpected, unexpected
        assert_stored_exactly_once(fleet.sent)
        stored = {sha: size for sha, size in db.session.execute(select(Photo.sha256, Photo.size))}
        assert stored == {sha: len(data) for sha, data in photos.items()}
        check = open_store(config["SHELTER_PHOTO_STORE"] or config["SHELTER_PHOTO_DIR"])
        for sha, data in photos.items():
            stream, _size = check.open(sha)
            with stream:
                assert stream.read() == data
        assert db.session.scalar(select(func.count()).where(~Inspection.evidence_complete)) == 0
    finally:
        store.close()


def test_a_directory_turning_read_only_just_after_a_photo_lands_keeps_it(tmp_path, monkeypatch):
    """The file system can turn read-only between the rename that stores a photo and the
    clean-up after it; on Linux even removing a file that is not there then fails. The
    photo is stored, so the upload succeeds (once a 500 that the phone sent again)."""
    folder = BreakableDirectory(tmp_path / "store")
    if not folder.mounted:
        pytest.skip("turning a file system read-only needs a tmpfs, and mounting one needs root")
    data = image_bytes("JPEG", colour=(10, 120, 200))
    sha = hashlib.sha256(data).hexdigest()
    replace = os.replace

    def replace_then_turn_read_only(source, target):
        replace(source, target)
        folder.break_("read-only")

    monkeypatch.setattr("webapp.photo_store.local.os.replace", replace_then_turn_read_only)
    store = LocalStore(folder.path)
    try:
        store.put(sha, data)
        stream, size = store.open(sha)
        with stream:
            assert (stream.read(), size) == (data, len(data))
    finally:
        folder.heal()
        folder.close()
