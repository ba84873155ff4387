"""Exactly-once sync of inspections from the phones: ``record_inspections``.

How "exactly once" is guaranteed: the phone's UUID is the primary key of ``inspections``.
A batch's valid records are written with one ``INSERT ... ON CONFLICT DO NOTHING
RETURNING id``; the database decides which ids are new, however many retries of the same
batch race each other. Ids that were not inserted are then classified by comparing the
stored content hash (``classify_outcome``, the one place for that rule): the same content
is a duplicate, different content a conflict whose version is kept in
``inspection_conflicts`` (itself idempotent by its unique (inspection_id, content_hash)).

Each record is validated on its own: one bad record never fails the rest of its batch.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp import days
from webapp.checklist import applicable_items
from webapp.extensions import db
from webapp.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionConflict,
    InspectionPhoto,
    InspectionResult,
    OrgKind,
    Photo,
    Role,
    Site,
    User,
)
from webapp.qr import scan_is_valid, token_fingerprint
from webapp.scope import can_see_site
from webapp.services.dialect import bulk_insert, insert_ignoring_duplicates
from webapp.services.hazards import open_hazards_for_inspections
from webapp.services.inspection_records import (
    UUID_RE,
    Errors,
    ParsedInspection,
    parse_aware_datetime,
    parse_record,
    record_id,
)
from webapp.services.photos import refresh_evidence, store_encoded_photos

log = logging.getLogger(__name__)

# Largest number of inspections in one sync request (the import splits files into batches).
MAX_BATCH = 200


class SyncStatus(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


def classify_outcome(
    *, valid: bool, inserted: bool, stored_hash: str | None, sent_hash: str | None
) -> SyncStatus:
    """The one rule for what a sent record became.

    ``inserted``: this request's insert created the row. ``stored_hash``: the content hash
    stored under the record's id (None when no row has that id).
    """
    if inserted:
        return SyncStatus.CREATED
    if stored_hash is not None and stored_hash == sent_hash:
        # Sent before and stored: nothing changes, even if today's rules would reject it.
        return SyncStatus.DUPLICATE
    if not valid:
        return SyncStatus.REJECTED
    return SyncStatus.CONFLICT


@dataclass(slots=True)
class ValidInspection:
    """A record that passed every check, with what the server derived from it."""

    parsed: ParsedInspection
    site: Site
    day: date
    scanned: bool
    evidence_missing: list[str]


@dataclass(slots=True)
class SyncSource:
    """Who sent a batch, from which device, and the device's clock when it sent it."""

    user: User
    device_id: str
    device_time: datetime | None  # None for file imports: their clock says nothing now


def record_inspections(source: SyncSource, records: list) -> list[dict]:
    """Validate and store a batch; one result per record, in order. Commits.

    Result: ``{"id", "status", "errors"?, "missing_photos"?}`` (see docs/api.md).
    """
    if len(records) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} records per batch")
    now = days.now()
    user_id = source.user.id  # read before the commit expires it
    parsed: list[ParsedInspection | None] = []
    errors: list[Errors] = []
    for record in records:
        one, record_errors = parse_record(record)
        parsed.append(one)
        errors.append(record_errors)

    valid = _check_against_database(source.user, parsed, errors, now)
    first: dict[str, ValidInspection] = {}
    for record in valid:
        if record is not None:
            first.setdefault(record.parsed.id, record)

    created = {record.parsed.id for record in store_inspections(source, list(first.values()), now)}
    known_ids = [record_id(record) for record in records if UUID_RE.match(record_id(record) or "")]
    stored = _stored_hashes([i for i in known_ids if i not in created])
    missing = _missing_photos_of_stored(list(stored))
    for inspection_id in created:  # a later copy of the same id in this batch compares to it
        stored[inspection_id] = first[inspection_id].parsed.content_hash
        missing[inspection_id] = first[inspection_id].evidence_missing

    results: list[dict] = []
    conflicts: list[dict] = []
    claimed: set[str] = set()
    for record, one, record_errors, checked in zip(records, parsed, errors, valid, strict=True):
        sent_id = record_id(record)
        inserted = checked is not None and sent_id in created and sent_id not in claimed
        if inserted:
            claimed.add(sent_id)
        status = classify_outcome(
            valid=checked is not None,
            inserted=inserted,
            stored_hash=stored.get(sent_id) if sent_id else None,
            sent_hash=one.content_hash if one else None,
        )
        result: dict = {"id": sent_id, "status": status.value}
        if status in (SyncStatus.CREATED, SyncStatus.DUPLICATE):
            result["missing_photos"] = missing.get(sent_id, [])
        elif status is SyncStatus.REJECTED:
            result["errors"] = record_errors
        else:
            conflicts.append(_conflict_row(source, one, now))
        results.append(result)
    _keep_conflicts(conflicts)
    db.session.commit()

    incomplete = [
        r.parsed.id for r in first.values() if r.parsed.id in created and r.evidence_missing
    ]
    if incomplete:
        # A photo may have arrived while this batch was being written.
        refresh_evidence(inspection_ids=incomplete)
    log.info(
        "sync user=%s device=%s records=%d %s",
        user_id,
        source.device_id,
        len(records),
        " ".join(f"{s}={sum(r['status'] == s for r in results)}" for s in SyncStatus),
    )
    return results


# --- the rules that need the database -----------------------------------------------------


def may_record_kind(user: User, site: Site, kind: str) -> bool:
    """Daily self-checks by staff of the site's unit; office checks by office staff who can
    see the site; covert checks only by the province office."""
    role = user.user_role
    if kind == "self":
        return role in (Role.INSPECTOR, Role.UNIT_MANAGER) and user.org_id == site.unit_id
    if not role.is_office_role or not can_see_site(user, site):
        return False
    return kind == "office" or user.org.org_kind is OrgKind.PROVINCE


def _check_against_database(
    user: User, parsed: list[ParsedInspection | None], errors: list[Errors], now: datetime
) -> list[ValidInspection | None]:
    """Site, scope, role, template, applicable items, photos and dates of each record.

    A constant number of queries per batch: all sites, all templates, all photos at once.
    """
    records = [one for one in parsed if one is not None]
    sites = _by_key(select(Site).where(Site.code.in_({r.site_code for r in records})), "code")
    templates = _by_key(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.id.in_({r.template_id for r in records}))
        # The categories are not needed here (ChecklistItem joins them by default).
        .options(selectinload(ChecklistTemplate.items).lazyload(ChecklistItem.category_ref)),
        "id",
    )
    wanted = {sha for r in records for _item, sha, _role in r.photo_refs()}
    present = (
        set(db.session.scalars(select(Photo.sha256).where(Photo.sha256.in_(wanted))))
        if wanted
        else set()
    )
    cfg = current_app.config
    tolerance = timedelta(seconds=int(cfg["SHELTER_CLOCK_SKEW_FLAG_SECONDS"]))
    max_deadline = timedelta(days=int(cfg["SHELTER_DEADLINE_MAX_DAYS"]))
    items_cache: dict[tuple, dict] = {}
    # Per site of the batch, computed once: the scope/role verdict per kind, and its tags.
    refusals: dict[tuple[str, str], tuple[str, str] | None] = {}
    tags: dict[str, frozenset[str]] = {}

    valid: list[ValidInspection | None] = []
    for one, record_errors in zip(parsed, errors, strict=True):
        if one is None:
            valid.append(None)
            continue
        site = sites.get(one.site_code)
        template = templates.get(one.template_id)
        if (one.site_code, one.kind) not in refusals:
            refusals[(one.site_code, one.kind)] = _site_refusal(user, site, one.kind)
        refusal = refusals[(one.site_code, one.kind)]
        if refusal is not None:
            record_errors[refusal[0]] = [refusal[1]]
        if template is None:
            record_errors["template_id"] = [_("No checklist template with this id.")]
        if one.started_at > now + tolerance:
            record_errors["started_at"] = [_("Lies in the future: check the phone's clock.")]
        if one.finished_at > now + tolerance:
            record_errors["finished_at"] = [_("Lies in the future: check the phone's clock.")]
        day = days.local_day(one.started_at)
        if not record_errors:
            if site.code not in tags:
                tags[site.code] = frozenset(site.tags)
            key = (template.id, tags[site.code], day, one.kind)
            if key not in items_cache:
                items_cache[key] = {
                    item.item_id: item for item in applicable_items(template, site, day, one.kind)
                }
            _check_results(one, items_cache[key], day, max_deadline, record_errors)
        if record_errors:
            valid.append(None)
            continue
        scanned = _scanned_on_site(one, site, tolerance)
        missing = list(dict.fromkeys(sha for _i, sha, _r in one.photo_refs() if sha not in present))
        valid.append(ValidInspection(one, site, day, scanned, missing))
    return valid


def _scanned_on_site(one: ParsedInspection, site: Site, tolerance: timedelta) -> bool:
    """The scan proves presence only if it happened during the inspection: a scan time the
    phone dated elsewhere could make a retired label's token count again."""
    scanned_at = one.scanned_at or one.started_at
    during = one.started_at - tolerance <= scanned_at <= one.finished_at + tolerance
    return during and scan_is_valid(site, one.scan_token, scanned_at)


def _check_results(
    one: ParsedInspection, applicable: dict, day: date, max_deadline: timedelta, errors: Errors
) -> None:
    sent = {result.item_id for result in one.results}
    missing = [item_id for item_id in applicable if item_id not in sent]
    if missing:
        errors["results"] = [_("Missing results for items: %(items)s.", items=", ".join(missing))]
    for index, result in enumerate(one.results):
        item = applicable.get(result.item_id)
        path = f"results.{index}"
        if item is None:
            errors[f"{path}.item_id"] = [
                _(
                    "Item %(item)s is not on this site's form for %(day)s.",
                    item=result.item_id,
                    day=day.isoformat(),
                )
            ]
            continue
        if result.outcome != "fail":
            continue
        if item.photo_required_on_fail and not result.photos:
            errors[f"{path}.photos"] = [_("This item needs at least one photo of the failure.")]
        rectification = result.rectification
        if rectification["mode"] == "on_spot":
            if item.photo_required_on_fail and not result.after_photos:
                errors[f"{path}.rectification.photos"] = [
                    _("This item needs at least one photo after the fix.")
                ]
        else:
            deadline = date.fromisoformat(rectification["deadline"])
            if deadline < day:
                errors[f"{path}.rectification.deadline"] = [
                    _(
                        "Must not be before the day of the inspection (%(day)s).",
                        day=day.isoformat(),
                    )
                ]
            elif deadline > day + max_deadline:
                errors[f"{path}.rectification.deadline"] = [
                    _(
                        "Must be at most %(count)d days after the inspection.",
                        count=max_deadline.days,
                    )
                ]


def _site_refusal(user: User, site: Site | None, kind: str) -> tuple[str, str] | None:
    """(field, message) when ``user`` may not record a ``kind`` check at ``site``."""
    if site is None or not can_see_site(user, site):
        # Unknown and out-of-scope read the same: nothing outside the scope can be probed.
        return "site_code", _("No site with this code in your area.")
    if not may_record_kind(user, site, kind):
        return "kind", _kind_refusal(kind)
    return None


def _kind_refusal(kind: str) -> str:
    if kind == "self":
        return _("Daily self-checks are recorded by staff of the site's own unit.")
    if kind == "covert":
        return _("Covert checks are recorded by the province office.")
    return _("Office checks are recorded by office staff.")


def _by_key(query, attribute: str) -> dict:
    return {getattr(row, attribute): row for row in db.session.scalars(query)}


# --- writing ------------------------------------------------------------------------------


def store_inspections(
    source: SyncSource, records: list[ValidInspection], now: datetime
) -> list[ValidInspection]:
    """Insert the inspections whose ids are new, with their results and photo references;
    returns the records this call created. Does not commit (the caller does, once).

    The one place where an inspection's rows are written: whatever must happen for each
    newly created inspection inside the same transaction belongs at the end of this function.
    """
    if not records:
        return []
    # Sorted by id so that two batches sharing ids lock rows in the same order (no deadlock).
    records = sorted(records, key=lambda record: record.parsed.id)
    # Every row is built before the first write: on SQLite the write lock is held from the
    # first INSERT to the commit, and other writers wait for it.
    inspection_rows = [_inspection_row(source, record, now) for record in records]
    child_rows = {record.parsed.id: _child_rows(record.parsed) for record in records}
    inserted_ids = set(
        db.session.scalars(
            insert_ignoring_duplicates(Inspection, ["id"]).returning(Inspection.id),
            inspection_rows,
        )
    )
    created = [record for record in records if record.parsed.id in inserted_ids]
    bulk_insert(
        InspectionResult,
        RESULT_COLUMNS,
        [row for r in created for row in child_rows[r.parsed.id][0]],
    )
    bulk_insert(
        InspectionPhoto, PHOTO_COLUMNS, [row for r in created for row in child_rows[r.parsed.id][1]]
    )
    # Failed items become hazards in this same transaction (only inspections with a failure
    # are passed: most have none, and then no query runs at all).
    open_hazards_for_inspections([record.parsed.id for record in created if record.parsed.failures])
    return created


RESULT_COLUMNS = ["inspection_id", "item_id", "outcome", "note", "rectification"]
PHOTO_COLUMNS = ["inspection_id", "item_id", "sha256", "role"]


def _child_rows(one: ParsedInspection) -> tuple[list[tuple], list[tuple]]:
    """The inspection_results and inspection_photos rows of a record (RESULT_COLUMNS and
    PHOTO_COLUMNS order; the rectification as JSON text)."""
    results = [
        (
            one.id,
            result.item_id,
            result.outcome,
            result.note,
            json.dumps(result.rectification, ensure_ascii=False) if result.rectification else None,
        )
        for result in one.results
    ]
    photos = [(one.id, item_id, sha, role) for item_id, sha, role in one.photo_refs()]
    return results, photos


def _inspection_row(source: SyncSource, record: ValidInspection, now: datetime) -> dict:
    one = record.parsed
    offset = 0
    if source.device_time is not None:
        offset = round((source.device_time - now).total_seconds())
    flag_after = int(current_app.config["SHELTER_CLOCK_SKEW_FLAG_SECONDS"])
    return {
        "id": one.id,
        "site_id": record.site.id,
        "template_id": one.template_id,
        "kind": one.kind,
        "inspector_id": source.user.id,
        "device_id": source.device_id,
        "started_at": one.started_at,
        "finished_at": one.finished_at,
        "received_at": now,
        "day": record.day,
        "scanned": record.scanned,
        "scanned_at": (one.scanned_at or one.started_at) if record.scanned else None,
        "clock_offset_seconds": offset,
        "clock_flagged": abs(offset) > flag_after,
        "failures": one.failures,
        "evidence_complete": not record.evidence_missing,
        "content_hash": one.content_hash,
        "payload": stored_payload(one.raw),
    }


def stored_payload(record: dict) -> dict:
    """The record as kept in the database: the scanned QR token replaced by its fingerprint.
    A token proves presence at the site; it never lands in the database or the logs (the
    content hash is still taken over the record as sent, so resends stay duplicates)."""
    scan = record.get("scan")
    if isinstance(scan, dict) and isinstance(scan.get("token"), str):
        kept = {**scan, "token": None, "token_fingerprint": token_fingerprint(scan["token"])}
        return {**record, "scan": kept}
    return record


def _stored_hashes(ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Inspection.id, Inspection.content_hash).where(Inspection.id.in_(set(ids)))
    )
    return {inspection_id: sha for inspection_id, sha in rows}


def _missing_photos_of_stored(ids: list[str]) -> dict[str, list[str]]:
    """Photos that stored inspections reference and the server still lacks, by inspection."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(InspectionPhoto.inspection_id, InspectionPhoto.sha256)
        .outerjoin(Photo, Photo.sha256 == InspectionPhoto.sha256)
        .where(InspectionPhoto.inspection_id.in_(ids), Photo.sha256.is_(None))
        .order_by(InspectionPhoto.id)
    )
    missing: dict[str, list[str]] = {}
    for inspection_id, sha in rows:
        if sha not in missing.setdefault(inspection_id, []):
            missing[inspection_id].append(sha)
    return missing


def _conflict_row(source: SyncSource, one: ParsedInspection, now: datetime) -> dict:
    return {
        "inspection_id": one.id,
        "content_hash": one.content_hash,
        "payload": stored_payload(one.raw),
        "device_id": source.device_id,
        "user_id": source.user.id,
        "received_at": now,
    }


def _keep_conflicts(rows: list[dict]) -> None:
    """Keep every different version of an id, once each (never dropped, never doubled)."""
    if rows:
        rows = sorted(rows, key=lambda row: (row["inspection_id"], row["content_hash"]))
        db.session.execute(
            insert_ignoring_duplicates(InspectionConflict, ["inspection_id", "content_hash"]), rows
        )


# --- whole requests and export files ----------------------------------------------------------

EXPORT_FORMAT = "shelter-daily-check/unsent"
EXPORT_VERSION = 1


class BatchRejected(ValueError):
    """The whole request or file is unusable (nothing was written): ``fields`` say why."""

    def __init__(self, fields: Errors, status: int = 422):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))
        self.fields = fields
        self.status = status


def parse_batch(body: object) -> tuple[str, datetime, list]:
    """``{device_id, device_time, inspections}`` of a sync request; raises BatchRejected."""
    if not isinstance(body, dict):
        raise BatchRejected(
            {"body": [_("Must be a JSON object {device_id, device_time, inspections}.")]}
        )
    errors: Errors = {}
    device_id = _device_id(body, errors)
    device_time = parse_aware_datetime(body.get("device_time"))
    if device_time is None:
        errors["device_time"] = [_("Must be an ISO 8601 date and time with a UTC offset.")]
    records = body.get("inspections")
    if not isinstance(records, list):
        errors["inspections"] = [_("Must be a list of inspections.")]
    elif len(records) > MAX_BATCH:
        errors["inspections"] = [_("At most %(count)d inspections per request.", count=MAX_BATCH)]
    if errors:
        raise BatchRejected(errors)
    return device_id, device_time, records


def import_unsent(user: User, document: object) -> dict:
    """Import an "export unsent records" file for ``user``: photos first, then the
    inspections in batches, with the same validation and results as sync. Raises
    BatchRejected (nothing written) when the file itself is malformed."""
    if not isinstance(document, dict):
        raise BatchRejected({"body": [_("Not an export file of unsent records.")]})
    errors: Errors = {}
    if document.get("format") != EXPORT_FORMAT:
        errors["format"] = [_("Must be %(format)s.", format=EXPORT_FORMAT)]
    if document.get("version") != EXPORT_VERSION:
        errors["version"] = [
            _("Only version %(version)d files can be imported.", version=EXPORT_VERSION)
        ]
    device_id = _device_id(document, errors)
    records = document.get("inspections")
    if not isinstance(records, list):
        errors["inspections"] = [_("Must be a list of inspections.")]
    photos = document.get("photos", [])
    if not isinstance(photos, list):
        errors["photos"] = [_("Must be a list of photos.")]
    if errors:
        raise BatchRejected(errors)
    log.info(
        "import user=%s device=%s records=%d photos=%d",
        user.id,
        device_id,
        len(records),
        len(photos),
    )
    photo_results = store_encoded_photos(user, photos)
    source = SyncSource(user, device_id, None)
    results: list[dict] = []
    for start in range(0, len(records), MAX_BATCH):
        results.extend(record_inspections(source, records[start : start + MAX_BATCH]))
    return {"results": results, "photos": photo_results}


def _device_id(body: dict, errors: Errors) -> str | None:
    device_id = body.get("device_id")
    if not isinstance(device_id, str) or not 0 < len(device_id.strip()) <= 64:
        errors["device_id"] = [_("Missing, or longer than 64 characters.")]
        return None
    return device_id.strip()
