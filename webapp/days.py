"""The one rule for which day a moment belongs to, which seasons are on, and where a
calendar month starts and ends; and the one clock every service and model default reads.

Every "day" in this system is a calendar day in ``SHELTER_TZ`` (default Asia/Shanghai).
Nothing here depends on the rest of the app (models import it for the clock); which sites
are due on a day is ``webapp.due``.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

_replayed_now: ContextVar[datetime | None] = ContextVar("replayed_now", default=None)


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SHELTER_TZ"])


def now() -> datetime:
    """The current instant (UTC): the clock every service and model default reads."""
    return _replayed_now.get() or datetime.now(UTC)


@contextmanager
def replaying(moment: datetime) -> Iterator[None]:
    """Run the block as if it were ``moment`` (aware, not in the future): the demo seed
    replays weeks of checks and hazard work through the real services at the times they
    happened. Nothing else sets the clock."""
    if moment.tzinfo is None or moment > datetime.now(UTC):
        raise ValueError("replaying needs an aware moment that is not in the future")
    token = _replayed_now.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _replayed_now.reset(token)


def local_day(moment: datetime) -> date:
    """The SHELTER_TZ calendar day that an aware ``moment`` falls on."""
    if moment.tzinfo is None:
        raise ValueError("local_day needs an aware datetime")
    return moment.astimezone(zone()).date()


def today() -> date:
    return local_day(now())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a SHELTER_TZ calendar day."""
    start = datetime.combine(day, time.min, tzinfo=zone())
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone())
    return start.astimezone(UTC), end.astimezone(UTC)


def seasons_on(day: date) -> set[str]:
    """Names of the seasons (SHELTER_SEASONS) that include ``day``."""
    mmdd = day.strftime("%m-%d")
    return {
        name
        for name, ranges in current_app.config["SHELTER_SEASONS"].items()
        if any(_within(mmdd, first, last) for first, last in ranges)
    }


def _within(mmdd: str, first: str, last: str) -> bool:
    if first <= last:
        return first <= mmdd <= last
    return mmdd >= first or mmdd <= last  # the range wraps the year end


def month_start(value: date) -> date:
    """The first day of the calendar month that ``value`` falls in."""
    return value.replace(day=1)


def month_last(month: date) -> date:
    """The last day of the calendar month that ``month`` falls in."""
    return month.replace(day=monthrange(month.year, month.month)[1])


def next_month(month: date) -> date:
    """The first day of the month after ``month``'s."""
    return month_last(month) + timedelta(days=1)


def previous_month(month: date) -> date:
    """The first day of the month before ``month``'s."""
    return month_start(month_start(month) - timedelta(days=1))
