"""Organisations: one tree of any depth (province → city-level → county → operating unit)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow


class OrgKind(StrEnum):
    PROVINCE = "province"
    CITY = "city"  # 市州, and the directly reporting cities 梅河口 / 公主岭
    COUNTY = "county"  # 县区 office or development-zone desk
    UNIT = "unit"  # operating unit (经营单位)

    @property
    def is_office(self) -> bool:
        return self is not OrgKind.UNIT


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # 梅河口 reports to the province but is nominally under 通化: kept, never used for totals.
    nominal_parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Materialised path of codes, "/JL/CC/CC-NG/": a subtree is one indexed prefix match.
    path: Mapped[str] = mapped_column(String(400), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Organisation | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Organisation]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Organisation.code"
    )
    nominal_parent: Mapped[Organisation | None] = relationship(
        remote_side=[id], foreign_keys=[nominal_parent_id]
    )

    @property
    def org_kind(self) -> OrgKind:
        return OrgKind(self.kind)

    @property
    def depth(self) -> int:
        return self.path.strip("/").count("/")

    def place_under(self, parent: Organisation | None) -> None:
        """Attach to ``parent`` and compute the path. Moving an org with children is not
        supported: its descendants' paths would go stale."""
        self.parent = parent
        self.path = f"{parent.path if parent else '/'}{self.code}/"

    def contains(self, other: Organisation) -> bool:
        """True when ``other`` is this organisation or lies below it."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"
