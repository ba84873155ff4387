"""``restore_backup``: check the whole backup before touching anything, put the photos and
then the database back, and verify what was restored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask_migrate import upgrade

from webapp.extensions import db
from webapp.photo_store import PhotoStoreUnavailable, photo_store
from webapp.services.backup.database import kind_of, read_snapshot, tables_with_rows
from webapp.services.backup.making import COPIES
from webapp.services.backup.manifest import BackupFailed, Manifest, verify_files
from webapp.services.backup.photo_copies import restore_photos, verify_stored_photos
from webapp.services.hazards import verify_chain


@dataclass
class Restored:
    manifest: Manifest
    upgraded_to: str | None  # the schema revision `flask db upgrade` brought it to, if any
    photos_written: int
    photos_already_there: int
    events_verified: int
    photos_verified: int


def restore_backup(folder: Path, force: bool = False) -> Restored:
    """Replace the app's database by the backup's and put its photos into the photo store.

    Nothing is touched until the manifest and the SHA-256 of every file in the folder check
    out, the database is of the backup's kind, the backup's schema is one this version
    knows, and the database holds no data (unless ``force``). Afterwards the rows per
    table, the hazard chain and every photo's SHA-256 in the store are verified. A backup
    of an older schema is upgraded. Raises BackupFailed with the reason."""
    manifest = Manifest.read(folder)
    damaged = verify_files(folder, manifest)
    if damaged:
        raise BackupFailed("the backup is damaged; nothing was changed:\n" + "\n".join(damaged))
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    entry = manifest.database
    if kind_of(url) != entry.kind:
        raise BackupFailed(f"this is a {entry.kind} backup; the app's database is {kind_of(url)}")
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    _check_revision_known(scripts, entry.revision)
    with db.engine.connect() as connection:
        holding = tables_with_rows(connection)
    if holding and not force:
        named = ", ".join(holding[:4]) + (f" and {len(holding) - 4} more" if holding[4:] else "")
        raise BackupFailed(
            f"the database holds data (in {named}); restoring replaces all of it: add --force "
            "to do that"
        )

    store = photo_store()
    try:
        written, already = restore_photos(store, manifest.photos, folder)
    except PhotoStoreUnavailable as error:
        raise BackupFailed(f"the photo store is unavailable: {error}") from None
    db.session.remove()
    db.engine.dispose()  # no connection of ours may hold the database being replaced
    COPIES[entry.kind].replace_database(url, folder / entry.file)
    db.engine.dispose()

    upgraded_to = None
    if entry.revision is not None and entry.revision != scripts.get_current_head():
        upgrade()
        upgraded_to = scripts.get_current_head()
    return _verified(manifest, upgraded_to, written, already, store)


def _check_revision_known(scripts: ScriptDirectory, revision: str | None) -> None:
    if revision is None:
        return
    try:
        known = scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupFailed(
            f"the backup's schema (revision {revision}) is newer than this version of the "
            "app knows: restore it with the version that made it"
        )


def _verified(manifest: Manifest, upgraded_to, written: int, already: int, store) -> Restored:
    with db.engine.connect() as connection:
        restored = read_snapshot(connection)
    if upgraded_to is None and restored.tables != manifest.database.tables:
        differ = sorted(
            name
            for name in set(restored.tables) | set(manifest.database.tables)
            if restored.tables.get(name) != manifest.database.tables.get(name)
        )
        raise BackupFailed(f"restored, but the rows of {', '.join(differ)} differ from the backup")
    events, broken = verify_chain()
    if broken is not None:
        raise BackupFailed(f"restored, but the hazard chain is broken: {broken}")
    try:
        wrong = verify_stored_photos(store, restored.photos)
    except PhotoStoreUnavailable as error:
        raise BackupFailed(f"restored, but the photo store stopped answering: {error}") from None
    if wrong:
        raise BackupFailed("restored, but photos are missing or damaged:\n" + "\n".join(wrong))
    return Restored(manifest, upgraded_to, written, already, events, len(restored.photos))
