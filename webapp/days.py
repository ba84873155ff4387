"""The one rule for which day a moment belongs to, and which seasons are on.

Every "day" in this system is a calendar day in ``SHELTER_TZ`` (default Asia/Shanghai).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SHELTER_TZ"])


def now() -> datetime:
    return datetime.now(UTC)


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
