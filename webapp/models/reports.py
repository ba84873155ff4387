"""Excused days and the monthly report (月报) to the province."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.orgs import Organisation
from webapp.models.sites import Site
from webapp.models.types import UTCDateTime, utcnow
from webapp.models.users import User


class SiteExcuse(db.Model):
    """A manager excused a site from its daily check on one day (closed for works, flooded
    access road, ...). The row is the log: who, when, why. An excused site is not due."""

    __tablename__ = "site_excuses"
    __table_args__ = (
        UniqueConstraint("site_id", "day"),
        Index("ix_site_excuses_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    excused_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()
    excused_by: Mapped[User] = relationship()


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class MonthlyReport(db.Model):
    """One version of a city-level office's report for a calendar month.

    Sections A, B and E are computed from the data; while the version is a draft they are
    live, and on submission they are frozen into ``figures`` (kept as submitted even when
    late data arrives). C, D, F and the manual part of E are typed in (``manual``). A
    submitted version never changes: a correction is a new version.
    """

    __tablename__ = "monthly_reports"
    __table_args__ = (UniqueConstraint("org_id", "month", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # The first day of the reported month.
    month: Mapped[date]
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.DRAFT.value)
    figures: Mapped[dict | None] = mapped_column(JSON)
    manual: Mapped[dict] = mapped_column(JSON, default=dict)
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    # Why a new version was made (required for version 2 and later).
    correction_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])

    @property
    def is_submitted(self) -> bool:
        return self.status == ReportStatus.SUBMITTED.value
