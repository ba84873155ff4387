"""Copy the photos of a directory store into a bucket, each one verified, resumable
(``flask photos migrate``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from webapp.models.inspections import SHA256_RE
from webapp.photo_store.base import PhotoNotStored, PhotoStoreUnavailable
from webapp.photo_store.local import LocalStore
from webapp.photo_store.s3 import S3Store


@dataclass
class MigrationReport:
    copied: int = 0
    copied_bytes: int = 0
    skipped: int = 0  # already in the bucket, verified by size and MD5 ETag
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def done(self) -> int:
        """Photos dealt with so far, whichever way."""
        return self.copied + self.skipped + len(self.failed)


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
    """Copy one photo file into ``target`` unless it holds exactly these bytes already, then
    read the copy back and hash it; a copy that is not the photo is deleted again and
    reported as failed. Raises PhotoStoreUnavailable (the caller stops: the run can be
    resumed)."""
    sha = path.name
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        report.failed.append((str(path), "the file's bytes do not match its name (damaged)"))
        return
    # The object's MD5 ETag, not its size: a same-size object with other bytes is replaced.
    if target.holds_exactly(sha, data):
        report.skipped += 1
        return
    target.write(sha, data)
    # Read back and hash: the object is the photo, whatever the store reports as its ETag.
    try:
        stream, _size = target.open(sha)
    except PhotoNotStored:
        report.failed.append((str(path), "the copy was gone when read back from the bucket"))
        return
    with stream:
        copied = hashlib.sha256(stream.read()).hexdigest()
    if copied != sha:
        # Keys are hashes: a wrong object left under this key could pass for the photo
        # wherever only its size is looked at, so it must not stay.
        reason = f"the copy read back with the hash {copied}"
        try:
            target.delete(sha)
        except PhotoStoreUnavailable:
            report.failed.append((str(path), f"{reason}; delete it from the bucket by hand"))
            raise
        report.failed.append((str(path), f"{reason}, so it was deleted from the bucket"))
        return
    report.copied += 1
    report.copied_bytes += len(data)
