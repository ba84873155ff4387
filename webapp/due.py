"""The one rule for which sites must be checked on a day ("due"), before and after excuses.

The rule in Python (``site_due_on``, ``site_is_due``) and the same rule in SQL
(``scheduled_site_condition``, ``due_site_condition``) live side by side so that they
cannot drift apart. Days are SHELTER_TZ calendar days (``webapp.days``).
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import and_, exists, or_, select

from webapp.extensions import db
from webapp.models.reports import SiteExcuse
from webapp.models.sites import Site, SiteStatus

# Idle and sealed sites are checked on every Nth day counted from this Monday, so with the
# default interval of 7 they are due every Monday, the same day for every site and phone.
IDLE_CHECK_EPOCH = date(2024, 1, 1)


def due_statuses(day: date) -> frozenset[str]:
    """The site statuses that are due for a daily check on ``day``.

    In-use sites are due every day; idle and sealed sites every
    ``SHELTER_IDLE_CHECK_INTERVAL_DAYS`` days (see IDLE_CHECK_EPOCH); suspended sites never.
    """
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
    return and_(Site.due_from <= day, Site.status.in_(sorted(due_statuses(day))))


def scheduled_on_condition(day_column, days: list[date], status_column=Site.status):
    """SQL condition on a status column and a column of days (each one of ``days``): the
    status part of ``site_due_on`` for that row's day. The days that share a set of due
    statuses are listed together, so a month is two short ``IN`` lists (days when only
    in-use sites are due, days when idle and sealed ones are due too). With ``Site``'s
    columns (the default) add ``Site.due_from <= day_column`` for the whole rule."""
    by_statuses: dict[frozenset[str], list[date]] = {}
    for day in days:
        by_statuses.setdefault(due_statuses(day), []).append(day)
    return or_(
        *(
            and_(day_column.in_(listed), status_column.in_(sorted(statuses)))
            for statuses, listed in by_statuses.items()
        )
    )


def due_site_condition(day: date, excused=None):
    """SQL condition on ``Site``: the site is due on ``day`` (scheduled, not excused).

    ``excused``: the condition "the site is excused that day" when the query already joins
    the day's excuses (default: a correlated EXISTS)."""
    if excused is None:
        excused = exists().where(and_(SiteExcuse.site_id == Site.id, SiteExcuse.day == day))
    return and_(scheduled_site_condition(day), ~excused)


def site_is_due(site, day: date, excused: bool | None = None) -> bool:
    """True when ``site`` must be checked on ``day``; pass ``excused`` when already known."""
    if not site_due_on(site.status, site.due_from, day):
        return False
    if excused is None:
        excused = (
            db.session.execute(
                select(SiteExcuse.id).where(SiteExcuse.site_id == site.id, SiteExcuse.day == day)
            ).first()
            is not None
        )
    return not excused
