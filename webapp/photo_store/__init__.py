"""Where the bytes of photos live: a local directory (the default) or an S3-compatible
bucket (MinIO, Aliyun OSS, Tencent COS, Huawei OBS, AWS), chosen by ``SHELTER_PHOTO_STORE``.

Both backends keep a photo under a key made of its SHA-256 (``<prefix>/ab/abcdef…``), so
storing the same bytes twice, from one node or two, is harmless; a photo is either wholly
there or not at all. The database says which photos exist and who may see them
(``webapp/services/photos.py``, ``webapp/scope.py``); a store only holds bytes.
"""

from __future__ import annotations

from flask import current_app

from webapp.photo_store.base import (
    PhotoNotStored,
    PhotoStore,
    PhotoStoreUnavailable,
    photo_key,
)

__all__ = [
    "PhotoNotStored",
    "PhotoStore",
    "PhotoStoreUnavailable",
    "open_store",
    "photo_key",
    "photo_store",
]


def open_store(location: str) -> PhotoStore:
    """The store at ``location``: ``s3://bucket/prefix`` or a directory path."""
    if location.startswith("s3://"):
        from webapp.photo_store.s3 import S3Store

        return S3Store.from_url(location)
    from webapp.photo_store.local import LocalStore

    return LocalStore(location)


def photo_store() -> PhotoStore:
    """The app's store (``SHELTER_PHOTO_STORE``, else the directory ``SHELTER_PHOTO_DIR``),
    made on first use in each process (no connection is opened before the first photo)."""
    store = current_app.extensions.get("photo_store")
    if store is None:
        config = current_app.config
        store = open_store(config["SHELTER_PHOTO_STORE"] or config["SHELTER_PHOTO_DIR"])
        current_app.extensions["photo_store"] = store
    return store
