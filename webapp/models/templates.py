"""Checklist templates: data, versioned. A version is frozen once an inspection uses it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow


class Grade(StrEnum):
    GENERAL = "general"  # 一般
    MAJOR = "major"  # 重大


class Frequency(StrEnum):
    DAILY = "daily"  # on every daily self-check
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SUPERVISORY = "supervisory"  # usually on office visits
    SEASONAL = "seasonal"  # on daily checks while one of the item's seasons is on


class ChecklistCategory(db.Model):
    __tablename__ = "checklist_categories"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)


class ChecklistTemplate(db.Model):
    """One version of a named checklist. ``key`` names the checklist across versions."""

    __tablename__ = "checklist_templates"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(120))
    # Only the newest published version of a key is used for new forms.
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="template", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("template_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"))
    # Stable across versions (e.g. "EVAC-01") so trends survive rewording.
    item_id: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(ForeignKey("checklist_categories.code"))
    position: Mapped[int] = mapped_column(default=0)
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    guidance_zh: Mapped[str] = mapped_column(String(400), default="")
    guidance_en: Mapped[str] = mapped_column(String(400), default="")
    frequency: Mapped[str] = mapped_column(String(16), default=Frequency.DAILY.value)
    # Site tags (see Site.tags); the item applies when the site has any of them.
    applies_to: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["all"])
    # Season names from SHELTER_SEASONS; empty means all year.
    seasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    photo_required_on_fail: Mapped[bool] = mapped_column(default=False)
    default_grade: Mapped[str] = mapped_column(String(16), default=Grade.GENERAL.value)
    # Failures must be fixed at once (locked exits, flammables in crowded places, e-bikes).
    fix_immediately: Mapped[bool] = mapped_column(default=False)

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")
    category_ref: Mapped[ChecklistCategory] = relationship(lazy="joined")
