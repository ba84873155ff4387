"""What a database copy holds (rows per table, the photos, the schema revision), read at the
very moment the copy is of, so the photos copied afterwards are exactly those it knows.

The copies themselves: ``sqlite_copy`` (the online backup API) and ``postgres_copy``
(``pg_dump`` / ``pg_restore``), each with ``copy_database`` and ``replace_database``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from webapp.models import Photo
from webapp.services.backup.manifest import BackupFailed


@dataclass
class Snapshot:
    """What a database copy holds, read at the moment it is of."""

    revision: str | None
    tables: dict[str, int]
    photos: dict[str, int]  # sha256 → size


def read_snapshot(connection: Connection) -> Snapshot:
    """Rows per table, the photos and the Alembic revision, as ``connection`` sees them."""
    names = sorted(inspect(connection).get_table_names())
    tables = {
        name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
        for name in names
    }
    revision = None
    if "alembic_version" in names:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    photos = {}
    if Photo.__tablename__ in names:
        photos = {sha: size for sha, size in connection.execute(select(Photo.sha256, Photo.size))}
    return Snapshot(revision, tables, photos)


def tables_with_rows(connection: Connection) -> list[str]:
    """The tables of the database that hold data (the Alembic bookkeeping aside)."""
    names = [name for name in inspect(connection).get_table_names() if name != "alembic_version"]
    return [
        name
        for name in sorted(names)
        if connection.execute(select(text("1")).select_from(table(name)).limit(1)).first()
    ]


def kind_of(url: str) -> str:
    """ "sqlite" or "postgresql"; raises BackupFailed for any other database."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupFailed(f"backups of {backend} databases are not supported")
    return backend
