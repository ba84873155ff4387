"""Hazards (隐患) and their append-only, hash-chained history.

A ``Hazard`` row is the current state of one hazard (what the lists, dashboards and the
ledger read). Every change to it is a ``HazardEvent``: the events are the record, never
edited or deleted. The rules that move a hazard live in webapp/services/hazards.py.

Immutability of the history is enforced three times over:
- ORM and database: ``make_append_only`` (webapp/models/append_only.py) refuses any change
  through the ORM and installs triggers that refuse UPDATE and DELETE on ``hazard_events``;
- the hash chain: each event stores the hash of the previous event of the same site and
  its own hash over its canonical content; ``flask verify-hazard-chain`` finds any edit.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.append_only import make_append_only
from webapp.models.orgs import Organisation
from webapp.models.sites import Site
from webapp.models.templates import Grade
from webapp.models.types import UTCDateTime, utcnow
from webapp.models.users import User


class HazardStatus(StrEnum):
    OPEN = "open"  # 已登记: registered, nobody assigned yet
    RECTIFYING = "rectifying"  # 整改中
    RECTIFIED = "rectified"  # 待验收: rectified, awaiting verification
    CLOSED = "closed"  # 已销号

    @property
    def unfixed(self) -> bool:
        return self in (HazardStatus.OPEN, HazardStatus.RECTIFYING)


UNFIXED = (HazardStatus.OPEN.value, HazardStatus.RECTIFYING.value)


class HazardSource(StrEnum):
    """Who found it; the values are Inspection.kind's."""

    SELF = "self"  # 自查
    OFFICE = "office"  # 督导检查
    COVERT = "covert"  # 暗查暗访


class EventType(StrEnum):
    OPENED = "opened"  # created from a failed inspection item (system)
    ASSIGN = "assign"  # rectification order: responsible, deadline, measures, funds
    PLAN = "plan"  # major-hazard remediation plan (six parts)
    PROGRESS = "progress"  # a note and/or photos along the way
    RECTIFIED = "rectified"  # reported done, with evidence
    VERIFIED = "verified"  # accepted and closed (销号 / 摘牌)
    REJECTED = "rejected"  # verification failed: back to rectifying
    REGRADE = "regrade"  # 一般 ↔ 重大, with a reason
    SUPERVISE = "supervise"  # 挂牌督办 by an office
    REMINDER = "reminder"  # deadline in a few days (system)
    OVERDUE = "overdue"  # deadline passed, escalated to the next office up (system)


class RectifyMode(StrEnum):
    ON_SPOT = "on_spot"  # 即查即改
    ORDER = "order"  # 限期整改


class Hazard(db.Model):
    __tablename__ = "hazards"
    __table_args__ = (
        # One hazard per failed item of an inspection: re-running the hook changes nothing.
        UniqueConstraint("inspection_id", "item_id"),
        # The dashboard and list queries: by site and state, by state and deadline.
        Index("ix_hazards_site_status", "site_id", "status"),
        # A subtree's hazards found in a period (monthly report, year to date).
        Index("ix_hazards_site_found", "site_id", "found_at"),
        Index("ix_hazards_status_deadline", "status", "deadline"),
        Index("ix_hazards_status_grade", "status", "grade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    inspection_id: Mapped[str | None] = mapped_column(ForeignKey("inspections.id"))
    item_id: Mapped[str] = mapped_column(String(32), index=True)
    category: Mapped[str] = mapped_column(String(16), index=True)
    # The item's label when found (the template may be reworded later): 隐患部位 falls back to it.
    item_label: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    grade: Mapped[str] = mapped_column(String(16), index=True, default=Grade.GENERAL.value)
    source: Mapped[str] = mapped_column(String(16), index=True, default=HazardSource.SELF.value)
    found_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The finder's organisation when found: offices verify what they found.
    found_by_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default=HazardStatus.OPEN.value)
    # The item must be fixed at once (ChecklistItem.fix_immediately): default deadline = found day.
    immediate: Mapped[bool] = mapped_column(default=False)
    fixed_on_spot: Mapped[bool] = mapped_column(default=False, index=True)
    rectify_mode: Mapped[str | None] = mapped_column(String(16))

    # Rectification order (整改通知) — also the 五落实 of a major hazard.
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    responsible_name: Mapped[str | None] = mapped_column(String(64))
    responsible_phone: Mapped[str | None] = mapped_column(String(40))
    # A SHELTER_TZ calendar day: overdue from the day after it while not rectified.
    deadline: Mapped[date | None] = mapped_column(index=True)
    measures: Mapped[str | None] = mapped_column(Text)
    funds_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    funds_source: Mapped[str | None] = mapped_column(String(120))

    # Major-hazard remediation plan (its other parts: measures, funds, responsible, deadline).
    plan_objectives: Mapped[str | None] = mapped_column(Text)
    plan_materials: Mapped[str | None] = mapped_column(Text)
    plan_responsible_body: Mapped[str | None] = mapped_column(String(120))
    plan_interim_measures: Mapped[str | None] = mapped_column(Text)
    plan_contingency: Mapped[str | None] = mapped_column(Text)

    # 挂牌督办: only this office may accept and close (摘牌).
    supervising_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    supervised_on: Mapped[date | None]
    supervision_notice: Mapped[str | None] = mapped_column(String(64))

    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    site: Mapped[Site] = relationship(lazy="joined", innerjoin=True)
    found_by: Mapped[User] = relationship(foreign_keys=[found_by_id])
    found_by_org: Mapped[Organisation] = relationship(foreign_keys=[found_by_org_id])
    responsible_user: Mapped[User | None] = relationship(foreign_keys=[responsible_user_id])
    rectified_by: Mapped[User | None] = relationship(foreign_keys=[rectified_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    supervising_org: Mapped[Organisation | None] = relationship(foreign_keys=[supervising_org_id])
    events: Mapped[list[HazardEvent]] = relationship(
        back_populates="hazard", order_by="HazardEvent.seq", viewonly=True
    )

    @hybrid_property
    def major(self) -> bool:
        return self.grade == Grade.MAJOR.value

    @hybrid_property
    def supervised(self) -> bool:
        return self.supervising_org_id is not None

    @supervised.inplace.expression
    @classmethod
    def _supervised_expression(cls):
        return cls.supervising_org_id.is_not(None)

    @property
    def hazard_status(self) -> HazardStatus:
        return HazardStatus(self.status)

    @property
    def responsible_display(self) -> str:
        if self.responsible_user is not None:
            return self.responsible_user.display_name
        return self.responsible_name or ""

    def is_overdue(self, today: date) -> bool:
        """Deadline passed (``today`` is a SHELTER_TZ day) and not rectified yet."""
        return self.status in UNFIXED and self.deadline is not None and self.deadline < today

    def __repr__(self) -> str:
        return f"<Hazard {self.id} {self.item_id} {self.status}>"


class HazardEvent(db.Model):
    """One change to a hazard. Append-only; chained per site by SHA-256."""

    __tablename__ = "hazard_events"
    __table_args__ = (
        # The chain cannot fork: two writers appending to one site collide here.
        UniqueConstraint("site_id", "seq"),
        Index("ix_hazard_events_hazard_seq", "hazard_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The UUID the client gave the action (server-made for system events): a resend is a
    # duplicate, whatever the retries race.
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    # Position in the site's chain, from 1.
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(16), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When the phone says the action happened (offline actions sync later).
    client_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What the event set (grade, deadline, plan parts, supervision, ...), JSON-safe values.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    hazard: Mapped[Hazard] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    photo_refs: Mapped[list[HazardPhoto]] = relationship(
        back_populates="event", cascade="save-update, merge"
    )

    def canonical(self) -> bytes:
        """The bytes the hash covers: every column but ``id`` and ``hash``, in a fixed form."""
        content = {
            "client_id": self.client_id,
            "hazard_id": self.hazard_id,
            "site_id": self.site_id,
            "seq": self.seq,
            "type": self.type,
            "actor_id": self.actor_id,
            "at": _iso(self.at),
            "client_at": _iso(self.client_at),
            "from": self.from_status,
            "to": self.to_status,
            "note": self.note,
            "photos": list(self.photos or []),
            "data": self.data or {},
            "prev_hash": self.prev_hash,
        }
        return json.dumps(
            content, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


class HazardPhoto(db.Model):
    """A photo an event references (indexed, so who may see a photo is one query); the
    photo itself may arrive later through PUT /api/v1/photos/<sha256>."""

    __tablename__ = "hazard_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("hazard_events.id"), index=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)

    event: Mapped[HazardEvent] = relationship(back_populates="photo_refs")


GENESIS_HASH = "0" * 64


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


# --- immutability of the history ---------------------------------------------------------

make_append_only(HazardEvent)
