"""SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies every page in
one step under one read transaction, so the copy is consistent while the app keeps writing
(in WAL mode writers do not wait for it). Restoring uses the same API the other way: the
target's whole content is replaced in one transaction."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from webapp.services.backup.database import Snapshot, read_snapshot
from webapp.services.backup.manifest import BackupFailed

FILE = "database.sqlite3"
BUSY_TIMEOUT_SECONDS = 60


def database_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupFailed(f"{url} is not a database file")
    return Path(path)


def copy_database(url: str, folder: Path) -> tuple[str, Snapshot, str]:
    source = database_path(url)
    if not source.is_file():
        raise BackupFailed(f"no database file {source}")
    copy = folder / FILE
    with (
        closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)) as live,
        closing(sqlite3.connect(copy)) as target,
    ):
        live.backup(target)
        # One self-contained file (the live database is in WAL mode; the copy needs no -wal).
        target.execute("PRAGMA journal_mode=DELETE")
    # The copy is what is known: read it, not the live database that moved on.
    engine = create_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as connection:
            snapshot = read_snapshot(connection)
    finally:
        engine.dispose()
    return FILE, snapshot, sqlite3.sqlite_version


def replace_database(url: str, copy: Path) -> None:
    target = database_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)) as live,
    ):
        source.backup(live)
