"""Copy the photos of a directory store into a bucket, each one verified, resumable
(``flask photos migrate``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from webapp.models.inspections import SHA256_RE
from webapp.photo_store.local import LocalStore
from webapp.photo_store.s3 import S3Store


@dataclass
class MigrationReport:
    copied: int = 0
    copied_bytes: int = 0
    skipped: int = 0  # already in the bucket, verified by size and MD5
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def photo_files(source: LocalStore) -> list[Path]:
    """The photo files of a directory store (``ab/abcdef…``), in name order; temporary files
    of uploads in progress and anything else are left out."""
    if not source.root.is_dir():
        return []
    return sorted(
        path
        for path in source.root.glob("??/*")
        if SHA256_RE.match(path.name) and path.parent.name == path.name[:2] and path.is_file()
    )


def migrate_photo(path: Path, target: S3Store, report: MigrationReport) -> None:
    """Copy one photo file into ``target`` unless it holds it already; raises
    PhotoStoreUnavailable (the caller stops: the run can be resumed)."""
    sha = path.name
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        report.failed.append((str(path), "the file's bytes do not match its name (damaged)"))
        return
    if target.holds_exactly(sha, data):
        report.skipped += 1
        return
    target.write(sha, data)
    # Read back and hash: the object is the photo, whatever the store reports as its ETag.
    stream, _size = target.open(sha)
    with stream:
        copied = hashlib.sha256(stream.read()).hexdigest()
    if copied != sha:
        report.failed.append((str(path), f"read back from the bucket, its hash is {copied}"))
        return
    report.copied += 1
    report.copied_bytes += len(data)
