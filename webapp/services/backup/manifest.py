"""A backup folder's manifest (``manifest.json``): what the folder holds and the SHA-256 of
every file, written last, so a folder without one is an unfinished backup.

    {"format": "shelter-backup/1", "created_at": "2026-12-04T02:00:00+00:00",
     "database": {"kind": "postgresql", "file": "database.pgdump", "sha256": "…",
                  "size": 123, "revision": "0006", "server_version": "15.14",
                  "tables": {"inspections": 1879608, …}},
     "photo_store": "s3://bucket/photos",
     "photos": {"<sha256>": <size>, …},
     "problems": ["photo …: not in the store", …]}

Photos sit in the folder as ``photos/ab/abcdef…``: a photo's name is its hash, so the
manifest lists each one with its size.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from webapp.models.inspections import SHA256_RE
from webapp.photo_store import photo_key

FORMAT = "shelter-backup/1"
MANIFEST = "manifest.json"
PHOTOS = "photos"


class BackupFailed(Exception):
    """The backup or restore cannot go on; the message says why (for the operator)."""


@dataclass
class DatabaseEntry:
    kind: str  # "sqlite" or "postgresql"
    file: str  # the copy's name in the folder
    sha256: str
    size: int
    revision: str | None  # the Alembic revision of the schema (None: built without migrations)
    server_version: str | None
    tables: dict[str, int]  # rows per table in the copy


@dataclass
class Manifest:
    created_at: str
    database: DatabaseEntry
    photo_store: str
    photos: dict[str, int]  # sha256 → size
    problems: list[str] = field(default_factory=list)
    format: str = FORMAT

    def write(self, folder: Path) -> None:
        """Write the manifest, completing the backup (atomically: a reader finds the whole
        manifest or none)."""
        temporary = folder / f".{MANIFEST}.partial"
        temporary.write_text(json.dumps(asdict(self), indent=1, sort_keys=True))
        os.replace(temporary, folder / MANIFEST)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """Raises BackupFailed when ``folder`` holds no readable manifest of this format."""
        path = folder / MANIFEST
        if not path.is_file():
            raise BackupFailed(f"{folder} is not a finished backup: it has no {MANIFEST}")
        try:
            data = json.loads(path.read_text())
            if data.get("format") != FORMAT:
                raise BackupFailed(f"{path}: format {data.get('format')!r}, expected {FORMAT!r}")
            return cls(
                created_at=data["created_at"],
                database=DatabaseEntry(**data["database"]),
                photo_store=data["photo_store"],
                photos={str(sha): int(size) for sha, size in data["photos"].items()},
                problems=list(data.get("problems", [])),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupFailed(f"{path} is damaged: {error!r}") from None


def photo_file(folder: Path, sha256: str) -> Path:
    return folder / PHOTOS / photo_key(sha256)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_files(folder: Path, manifest: Manifest) -> list[str]:
    """Every file the manifest lists is in ``folder`` with its size and SHA-256; returns
    what is wrong (empty when all is well)."""
    wrong = []
    entry = manifest.database
    wrong += _file_problems(folder / entry.file, entry.size, entry.sha256)
    for sha, size in sorted(manifest.photos.items()):
        if not SHA256_RE.match(sha):
            wrong.append(f"the manifest lists a photo named {sha!r}, which is not a SHA-256")
            continue
        wrong += _file_problems(photo_file(folder, sha), size, sha)
    return wrong


def _file_problems(path: Path, size: int, sha256: str) -> list[str]:
    if not path.is_file():
        return [f"{path}: missing"]
    if path.stat().st_size != size:
        return [f"{path}: {path.stat().st_size} bytes, the manifest says {size}"]
    if file_sha256(path) != sha256:
        return [f"{path}: its SHA-256 does not match the manifest (damaged)"]
    return []
