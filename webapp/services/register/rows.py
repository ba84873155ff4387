"""A site's month, day by day, with every inspection that counts for each day: what the
site page's calendar shows and what the register (XLSX and PDF) prints.

The state of each day (checked, synced late, missed, excused, not due, future) is the
completion service's rule (``site_days``); this module adds the inspections, their failed
items with the rectification the inspector recorded, and the hazards they opened. A fixed
number of queries for any number of sites and days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, select

from webapp.days import today
from webapp.extensions import db
from webapp.models import (
    ChecklistItem,
    FlagCode,
    Hazard,
    Inspection,
    InspectionFlag,
    InspectionResult,
    Site,
    User,
)
from webapp.models.inspections import InspectionKind
from webapp.services.completion import site_days, synced_late
from webapp.services.reports.months import month_last


@dataclass
class FailedItem:
    item_id: str
    label: str  # the item's Chinese label in the template the inspection used
    note: str | None
    rectification: dict  # as the inspector recorded it (see sync parsing)
    hazard_id: int | None = None
    hazard_status: str | None = None


@dataclass
class FlagLine:
    """A credibility flag on the inspection (webapp/models/credibility.py)."""

    code: str
    facts: dict
    verdict: str | None  # the latest annotation's: explained | confirmed, None if none


@dataclass
class InspectionLine:
    id: str
    kind: str  # self | office | covert
    inspector: str
    started_at: datetime
    finished_at: datetime
    received_at: datetime
    scanned: bool
    failures: int
    synced_late: bool
    failed: list[FailedItem] = field(default_factory=list)
    flags: list[FlagLine] = field(default_factory=list)

    @property
    def unscanned_unflagged(self) -> bool:
        """Not scanned, and no not_scanned flag says so already (checks stored before flags)."""
        return not self.scanned and all(flag.code != FlagCode.NOT_SCANNED for flag in self.flags)

    @property
    def is_visit(self) -> bool:
        """An office or covert check: shown, never counted as the day's check."""
        return self.kind != InspectionKind.SELF


@dataclass
class DayRow:
    day: date
    # checked | late | missed | pending (today, not checked yet) | excused | not_due | future
    state: str
    excuse_reason: str | None
    inspections: list[InspectionLine]


@dataclass
class SiteMonth:
    site: Site
    month: date  # its first day
    days: list[DayRow]

    def count(self, *states: str) -> int:
        return sum(row.state in states for row in self.days)

    @property
    def due(self) -> int:
        """Days the site owed a check so far (today only once it is checked)."""
        return self.count("checked", "late", "missed")

    @property
    def checked(self) -> int:
        return self.count("checked", "late")

    @property
    def inspections(self) -> list[InspectionLine]:
        return [line for row in self.days for line in row.inspections]


def site_months(sites: list[Site], month: date) -> list[SiteMonth]:
    """The month starting ``month`` of each of ``sites`` (in that order), every day with its
    state and inspections. At most six queries whatever the number of sites."""
    first, last = month, month_last(month)
    states = site_days(sites, first, last)
    lines = _inspections([s.id for s in sites], first, last)
    now_day = today()
    result = []
    for site in sites:
        rows = []
        for site_day in states[site.id]:
            state = site_day.state
            if state == "missed" and site_day.day == now_day:
                state = "pending"  # the day is not over: phones may still sync its check
            found = lines.get((site.id, site_day.day), [])
            rows.append(DayRow(site_day.day, state, site_day.excuse_reason, found))
        result.append(SiteMonth(site, month, rows))
    return result


def _inspections(
    site_ids: list[int], first: date, last: date
) -> dict[tuple[int, date], list[InspectionLine]]:
    """Every inspection (any kind) of the sites counting for a day in [first, last], per
    (site id, day), earliest first, with its credibility flags, failed items and hazards."""
    in_month = and_(
        Inspection.site_id.in_(site_ids), Inspection.day >= first, Inspection.day <= last
    )
    by_id: dict[str, InspectionLine] = {}
    per_day: dict[tuple[int, date], list[InspectionLine]] = defaultdict(list)
    query = (
        select(
            Inspection.id,
            Inspection.site_id,
            Inspection.day,
            Inspection.kind,
            User.display_name,
            Inspection.started_at,
            Inspection.finished_at,
            Inspection.received_at,
            Inspection.scanned,
            Inspection.failures,
        )
        .join(User, Inspection.inspector_id == User.id)
        .where(in_month)
        .order_by(Inspection.started_at, Inspection.id)
    )
    for row in db.session.execute(query):
        line = InspectionLine(
            id=row.id,
            kind=row.kind,
            inspector=row.display_name,
            started_at=row.started_at,
            finished_at=row.finished_at,
            received_at=row.received_at,
            scanned=row.scanned,
            failures=row.failures,
            synced_late=synced_late(row.day, row.received_at),
        )
        by_id[row.id] = line
        per_day[row.site_id, row.day].append(line)
    if by_id:
        _add_flags(by_id, in_month)
    if any(line.failures for line in by_id.values()):
        _add_failed_items(by_id, in_month)
    return per_day


def _add_flags(by_id: dict[str, InspectionLine], in_month) -> None:
    query = (
        select(
            InspectionFlag.inspection_id,
            InspectionFlag.code,
            InspectionFlag.facts,
            InspectionFlag.verdict,
        )
        .join(Inspection, InspectionFlag.inspection_id == Inspection.id)
        .where(in_month)
        .order_by(InspectionFlag.id)
    )
    for inspection_id, code, facts, verdict in db.session.execute(query):
        by_id[inspection_id].flags.append(FlagLine(code, facts or {}, verdict))


def _add_failed_items(by_id: dict[str, InspectionLine], in_month) -> None:
    """The failed results of the inspections (with the item's label) and their hazards."""
    failed: dict[tuple[str, str], FailedItem] = {}
    query = (
        select(
            InspectionResult.inspection_id,
            InspectionResult.item_id,
            ChecklistItem.label_zh,
            InspectionResult.note,
            InspectionResult.rectification,
        )
        .join(Inspection, InspectionResult.inspection_id == Inspection.id)
        .outerjoin(
            ChecklistItem,
            and_(
                ChecklistItem.template_id == Inspection.template_id,
                ChecklistItem.item_id == InspectionResult.item_id,
            ),
        )
        .where(in_month, InspectionResult.outcome == "fail")
        .order_by(InspectionResult.id)
    )
    for inspection_id, item_id, label, note, rectification in db.session.execute(query):
        item = FailedItem(item_id, label or item_id, note, rectification or {})
        failed[inspection_id, item_id] = item
        by_id[inspection_id].failed.append(item)
    hazards = (
        select(Hazard.inspection_id, Hazard.item_id, Hazard.id, Hazard.status)
        .join(Inspection, Hazard.inspection_id == Inspection.id)
        .where(in_month)
    )
    for inspection_id, item_id, hazard_id, status in db.session.execute(hazards):
        item = failed.get((inspection_id, item_id))
        if item is not None:
            item.hazard_id, item.hazard_status = hazard_id, status
