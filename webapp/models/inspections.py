"""Inspections as the phones send them. Once stored they never change (append-only)."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.credibility import InspectionFlag
from webapp.models.sites import Site
from webapp.models.templates import ChecklistTemplate
from webapp.models.types import UTCDateTime, utcnow
from webapp.models.users import User


class InspectionKind(StrEnum):
    SELF = "self"  # daily self-check by the operating unit
    OFFICE = "office"  # supervisory check by a county/city office
    COVERT = "covert"  # unannounced check by the province (暗查暗访)


class Outcome(StrEnum):
    PASS = "pass"  # nosec B105 # an item's outcome, not a password
    FAIL = "fail"
    NA = "na"


class Inspection(db.Model):
    __tablename__ = "inspections"
    __table_args__ = (
        Index("ix_inspections_site_day", "site_id", "day"),
        Index("ix_inspections_day_kind", "day", "kind"),
        # A period's checks of one kind: office and covert checks (a few among millions) for
        # the monthly report; self-checks per site and day, with when they reached the
        # server, read from the index alone (the day's figures, the period figures when
        # they cannot use the summaries).
        Index("ix_inspections_kind_day_site", "kind", "day", "site_id", "received_at"),
        # An inspector's inspections around a time (the overlapping flag): the later ones.
        Index("ix_inspections_inspector_finished", "inspector_id", "finished_at"),
        # GET /api/v1/inspections pages by this key (see webapp/services/inspections/), and
        # by the same key within one kind (office and covert checks are rare).
        Index("ix_inspections_received_id", "received_at", "id"),
        Index("ix_inspections_kind_received", "kind", "received_at", "id"),
    )

    # The UUID the phone gave the inspection when it started: the primary key is what
    # makes a resend a duplicate, however many retries race each other.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"))
    kind: Mapped[str] = mapped_column(String(16), default=InspectionKind.SELF.value)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The SHELTER_TZ calendar day of started_at (webapp.days.local_day): the day it counts for.
    day: Mapped[date]
    # Proof of presence: a valid QR token was scanned for this inspection.
    scanned: Mapped[bool] = mapped_column(default=False)
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Phone clock minus server clock at sync time (beyond the limit: a clock_skew flag).
    clock_offset_seconds: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    # All photos the inspection references are on the server.
    evidence_complete: Mapped[bool] = mapped_column(default=True)
    # SHA-256 of the canonical payload: same id + same hash = duplicate, else conflict.
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)

    site: Mapped[Site] = relationship()
    template: Mapped[ChecklistTemplate] = relationship()
    inspector: Mapped[User] = relationship()
    results: Mapped[list[InspectionResult]] = relationship(
        back_populates="inspection", order_by="InspectionResult.id"
    )
    # Credibility flags (webapp/models/credibility.py), in the order they were raised.
    flags: Mapped[list[InspectionFlag]] = relationship(order_by="InspectionFlag.id", viewonly=True)


class InspectionResult(db.Model):
    __tablename__ = "inspection_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    # For failures: {"mode": "on_spot"|"order", "action", "responsible", "deadline", ...}
    # none_as_null: pass and n/a results store SQL NULL (and skip JSON encoding on the hot path).
    rectification: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    inspection: Mapped[Inspection] = relationship(back_populates="results")


# How a photo is named everywhere: the SHA-256 of its bytes in lowercase hex.
SHA256_PATTERN = r"^[0-9a-f]{64}$"
SHA256_RE = re.compile(SHA256_PATTERN)


class Photo(db.Model):
    """An uploaded image, addressed by the SHA-256 of its bytes (its bytes are in the photo
    store, webapp/photo_store). Who may reference it is ``PhotoUpload``, not this row."""

    __tablename__ = "photos"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    # The first account that uploaded these bytes, and when.
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PhotoUpload(db.Model):
    """An account proved it holds a photo by uploading its bytes (once per account). A record
    counts a referenced photo as present, and opens it to the record's readers, only if its
    author or the author's organisation has such a row (``scope.photo_counts_for``)."""

    __tablename__ = "photo_uploads"
    __table_args__ = (UniqueConstraint("sha256", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("photos.sha256"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The uploader's organisation when it uploaded: its colleagues may reference the photo.
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionPhoto(db.Model):
    """A photo an inspection references; the photo itself may arrive later."""

    __tablename__ = "inspection_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # "evidence" (what was found) or "after" (the on-the-spot fix)
    role: Mapped[str] = mapped_column(String(16), default="evidence")


class InspectionConflict(db.Model):
    """A second, different version of an already stored inspection id: kept for review."""

    __tablename__ = "inspection_conflicts"
    __table_args__ = (UniqueConstraint("inspection_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[str] = mapped_column(String(36), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    device_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
