"""The one rule for which day a moment belongs to, and which seasons are on.

Every "day" in this system is a calendar day in ``SHELTER_TZ`` (default Asia/Shanghai).
"""

from __future__ import annotations

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


# --- which sites are due on a day ------------------------------------------------------

# Idle and sealed sites are checked on every Nth day counted from this Monday, so with the
# default interval of 7 they are due every Monday, the same day for every site and phone.
IDLE_CHECK_EPOCH = date(2024, 1, 1)


def due_statuses(day: date) -> frozenset[str]:
    """The site statuses that are due for a daily check on ``day``.

    In-use sites are due every day; idle and sealed sites every
    ``SHELTER_IDLE_CHECK_INTERVAL_DAYS`` days (see IDLE_CHECK_EPOCH); suspended sites never.
    """
    from webapp.models.sites import SiteStatus

    interval = max(1, int(current_app.config["SHELTER_IDLE_CHECK_INTERVAL_DAYS"]))
    if (day - IDLE_CHECK_EPOCH).days % interval == 0:
        return frozenset({SiteStatus.IN_USE.value, SiteStatus.IDLE.value, SiteStatus.SEALED.value})
    return frozenset({SiteStatus.IN_USE.value})


def site_due_on(status: str, due_from: date, day: date) -> bool:
    """The rule for "due", before excuses: a site with ``status`` whose daily checks start
    on ``due_from`` must be checked on ``day``. Excused sites are taken off on top of this
    by ``due_site_condition`` (SQL) and ``site_is_due`` (one loaded site)."""
    return due_from <= day and status in due_statuses(day)


def scheduled_site_condition(day: date):
    """SQL condition on ``Site``: ``site_due_on`` (due on ``day`` unless excused)."""
    from sqlalchemy import and_

    from webapp.models.sites import Site

    return and_(Site.due_from <= day, Site.status.in_(sorted(due_statuses(day))))


def due_site_condition(day: date, excused=None):
    """SQL condition on ``Site``: the site is due on ``day`` (scheduled, not excused).

    ``excused``: the condition "the site is excused that day" when the query already joins
    the day's excuses (default: a correlated EXISTS)."""
    from sqlalchemy import and_, exists

    from webapp.models.reports import SiteExcuse
    from webapp.models.sites import Site

    if excused is None:
        excused = exists().where(and_(SiteExcuse.site_id == Site.id, SiteExcuse.day == day))
    return and_(scheduled_site_condition(day), ~excused)


def site_is_due(site, day: date, excused: bool | None = None) -> bool:
    """True when ``site`` must be checked on ``day``; pass ``excused`` when already known."""
    if not site_due_on(site.status, site.due_from, day):
        return False
    if excused is None:
        from sqlalchemy import select

        from webapp.extensions import db
        from webapp.models.reports import SiteExcuse

        excused = (
            db.session.execute(
                select(SiteExcuse.id).where(SiteExcuse.site_id == site.id, SiteExcuse.day == day)
            ).first()
            is not None
        )
    return not excused
