"""The record of one inspection as people read it (the page /inspections/<id> and
GET /api/v1/inspections/<id>): its items grouped by category with outcome, note, photos
and rectification, the hazard each failure opened, any conflicting copy the sync kept,
and its credibility flags with their annotations. A handful of queries, none per item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from webapp.extensions import db
from webapp.models import (
    ChecklistCategory,
    ChecklistItem,
    FlagAnnotation,
    FlagCode,
    Hazard,
    Inspection,
    InspectionConflict,
    InspectionFlag,
    InspectionPhoto,
    Site,
    User,
)
from webapp.scope import OutOfScope, can_see_inspection, inspection_photo_counts
from webapp.services.inspections.scan import ScanProof, scan_proof


@dataclass
class PhotoRef:
    sha256: str
    uploaded: bool  # False: referenced by the record, not on the server yet


@dataclass
class ItemRow:
    item_id: str
    category: str
    label: str
    outcome: str
    note: str | None
    photos: list[PhotoRef] = field(default_factory=list)  # what was found
    after_photos: list[PhotoRef] = field(default_factory=list)  # the fix on the spot
    rectification: dict | None = None
    hazard: Hazard | None = None


@dataclass
class CategoryGroup:
    code: str
    name: str
    items: list[ItemRow]


@dataclass
class Conflict:
    """A different copy of the same inspection id that reached the server later."""

    received_at: object
    device_id: str
    sent_by: str
    content_hash: str
    # (what, as stored, as in this copy): times, kind, site and item outcomes that differ.
    differences: list[tuple[str, str, str]]


@dataclass
class InspectionRecord:
    """One inspection with what its record shows; the inspection's own attributes read
    through (``record.site``, ``record.day``), so one schema serves the list and the record."""

    inspection: Inspection
    groups: list[CategoryGroup]
    conflicts: list[Conflict]
    flags: list[InspectionFlag]
    scan: ScanProof

    def __getattr__(self, name: str):
        return getattr(self.inspection, name)

    @property
    def items(self) -> list[ItemRow]:
        return [item for group in self.groups for item in group.items]

    @property
    def duration(self) -> timedelta:
        return self.inspection.finished_at - self.inspection.started_at

    @property
    def delay(self) -> timedelta:
        """From the end of the check to its arrival on the server."""
        return self.inspection.received_at - self.inspection.finished_at

    @property
    def photos(self) -> list[PhotoRef]:
        return [
            p
            for group in self.groups
            for item in group.items
            for p in item.photos + item.after_photos
        ]

    @property
    def evidence_missing(self) -> bool:
        return any(not photo.uploaded for photo in self.photos)


# An inspection's flags with their annotations and authors: two queries for any number.
WITH_FLAGS = (
    selectinload(Inspection.flags)
    .selectinload(InspectionFlag.annotations)
    .joinedload(FlagAnnotation.author)
)


def get_inspection(user: User, inspection_id: str) -> Inspection:
    """The inspection if ``user`` may open it (site, unit, inspector and flags loaded);
    raises LookupError or OutOfScope (answer both 404: nothing outside the scope can be
    probed)."""
    inspection = db.session.scalars(
        select(Inspection)
        .where(Inspection.id == inspection_id)
        .options(
            joinedload(Inspection.site).joinedload(Site.unit),
            joinedload(Inspection.inspector),
            WITH_FLAGS,
        )
    ).one_or_none()
    if inspection is None:
        raise LookupError(inspection_id)
    if not can_see_inspection(user, inspection):
        raise OutOfScope(inspection_id)
    return inspection


def inspection_record(inspection: Inspection) -> InspectionRecord:
    """Everything the record shows, read in a fixed number of queries."""
    flags = inspection.flags
    return InspectionRecord(
        inspection=inspection,
        groups=_groups(inspection),
        conflicts=_conflicts(inspection),
        flags=flags,
        scan=scan_proof(
            inspection, next((f for f in flags if f.code == FlagCode.NOT_SCANNED), None)
        ),
    )


def _groups(inspection: Inspection) -> list[CategoryGroup]:
    english = str(get_locale() or "zh").startswith("en")
    items = {
        item.item_id: item
        for item in db.session.scalars(
            select(ChecklistItem).where(ChecklistItem.template_id == inspection.template_id)
        )
    }
    categories = {c.code: c for c in db.session.scalars(select(ChecklistCategory))}
    photos = db.session.execute(
        select(
            InspectionPhoto.item_id,
            InspectionPhoto.sha256,
            InspectionPhoto.role,
            inspection_photo_counts(),
        )
        .join(Inspection, Inspection.id == InspectionPhoto.inspection_id)
        .where(InspectionPhoto.inspection_id == inspection.id)
        .order_by(InspectionPhoto.id)
    ).all()
    hazards = {
        hazard.item_id: hazard
        for hazard in db.session.scalars(
            select(Hazard).where(Hazard.inspection_id == inspection.id)
        )
    }
    groups: dict[str, CategoryGroup] = {}
    for result in inspection.results:
        item = items.get(result.item_id)
        code = item.category if item else result.item_id.split("-")[0]
        if code not in groups:
            category = categories.get(code)
            name = (category.name_en if english else category.name_zh) if category else code
            groups[code] = CategoryGroup(code, name, [])
        label = (item.label_en if english else item.label_zh) if item else result.item_id
        row = ItemRow(
            result.item_id,
            code,
            label,
            result.outcome,
            result.note,
            rectification=result.rectification,
        )
        for item_id, sha, role, counts in photos:
            if item_id == result.item_id:
                (row.after_photos if role == "after" else row.photos).append(
                    PhotoRef(sha, bool(counts))
                )
        row.hazard = hazards.get(result.item_id)
        groups[code].items.append(row)
    order = {code: (c.position, code) for code, c in categories.items()}
    position = {item_id: item.position for item_id, item in items.items()}
    for group in groups.values():
        group.items.sort(key=lambda row: (position.get(row.item_id, 999), row.item_id))
    return sorted(groups.values(), key=lambda g: order.get(g.code, (999, g.code)))


def _conflicts(inspection: Inspection) -> list[Conflict]:
    rows = db.session.execute(
        select(InspectionConflict, User.display_name)
        .join(User, User.id == InspectionConflict.user_id)
        .where(InspectionConflict.inspection_id == inspection.id)
        .order_by(InspectionConflict.received_at)
    ).all()
    return [
        Conflict(
            conflict.received_at,
            conflict.device_id,
            name,
            conflict.content_hash,
            differences(inspection.payload, conflict.payload),
        )
        for conflict, name in rows
    ]


def differences(stored: dict, other: dict) -> list[tuple[str, str, str]]:
    """Where a conflicting copy differs from the stored record: the times, kind and site,
    then each item whose outcome or note differs (``(what, stored, other)``)."""
    found = [
        (key, str(stored.get(key, "")), str(other.get(key, "")))
        for key in ("site_code", "kind", "started_at", "finished_at")
        if stored.get(key) != other.get(key)
    ]
    mine = {r.get("item_id"): r for r in stored.get("results") or [] if isinstance(r, dict)}
    theirs = {r.get("item_id"): r for r in other.get("results") or [] if isinstance(r, dict)}
    for item_id in sorted(set(mine) | set(theirs), key=str):
        a, b = mine.get(item_id, {}), theirs.get(item_id, {})
        if (a.get("outcome"), a.get("note")) != (b.get("outcome"), b.get("note")):
            found.append((str(item_id), _outcome(a), _outcome(b)))
    return found


def _outcome(result: dict) -> str:
    if not result:
        return "—"
    note = result.get("note")
    return f"{result.get('outcome')}: {note}" if note else str(result.get("outcome"))
