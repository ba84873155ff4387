"""One day: per-unit counts, the sites of a unit and the phones that synced them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, exists, func, select

from webapp.days import day_bounds
from webapp.due import due_site_condition, scheduled_site_condition, site_is_due
from webapp.extensions import db
from webapp.models import Inspection, Organisation, OrgKind, Site, SiteExcuse, User
from webapp.services.completion.figures import (
    HEATMAP_DAYS,
    LAST_CHECK_WINDOW_DAYS,
    NO_FILTERS,
    SELF,
    DayCompletion,
    DeviceRow,
    OrgRow,
    SiteFilters,
    SiteRow,
    Tally,
    synced_late,
)
from webapp.services.completion.tree import child_containing, sites_under, subtree_orgs


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
            # Excused from a check it would have owed (as daily_unit_counts counts them).
            func.sum(case((and_(scheduled_site_condition(day), excused), 1), else_=0)),
            func.max(checks.c.last_received),
        )
        .outerjoin(checks, checks.c.site_id == Site.id)
        .outerjoin(SiteExcuse, and_(SiteExcuse.site_id == Site.id, SiteExcuse.day == day))
        .where(*filters.under(org))
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
    child_of = child_containing(org, by_id)
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
        row.inspection_id = inspection.id
        row.inspector, row.scanned, row.failures = name, inspection.scanned, inspection.failures
        seen = first_received.get(inspection.site_id)
        if seen is None or inspection.received_at < seen:
            first_received[inspection.site_id] = inspection.received_at
    for site_id, received in first_received.items():
        rows[site_id].late = rows[site_id].checked and synced_late(day, received)
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


def latest_checks(site_ids: Select, day: date) -> dict[tuple[int, str], tuple[datetime, str]]:
    """For each site of ``site_ids`` (a select of ``Site.id``) and kind of check, the latest
    inspection counted for ``day``: ``{(site_id, kind): (started_at, inspector's name)}``.
    What the phone marks as "checked today". One query on the (day, kind) index."""
    latest: dict[tuple[int, str], tuple[datetime, str]] = {}
    for site_id, kind, started_at, name in db.session.execute(
        select(Inspection.site_id, Inspection.kind, Inspection.started_at, User.display_name)
        .join(User, Inspection.inspector_id == User.id)
        .where(Inspection.day == day, Inspection.site_id.in_(site_ids))
        .order_by(Inspection.started_at)
    ):
        latest[site_id, kind] = (started_at, name)
    return latest


def unchecked_sites(org: Organisation, day: date) -> list[tuple[int, str, str]]:
    """``(unit_id, code, name)`` of every site under ``org`` that is due on ``day`` and has
    no self-check counting for it yet: the dashboard's "missed" sites (not yet checked, for
    today), by unit and code. One query on the (site_id, day) index of inspections."""
    checked = exists().where(
        Inspection.site_id == Site.id, Inspection.day == day, Inspection.kind == SELF
    )
    query = (
        select(Site.unit_id, Site.code, Site.name)
        .where(sites_under(org), due_site_condition(day), ~checked)
        .order_by(Site.unit_id, Site.code)
    )
    return [tuple(row) for row in db.session.execute(query)]
