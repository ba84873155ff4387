"""flask backup / flask restore: a round trip brings back every row and every photo (with the
photos in a directory and in an S3 bucket), a backup taken while phones sync is consistent,
and a restore checks everything before it changes anything and verifies what it restored."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from sqlalchemy import inspect, select, text

from tests.browser.conftest import serve
from tests.conftest import new_pg_database
from tests.factories import make_user
from tests.hazard_world import act, hazard_in, make_world
from tests.phones import (
    Phone,
    inspections,
    inspections_with_photos,
    make_field,
    server_config,
    syncing,
)
from tests.photo_helpers import image_bytes, stored_objects
from webapp import create_app
from webapp.extensions import db
from webapp.models import Photo, User
from webapp.photo_store import photo_store
from webapp.photo_store.local import LocalStore
from webapp.services.hazards import EventRequest, record_event, verify_chain
from webapp.services.photos import store_photo

ROOT = Path(__file__).resolve().parents[1]


# --- a history to back up, and a second database and photo store to restore into ------------


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


def make_history() -> dict:
    """Hazards with their chained events, and three real photos in the store."""
    world = make_world()
    hazard = hazard_in(world, "rectified")
    act(world, "mgr", hazard, "rejected", note="整改不到位")
    photos = {}
    for colour in ((200, 0, 0), (0, 200, 0), (0, 0, 200)):
        data = image_bytes(colour=colour)
        sha = hashlib.sha256(data).hexdigest()
        store_photo(world.user("insp"), sha, data)
        photos[sha] = data
    return {"world": world, "hazard": hazard, "photos": photos}


@pytest.fixture
def target(app, database_url, tmp_path, photo_store_url):
    """An app on a database and photo store of its own (empty), to restore into."""
    with contextlib.ExitStack() as stack:
        if database_url:
            url = stack.enter_context(new_pg_database("shelter_restore"))
        else:
            url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        store = ""
        if photo_store_url:
            bucket = f"restored-{uuid.uuid4().hex[:12]}"
            boto3.client("s3").create_bucket(Bucket=bucket)
            store = f"s3://{bucket}/photos"
        restored = create_app(
            {
                "SHELTER_DATABASE_URL": url,
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "test-secret",
                "SHELTER_PHOTO_DIR": str(tmp_path / "restored-photos"),
                "SHELTER_PHOTO_STORE": store,
            }
        )
        yield restored
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


def rows_of(some_app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with some_app.app_context():
        with db.engine.connect() as connection:
            inspector = inspect(connection)
            tables = {}
            for name in sorted(inspector.get_table_names()):
                key = inspector.get_pk_constraint(name)["constrained_columns"]
                order = ", ".join(key) or "1"
                tables[name] = connection.execute(
                    text(f"SELECT * FROM {name} ORDER BY {order}")
                ).all()
            return tables


def restore(target_app, folder: Path, *args: str):
    """``flask restore`` on ``target_app`` (its context pushed: the command would otherwise
    run in the context of the test's ``app``, already pushed)."""
    with target_app.app_context():
        return target_app.test_cli_runner().invoke(args=["restore", str(folder), *args])


# --- the round trip ------------------------------------------------------------------------


@pytest.mark.both_photo_stores
def test_a_round_trip_brings_back_every_row_and_every_photo(app, runner, target, tmp_path):
    history = make_history()
    events = verify_chain()[0]
    folder = tmp_path / "backup"

    made = runner.invoke(args=["backup", str(folder)])
    assert made.exit_code == 0, made.output
    assert "and 3 photos from" in made.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["photos"]) == set(history["photos"])
    assert manifest["database"]["tables"]["hazard_events"] == events
    for sha, data in history["photos"].items():
        assert (folder / "photos" / sha[:2] / sha).read_bytes() == data

    restored = restore(target, folder)
    assert restored.exit_code == 0, restored.output
    assert f"Verified: {events} hazard events in their chains, 3 photos by their SHA-256." in (
        restored.output
    )
    assert rows_of(target) == rows_of(app)
    assert stored_objects(target) == stored_objects(app)

    # The restored system carries on: the next event extends the site's chain.
    # (Values read first: objects of the test's session must not load in the target's.)
    inspector, hazard_id = history["world"].user("insp").username, history["hazard"].id
    with target.app_context(), target.test_request_context():
        user = db.session.scalar(select(User).where(User.username == inspector))
        request = EventRequest(id=str(uuid.uuid4()), type="progress", note="已清理")
        record_event(user, hazard_id, request)
        assert verify_chain() == (events + 1, None)


def test_a_backup_taken_while_phones_sync_is_consistent(app, target, tmp_path):
    field = make_field()
    config = server_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "photos")

    def one_pass(phone: Phone, rng: random.Random) -> list[dict]:
        # Photos too: uploaded while the backup runs, they must not break it.
        batch, photos = inspections_with_photos(field, 3, rng)
        for data in photos.values():
            phone.upload_photo(data)
        batch += inspections(field, 7, rng)
        phone.sync(batch)
        return batch

    with serve(f"webapp:create_app({config!r})", tmp_path / "server.log", workers=2) as server:
        with syncing(server.url, field["username"], 3, one_pass):
            # The real command, in its own process, while the phones keep writing.
            backup = subprocess.run(
                [str(Path(sys.executable).parent / "flask"), "--app", "webapp", "backup",
                 str(tmp_path / "backup")],
                cwd=ROOT,
                env={**os.environ, "SHELTER_DATABASE_URL": config["SHELTER_DATABASE_URL"],
                     "SHELTER_PHOTO_DIR": config["SHELTER_PHOTO_DIR"], "SHELTER_SECRET_KEY": "x"},
                capture_output=True,
                text=True,
                check=False,
            )  # fmt: skip
    assert backup.returncode == 0, backup.stderr

    restored = restore(target, tmp_path / "backup")
    assert restored.exit_code == 0, restored.output
    tables = rows_of(target)
    # Each inspection came with all its results and its hazards, or not at all; every photo
    # the restored database knows is in the store (the restore verified their hashes).
    assert len(tables["inspection_results"]) == 10 * len(tables["inspections"])
    failed = sum(1 for row in tables["inspection_results"] if row.outcome == "fail")
    assert len(tables["hazards"]) == failed
    assert 0 < len(tables["inspections"]) and 0 < len(tables["photos"])


# --- what a restore refuses, and what it checks before changing anything ------------------


@pytest.mark.both_photo_stores
def test_restore_replaces_a_stored_object_of_the_right_size_with_other_bytes(
    app, runner, target, tmp_path
):
    """Keys are hashes: a wrong object left under a photo's key would pass for the photo
    wherever only its size is looked at, so restore writes the backup's bytes over it."""
    history = make_history()
    runner.invoke(args=["backup", str(tmp_path / "backup")])
    sha, data = sorted(history["photos"].items())[0]
    with target.app_context():
        store = photo_store()
        wrong = bytes(len(data))
        if isinstance(store, LocalStore):
            store.path(sha).parent.mkdir(parents=True, exist_ok=True)
            store.path(sha).write_bytes(wrong)
        else:
            store.write(sha, wrong)

    restored = restore(target, tmp_path / "backup")
    assert restored.exit_code == 0, restored.output
    assert stored_objects(target) == stored_objects(app)


def test_restore_refuses_a_database_that_holds_data_unless_forced(app, runner, target, tmp_path):
    make_history()
    runner.invoke(args=["backup", str(tmp_path / "backup")])
    with target.app_context():
        db.create_all()
        make_user(make_world().tree["unit_a"], username="only-in-the-target")
        db.session.commit()

    refused = restore(target, tmp_path / "backup")
    assert refused.exit_code == 1
    assert "the database holds data (in " in refused.output and "add --force" in refused.output
    assert any(row.username == "only-in-the-target" for row in rows_of(target)["users"])

    forced = restore(target, tmp_path / "backup", "--force")
    assert forced.exit_code == 0, forced.output
    assert rows_of(target) == rows_of(app)


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGES = {
    "a photo's bytes": (lambda f, sha: _flip_a_byte(f / "photos" / sha[:2] / sha), "damaged"),
    "a missing photo": (lambda f, sha: (f / "photos" / sha[:2] / sha).unlink(), "missing"),
    "the database copy": (
        lambda f, sha: _flip_a_byte(next(f.glob("database.*"))),
        "does not match the manifest",
    ),
    "no manifest": (lambda f, sha: (f / "manifest.json").unlink(), "has no manifest.json"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_restore_checks_every_file_before_changing_anything(app, runner, target, tmp_path, damage):
    history = make_history()
    folder = tmp_path / "backup"
    runner.invoke(args=["backup", str(folder)])
    spoil, said = DAMAGES[damage]
    spoil(folder, sorted(history["photos"])[0])

    refused = restore(target, folder)
    assert refused.exit_code == 1
    assert said in refused.output
    assert not any(rows_of(target).values())
    assert stored_objects(target) == {}


def test_restore_names_a_broken_hazard_chain(app, runner, target, tmp_path):
    history = make_history()
    event = history["hazard"].events[1]
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TRIGGER hazard_events_no_update"))
    else:
        db.session.execute(text("DROP TRIGGER hazard_events_append_only ON hazard_events"))
    tamper = text("UPDATE hazard_events SET note = '篡改' WHERE id = :id")
    db.session.execute(tamper, {"id": event.id})
    db.session.commit()
    runner.invoke(args=["backup", str(tmp_path / "backup")])

    restored = restore(target, tmp_path / "backup")
    assert restored.exit_code == 1
    assert f"the hazard chain is broken: site {history['world'].site.code}: event #2" in (
        restored.output
    )


def test_restore_refuses_a_backup_of_a_newer_schema(app, runner, target, tmp_path):
    make_history()
    folder = tmp_path / "backup"
    runner.invoke(args=["backup", str(folder)])
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["database"]["revision"] = "9999"
    (folder / "manifest.json").write_text(json.dumps(manifest))

    refused = restore(target, folder)
    assert refused.exit_code == 1
    assert "revision 9999) is newer than this version" in refused.output


# --- what a backup refuses and reports --------------------------------------------------------


def test_backup_refuses_a_folder_that_is_not_empty(app, runner, tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "something").write_text("x")
    made = runner.invoke(args=["backup", str(folder)])
    assert made.exit_code == 1
    assert "exists and is not an empty directory" in made.output


@pytest.mark.both_photo_stores
def test_backup_names_the_photos_the_store_lacks(app, runner, tmp_path):
    history = make_history()
    lost = sorted(history["photos"])[0]
    store = photo_store()
    if hasattr(store, "root"):
        (store.root / lost[:2] / lost).unlink()
    else:
        store.client.delete_object(Bucket=store.bucket, Key=store.key(lost))

    made = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert made.exit_code == 1
    assert f"MISSING photo {lost}: in the database but not in the photo store" in made.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert set(manifest["photos"]) == set(history["photos"]) - {lost}
    assert len(manifest["problems"]) == 1


def test_link_dest_links_the_photos_of_the_previous_backup(app, runner, target, tmp_path):
    history = make_history()
    runner.invoke(args=["backup", str(tmp_path / "monday")])
    new_photo = image_bytes(colour=(9, 9, 9))
    new_sha = hashlib.sha256(new_photo).hexdigest()
    store_photo(history["world"].user("insp"), new_sha, new_photo)

    made = runner.invoke(
        args=["backup", str(tmp_path / "tuesday"), "--link-dest", str(tmp_path / "monday")]
    )
    assert made.exit_code == 0, made.output
    assert "(3 of them hard-linked from" in made.output and "and 4 photos from" in made.output
    for sha in history["photos"]:
        monday = tmp_path / "monday" / "photos" / sha[:2] / sha
        tuesday = tmp_path / "tuesday" / "photos" / sha[:2] / sha
        assert monday.stat().st_ino == tuesday.stat().st_ino
    assert (tmp_path / "tuesday" / "photos" / new_sha[:2] / new_sha).read_bytes() == new_photo

    restored = restore(target, tmp_path / "tuesday")
    assert restored.exit_code == 0, restored.output
    with target.app_context():
        assert len(db.session.scalars(select(Photo.sha256)).all()) == 4
