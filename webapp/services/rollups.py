"""Keeping the summaries of webapp/models/rollups.py exact, and rebuilding them.

- ``site_day_rollups``: a row per (site, day) with at least one self-check. Written by the sync
  in the transaction that stores the checks (``count_new_checks``, called from
  ``store_inspections``); the insert of the pair decides which writer counts it, however
  many phones sync checks of one site and day at once.
- ``unit_day_rollups``: per (unit, day, status) the number of those site days, counted by each
  site's current unit and status. The sync adds to it (an upsert that adds, never a read
  then a write); when a site changes unit or status, its site days move with it in the
  same flush (an ORM listener, so every way of editing a site is covered: the site form,
  suspending, the import, the demo; a bulk ``UPDATE`` of sites would bypass it, and needs a
  rebuild after it).

Nothing here decides what is due: first days of daily checks, the statuses due on a day
and excuses are applied when the figures are read (webapp/services/completion/period.py).
Both tables can be rebuilt from the inspections at any time (``rebuild``, ``flask rollups
rebuild``); ``differences`` compares them with what a rebuild would write.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, event, except_, func, inspect, literal, select, text, update
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.models import Inspection, Site, SiteDayRollup, UnitDayRollup
from webapp.models.inspections import InspectionKind
from webapp.services.dialect import insert_adding, insert_ignoring_duplicates

SELF = InspectionKind.SELF.value
UNIT_DAY_KEY = ["day", "unit_id", "status"]


def count_new_checks(inspections: Iterable[tuple[int, date, str]]) -> None:
    """Count the inspections just inserted in this transaction, given as ``(site_id, day,
    kind)``. Call it in that transaction, after the insert; it does not commit.

    Only self-checks count. A (site, day) pair new to ``site_day_rollups`` adds one to its site's
    unit and day under the site's current status. The sites are read ``FOR SHARE``
    (PostgreSQL), so a concurrent change of a site's unit or status either waits for this
    transaction or is read here once committed: the count lands where the site is.
    (SQLite has one writer at a time.)
    """
    pairs = sorted({(site_id, day) for site_id, day, kind in inspections if kind == SELF})
    if not pairs:
        return
    new = db.session.execute(
        insert_ignoring_duplicates(SiteDayRollup, ["site_id", "day"]).returning(
            SiteDayRollup.site_id, SiteDayRollup.day
        ),
        [{"site_id": site_id, "day": day} for site_id, day in pairs],
    ).all()
    if not new:
        return
    where = {
        site_id: (unit_id, status)
        for site_id, unit_id, status in db.session.execute(
            select(Site.id, Site.unit_id, Site.status)
            .where(Site.id.in_({site_id for site_id, _day in new}))
            .order_by(Site.id)
            .with_for_update(read=True)
        )
    }
    added = Counter((day, *where[site_id]) for site_id, day in new)
    db.session.execute(
        insert_adding(UnitDayRollup, UNIT_DAY_KEY, "checked"),
        [
            {"day": day, "unit_id": unit_id, "status": status, "checked": n}
            for (day, unit_id, status), n in sorted(added.items())  # in key order
        ],
    )


# --- sites that change unit or status -------------------------------------------------

_MOVES = "rollups_site_moves"
_FILED_UNDER = ("unit", "unit_id", "status")


@event.listens_for(Session, "before_flush")
def _lock_moving_sites(session: Session, _context, _instances) -> None:
    """Before a flush that changes sites' unit or status: lock those rows and note what
    they hold now (the counts are filed under it)."""
    moving = {
        site.id: site
        for site in session.dirty
        if isinstance(site, Site)
        and site.id is not None
        and any(inspect(site).attrs[name].history.has_changes() for name in _FILED_UNDER)
    }
    if not moving:
        return
    rows = session.connection().execute(
        select(Site.id, Site.unit_id, Site.status)
        .where(Site.id.in_(moving))
        .order_by(Site.id)
        .with_for_update()
    )
    session.info[_MOVES] = [(moving[site_id], unit_id, status) for site_id, unit_id, status in rows]


@event.listens_for(Session, "after_flush")
def _move_site_days(session: Session, _context) -> None:
    """After the flush wrote the sites' new unit or status: move their site days' counts."""
    for site, old_unit, old_status in session.info.pop(_MOVES, []):
        if (site.unit_id, site.status) == (old_unit, old_status):
            continue
        days = select(SiteDayRollup.day).where(SiteDayRollup.site_id == site.id)
        filed = (
            UnitDayRollup.unit_id == old_unit,
            UnitDayRollup.status == old_status,
            UnitDayRollup.day.in_(days.scalar_subquery()),
        )
        connection = session.connection()
        # Rows locked in key order, as every writer of unit_day_rollups takes them (no deadlock).
        connection.execute(
            select(UnitDayRollup.day).where(*filed).order_by(UnitDayRollup.day).with_for_update()
        )
        connection.execute(
            update(UnitDayRollup).where(*filed).values(checked=UnitDayRollup.checked - 1)
        )
        connection.execute(
            insert_adding(UnitDayRollup, UNIT_DAY_KEY, "checked").from_select(
                UNIT_DAY_KEY + ["checked"],
                select(SiteDayRollup.day, literal(site.unit_id), literal(site.status), literal(1))
                .where(SiteDayRollup.site_id == site.id)
                .order_by(SiteDayRollup.day),
            )
        )


@event.listens_for(Session, "after_rollback")
def _forget_moves(session: Session) -> None:
    session.info.pop(_MOVES, None)


# --- rebuilding and checking ----------------------------------------------------------


def _fresh_site_days():
    """The (site_id, day) pairs of every self-check, as a rebuild would write them."""
    return select(Inspection.site_id, Inspection.day).where(Inspection.kind == SELF).distinct()


def _fresh_unit_days(pairs):
    """``unit_day_rollups`` counted from (site_id, day) ``pairs`` (a table or a subquery)."""
    return (
        select(pairs.c.day, Site.unit_id, Site.status, func.count())
        .join(Site, Site.id == pairs.c.site_id)
        .group_by(pairs.c.day, Site.unit_id, Site.status)
    )


def rebuild() -> tuple[int, int]:
    """Replace both summaries with what the inspections and sites say now, in one
    transaction, and commit; returns the numbers of site days and unit days written.

    On PostgreSQL the tables are locked against writers first, so a sync running at the
    same time either commits before the rebuild reads or counts its checks after it."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE site_day_rollups, unit_day_rollups IN EXCLUSIVE MODE"))
    db.session.execute(delete(UnitDayRollup))
    db.session.execute(delete(SiteDayRollup))
    db.session.execute(
        SiteDayRollup.__table__.insert().from_select(["site_id", "day"], _fresh_site_days())
    )
    db.session.execute(
        UnitDayRollup.__table__.insert().from_select(
            UNIT_DAY_KEY + ["checked"], _fresh_unit_days(SiteDayRollup.__table__)
        )
    )
    counts = (
        db.session.scalar(select(func.count()).select_from(SiteDayRollup)),
        db.session.scalar(select(func.count()).select_from(UnitDayRollup)),
    )
    db.session.commit()
    return counts


def differences() -> dict[str, int]:
    """Rows that differ between the stored summaries and a rebuild's (each way), by table.
    All zero when the summaries are exact. Read-only."""
    fresh = _fresh_site_days().subquery()
    stored_units = select(
        UnitDayRollup.day, UnitDayRollup.unit_id, UnitDayRollup.status, UnitDayRollup.checked
    ).where(UnitDayRollup.checked != 0)
    fresh_units = _fresh_unit_days(fresh)
    stored_sites = select(SiteDayRollup.site_id, SiteDayRollup.day)
    fresh_sites = select(fresh.c.site_id, fresh.c.day)
    return {
        "site_day_rollups": _count(except_(stored_sites, fresh_sites))
        + _count(except_(fresh_sites, stored_sites)),
        "unit_day_rollups": _count(except_(stored_units, fresh_units))
        + _count(except_(fresh_units, stored_units)),
    }


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))
