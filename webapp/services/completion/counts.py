"""Per unit and day: how many sites were due and how many were checked, over a period.

The figure behind the heat maps, the rankings and the monthly report's compliance.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from webapp.due import scheduled_on_condition, site_due_on
from webapp.extensions import db
from webapp.models import Inspection, Organisation, Site, SiteDayRollup, SiteExcuse, UnitDayRollup
from webapp.services.completion.figures import NO_FILTERS, SELF, SiteFilters, Tally
from webapp.services.completion.tree import sites_under


@dataclass(frozen=True)
class CheckSource:
    """Where the (site, day) pairs with a self-check are read from: their columns and the
    conditions that pick self-checks."""

    site_id: ColumnElement
    day: ColumnElement
    where: tuple[ColumnElement[bool], ...] = ()


ROLLUPS = CheckSource(SiteDayRollup.site_id, SiteDayRollup.day)
INSPECTIONS = CheckSource(Inspection.site_id, Inspection.day, (Inspection.kind == SELF,))


def check_source(filters: SiteFilters = NO_FILTERS) -> CheckSource:
    """The per-day summary (webapp/services/rollups.py) unless filters narrow the sites
    (it counts all of a unit's sites) or SHELTER_READ_ROLLUPS is off."""
    if filters == NO_FILTERS and current_app.config["SHELTER_READ_ROLLUPS"]:
        return ROLLUPS
    return INSPECTIONS


def daily_unit_counts(
    org: Organisation, first: date, last: date, filters: SiteFilters = NO_FILTERS
) -> dict[int, dict[date, Tally]]:
    """Per unit under ``org``, per day in [first, last]: due and checked sites (late included).

    A handful of grouped queries whatever the length of the period: the sites by (unit,
    status, first day of checks), which ``site_due_on`` turns into due counts per day;
    then per unit and day the excused sites and the checked ones, each counted only on a
    day the site was due (``scheduled_on_condition``: the same rule in SQL), so the
    database answers one row per unit and day. The checked sites come from the per-day
    summaries (``unit_day_rollups``) unless filters narrow the sites or SHELTER_READ_ROLLUPS is
    off; then from the inspections themselves.
    """
    scope = filters.under(org)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    # Sites whose checks began before the period are all alike within it: one group per
    # (unit, status), plus one per first day inside the period.
    due_from = case((Site.due_from < first, first), else_=Site.due_from)
    groups = db.session.execute(
        select(Site.unit_id, Site.status, due_from, func.count(Site.id))
        .where(*scope)
        .group_by(Site.unit_id, Site.status, due_from)
    ).all()
    owed = and_(
        *scope,
        Site.due_from <= SiteExcuse.day,
        scheduled_on_condition(SiteExcuse.day, days),
        SiteExcuse.day >= first,
        SiteExcuse.day <= last,
    )
    excused = _per_unit_and_day(
        select(Site.unit_id, SiteExcuse.day, func.count(SiteExcuse.id))
        .join(Site, SiteExcuse.site_id == Site.id)
        .where(owed)
        .group_by(Site.unit_id, SiteExcuse.day)
    )
    source = check_source(filters)
    if source is ROLLUPS:
        checked = _checked_from_rollups(org, first, last, days)
    else:
        checked = _checked_from_inspections(scope, first, last, days)
    # Sites checked although excused (few) count neither as due nor as checked.
    checked_anyway = exists().where(
        source.site_id == SiteExcuse.site_id, source.day == SiteExcuse.day, *source.where
    )
    for key, count in _per_unit_and_day(
        select(Site.unit_id, SiteExcuse.day, func.count(SiteExcuse.id))
        .join(Site, SiteExcuse.site_id == Site.id)
        .where(owed, checked_anyway)
        .group_by(Site.unit_id, SiteExcuse.day)
    ).items():
        checked[key] -= count
    return _tallies(groups, days, excused, checked)


def _checked_from_inspections(scope, first: date, last: date, days: list[date]) -> Counter:
    """Sites with a self-check per (unit, day), on days they were due, from the
    inspections: the (site, day) pairs first (an index-only range of the (kind, day,
    site_id) index), then their sites, so a site checked twice is joined once."""
    pairs = (
        select(Inspection.site_id, Inspection.day)
        .where(Inspection.kind == SELF, Inspection.day >= first, Inspection.day <= last)
        .distinct()
        .subquery()
    )
    return _per_unit_and_day(
        select(Site.unit_id, pairs.c.day, func.count())
        .join(Site, pairs.c.site_id == Site.id)
        .where(*scope, Site.due_from <= pairs.c.day, scheduled_on_condition(pairs.c.day, days))
        .group_by(Site.unit_id, pairs.c.day)
    )


def _checked_from_rollups(org: Organisation, first: date, last: date, days: list[date]) -> Counter:
    """The same figure from ``unit_day_rollups``: the checked sites of the statuses due on each
    day, less those checked before their first day of daily checks (read from
    ``site_day_rollups`` for the few sites whose first day falls after the period began)."""
    checked = _per_unit_and_day(
        select(UnitDayRollup.unit_id, UnitDayRollup.day, func.sum(UnitDayRollup.checked))
        .where(
            sites_under(org, UnitDayRollup.unit_id),
            UnitDayRollup.day >= first,
            UnitDayRollup.day <= last,
            scheduled_on_condition(UnitDayRollup.day, days, UnitDayRollup.status),
        )
        .group_by(UnitDayRollup.unit_id, UnitDayRollup.day)
    )
    early = select(Site.unit_id, SiteDayRollup.day, func.count()).join(
        Site, SiteDayRollup.site_id == Site.id
    )
    checked.subtract(
        _per_unit_and_day(
            early.where(
                sites_under(org),
                Site.due_from > first,
                SiteDayRollup.day >= first,
                SiteDayRollup.day <= last,
                SiteDayRollup.day < Site.due_from,
                scheduled_on_condition(SiteDayRollup.day, days),
            ).group_by(Site.unit_id, SiteDayRollup.day)
        )
    )
    return checked


def _per_unit_and_day(query) -> Counter:
    """``{(unit_id, day): count}`` from a query selecting those three."""
    return Counter(
        {(unit_id, day): int(count) for unit_id, day, count in db.session.execute(query)}
    )


def _tallies(groups, days: list[date], excused: Counter, checked: Counter):
    """``{unit_id: {day: Tally}}`` from the site groups and the per-(unit, day) counts."""
    schedules: dict[tuple[str, date], list[bool]] = {}
    totals: Counter = Counter()
    scheduled: dict[int, list[int]] = {}
    for unit_id, status, first_day, count in groups:
        totals[unit_id] += count
        if (status, first_day) not in schedules:
            schedules[status, first_day] = [site_due_on(status, first_day, day) for day in days]
        per_day = scheduled.setdefault(unit_id, [0] * len(days))
        for n, due in enumerate(schedules[status, first_day]):
            if due:
                per_day[n] += count
    return {
        unit_id: {
            day: Tally(
                total=totals[unit_id],
                due=owed - excused[unit_id, day],
                checked=checked[unit_id, day],
                excused=excused[unit_id, day],
            )
            for day, owed in zip(days, per_day, strict=True)
        }
        for unit_id, per_day in scheduled.items()
    }
