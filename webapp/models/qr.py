"""The QR token rotation log: which site's label was retired, by whom, when and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.orgs import Organisation
from webapp.models.sites import Site
from webapp.models.types import UTCDateTime, utcnow
from webapp.models.users import User


class QrRotation(db.Model):
    """One site's token replaced. Append-only; a unit-wide rotation writes one row per site,
    all with the same ``batch`` id."""

    __tablename__ = "qr_rotations"
    __table_args__ = (Index("ix_qr_rotations_site_rotated_at", "site_id", "rotated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    # The unit that owned the site at the time (the log is read per unit).
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    rotated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rotated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    # "site" (one label) or "unit" (every label of the unit at once).
    kind: Mapped[str] = mapped_column(String(8), default="site")
    # Rows written together by one unit-wide rotation share this id (a UUID hex).
    batch: Mapped[str] = mapped_column(String(32))
    # First 12 hex digits of SHA-256(old token): tells which printed label was retired
    # without keeping anything that could be replayed as proof.
    old_token_fingerprint: Mapped[str] = mapped_column(String(12))

    site: Mapped[Site] = relationship()
    unit: Mapped[Organisation] = relationship()
    rotated_by: Mapped[User] = relationship()
