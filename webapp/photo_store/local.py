"""Photos as files in a directory: ``<root>/ab/abcdef…``, each written to a temporary file
in the same folder and renamed into place, so no reader ever sees half a photo."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from webapp.photo_store.base import PhotoNotStored, PhotoStoreUnavailable, photo_key


class LocalStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.location = str(self.root)

    def path(self, sha256: str) -> Path:
        return self.root / photo_key(sha256)

    def has(self, sha256: str, size: int) -> bool:
        path = self.path(sha256)
        return path.is_file() and path.stat().st_size == size

    def holds_exactly(self, sha256: str, data: bytes) -> bool:
        # Reading the file back is cheap next to the upload that brought ``data``.
        if not self.has(sha256, len(data)):
            return False
        try:
            return self.path(sha256).read_bytes() == data
        except OSError:  # unreadable: write it again (put reports a store that is down)
            return False

    def put(self, sha256: str, data: bytes) -> None:
        if self.holds_exactly(sha256, data):
            return
        path = self.path(sha256)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        except OSError as error:  # read-only, permissions
            raise PhotoStoreUnavailable(f"{self.location}: {error}") from error
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except OSError as error:  # disk full, quota, I/O error
            # Best effort: on a file system turned read-only even this fails.
            with contextlib.suppress(OSError):
                Path(temporary).unlink(missing_ok=True)
            raise PhotoStoreUnavailable(f"{self.location}: {error}") from error

    def open(self, sha256: str) -> tuple[BinaryIO, int]:
        try:
            handle = self.path(sha256).open("rb")
        except FileNotFoundError:
            raise PhotoNotStored(sha256) from None
        except OSError as error:
            raise PhotoStoreUnavailable(f"{self.location}: {error}") from error
        return handle, os.fstat(handle.fileno()).st_size
