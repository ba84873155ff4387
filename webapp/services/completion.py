"""Daily completion: which due sites were checked on a day, at every level of the tree.

A site counts as checked for a day when at least one self-check inspection counts for that
day (``Inspection.day``, the SHELTER_TZ day it was done, not the day it synced). Which sites
are due is ``webapp.days.site_due_on`` / ``due_site_condition``. A check whose first copy
reached the server after its day had ended is "checked (synced late)".

Every figure comes from grouped queries on the (day, kind) and (site_id, day) indexes of
inspections, so the cost depends on the sites in view and the days asked for, never on how
much history is stored. Read-only: nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from webapp.days import day_bounds, due_site_condition, site_due_on, site_is_due, today
from webapp.extensions import db
from webapp.models import Inspection, Organisation, OrgKind, Site, SiteExcuse, User
from webapp.models.inspections import InspectionKind
from webapp.models.sites import EARLY_ERA_LAST_YEAR
from webapp.scope import below

SELF = InspectionKind.SELF.value
HEATMAP_DAYS = 30
# How far back a site's last check is looked for (older: "none in the last year").
LAST_CHECK_WINDOW_DAYS = 366


@dataclass(frozen=True)
class SiteFilters:
    """Narrow every figure to leased, early-era and/or crowded sites (all must hold)."""

    leased: bool = False
    early: bool = False
    crowded: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        conds = []
        if self.leased:
            conds.append(Site.leased.is_(True))
        if self.early:
            conds.append(Site.year_built <= EARLY_ERA_LAST_YEAR)
        if self.crowded:
            conds.append(Site.crowded.is_(True))
        return conds

    @property
    def active(self) -> list[str]:
        return [name for name in ("leased", "early", "crowded") if getattr(self, name)]


NO_FILTERS = SiteFilters()


@dataclass
class Tally:
    """Counts of sites for one day (or site-days over a period)."""

    total: int = 0  # all sites, due or not
    due: int = 0
    checked: int = 0  # due and checked (late ones included)
    late: int = 0  # checked, but every check reached the server after the day had ended
    excused: int = 0
    last_sync_at: datetime | None = None

    @property
    def missed(self) -> int:
        return self.due - self.checked

    @property
    def rate(self) -> float | None:
        """Checked ÷ due, or None when nothing was due."""
        return round(self.checked / self.due, 4) if self.due else None

    def add(self, other: Tally) -> None:
        self.total += other.total
        self.due += other.due
        self.checked += other.checked
        self.late += other.late
        self.excused += other.excused
        if other.last_sync_at and (not self.last_sync_at or other.last_sync_at > self.last_sync_at):
            self.last_sync_at = other.last_sync_at


@dataclass
class OrgRow:
    org: OrgInfo
    tally: Tally


@dataclass
class SiteRow:
    """One site on one day, with what the dashboard shows about it."""

    site: Site
    due: bool
    excused: bool
    excuse_reason: str | None = None
    checked: bool = False
    late: bool = False
    checks: int = 0
    inspected_at: datetime | None = None  # the day's latest check (started_at)
    received_at: datetime | None = None  # when that check reached the server
    inspector: str | None = None
    scanned: bool | None = None
    failures: int | None = None
    last_inspection_at: datetime | None = None  # latest self-check up to the day's end
    last_inspector: str | None = None
    last_sync_at: datetime | None = None  # latest inspection of any kind received

    @property
    def state(self) -> str:
        """checked | late | missed | excused | not_due."""
        if self.excused:
            return "excused"
        if not self.due:
            return "not_due"
        if self.checked:
            return "late" if self.late else "checked"
        return "missed"


@dataclass
class DeviceRow:
    device_id: str
    inspector: str
    last_received_at: datetime
    inspections: int


@dataclass
class DayCompletion:
    org: Organisation
    day: date
    filters: SiteFilters
    tally: Tally
    children: list[OrgRow]
    sites: list[SiteRow] = field(default_factory=list)
    devices: list[DeviceRow] = field(default_factory=list)

    @property
    def provisional(self) -> bool:
        """Today's (and any future day's) figures can still change as phones sync."""
        return self.day >= today()

    @property
    def lists_sites(self) -> bool:
        return self.org.org_kind is OrgKind.UNIT


# --- the tree ------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgInfo:
    """The read-only facts the dashboards need about an organisation (plain columns: a
    province has hundreds of organisations and a page needs them several times)."""

    id: int
    code: str
    name: str
    kind: str
    path: str
    parent_id: int | None

    @property
    def org_kind(self) -> OrgKind:
        return OrgKind(self.kind)


def subtree_orgs(org: Organisation) -> list[OrgInfo]:
    """The organisation and everything below it, ordered by path (once per request)."""
    cache = g.setdefault("_subtree_orgs", {}) if has_request_context() else {}
    if org.id not in cache:
        cache[org.id] = [
            OrgInfo(*row)
            for row in db.session.execute(
                select(
                    Organisation.id,
                    Organisation.code,
                    Organisation.name,
                    Organisation.kind,
                    Organisation.path,
                    Organisation.parent_id,
                )
                .where(below(org))
                .order_by(Organisation.path)
            )
        ]
    return cache[org.id]


def _child_of(org: Organisation, orgs_by_id: dict[int, Organisation]) -> dict[int, int]:
    """For every organisation strictly below ``org``: the id of the child of ``org`` it lies
    under (by materialised path, so 梅河口 counts under the province only, never under its
    nominal parent)."""
    child_by_code = {o.code: o.id for o in orgs_by_id.values() if o.parent_id == org.id}
    result = {}
    for other in orgs_by_id.values():
        if other.id == org.id:
            continue
        first = other.path[len(org.path) :].split("/", 1)[0]
        if first in child_by_code:
            result[other.id] = child_by_code[first]
    return result


def sites_under(org: Organisation) -> ColumnElement[bool]:
    """SQL condition on ``Site``: its unit lies in ``org``'s subtree. An IN on the indexed
    ``sites.unit_id`` (the subquery yields the few hundred unit ids), so a unit's or a
    city's figures never scan the whole province's sites."""
    return Site.unit_id.in_(select(Organisation.id).where(below(org)))


def _sites_in(org: Organisation, filters: SiteFilters):
    return [sites_under(org), *filters.conditions()]


# --- one day -------------------------------------------------------------------------


def _day_checks(org: Organisation, day: date):
    """Per site under ``org``: the day's self-checks, when the first and the last reached
    the server."""
    return (
        select(
            Inspection.site_id.label("site_id"),
            func.min(Inspection.received_at).label("first_received"),
            func.max(Inspection.received_at).label("last_received"),
        )
        .where(
            Inspection.day == day,
            Inspection.kind == SELF,
            Inspection.site_id.in_(select(Site.id).where(sites_under(org))),
        )
        .group_by(Inspection.site_id)
        .subquery()
    )


def unit_tallies(
    org: Organisation, day: date, filters: SiteFilters = NO_FILTERS
) -> dict[int, Tally]:
    """Tally per operating unit (``Site.unit_id``) under ``org`` for ``day``: one query."""
    checks = _day_checks(org, day)
    _, day_end = day_bounds(day)
    excused = SiteExcuse.id.is_not(None)
    due = due_site_condition(day, excused)
    checked = and_(due, checks.c.site_id.is_not(None))
    query = (
        select(
            Site.unit_id,
            func.count(Site.id),
            func.sum(case((due, 1), else_=0)),
            func.sum(case((checked, 1), else_=0)),
            func.sum(case((and_(checked, checks.c.first_received >= day_end), 1), else_=0)),
            func.sum(case((excused, 1), else_=0)),
            func.max(checks.c.last_received),
        )
        .outerjoin(checks, checks.c.site_id == Site.id)
        .outerjoin(SiteExcuse, and_(SiteExcuse.site_id == Site.id, SiteExcuse.day == day))
        .where(*_sites_in(org, filters))
        .group_by(Site.unit_id)
    )
    return {
        unit_id: Tally(
            total, int(due_n or 0), int(checked_n or 0), int(late or 0), int(exc or 0), last
        )
        for unit_id, total, due_n, checked_n, late, exc, last in db.session.execute(query)
    }


def day_completion(
    org: Organisation, day: date, filters: SiteFilters = NO_FILTERS, with_sites: bool = True
) -> DayCompletion:
    """Totals for ``org`` on ``day``, a row per child organisation, and for an operating
    unit (when ``with_sites``) a row per site with its last check and the unit's phones."""
    orgs = subtree_orgs(org)
    by_id = {o.id: o for o in orgs}
    child_of = _child_of(org, by_id)
    total = Tally()
    per_child: dict[int, Tally] = {o.id: Tally() for o in orgs if o.parent_id == org.id}
    for unit_id, tally in unit_tallies(org, day, filters).items():
        total.add(tally)
        if unit_id in child_of:
            per_child[child_of[unit_id]].add(tally)
    children = [OrgRow(by_id[cid], t) for cid, t in per_child.items()]
    children.sort(key=lambda row: row.org.code)
    result = DayCompletion(org, day, filters, total, children)
    if with_sites and org.org_kind is OrgKind.UNIT:
        result.sites = site_rows(org, day, filters)
        result.devices = device_rows(org, day)
    return result


def site_rows(unit: Organisation, day: date, filters: SiteFilters = NO_FILTERS) -> list[SiteRow]:
    """Every site of ``unit`` on ``day``: due or not, checked, by whom, scanned, failures."""
    sites = list(
        db.session.execute(
            select(Site).where(Site.unit_id == unit.id, *filters.conditions()).order_by(Site.code)
        ).scalars()
    )
    if not sites:
        return []
    ids = [s.id for s in sites]
    _, day_end = day_bounds(day)
    excuses = {
        e.site_id: e.reason
        for e in db.session.execute(
            select(SiteExcuse).where(SiteExcuse.site_id.in_(ids), SiteExcuse.day == day)
        ).scalars()
    }
    rows = {
        s.id: SiteRow(
            site=s,
            due=site_is_due(s, day, excused=s.id in excuses),
            excused=s.id in excuses,
            excuse_reason=excuses.get(s.id),
        )
        for s in sites
    }
    day_checks = db.session.execute(
        select(Inspection, User.display_name)
        .join(User, Inspection.inspector_id == User.id)
        .where(Inspection.site_id.in_(ids), Inspection.day == day, Inspection.kind == SELF)
        .order_by(Inspection.started_at)
    ).all()
    first_received: dict[int, datetime] = {}
    for inspection, name in day_checks:
        row = rows[inspection.site_id]
        row.checks += 1
        row.checked = row.due
        row.inspected_at, row.received_at = inspection.started_at, inspection.received_at
        row.inspector, row.scanned, row.failures = name, inspection.scanned, inspection.failures
        seen = first_received.get(inspection.site_id)
        if seen is None or inspection.received_at < seen:
            first_received[inspection.site_id] = inspection.received_at
    for site_id, received in first_received.items():
        rows[site_id].late = rows[site_id].checked and received >= day_end
    _fill_last_checks(rows, ids, day)
    return list(rows.values())


def _fill_last_checks(rows: dict[int, SiteRow], ids: list[int], day: date) -> None:
    """The latest self-check in the year up to ``day`` and the latest sync (of checks from
    the last 30 days), per site. Both read a bounded range of the (site_id, day) index, so
    they cost the same with one year of history or ten."""
    last_days = (
        select(Inspection.site_id, func.max(Inspection.day).label("day"))
        .where(
            Inspection.site_id.in_(ids),
            Inspection.day <= day,
            Inspection.day > day - timedelta(days=LAST_CHECK_WINDOW_DAYS),
            Inspection.kind == SELF,
        )
        .group_by(Inspection.site_id)
        .subquery()
    )
    for site_id, at, name in db.session.execute(
        select(Inspection.site_id, Inspection.started_at, User.display_name)
        .select_from(last_days)
        .join(
            Inspection,
            and_(Inspection.site_id == last_days.c.site_id, Inspection.day == last_days.c.day),
        )
        .join(User, Inspection.inspector_id == User.id)
        .where(Inspection.kind == SELF)
        .order_by(Inspection.started_at)
    ):
        rows[site_id].last_inspection_at, rows[site_id].last_inspector = at, name
    for site_id, received in db.session.execute(
        select(Inspection.site_id, func.max(Inspection.received_at))
        .where(Inspection.site_id.in_(ids), Inspection.day > day - timedelta(days=HEATMAP_DAYS))
        .group_by(Inspection.site_id)
    ):
        rows[site_id].last_sync_at = received


def device_rows(unit: Organisation, day: date, days: int = HEATMAP_DAYS) -> list[DeviceRow]:
    """The phones that sent checks of the unit's sites in the ``days`` up to ``day``:
    when each last synced, so a manager sees which phone still holds unsent checks."""
    query = (
        select(
            Inspection.device_id,
            User.display_name,
            func.max(Inspection.received_at),
            func.count(Inspection.id),
        )
        .join(User, Inspection.inspector_id == User.id)
        .where(
            Inspection.site_id.in_(select(Site.id).where(Site.unit_id == unit.id)),
            Inspection.kind == SELF,
            Inspection.day > day - timedelta(days=days),
            Inspection.day <= day,
        )
        .group_by(Inspection.device_id, User.display_name)
        .order_by(func.max(Inspection.received_at).desc())
    )
    return [DeviceRow(*row) for row in db.session.execute(query)]


# --- a period: heat maps, rankings, monthly compliance ------------------------------------


def daily_unit_counts(
    org: Organisation, first: date, last: date, filters: SiteFilters = NO_FILTERS
) -> dict[int, dict[date, Tally]]:
    """Per unit under ``org``, per day in [first, last]: due and checked sites (late included).

    Four grouped queries whatever the length of the period: sites by their group (unit,
    status, due_from), and per group and day the excused sites, the checked sites and the
    checked ones among the excused. ``site_due_on`` then decides which groups are due.
    """
    scope = _sites_in(org, filters)
    group = (Site.unit_id, Site.status, Site.due_from)
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
    child_of = _child_of(org, by_id)
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


def month_coverage(org: Organisation, first: date, last: date) -> dict[str, int | float | None]:
    """Daily-check compliance over [first, last] for the monthly report: site-days due and
    checked, the rate, and the number of sites with at least one self-check."""
    due = checked = 0
    for per_day in daily_unit_counts(org, first, last).values():
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
        )
    ).scalar_one()
    return {
        "site_days_due": due,
        "site_days_checked": checked,
        "compliance_rate": round(checked / due, 4) if due else None,
        "sites_with_checks": sites_checked,
    }


# --- excusing a site ---------------------------------------------------------------------


class ExcuseRefused(ValueError):
    """The excuse cannot be recorded; ``str(err)`` says why (shown to the user)."""


def excuse_site(user: User, site: Site, day: date, reason: str) -> SiteExcuse:
    """Excuse ``site`` from its check on ``day`` (logged with who and why) and commit.

    Raises ExcuseRefused when the reason is empty or too long, the day is more than a
    day in the future, or the site is already excused that day. The caller checks
    ``scope.can_excuse_site`` first.
    """
    from flask_babel import lazy_gettext as _

    reason = (reason or "").strip()
    if not reason:
        raise ExcuseRefused(_("Give a reason for the excuse."))
    if len(reason) > 500:
        raise ExcuseRefused(_("The reason is too long (500 characters at most)."))
    if day > today() + timedelta(days=1):
        raise ExcuseRefused(_("A site can be excused for today or tomorrow at the latest."))
    exists = db.session.execute(
        select(SiteExcuse.id).where(SiteExcuse.site_id == site.id, SiteExcuse.day == day)
    ).first()
    if exists:
        raise ExcuseRefused(_("This site is already excused for that day."))
    excuse = SiteExcuse(site=site, day=day, reason=reason, excused_by_id=user.id)
    db.session.add(excuse)
    db.session.commit()
    return excuse
