"""Notifications: channels (apprise URLs of an organisation), notices and their deliveries.

A ``Notice`` is one reminder for one organisation (its inbox); its ``key`` names the rule,
the organisation and the period, so the same reminder is written once however often and
on however many nodes ``flask notify run`` runs. A ``NoticeDelivery`` is the outbox row of
one notice for one channel: pending → sending → sent, or back to pending with a later
``next_attempt_at``, or failed (see webapp/services/notify/outbox.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.orgs import Organisation
from webapp.models.types import UTCDateTime, utcnow
from webapp.models.users import User


class NotifyChannel(db.Model):
    """Where an organisation's notices go: a WeCom / DingTalk / Feishu robot, e-mail or a
    JSON webhook, as an apprise URL. The URL holds secrets: show it only through
    ``webapp.services.notify.channels.masked_url``."""

    __tablename__ = "notify_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last "send a test message": when, and the reason when it failed (masked).
    tested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    test_error: Mapped[str | None] = mapped_column(Text)

    org: Mapped[Organisation] = relationship()

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0].lower()


class NotifySettings(db.Model):
    """An organisation's own times and switched-off rules; anything left empty comes from
    the nearest organisation above that sets it, else the deployment's SHELTER_NOTIFY_*."""

    __tablename__ = "notify_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    cutoff_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", SHELTER_TZ
    digest_time: Mapped[str | None] = mapped_column(String(5))
    disabled_rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Notice(db.Model):
    """One reminder for one organisation. Its text is rendered from ``rule`` and
    ``params`` in the reader's language (webapp/services/notify/messages.py)."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_org_created", "org_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "<rule>:<org code>:<period>": unique, so a second run (or node) adds nothing.
    key: Mapped[str] = mapped_column(String(160), unique=True)
    rule: Mapped[str] = mapped_column(String(32), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    period: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # Path and query of the page that shows the rest (joined to SHELTER_PUBLIC_BASE_URL).
    link: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org: Mapped[Organisation] = relationship()
    deliveries: Mapped[list[NoticeDelivery]] = relationship(back_populates="notice")


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a runner; the send may be under way
    SENT = "sent"
    FAILED = "failed"  # gave up (attempts used up, or interrupted mid-send): retry by hand


class NoticeDelivery(db.Model):
    """The outbox row of one notice for one channel."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "channel_id"),
        # The runner's claim: pending rows whose next attempt is due, oldest first.
        Index("ix_notice_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("notify_channels.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)  # masked
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notice: Mapped[Notice] = relationship(back_populates="deliveries")
    channel: Mapped[NotifyChannel] = relationship()


class NoticeRead(db.Model):
    """A user has read a notice (the inbox's unread state is per user)."""

    __tablename__ = "notice_reads"
    __table_args__ = (UniqueConstraint("user_id", "notice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
