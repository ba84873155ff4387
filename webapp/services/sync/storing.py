"""Storing synced inspections: the one place where an inspection's rows (results, photo
references, the hazards of its failures, a kept conflicting copy) are written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from webapp.extensions import db
from webapp.models import Inspection, InspectionConflict, InspectionPhoto, InspectionResult, User
from webapp.qr import token_fingerprint
from webapp.services.credibility import raise_flags
from webapp.services.dialect import bulk_insert, insert_ignoring_duplicates
from webapp.services.hazards import open_hazards_for_inspections
from webapp.services.rollups import count_new_checks
from webapp.services.sync.checks import ValidInspection
from webapp.services.sync.parsing import ParsedInspection

MAX_CLOCK_OFFSET = 2**31 - 1  # seconds: Inspection.clock_offset_seconds is an integer


@dataclass(slots=True)
class SyncSource:
    """Who sent a batch, from which device, and the device's clock when it sent it."""

    user: User
    device_id: str
    device_time: datetime | None  # None for file imports: their clock says nothing now

    def clock_offset(self, now: datetime) -> int:
        """The phone's clock minus the server's, in seconds (0 for file imports). A clock
        decades off (one may be set to 2100) is kept as ±68 years: the column is an integer."""
        if self.device_time is None:
            return 0
        offset = round((self.device_time - now).total_seconds())
        return max(-MAX_CLOCK_OFFSET, min(MAX_CLOCK_OFFSET, offset))


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
    # Credibility flags of the new inspections, and of earlier ones they reveal.
    raise_flags(created, source.user, source.clock_offset(now), now)
    # The per-day summaries the managers' period figures read, in this same transaction.
    count_new_checks((record.site.id, record.day, record.parsed.kind) for record in created)
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
        "clock_offset_seconds": source.clock_offset(now),
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
        kept = {**scan, "token": None, "token_fingerprint": token_fingerprint(scan["token"])}  # nosec B105 # the token is dropped, not a password set
        return {**record, "scan": kept}
    return record


def conflict_row(source: SyncSource, one: ParsedInspection, now: datetime) -> dict:
    return {
        "inspection_id": one.id,
        "content_hash": one.content_hash,
        "payload": stored_payload(one.raw),
        "device_id": source.device_id,
        "user_id": source.user.id,
        "received_at": now,
    }


def keep_conflicts(rows: list[dict]) -> None:
    """Keep every different version of an id, once each (never dropped, never doubled)."""
    if rows:
        rows = sorted(rows, key=lambda row: (row["inspection_id"], row["content_hash"]))
        db.session.execute(
            insert_ignoring_duplicates(InspectionConflict, ["inspection_id", "content_hash"]), rows
        )
