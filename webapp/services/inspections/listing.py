"""Pages of stored inspections for GET /api/v1/inspections, within the reader's scope
(``scope.scoped_inspections``): filters and keyset pagination."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, literal, select, tuple_
from sqlalchemy.orm import aliased, contains_eager, joinedload

from webapp import days
from webapp.extensions import db
from webapp.inputs import parse_moment
from webapp.models import Inspection, InspectionFlag, Site, User
from webapp.models.types import UTCDateTime
from webapp.scope import OutOfScope, below, get_org, get_site, get_user, scoped_inspections
from webapp.services.inspections.record import WITH_FLAGS
from webapp.services.sync.batch import COMMIT_DEADLINE
from webapp.services.sync.parsing import UUID_RE

# A record is listed once it is this old. The key (received_at, id) is taken when a sync
# request starts and committed a moment later, so a batch that started earlier can commit
# after one that started later; a reader paging meanwhile would pass its records by. A sync
# that cannot commit within half this margin is rolled back (sync.batch.COMMIT_DEADLINE),
# so the listed part never changes behind a cursor: nothing is skipped and nothing repeated
# while records arrive.
SETTLED_AFTER = 2 * COMMIT_DEADLINE


class FilterRefused(ValueError):
    """A filter names something outside the reader's scope or not at all; ``field`` and
    ``message`` say which and why (answer 422)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class InspectionFilters:
    site: str | None = None  # site code
    org: str | None = None  # organisation code: its subtree
    day_from: date | None = None
    day_to: date | None = None
    kind: str | None = None
    inspector: str | None = None  # username
    has_failures: bool | None = None
    flagged: bool | None = None
    flag: str | None = None  # a flag code


@dataclass
class Cursor:
    """Where a page ended: the last record's (received_at, id)."""

    received_at: datetime
    inspection_id: str

    def encode(self) -> str:
        text = f"{self.received_at.astimezone(UTC).isoformat()}|{self.inspection_id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Raises FilterRefused("cursor") for anything that is not a cursor of ours."""
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            moment, inspection_id = text.split("|")
            received_at = parse_moment(moment)
            if not UUID_RE.match(inspection_id):
                raise ValueError(text)
        except ValueError:
            raise FilterRefused("cursor", _("Not a cursor from a previous page.")) from None
        return cls(received_at, inspection_id)


@dataclass
class InspectionPage:
    items: list[Inspection]  # site, unit, inspector and flags loaded
    next_cursor: str | None  # where to go on from (also to poll for newer records later)
    has_more: bool


def inspection_page(
    user: User, filters: InspectionFilters, cursor: str | None, limit: int
) -> InspectionPage:
    """One page of the inspections ``user`` may open, oldest arrival first, after
    ``cursor``. Raises FilterRefused naming the filter at fault."""
    received_at, inspection_id = _list_key(filters)
    query = _filtered(user, filters).where(received_at <= days.now() - SETTLED_AFTER)
    after = Cursor.decode(cursor) if cursor else None
    if after is not None:
        query = query.where(
            tuple_(received_at, inspection_id)
            > tuple_(literal(after.received_at, UTCDateTime()), literal(after.inspection_id))
        )
    rows = list(
        db.session.scalars(
            query.options(contains_eager(Inspection.site).contains_eager(Site.unit))
            .options(joinedload(Inspection.inspector), WITH_FLAGS)
            .order_by(received_at, inspection_id)
            .limit(limit + 1)
        )
    )
    items, has_more = rows[:limit], len(rows) > limit
    last = Cursor(items[-1].received_at, items[-1].id).encode() if items else cursor
    return InspectionPage(items, last, has_more)


def _list_key(filters: InspectionFilters) -> tuple:
    """The columns holding the list's key (received_at, id). With one flag code asked for,
    the flag's copy of them: its index then walks only that code's flags, in the list's
    order, instead of every inspection (a rare code among millions of checks)."""
    if filters.flag is not None:
        return InspectionFlag.received_at, InspectionFlag.inspection_id
    return Inspection.received_at, Inspection.id


def _filtered(user: User, filters: InspectionFilters) -> Select:
    query = scoped_inspections(user)
    if filters.site is not None:
        try:
            site = get_site(user, filters.site)
        except (LookupError, OutOfScope):
            raise FilterRefused("site", _("No site with this code in your area.")) from None
        query = query.where(Inspection.site_id == site.id)
    if filters.org is not None:
        try:
            query = query.where(below(get_org(user, filters.org)))
        except (LookupError, OutOfScope):
            raise FilterRefused("org", _("No organisation with this code in your area.")) from None
    if filters.inspector is not None:
        try:
            query = query.where(Inspection.inspector_id == get_user(user, filters.inspector).id)
        except (LookupError, OutOfScope):
            raise FilterRefused(
                "inspector", _("No account with this username in your area.")
            ) from None
    if filters.day_from is not None:
        # Implied by the day, and what lets the (received_at, id) index start there rather
        # than at the oldest record: nothing reaches the server before it was started, and
        # the sync refuses a start further ahead of the server's clock than the skew limit
        # (a day is far beyond any).
        arrived = days.day_bounds(filters.day_from)[0] - timedelta(days=1)
        query = query.where(Inspection.day >= filters.day_from, Inspection.received_at >= arrived)
    if filters.day_to is not None:
        query = query.where(Inspection.day <= filters.day_to)
    if filters.kind is not None:
        query = query.where(Inspection.kind == filters.kind)
    if filters.has_failures is not None:
        failed = Inspection.failures > 0
        query = query.where(failed if filters.has_failures else ~failed)
    if filters.flag is not None:  # one row at most: a code is raised once per inspection
        query = query.join(
            InspectionFlag,
            (InspectionFlag.inspection_id == Inspection.id) & (InspectionFlag.code == filters.flag),
        )
    any_flag = aliased(InspectionFlag)  # apart from the one joined for a code
    flags = select(any_flag.id).where(any_flag.inspection_id == Inspection.id)
    if filters.flagged is not None:
        query = query.where(flags.exists() if filters.flagged else ~flags.exists())
    return query
