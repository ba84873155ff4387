"""Photos addressed by the SHA-256 of their bytes: storing, finding, and evidence completeness.

A photo is a file ``SHELTER_PHOTO_DIR/<first two hex digits>/<sha256>`` (written to a
temporary file and renamed, so a reader never sees half a photo) plus a ``Photo`` row.
Storing the same bytes again changes nothing. Inspections may reference photos that have
not arrived yet; ``refresh_evidence`` marks them complete when the last one arrives.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import Inspection, InspectionPhoto, Photo, Site, User
from webapp.scope import scoped_sites
from webapp.services.dialect import insert_ignoring_duplicates
from webapp.services.hazards import photo_visible_through_hazards
from webapp.services.inspection_records import SHA256_RE

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024


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
    created: bool  # False: the server already had it


def sniff_content_type(data: bytes) -> str | None:
    """JPEG, PNG or WebP by their magic bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def photo_path(sha256: str) -> Path:
    return Path(current_app.config["SHELTER_PHOTO_DIR"]) / sha256[:2] / sha256


def store_photo(user: User, sha256: str, data: bytes) -> StoredPhoto:
    """Store ``data`` under ``sha256`` unless already there; raises PhotoRejected. Commits."""
    content_type = _check_photo(sha256, data)
    path = photo_path(sha256)
    if not (path.is_file() and path.stat().st_size == len(data)):
        _write_atomically(path, data)
    created = (
        db.session.scalar(
            insert_ignoring_duplicates(Photo, ["sha256"]).returning(Photo.sha256),
            [
                {
                    "sha256": sha256,
                    "content_type": content_type,
                    "size": len(data),
                    "uploaded_by_id": user.id,
                }
            ],
        )
        is not None
    )
    refresh_evidence(sha256=sha256, commit=False)
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
    content_type = sniff_content_type(data)
    if content_type is None:
        raise PhotoRejected("body", _("Not a JPEG, PNG or WebP image."), status=415)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise PhotoRejected("sha256", _("The bytes do not match this SHA-256 hash."))
    return content_type


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def refresh_evidence(
    *, sha256: str | None = None, inspection_ids: list[str] | None = None, commit: bool = True
) -> int:
    """Mark inspections whose referenced photos are now all present as evidence-complete
    (those referencing ``sha256``, or those in ``inspection_ids``). The only change a stored
    inspection ever gets. Returns how many changed."""
    lacking = (
        select(InspectionPhoto.id)
        .outerjoin(Photo, Photo.sha256 == InspectionPhoto.sha256)
        .where(InspectionPhoto.inspection_id == Inspection.id, Photo.sha256.is_(None))
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
    """The photo if ``user`` uploaded it or can see a site of an inspection referencing it;
    raises LookupError otherwise (absent and out of scope read the same)."""
    photo = db.session.get(Photo, sha256) if SHA256_RE.match(sha256) else None
    if photo is None:
        raise LookupError(sha256)
    if photo.uploaded_by_id == user.id:
        return photo
    referenced_in_scope = db.session.scalar(
        select(InspectionPhoto.id)
        .join(Inspection, Inspection.id == InspectionPhoto.inspection_id)
        .where(
            InspectionPhoto.sha256 == sha256,
            Inspection.site_id.in_(scoped_sites(user).with_only_columns(Site.id)),
        )
        .limit(1)
    )
    if referenced_in_scope is None and not photo_visible_through_hazards(user, sha256):
        raise LookupError(sha256)
    return photo
