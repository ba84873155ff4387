"""Photos addressed by the SHA-256 of their bytes: checking, storing, finding, and evidence
completeness.

An upload is checked (the hash, the size, and a full decode with Pillow: only JPEG, PNG and
WebP of at most ``MAX_PHOTO_PIXELS``), its bytes go to the photo store
(``webapp/photo_store``: a directory or a bucket), then a ``Photo`` row and a ``PhotoUpload``
row for the uploader are written. Storing the same bytes again changes nothing. Inspections
may reference photos that have not arrived yet; ``refresh_evidence`` marks them complete when
the last one counts for them (``scope.photo_counts_for``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import logging
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import select, update

from webapp import days
from webapp.extensions import db
from webapp.models import Inspection, InspectionPhoto, Photo, PhotoUpload, User
from webapp.models.inspections import SHA256_RE
from webapp.photo_store import photo_store
from webapp.scope import can_see_photo, inspection_photo_counts
from webapp.services.credibility.flags import flag_reused_photo
from webapp.services.dialect import insert_ignoring_duplicates

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# A 48-megapixel camera's full-size shot (8000 × 6000) fits; a decompression bomb (a few
# kilobytes of PNG claiming 20,000 × 20,000 pixels) is refused before it is decoded.
MAX_PHOTO_PIXELS = 50_000_000
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PhotoRejected(ValueError):
    """The bytes cannot be stored; ``field`` is at fault and ``message`` says why."""

    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


@dataclass(slots=True)
class StoredPhoto:
    sha256: str
    content_type: str
    created: bool  # False: this account had uploaded these bytes before


def decoded_content_type(data: bytes) -> str:
    """The type of an image that Pillow decodes completely as JPEG, PNG or WebP; raises
    PhotoRejected for anything else (a file that merely starts like an image, a truncated
    one, another format, too many pixels). The type never comes from the first bytes."""
    try:
        with Image.open(io.BytesIO(data), formats=tuple(CONTENT_TYPES)) as image:
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise _too_many_pixels()
            if image.format == "JPEG":
                # Decoding at 1/8 scale still reads every block, in 1/64 of the memory.
                image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
            return CONTENT_TYPES[image.format]
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except Exception:  # whatever Pillow raises on bytes it cannot decode
        raise PhotoRejected(
            "body", _("Not a JPEG, PNG or WebP image that can be decoded."), status=415
        ) from None


def _too_many_pixels() -> PhotoRejected:
    return PhotoRejected(
        "body",
        _("A photo may have at most %(count)d million pixels.", count=MAX_PHOTO_PIXELS // 10**6),
    )


def store_photo(user: User, sha256: str, data: bytes) -> StoredPhoto:
    """Check ``data`` and store it under ``sha256`` unless already there, and record that
    ``user`` holds it. Raises PhotoRejected, or PhotoStoreUnavailable (nothing written).
    Commits."""
    content_type = _check_photo(sha256, data)
    # The bytes first: a row never names a photo the store does not hold.
    photo_store().put(sha256, data)
    db.session.execute(
        insert_ignoring_duplicates(Photo, ["sha256"]),
        {
            "sha256": sha256,
            "content_type": content_type,
            "size": len(data),
            "uploaded_by_id": user.id,
        },
    )
    created = (
        db.session.scalar(
            insert_ignoring_duplicates(PhotoUpload, ["sha256", "user_id"]).returning(
                PhotoUpload.id
            ),
            {"sha256": sha256, "user_id": user.id, "org_id": user.org_id},
        )
        is not None
    )
    refresh_evidence(sha256=sha256, commit=False)
    if created:  # the photo may now count for records of this account's organisation
        flag_reused_photo(sha256, days.now())
    db.session.commit()
    log.info(
        "photo %s user=%s size=%d %s",
        sha256[:12],
        user.id,
        len(data),
        "stored" if created else "already there",
    )
    return StoredPhoto(sha256, content_type, created)


def store_encoded_photos(user: User, photos: object) -> list[dict]:
    """Photos of an export file, ``[{sha256, content_type, data: base64}]``: one result each,
    ``{sha256, status: created|duplicate|rejected, errors?}``. Commits per photo."""
    results = []
    for index, entry in enumerate(photos if isinstance(photos, list) else []):
        sha = entry.get("sha256") if isinstance(entry, dict) else None
        result: dict = {"sha256": sha if isinstance(sha, str) else None}
        try:
            if not isinstance(sha, str):
                raise PhotoRejected(
                    "sha256", _("Must be a SHA-256 hash (64 lowercase hex digits).")
                )
            try:
                data = base64.b64decode(entry.get("data") or "", validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise PhotoRejected("data", _("Must be the photo's bytes in base64.")) from None
            stored = store_photo(user, sha, data)
            result["status"] = "created" if stored.created else "duplicate"
        except PhotoRejected as rejected:
            db.session.rollback()
            result["status"] = "rejected"
            result["errors"] = {f"photos.{index}.{rejected.field}": [rejected.message]}
        results.append(result)
    return results


def _check_photo(sha256: str, data: bytes) -> str:
    if not SHA256_RE.match(sha256):
        raise PhotoRejected("sha256", _("Must be a SHA-256 hash (64 lowercase hex digits)."))
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected("body", _("A photo may be at most 10 MB."), status=413)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise PhotoRejected("sha256", _("The bytes do not match this SHA-256 hash."))
    return decoded_content_type(data)


def refresh_evidence(
    *, sha256: str | None = None, inspection_ids: list[str] | None = None, commit: bool = True
) -> int:
    """Mark inspections whose referenced photos now all count for them as evidence-complete
    (those referencing ``sha256``, or those in ``inspection_ids``). The only change a stored
    inspection ever gets. Returns how many changed."""
    lacking = (
        select(InspectionPhoto.id)
        .where(InspectionPhoto.inspection_id == Inspection.id, ~inspection_photo_counts())
        .exists()
    )
    statement = update(Inspection).where(Inspection.evidence_complete.is_(False), ~lacking)
    if sha256 is not None:
        statement = statement.where(
            Inspection.id.in_(
                select(InspectionPhoto.inspection_id).where(InspectionPhoto.sha256 == sha256)
            )
        )
    if inspection_ids is not None:
        statement = statement.where(Inspection.id.in_(inspection_ids))
    changed = db.session.execute(
        statement.values(evidence_complete=True).execution_options(synchronize_session=False)
    ).rowcount
    if commit:
        db.session.commit()
    return changed


def visible_photo(user: User, sha256: str) -> Photo:
    """The photo if ``user`` may see it (``scope.can_see_photo``); raises LookupError
    otherwise (absent and out of scope read the same)."""
    photo = db.session.get(Photo, sha256) if SHA256_RE.match(sha256) else None
    if photo is None or not can_see_photo(user, photo):
        raise LookupError(sha256)
    return photo


def open_photo(photo: Photo) -> tuple[BinaryIO, int]:
    """The photo's bytes from the store (a stream to close, and its length); raises
    PhotoNotStored or PhotoStoreUnavailable."""
    return photo_store().open(photo.sha256)
