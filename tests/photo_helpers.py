"""Helpers for the photo tests: what a photo store holds, and real images to upload."""

from __future__ import annotations

import io

from PIL import Image

from webapp.photo_store import photo_store
from webapp.photo_store.local import LocalStore


def stored_objects(app) -> dict[str, bytes]:
    """Every object in the app's photo store by its key below the root or prefix
    (``ab/abcdef…``), read straight from the directory or the bucket."""
    with app.app_context():
        store = photo_store()
    if isinstance(store, LocalStore):
        if not store.root.exists():
            return {}
        return {
            path.relative_to(store.root).as_posix(): path.read_bytes()
            for path in store.root.rglob("*")
            if path.is_file()
        }
    prefix = f"{store.prefix}/" if store.prefix else ""
    pages = store.client.get_paginator("list_objects_v2").paginate(
        Bucket=store.bucket, Prefix=prefix
    )
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    return {
        key.removeprefix(prefix): store.client.get_object(Bucket=store.bucket, Key=key)[
            "Body"
        ].read()
        for key in keys
    }


def image_bytes(kind: str = "JPEG", size=(32, 24), mode: str = "RGB", colour=None) -> bytes:
    """A real image of ``kind`` (JPEG, PNG, WEBP, GIF) that Pillow made."""
    buffer = io.BytesIO()
    fill = colour if colour is not None else ((200, 40, 40) if mode == "RGB" else 0)
    Image.new(mode, size, fill).save(buffer, kind)
    return buffer.getvalue()
