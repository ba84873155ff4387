"""Credibility flags on inspections, and the annotations people add to them.

A flag is evidence, not a verdict: the sync raises it when it stores the record
(webapp/services/credibility/flags.py), and a unit manager or an office annotates it
(explained / confirmed problem). A flag stores its ``code`` and the ``facts`` that raised
it (numbers, ids, times); the sentence a person reads is rendered from them in the
reader's language (webapp/services/credibility/reasons.py), so one stored flag reads in
Chinese and in English, and a corrected translation corrects every old flag too.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.append_only import make_append_only
from webapp.models.types import UTCDateTime, utcnow
from webapp.models.users import User


class FlagCode(StrEnum):
    NOT_SCANNED = "not_scanned"  # no valid QR token for this site
    TOO_FAST = "too_fast"  # shorter than applicable items × SHELTER_MIN_SECONDS_PER_ITEM
    CLOCK_SKEW = "clock_skew"  # the phone's clock off by more than the threshold
    PHOTO_REUSED = "photo_reused"  # a photo an earlier inspection already used
    LATE_SYNC = "late_sync"  # reached the server long after its day ended
    OVERLAPPING = "overlapping"  # the same inspector at two sites at once
    CONTRADICTED = "contradicted"  # all pass, then an office check found failures


class Verdict(StrEnum):
    EXPLAINED = "explained"  # there is a good reason: the flag no longer counts
    CONFIRMED = "confirmed"  # a real problem with the check


class InspectionFlag(db.Model):
    __tablename__ = "inspection_flags"
    __table_args__ = (
        # One flag of a kind per inspection: a retried batch or a second overlap adds nothing.
        UniqueConstraint("inspection_id", "code"),
        # The credibility figures and drill-down read a month of flags, not every inspection.
        Index("ix_inspection_flags_day", "day"),
        # GET /api/v1/inspections?flag=CODE walks one code's flags in the list's order.
        Index("ix_inspection_flags_code_received", "code", "received_at", "inspection_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"))
    code: Mapped[str] = mapped_column(String(16))
    # What raised it, JSON-safe values (see reasons.py for each code's keys).
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    # The inspection's day (Inspection.day, which never changes), copied here for the figures.
    day: Mapped[date]
    # The inspection's arrival (Inspection.received_at, which never changes either), copied
    # so that a page of one code's flagged inspections needs no walk through all of them.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The latest annotation's verdict (None: not annotated yet), set with each annotation.
    verdict: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    annotations: Mapped[list[FlagAnnotation]] = relationship(
        back_populates="flag", order_by="FlagAnnotation.id", viewonly=True
    )

    @property
    def unexplained(self) -> bool:
        return self.verdict != Verdict.EXPLAINED.value


class FlagAnnotation(db.Model):
    """A person's word on a flag. Append-only: a change of mind is a new annotation."""

    __tablename__ = "flag_annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("inspection_flags.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verdict: Mapped[str] = mapped_column(String(16))
    remark: Mapped[str] = mapped_column(Text)

    flag: Mapped[InspectionFlag] = relationship(back_populates="annotations")
    author: Mapped[User] = relationship()


make_append_only(FlagAnnotation)
