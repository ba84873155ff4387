"""``make_backup``: the database, then the photos it knows, then the manifest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from webapp.photo_store import PhotoStoreUnavailable, photo_store
from webapp.services.backup import postgres_copy, sqlite_copy
from webapp.services.backup.database import kind_of
from webapp.services.backup.manifest import (
    BackupFailed,
    DatabaseEntry,
    Manifest,
    file_sha256,
)
from webapp.services.backup.photo_copies import copy_photos

COPIES = {"sqlite": sqlite_copy, "postgresql": postgres_copy}


@dataclass
class BackupMade:
    manifest: Manifest
    linked_photos: int  # photos hard-linked from the previous backup instead of copied


def make_backup(folder: Path, previous: Path | None = None) -> BackupMade:
    """Back up the app's database and photos into ``folder`` (new, or an empty directory)
    while the app runs. ``previous``: an earlier backup whose photos are hard-linked rather
    than copied again. The manifest is written last; its ``problems`` list photos the
    database knows that the store lacks or holds damaged (the backup is then incomplete).
    Raises BackupFailed."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    kind = kind_of(url)
    earlier = (previous, Manifest.read(previous)) if previous is not None else None
    _prepare(folder)
    database_file, snapshot, server_version = COPIES[kind].copy_database(url, folder)
    store = photo_store()
    try:
        photos = copy_photos(store, snapshot.photos, folder, earlier)
    except PhotoStoreUnavailable as error:
        raise BackupFailed(f"the photo store is unavailable: {error}") from None
    path = folder / database_file
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        database=DatabaseEntry(
            kind=kind,
            file=database_file,
            sha256=file_sha256(path),
            size=path.stat().st_size,
            revision=snapshot.revision,
            server_version=server_version,
            tables=snapshot.tables,
        ),
        photo_store=store.location,
        photos=photos.copied,
        problems=photos.problems,
    )
    manifest.write(folder)
    return BackupMade(manifest, photos.linked)


def _prepare(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupFailed(f"{folder} exists and is not an empty directory")
    folder.mkdir(parents=True, exist_ok=True)
