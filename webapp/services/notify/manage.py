"""Managing an organisation's channels: add (checked), enable or disable, remove, test."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select

from webapp import days
from webapp.extensions import db
from webapp.models import NoticeDelivery, NotifyChannel, Organisation, User
from webapp.services.notify.channels import ChannelRefused, check_url, deliver, masked_url

MAX_NAME = 64


def add_channel(
    org: Organisation, url: str, name: str | None = None, by: User | None = None
) -> NotifyChannel:
    """Store a checked channel for ``org`` and commit; raises ChannelRefused (the reason,
    masked) for a URL apprise cannot use or a name that is too long."""
    url = check_url(url)
    name = (name or "").strip() or masked_url(url).split("://", 1)[0]
    if len(name) > MAX_NAME:
        raise ChannelRefused(_("At most %(max)d characters.", max=MAX_NAME))
    channel = NotifyChannel(org_id=org.id, name=name, url=url, created_by_id=by.id if by else None)
    db.session.add(channel)
    db.session.commit()
    return channel


def org_channels(org: Organisation) -> list[NotifyChannel]:
    return list(
        db.session.scalars(
            select(NotifyChannel).where(NotifyChannel.org_id == org.id).order_by(NotifyChannel.id)
        )
    )


def set_channel_enabled(channel: NotifyChannel, enabled: bool) -> None:
    """A disabled channel keeps its pending deliveries; they go out once it is enabled."""
    channel.enabled = enabled
    db.session.commit()


def remove_channel(channel: NotifyChannel) -> None:
    """Delete the channel and its delivery rows (the notices stay in the inbox)."""
    db.session.execute(delete(NoticeDelivery).where(NoticeDelivery.channel_id == channel.id))
    db.session.delete(channel)
    db.session.commit()


def send_test(channel: NotifyChannel) -> str | None:
    """Send a test message now, waiting at most SHELTER_NOTIFY_TEST_TIMEOUT seconds (the
    one send a page waits for). Returns None when it was accepted, else the masked reason,
    and records both on the channel."""
    with force_locale("zh"):
        title = _("Test message from Shelter Daily Check")
        body = _(
            "%(org)s will receive its reminders here. %(link)s",
            org=channel.org.name,
            link=current_app.config["SHELTER_PUBLIC_BASE_URL"],
        )
    timeout = float(current_app.config["SHELTER_NOTIFY_TEST_TIMEOUT"])
    error = deliver(channel.url, title, body, timeout)
    channel.tested_at, channel.test_error = days.now(), error
    db.session.commit()
    return error
