"""A period: heat maps, rankings and monthly compliance (from ``daily_unit_counts``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from webapp.days import today
from webapp.due import site_is_due
from webapp.extensions import db
from webapp.models import Inspection, Organisation, OrgKind, Site, SiteExcuse
from webapp.services.completion.counts import check_source, daily_unit_counts
from webapp.services.completion.figures import (
    HEATMAP_DAYS,
    NO_FILTERS,
    SELF,
    SiteFilters,
    Tally,
    lowest_rate_first,
    synced_late,
)
from webapp.services.completion.tree import (
    OrgInfo,
    child_containing,
    sites_under,
    subtree_orgs,
)


@dataclass
class HeatRow:
    """One line of a heat map: a site or an organisation, one cell per day."""

    code: str
    name: str
    cells: list[tuple[date, str, float | None]]  # (day, state, rate); state as SiteRow.state
    link_org: str | None = None


def org_heatmap(
    org: Organisation,
    last: date,
    filters: SiteFilters = NO_FILTERS,
    days: int = HEATMAP_DAYS,
    counts: dict[int, dict[date, Tally]] | None = None,
) -> tuple[list[date], list[HeatRow]]:
    """Daily completion rate of each child of ``org`` over ``days`` days ending ``last``
    (``counts``: ``daily_unit_counts`` of the same period, when already computed)."""
    first = last - timedelta(days=days - 1)
    orgs = subtree_orgs(org)
    by_id = {o.id: o for o in orgs}
    child_of = child_containing(org, by_id)
    if counts is None:
        counts = daily_unit_counts(org, first, last, filters)
    dates = [first + timedelta(days=n) for n in range(days)]
    per_child: dict[int, dict[date, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for unit_id, per_day in counts.items():
        if unit_id not in child_of:
            continue
        for day, tally in per_day.items():
            per_child[child_of[unit_id]][day].add(tally)
    now_day = today()
    rows = []
    for child in sorted((o for o in orgs if o.parent_id == org.id), key=lambda o: o.code):
        per_day = per_child.get(child.id, {})
        cells = []
        for day in dates:
            tally = per_day.get(day, Tally())
            cells.append((day, _org_cell_state(tally, day, now_day), tally.rate))
        rows.append(HeatRow(child.code, child.name, cells, link_org=child.code))
    return dates, rows


def _org_cell_state(tally: Tally, day: date, now_day: date) -> str:
    if day > now_day:
        return "future"
    if not tally.due:
        return "not_due"
    if tally.checked == tally.due:
        return "checked"
    return "partial" if tally.checked else "missed"


def site_heatmap(
    unit: Organisation, last: date, filters: SiteFilters = NO_FILTERS, days: int = HEATMAP_DAYS
) -> tuple[list[date], list[HeatRow]]:
    """Each site of ``unit`` over ``days`` days ending ``last``: checked, synced late,
    missed, excused or not due."""
    first = last - timedelta(days=days - 1)
    sites = list(
        db.session.execute(
            select(Site).where(Site.unit_id == unit.id, *filters.conditions()).order_by(Site.code)
        ).scalars()
    )
    states = site_days(sites, first, last)
    rows = [
        HeatRow(site.code, site.name, [(d.day, d.state, None) for d in states[site.id]])
        for site in sites
    ]
    return [first + timedelta(days=n) for n in range(days)], rows


@dataclass
class SiteDay:
    """One site on one day: its state (see ``site_day_state``) and an excuse's reason."""

    day: date
    state: str
    excuse_reason: str | None = None


def site_days(sites: list[Site], first: date, last: date) -> dict[int, list[SiteDay]]:
    """Per site id, one ``SiteDay`` for each day from ``first`` to ``last``: two queries
    (the first self-check received per site and day, the excuses), whatever the number of
    sites and days."""
    ids = [s.id for s in sites]
    received = {
        (site_id, day): first_received
        for site_id, day, first_received in db.session.execute(
            select(Inspection.site_id, Inspection.day, func.min(Inspection.received_at))
            .where(
                Inspection.site_id.in_(ids),
                Inspection.day >= first,
                Inspection.day <= last,
                Inspection.kind == SELF,
            )
            .group_by(Inspection.site_id, Inspection.day)
        )
    }
    excuses = {
        (site_id, day): reason
        for site_id, day, reason in db.session.execute(
            select(SiteExcuse.site_id, SiteExcuse.day, SiteExcuse.reason).where(
                SiteExcuse.site_id.in_(ids), SiteExcuse.day >= first, SiteExcuse.day <= last
            )
        )
    }
    now_day = today()
    dates = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    result = {}
    for site in sites:
        result[site.id] = [
            SiteDay(
                day,
                site_day_state(
                    site, day, received.get((site.id, day)), (site.id, day) in excuses, now_day
                ),
                excuses.get((site.id, day)),
            )
            for day in dates
        ]
    return result


def site_day_state(
    site: Site, day: date, first_received: datetime | None, excused: bool, now_day: date
) -> str:
    """The one rule for a site's day: future | excused | not_due | checked | late | missed.

    ``first_received``: when the first self-check counting for ``day`` reached the server
    (None: no self-check). Office and covert checks never make a day checked."""
    if day > now_day:
        return "future"
    if excused:
        return "excused"
    if not site_is_due(site, day, excused=False):
        return "not_due"
    if first_received is None:
        return "missed"
    return "late" if synced_late(day, first_received) else "checked"


@dataclass
class RankRow:
    org: OrgInfo
    due: int
    checked: int

    @property
    def missed(self) -> int:
        return self.due - self.checked

    @property
    def rate(self) -> float | None:
        return round(self.checked / self.due, 4) if self.due else None


def completion_rankings(
    org: Organisation,
    last: date,
    filters: SiteFilters = NO_FILTERS,
    days: int = HEATMAP_DAYS,
    limit: int = 10,
    counts: dict[int, dict[date, Tally]] | None = None,
) -> dict[str, list[RankRow]]:
    """Units and city-level offices under ``org`` ranked by their completion rate (site-days
    checked ÷ due) over ``days`` days ending ``last``, lowest first, the most missed first
    among equal rates: ``{"units": [...], "cities": [...]}``."""
    first = last - timedelta(days=days - 1)
    orgs = subtree_orgs(org)
    by_id = {o.id: o for o in orgs}
    if counts is None:
        counts = daily_unit_counts(org, first, last, filters)
    units: list[RankRow] = []
    cities: dict[int, RankRow] = {}
    city_by_code = {o.code: o for o in orgs if o.org_kind is OrgKind.CITY}
    for unit_id, per_day in counts.items():
        due = sum(t.due for t in per_day.values())
        checked = sum(t.checked for t in per_day.values())
        unit = by_id[unit_id]
        units.append(RankRow(unit, due, checked))
        city = next(
            (city_by_code[c] for c in unit.path.strip("/").split("/") if c in city_by_code), None
        )
        if city is not None:
            row = cities.setdefault(city.id, RankRow(city, 0, 0))
            row.due += due
            row.checked += checked

    def ranked(rows):
        rows = [r for r in rows if r.due]
        return sorted(rows, key=lambda r: lowest_rate_first(r.rate, r.missed, r.org.code))[:limit]

    return {"units": ranked(units), "cities": ranked(list(cities.values()))}


def month_coverage(
    org: Organisation,
    first: date,
    last: date,
    counts: dict[int, dict[date, Tally]] | None = None,
) -> dict[str, int | float | None]:
    """Daily-check compliance over [first, last] for the monthly report: site-days due and
    checked, the rate, and the number of sites with at least one self-check on a day it
    was in daily checks (``counts``: ``daily_unit_counts`` of the same period, when already
    computed)."""
    if counts is None:
        counts = daily_unit_counts(org, first, last)
    due = checked = 0
    for per_day in counts.values():
        for tally in per_day.values():
            due += tally.due
            checked += tally.checked
    source = check_source()
    sites_checked = db.session.execute(
        select(func.count(func.distinct(source.site_id)))
        .join(Site, source.site_id == Site.id)
        .where(
            sites_under(org),
            source.day >= first,
            source.day <= last,
            *source.where,
            source.day >= Site.due_from,
        )
    ).scalar_one()
    return {
        "site_days_due": due,
        "site_days_checked": checked,
        "compliance_rate": round(checked / due, 4) if due else None,
        "sites_with_checks": sites_checked,
    }
