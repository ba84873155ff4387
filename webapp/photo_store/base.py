"""What every photo store is: its interface, its two errors, and how a photo's key is made."""

from __future__ import annotations

from typing import BinaryIO, Protocol


class PhotoNotStored(LookupError):
    """The store has no object under this hash."""


class PhotoStoreUnavailable(Exception):
    """The store cannot be reached or cannot take the bytes now (down, full, read-only,
    credentials refused): nothing was written; the client may retry later."""


class PhotoStore(Protocol):
    location: str  # where it stores, for logs and commands (a directory or s3://bucket/prefix)

    def has(self, sha256: str, size: int) -> bool:
        """Whether an object of ``size`` bytes is stored under ``sha256`` (its size only)."""

    def holds_exactly(self, sha256: str, data: bytes) -> bool:
        """Whether the object under ``sha256`` is ``data``, byte for byte."""

    def put(self, sha256: str, data: bytes) -> None:
        """Store ``data`` under ``sha256`` unless exactly these bytes are there already (an
        object of the right size with other bytes is replaced); all or nothing."""

    def open(self, sha256: str) -> tuple[BinaryIO, int]:
        """The stored bytes as a stream to read and close, and their length; raises
        PhotoNotStored."""


def photo_key(sha256: str) -> str:
    """The key of a photo below the store's root or prefix: ``ab/abcdef…``."""
    return f"{sha256[:2]}/{sha256}"
