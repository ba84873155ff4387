"""A period: per-unit daily counts, heat maps, rankings and monthly compliance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select

from webapp.days import day_bounds, site_due_on, site_is_due, today
from webapp.extensions import db
from webapp.models import Inspection, Organisation, OrgKind, Site, SiteExcuse
from webapp.services.completion.figures import (
    HEATMAP_DAYS,
    NO_FILTERS,
    SELF,
    SiteFilters,
    Tally,
)
from webapp.services.completion.tree import (
    OrgInfo,
    child_containing,
    sites_under,
    subtree_orgs,
)


def daily_unit_counts(
    org: Organisation, first: date, last: date, filters: SiteFilters = NO_FILTERS
) -> dict[int, dict[date, Tally]]:
    """Per unit under ``org``, per day in [first, last]: due and checked sites (late included).

    Four grouped queries whatever the length of the period: sites by their group (unit,
    status, due_from), and per group and day the excused sites, the checked sites and the
    checked ones among the excused. ``site_due_on`` then decides which groups are due.
    """
    scope = filters.under(org)
    # Sites whose checks began before the period are all alike within it: one group per
    # (unit, status), plus one per first day inside the period.
    due_from = case((Site.due_from < first, first), else_=Site.due_from).label("due_from")
    group = (Site.unit_id, Site.status, due_from)
    sites = db.session.execute(
        select(*group, func.count(Site.id)).where(*scope).group_by(*group)
    ).all()
    excused = _per_group_and_day(
        select(*group, SiteExcuse.day, func.count(SiteExcuse.id))
        .join(Site, SiteExcuse.site_id == Site.id)
        .where(*scope, SiteExcuse.day >= first, SiteExcuse.day <= last)
        .group_by(*group, SiteExcuse.day)
    )
    # Checked sites, then minus the excused ones among them (few): cheaper than a
    # correlated NOT EXISTS on every inspection row.
    checked = _per_group_and_day(
        select(*group, Inspection.day, func.count(func.distinct(Inspection.site_id)))
        .join(Site, Inspection.site_id == Site.id)
        .where(*scope, Inspection.day >= first, Inspection.day <= last, Inspection.kind == SELF)
        .group_by(*group, Inspection.day)
    )
    checked_but_excused = _per_group_and_day(
        select(*group, SiteExcuse.day, func.count(func.distinct(SiteExcuse.site_id)))
        .join(Site, SiteExcuse.site_id == Site.id)
        .join(
            Inspection,
            and_(
                Inspection.site_id == SiteExcuse.site_id,
                Inspection.day == SiteExcuse.day,
                Inspection.kind == SELF,
            ),
        )
        .where(*scope, SiteExcuse.day >= first, SiteExcuse.day <= last)
        .group_by(*group, SiteExcuse.day)
    )
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    result: dict[int, dict[date, Tally]] = {}
    for unit_id, status, due_from, count in sites:
        per_day = result.setdefault(unit_id, {day: Tally() for day in days})
        for day in days:
            tally = per_day[day]
            tally.total += count
            if site_due_on(status, due_from, day):
                key = (unit_id, status, due_from, day)
                tally.excused += excused.get(key, 0)
                tally.due += count - excused.get(key, 0)
                tally.checked += checked.get(key, 0) - checked_but_excused.get(key, 0)
    return result


def _per_group_and_day(query) -> dict[tuple, int]:
    """``{(unit_id, status, due_from, day): count}`` from a query selecting those five."""
    return {tuple(row[:-1]): row[-1] for row in db.session.execute(query)}


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
    dates = [first + timedelta(days=n) for n in range(days)]
    sites = list(
        db.session.execute(
            select(Site).where(Site.unit_id == unit.id, *filters.conditions()).order_by(Site.code)
        ).scalars()
    )
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
    excused = {
        (site_id, day)
        for site_id, day in db.session.execute(
            select(SiteExcuse.site_id, SiteExcuse.day).where(
                SiteExcuse.site_id.in_(ids), SiteExcuse.day >= first, SiteExcuse.day <= last
            )
        )
    }
    now_day = today()
    rows = []
    for site in sites:
        cells = []
        for day in dates:
            if day > now_day:
                state = "future"
            elif (site.id, day) in excused:
                state = "excused"
            elif not site_is_due(site, day, excused=False):
                state = "not_due"
            elif (site.id, day) in received:
                state = "late" if received[site.id, day] >= day_bounds(day)[1] else "checked"
            else:
                state = "missed"
            cells.append((day, state, None))
        rows.append(HeatRow(site.code, site.name, cells))
    return dates, rows


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


def missed_rankings(
    org: Organisation,
    last: date,
    filters: SiteFilters = NO_FILTERS,
    days: int = HEATMAP_DAYS,
    limit: int = 10,
    counts: dict[int, dict[date, Tally]] | None = None,
) -> dict[str, list[RankRow]]:
    """Units and city-level offices under ``org`` ranked by missed site-days over ``days``
    days ending ``last`` (most missed first): ``{"units": [...], "cities": [...]}``."""
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
        return sorted(rows, key=lambda r: (-r.missed, r.rate or 0, r.org.code))[:limit]

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
    sites_checked = db.session.execute(
        select(func.count(func.distinct(Inspection.site_id)))
        .join(Site, Inspection.site_id == Site.id)
        .where(
            sites_under(org),
            Inspection.day >= first,
            Inspection.day <= last,
            Inspection.kind == SELF,
            Inspection.day >= Site.due_from,
        )
    ).scalar_one()
    return {
        "site_days_due": due,
        "site_days_checked": checked,
        "compliance_rate": round(checked / due, 4) if due else None,
        "sites_with_checks": sites_checked,
    }
