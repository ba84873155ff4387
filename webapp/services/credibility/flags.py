"""Raising credibility flags, inside the sync's transaction (``raise_flags``).

``webapp/services/sync/storing.py`` calls ``raise_flags`` once per batch, after the new
inspections' rows are inserted and before the one commit: a flag is stored with its record
or not at all, and a resent record is a duplicate that reaches no code here, so a retry
never flags twice (besides, flags are unique per inspection and code). ``overlapping``,
``contradicted`` and ``photo_reused`` may flag an EARLIER inspection when the later record
reveals it; that flag too is written in the later record's transaction.

A constant number of queries per batch, whatever its size: the flags that need only the
record are computed in Python; those that compare it with other inspections read them
with one grouped query each (``evidence.py``); all flags go in with one INSERT.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from webapp.days import day_bounds
from webapp.extensions import db
from webapp.models import FlagCode, Inspection, InspectionFlag, User
from webapp.services.credibility import evidence
from webapp.services.dialect import insert_ignoring_duplicates
from webapp.services.sync.checks import SCAN_INVALID, ValidInspection

# (inspection id, day, code, facts) → nothing; the first flag of a code per inspection wins.
AddFlag = Callable[[str, object, FlagCode, dict], None]


def raise_flags(
    records: list[ValidInspection], inspector: User, clock_offset: int, now: datetime
) -> None:
    """Flag the newly stored ``records`` (sent by one inspector, whose phone's clock was
    ``clock_offset`` seconds off at ``now``) and the earlier inspections they reveal.
    Writes in the caller's transaction; does not commit."""
    if not records:
        return
    found = _Found(now)
    cfg = current_app.config
    for record in records:
        _own_flags(record, clock_offset, now, cfg, found.add)
    invalid = [r for r in records if r.scan_problem == SCAN_INVALID]
    for record, case, other_site in evidence.invalid_scans(invalid):
        facts = _scan_facts(record, case, other_site)
        found.add(record.parsed.id, record.day, FlagCode.NOT_SCANNED, facts)
    hashes = {sha for record in records for _item, sha, _role in record.parsed.photo_refs()}
    evidence.reused_photos(hashes, found.add, among=[record.parsed.id for record in records])
    evidence.overlaps(records, inspector.id, found.add)
    evidence.contradictions(records, found.add)
    found.write()


def flag_reused_photo(sha256: str, now: datetime) -> None:
    """photo_reused for the inspections a photo has just come to count for, because their
    author (or a colleague) uploaded its bytes (``services.photos.store_photo``). Writes
    in the caller's transaction; does not commit."""
    found = _Found(now)
    evidence.reused_photos({sha256}, found.add)
    found.write()


class _Found:
    """The flags found in one transaction, written with one INSERT; the first flag of a
    code per inspection wins, and one already stored stays as it is."""

    def __init__(self, now: datetime):
        self.now = now
        self.rows: dict[tuple[str, str], dict] = {}

    def add(self, inspection_id: str, day, code: FlagCode, facts: dict) -> None:
        self.rows.setdefault(
            (inspection_id, code.value),
            {
                "inspection_id": inspection_id,
                "code": code.value,
                "facts": facts,
                "day": day,
                "created_at": self.now,
            },
        )

    def write(self) -> None:
        if not self.rows:
            return
        rows = [self.rows[key] for key in sorted(self.rows)]  # one lock order for all
        arrived = dict(
            db.session.execute(
                select(Inspection.id, Inspection.received_at).where(
                    Inspection.id.in_({row["inspection_id"] for row in rows})
                )
            ).all()
        )
        for row in rows:
            row["received_at"] = arrived[row["inspection_id"]]
        db.session.execute(
            insert_ignoring_duplicates(InspectionFlag, ["inspection_id", "code"]), rows
        )


def _own_flags(
    record: ValidInspection, clock_offset: int, now: datetime, cfg, add: AddFlag
) -> None:
    """The flags one record raises by itself: not scanned (but an invalid token, which
    needs the database to say whose it is), too fast, clock skew, late sync."""
    one, day = record.parsed, record.day
    if record.scan_problem is not None and record.scan_problem != SCAN_INVALID:
        add(one.id, day, FlagCode.NOT_SCANNED, _scan_facts(record, record.scan_problem))
    # The sync checked that the results are exactly the items on the site's form that day.
    items = len(one.results)
    seconds = round((one.finished_at - one.started_at).total_seconds())
    least = items * int(cfg["SHELTER_MIN_SECONDS_PER_ITEM"])
    if seconds < least:
        add(one.id, day, FlagCode.TOO_FAST, {"seconds": seconds, "items": items, "least": least})
    limit = int(cfg["SHELTER_CLOCK_SKEW_FLAG_SECONDS"])
    if abs(clock_offset) > limit:
        add(one.id, day, FlagCode.CLOCK_SKEW, {"offset_seconds": clock_offset, "limit": limit})
    hours = (now - day_bounds(day)[1]).total_seconds() / 3600
    limit_hours = int(cfg["SHELTER_LATE_SYNC_HOURS"])
    if hours > limit_hours:
        add(one.id, day, FlagCode.LATE_SYNC, {"hours": round(hours, 1), "limit": limit_hours})


def _scan_facts(record: ValidInspection, case: str, other_site: str | None = None) -> dict:
    """Which case of not_scanned (checks.SCAN_ABSENT, SCAN_OUTSIDE_TIME, or from evidence:
    stale, other_site, unknown), when the phone says it scanned, and whose label it was."""
    facts: dict = {"case": case}
    one = record.parsed
    if one.scan_token:
        facts["scanned_at"] = (one.scanned_at or one.started_at).isoformat()
    if other_site is not None:
        facts["other_site"] = other_site
    return facts
