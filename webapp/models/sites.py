"""Sites: the civil air defence works (人防工程) that are checked every day."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.days import today
from webapp.extensions import db
from webapp.models.orgs import Organisation
from webapp.models.types import UTCDateTime, utcnow

# Built in this year or earlier = early-era work (早期人防工程).
EARLY_ERA_LAST_YEAR = 1980


class ConstructionType(StrEnum):
    CUT_AND_COVER = "cut_and_cover"  # 掘开式
    HILLSIDE_TUNNEL = "hillside_tunnel"  # 坑道式
    TUNNEL = "tunnel"  # 地道式
    BASEMENT = "basement"  # 防空地下室


class Usage(StrEnum):
    PARKING = "parking"  # 停车
    COMMERCIAL = "commercial"  # 商业
    STORAGE = "storage"  # 仓储
    CATERING_ENTERTAINMENT = "catering_entertainment"  # 餐饮娱乐
    OFFICE = "office"  # 办公
    IDLE = "idle"  # 闲置
    OTHER = "other"  # 其他


class SiteStatus(StrEnum):
    IN_USE = "in_use"
    IDLE = "idle"
    SEALED = "sealed"
    SUSPENDED = "suspended"


def first_due_day() -> date:
    """A new site is due from the day after it is registered, so that registering it never
    shows a miss for a day that was already under way (the form and import can set it)."""
    return today() + timedelta(days=1)


def new_qr_token() -> str:
    """A secret for the site's QR label: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


class Site(db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    construction_type: Mapped[str] = mapped_column(String(32))
    year_built: Mapped[int | None]
    usage: Mapped[str] = mapped_column(String(32))
    leased: Mapped[bool] = mapped_column(default=False)
    tenant: Mapped[str | None] = mapped_column(String(120))
    lease_expires: Mapped[date | None]
    permit_expires: Mapped[date | None]
    crowded: Mapped[bool] = mapped_column(default=False)  # 人员密集场所
    capacity: Mapped[int | None]  # approved number of people
    hillside: Mapped[bool] = mapped_column(default=False)
    low_lying: Mapped[bool] = mapped_column(default=False)
    floor_area: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    responsible_person: Mapped[str | None] = mapped_column(String(64))
    responsible_phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=SiteStatus.IN_USE.value)
    # The first SHELTER_TZ day the site is due for daily checks (每日检查起始日): no day
    # before it counts as due or missed. See webapp.due.site_due_on.
    due_from: Mapped[date] = mapped_column(default=first_due_day)
    qr_token: Mapped[str] = mapped_column(String(64), default=new_qr_token)
    qr_token_previous: Mapped[str | None] = mapped_column(String(64))
    qr_token_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def early_era(self) -> bool:
        return self.year_built is not None and self.year_built <= EARLY_ERA_LAST_YEAR

    @property
    def tags(self) -> set[str]:
        """The tags that decide which checklist items apply (see ChecklistItem.applies_to)."""
        usage = Usage(self.usage)
        tags = {"all"}
        if self.crowded or usage in (Usage.COMMERCIAL, Usage.CATERING_ENTERTAINMENT):
            tags.add("crowd")
        if usage is Usage.CATERING_ENTERTAINMENT:
            tags.add("catering")
        if usage is Usage.PARKING:
            tags.add("park")
        if usage is Usage.STORAGE:
            tags.add("store")
        if self.early_era or self.status in (SiteStatus.IDLE, SiteStatus.SEALED):
            tags.add("early")
        if self.hillside:
            tags.add("hill")
        if self.low_lying:
            tags.add("lowlying")
        if self.leased:
            tags.add("leased")
        if self.status == SiteStatus.IN_USE:
            tags.add("in_use")
        return tags

    def __repr__(self) -> str:
        return f"<Site {self.code}>"
