"""The photo half of a backup: every photo the database copy knows, read from the photo
store (a directory or an S3 bucket) into the backup folder and checked against its name, and
back into a store when restoring.

Photos are content-addressed and never change, so copying them after the database is
consistent: the copy knows exactly these photos, and photos uploaded meanwhile are simply
not part of this backup. A photo the previous backup holds (``--link-dest``) is hard-linked
from it instead of read from the store again, so a nightly backup costs only the day's new
photos (on S3, a download each).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from webapp.photo_store import PhotoNotStored, PhotoStore
from webapp.services.backup.manifest import Manifest, photo_file


@dataclass
class PhotoCopies:
    copied: dict[str, int] = field(default_factory=dict)  # sha256 → size, in the folder
    linked: int = 0  # of those, hard-linked from the previous backup
    problems: list[str] = field(default_factory=list)


def copy_photos(
    store: PhotoStore,
    photos: dict[str, int],
    folder: Path,
    previous: tuple[Path, Manifest] | None = None,
) -> PhotoCopies:
    """Copy ``photos`` (sha256 → size) from ``store`` into ``folder``. A photo missing from
    the store or whose bytes do not match its name is a problem, not copied. Raises
    PhotoStoreUnavailable when the store stops answering."""
    result = PhotoCopies()
    for sha, size in sorted(photos.items()):
        target = photo_file(folder, sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if previous is not None and _link_previous(previous, sha, size, target):
            result.linked += 1
        else:
            problem = _read_from_store(store, sha, size, target)
            if problem:
                result.problems.append(f"photo {sha}: {problem}")
                continue
        result.copied[sha] = size
    return result


def _link_previous(previous: tuple[Path, Manifest], sha: str, size: int, target: Path) -> bool:
    folder, manifest = previous
    earlier = photo_file(folder, sha)
    if manifest.photos.get(sha) != size or not earlier.is_file():
        return False
    if earlier.stat().st_size != size:
        return False
    try:
        os.link(earlier, target)
    except OSError:  # another file system, or links not allowed there: copy the file
        shutil.copyfile(earlier, target)
    return True


def _read_from_store(store: PhotoStore, sha: str, size: int, target: Path) -> str | None:
    """Copy one photo; returns what is wrong with it, or None."""
    try:
        stream, _length = store.open(sha)
    except PhotoNotStored:
        return f"in the database but not in the photo store {store.location}"
    with stream, target.open("wb") as out:
        digest, length = _read_hashing(stream, out)
    if digest != sha or length != size:
        target.unlink()
        return f"its bytes in the photo store {store.location} do not match its hash (damaged)"
    return None


def restore_photos(store: PhotoStore, photos: dict[str, int], folder: Path) -> tuple[int, int]:
    """Put every photo of the backup into ``store``; returns (written, already there).
    A stored object counts as there only with exactly the backup's bytes (a same-size
    object with other bytes is replaced). Raises PhotoStoreUnavailable."""
    written = already = 0
    for sha in sorted(photos):
        data = photo_file(folder, sha).read_bytes()
        if store.holds_exactly(sha, data):
            already += 1
            continue
        store.put(sha, data)
        written += 1
    return written, already


def verify_stored_photos(store: PhotoStore, photos: dict[str, int]) -> list[str]:
    """Read every photo back from ``store`` and hash it; returns what is wrong."""
    wrong = []
    for sha, size in sorted(photos.items()):
        try:
            stream, _length = store.open(sha)
        except PhotoNotStored:
            wrong.append(f"photo {sha}: not in the photo store {store.location}")
            continue
        with stream:
            digest, length = _read_hashing(stream)
        if digest != sha or length != size:
            wrong.append(f"photo {sha}: its bytes in the photo store do not match its hash")
    return wrong


def _read_hashing(stream: BinaryIO, out: BinaryIO | None = None) -> tuple[str, int]:
    """Read ``stream`` to its end (copying it to ``out``); its SHA-256 and length."""
    digest, length = hashlib.sha256(), 0
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
        length += len(chunk)
        if out is not None:
            out.write(chunk)
    return digest.hexdigest(), length
