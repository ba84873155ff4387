"""Reading hazards: scoped lookups, the list filters, overdue / due-soon / escalated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import false, select

from webapp import days
from webapp.extensions import db
from webapp.models import (
    Hazard,
    Organisation,
    Site,
    User,
)
from webapp.scope import (
    OutOfScope,
    below,
    can_see_site,
    get_org,
    scoped_hazards,
)
from webapp.services.hazards.common import (
    S,
)

# --- reading -----------------------------------------------------------------------------


def get_hazard(user: User, hazard_id: int) -> Hazard:
    """The hazard if the user may see it; raises LookupError or OutOfScope (both → 404)."""
    hazard = db.session.get(Hazard, hazard_id)
    if hazard is None:
        raise LookupError(hazard_id)
    if not can_see_site(user, hazard.site):
        raise OutOfScope(hazard_id)
    return hazard


def overdue_condition(day: date):
    """SQL: deadline passed on ``day`` (a SHELTER_TZ day) and not rectified yet."""
    return Hazard.status.in_(_unfixed()) & (Hazard.deadline < day)


def due_soon_condition(day: date):
    """SQL: not rectified and the deadline is within the reminder window (today included)."""
    window = int(current_app.config["SHELTER_DEADLINE_REMINDER_DAYS"])
    return (
        Hazard.status.in_(_unfixed())
        & (Hazard.deadline >= day)
        & (Hazard.deadline <= day + timedelta(days=window))
    )


def escalated_condition(user: User):
    """SQL: hazards of units directly below the user's office (the next office up sees them)."""
    return Site.unit_id.in_(select(Organisation.id).where(Organisation.parent_id == user.org_id))


def _unfixed() -> list[str]:
    return [S.OPEN.value, S.RECTIFYING.value]


@dataclass
class HazardFilters:
    status: list[str] = field(default_factory=list)
    grade: str | None = None
    overdue: bool = False
    due_soon: bool = False
    escalated: bool = False
    category: str | None = None
    site: str | None = None  # site code
    unit: str | None = None  # organisation code: its subtree
    source: str | None = None
    found_from: date | None = None  # SHELTER_TZ days, inclusive
    found_to: date | None = None
    supervised: bool | None = None
    fixed_on_spot: bool | None = None
    responsibility: bool = False  # the responsibility list: every unfixed hazard


def hazard_query(user: User, filters: HazardFilters):
    """A SELECT of the hazards in the user's scope that match ``filters``, newest first."""
    query = scoped_hazards(user)
    today = days.today()
    statuses = list(filters.status)
    if filters.responsibility:
        statuses = statuses or _unfixed()
    if statuses:
        query = query.where(Hazard.status.in_(statuses))
    if filters.grade:
        query = query.where(Hazard.grade == filters.grade)
    if filters.overdue:
        query = query.where(overdue_condition(today))
    if filters.due_soon:
        query = query.where(due_soon_condition(today))
    if filters.escalated:
        query = query.where(overdue_condition(today), escalated_condition(user))
    if filters.category:
        query = query.where(Hazard.category == filters.category)
    if filters.site:
        query = query.where(Site.code == filters.site)
    if filters.unit:
        try:
            org = get_org(user, filters.unit)
        except (LookupError, OutOfScope):
            query = query.where(false())  # unknown and out of scope: no hazards, alike
        else:
            query = query.where(below(org))
    if filters.source:
        query = query.where(Hazard.source == filters.source)
    if filters.found_from:
        query = query.where(Hazard.found_at >= days.day_bounds(filters.found_from)[0])
    if filters.found_to:
        query = query.where(Hazard.found_at < days.day_bounds(filters.found_to)[1])
    if filters.supervised is not None:
        query = query.where(Hazard.supervised if filters.supervised else ~Hazard.supervised)
    if filters.fixed_on_spot is not None:
        query = query.where(Hazard.fixed_on_spot.is_(filters.fixed_on_spot))
    if filters.responsibility:
        return query.order_by(Hazard.deadline.asc().nulls_last(), Hazard.id)
    return query.order_by(Hazard.found_at.desc(), Hazard.id.desc())
