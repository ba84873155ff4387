"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator

from webapp.days import now


def utcnow() -> datetime:
    """The one clock (``webapp.days.now``; the demo seed replays history through it)."""
    return now()


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC on SQLite and PostgreSQL alike.

    SQLite has no time zones, so values are normalised to UTC on the way in and
    come back as aware UTC datetimes on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
