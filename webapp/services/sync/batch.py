"""A sync batch: validate every record, store the new ones, and tell the phone what each
record became (``record_inspections``; ``classify_outcome`` is the one rule for that)."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import or_, select

from webapp import days
from webapp.extensions import db
from webapp.models import Inspection, InspectionPhoto, Site, User
from webapp.scope import inspection_photo_counts, scoped_sites
from webapp.services.photos import refresh_evidence
from webapp.services.sync.checks import ValidInspection, check_against_database
from webapp.services.sync.parsing import UUID_RE, Errors, ParsedInspection, parse_record, record_id
from webapp.services.sync.storing import SyncSource, conflict_row, keep_conflicts, store_inspections

log = logging.getLogger(__name__)

# Largest number of inspections in one sync request (the import splits files into batches).
MAX_BATCH = 200
# A batch takes its arrival time (``received_at``, the key readers page by) when it starts,
# and must commit within this time of it: readers list a record only once it is twice this
# old (services/inspections/listing.py), so a slower batch is rolled back and sent again by
# the phone rather than committed behind a reader's cursor.
COMMIT_DEADLINE = timedelta(seconds=30)


class SyncTooSlow(Exception):
    """The batch could not commit within COMMIT_DEADLINE; nothing of it was stored."""


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


def record_inspections(source: SyncSource, records: list) -> list[dict]:
    """Validate and store a batch; one result per record, in order. Commits, or raises
    SyncTooSlow having stored nothing.

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

    valid = check_against_database(source.user, parsed, errors, now)
    first: dict[str, ValidInspection] = {}
    for record in valid:
        if record is not None:
            first.setdefault(record.parsed.id, record)

    created = {record.parsed.id for record in store_inspections(source, list(first.values()), now)}
    known_ids = [record_id(record) for record in records if UUID_RE.match(record_id(record) or "")]
    stored, taken = _stored_hashes(source.user, [i for i in known_ids if i not in created])
    missing = _missing_photos_of_stored(list(stored))
    for inspection_id in created:  # a later copy of the same id in this batch compares to it
        stored[inspection_id] = first[inspection_id].parsed.content_hash
        missing[inspection_id] = first[inspection_id].evidence_missing

    results: list[dict] = []
    conflicts: list[dict] = []
    claimed: set[str] = set()
    for record, one, record_errors, checked in zip(records, parsed, errors, valid, strict=True):
        sent_id = record_id(record)
        if sent_id in taken:
            checked = None
            record_errors = {
                "id": [_("This id belongs to another record; send the check again under a new id.")]
            }
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
            conflicts.append(conflict_row(source, one, now))
        results.append(result)
    keep_conflicts(conflicts)
    if days.now() - now > COMMIT_DEADLINE:
        db.session.rollback()
        raise SyncTooSlow(f"batch of {len(records)} took over {COMMIT_DEADLINE} to store")
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


def _stored_hashes(user: User, ids: list[str]) -> tuple[dict[str, str], set[str]]:
    """Of ``ids`` already stored: the content hash of each that is ``user``'s own or at a
    site in ``user``'s scope, and the ids taken by anyone else's records (which a sender
    may neither resend nor contradict: that would confirm them and write beside them)."""
    if not ids:
        return {}, set()
    in_scope = Inspection.site_id.in_(scoped_sites(user).with_only_columns(Site.id))
    theirs = or_(Inspection.inspector_id == user.id, in_scope)
    rows = db.session.execute(
        select(Inspection.id, Inspection.content_hash, theirs).where(Inspection.id.in_(set(ids)))
    )
    stored: dict[str, str] = {}
    taken: set[str] = set()
    for inspection_id, sha, sender_may_know in rows:
        if sender_may_know:
            stored[inspection_id] = sha
        else:
            taken.add(inspection_id)
    return stored, taken


def _missing_photos_of_stored(ids: list[str]) -> dict[str, list[str]]:
    """Photos that stored inspections reference and that do not count for them yet (not
    uploaded by their inspector or the inspector's unit), by inspection."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(InspectionPhoto.inspection_id, InspectionPhoto.sha256)
        .join(Inspection, Inspection.id == InspectionPhoto.inspection_id)
        .where(InspectionPhoto.inspection_id.in_(ids), ~inspection_photo_counts())
        .order_by(InspectionPhoto.id)
    )
    missing: dict[str, list[str]] = {}
    for inspection_id, sha in rows:
        if sha not in missing.setdefault(inspection_id, []):
            missing[inspection_id].append(sha)
    return missing
