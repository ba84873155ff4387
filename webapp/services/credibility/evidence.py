"""The flags that compare a batch's new inspections with other inspections and sites: one
query each per batch. The new inspections' rows are already inserted when these run, so
the queries see the batch itself too (two new records can overlap, or share a photo)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import func, or_, select

from webapp.extensions import db
from webapp.models import (
    FlagCode,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    Photo,
    QrRotation,
    Site,
)
from webapp.qr import token_fingerprint
from webapp.scope import inspection_photo_counts
from webapp.services.sync.checks import ValidInspection

# An all-pass self-check up to this many days before an office or covert check of the same
# site that failed items it had passed is contradicted (the "3 days before").
CONTRADICTION_DAYS = 3

SELF = "self"
# At most this many of an inspector's inspections are compared with a batch (a person's
# checks follow one another: live, a batch meets a handful; this bounds a phone gone wrong).
MAX_OVERLAP_ROWS = 1000


def invalid_scans(
    records: list[ValidInspection],
) -> Iterator[tuple[ValidInspection, str, str | None]]:
    """Whose token each record sent, when the site does not accept it: ``(record, case,
    other site code)`` with case "stale" (this site's, retired beyond the grace period),
    "other_site" (another site's label) or "unknown" (a token no label of ours carries now,
    nor any retired label of this site)."""
    if not records:
        return
    tokens = {record.parsed.scan_token for record in records}
    others = db.session.execute(
        select(Site.id, Site.code, Site.qr_token, Site.qr_token_previous).where(
            or_(Site.qr_token.in_(tokens), Site.qr_token_previous.in_(tokens))
        )
    ).all()
    retired = set(
        db.session.execute(
            select(QrRotation.site_id, QrRotation.old_token_fingerprint).where(
                QrRotation.site_id.in_({record.site.id for record in records}),
                QrRotation.old_token_fingerprint.in_({token_fingerprint(t) for t in tokens}),
            )
        ).all()
    )
    for record in records:
        token, site = record.parsed.scan_token, record.site
        if token == site.qr_token_previous or (site.id, token_fingerprint(token)) in retired:
            yield record, "stale", None
            continue
        owner = next(
            (o for o in others if o.id != site.id and token in (o.qr_token, o.qr_token_previous)),
            None,
        )
        if owner is None:
            yield record, "unknown", None
        else:
            yield record, "other_site", owner.code


def reused_photos(hashes: set[str], add, among: list[str] | None = None) -> None:
    """photo_reused: of the inspections a photo of ``hashes`` counts for, every one but the
    first done (by start time) is flagged, naming the first; ``among`` limits the flagged
    to those ids (a batch's new records), None flags every later use.

    A photo counts for an inspection when its inspector or the inspector's organisation
    uploaded the bytes, or while nobody has (a record syncs before its photos): anyone
    else's stored photo does not, so a hash alone never learns where it was used
    (``scope.photo_counts_for``). Whichever comes last raises the flag: the later record,
    an earlier first use synced late, or the upload that makes the photo count."""
    if not hashes:
        return
    stored = select(Photo.sha256).where(Photo.sha256 == InspectionPhoto.sha256).exists()
    uses = (  # each inspection once per photo, however many of its items show it
        select(
            InspectionPhoto.sha256,
            Inspection.id,
            Inspection.started_at,
            Inspection.day,
            Inspection.site_id,
        )
        .join(Inspection, Inspection.id == InspectionPhoto.inspection_id)
        .where(InspectionPhoto.sha256.in_(hashes), or_(~stored, inspection_photo_counts()))
        .distinct()
        .subquery()
    )
    ranked = (
        select(
            uses.c.sha256,
            uses.c.id,
            uses.c.day,
            Site.code,
            func.row_number()
            .over(partition_by=uses.c.sha256, order_by=(uses.c.started_at, uses.c.id))
            .label("rank"),
        )
        .join(Site, Site.id == uses.c.site_id)
        .subquery()
    )
    query = select(ranked).order_by(ranked.c.rank)
    if among is not None:  # the batch's records, and a first use they may have displaced
        query = query.where(or_(ranked.c.rank <= 2, ranked.c.id.in_(among)))
    rows = db.session.execute(query).all()
    first = {row.sha256: row for row in rows if row.rank == 1}
    for row in rows:
        if row.rank > 1:
            origin = first[row.sha256]
            facts = {
                "sha256": row.sha256,
                "other_id": origin.id,
                "other_site": origin.code,
                "other_day": origin.day.isoformat(),
            }
            add(row.id, row.day, FlagCode.PHOTO_REUSED, facts)


def overlaps(records: list[ValidInspection], inspector_id: int, add) -> None:
    """overlapping: the inspector's inspections of two different sites overlap in time;
    both are flagged, each naming the other. One range read on the (inspector_id,
    finished_at) index: the inspections that finished after the batch's first start and
    started before its last finish (a phone's batch spans a day or so: a few dozen rows)."""
    first = min(record.parsed.started_at for record in records)
    last = max(record.parsed.finished_at for record in records)
    others = db.session.execute(
        select(
            Inspection.id,
            Inspection.site_id,
            Inspection.started_at,
            Inspection.finished_at,
            Inspection.day,
            Site.code,
        )
        .join(Site, Site.id == Inspection.site_id)
        .where(
            Inspection.inspector_id == inspector_id,
            Inspection.finished_at > first,
            Inspection.started_at < last,
        )
        .order_by(Inspection.started_at, Inspection.id)
        .limit(MAX_OVERLAP_ROWS)
    ).all()
    # By start time (the query's order); each record meets only the others that started
    # within the longest one's duration before it and before it finished.
    if not others:
        return
    starts = [other.started_at for other in others]
    longest = max(other.finished_at - other.started_at for other in others)
    for record in records:
        one = record.parsed
        low = bisect_right(starts, one.started_at - longest)
        for other in others[low : bisect_left(starts, one.finished_at)]:
            if other.site_id == record.site.id:
                continue
            end = min(one.finished_at, other.finished_at)
            overlap = round((end - max(one.started_at, other.started_at)).total_seconds())
            if overlap <= 0:
                continue
            add(one.id, record.day, FlagCode.OVERLAPPING, _other(other.id, other.code, overlap))
            add(
                other.id, other.day, FlagCode.OVERLAPPING, _other(one.id, record.site.code, overlap)
            )


def _other(inspection_id: str, site_code: str, seconds: int) -> dict:
    return {"other_id": inspection_id, "other_site": site_code, "overlap_seconds": seconds}


def contradictions(records: list[ValidInspection], add) -> None:
    """contradicted: an all-pass self-check of a site up to CONTRADICTION_DAYS days before
    an office or covert check of that site that failed items the self-check passed. The
    flag goes on the self-check, whichever of the two reaches the server last."""
    _supervisory_arrived([r for r in records if r.parsed.kind != SELF and r.parsed.failures], add)
    _self_check_arrived(
        [r for r in records if r.parsed.kind == SELF and not r.parsed.failures], add
    )


def _failed(record: ValidInspection) -> set[str]:
    return {result.item_id for result in record.parsed.results if result.outcome == "fail"}


def _supervisory_arrived(visits: list[ValidInspection], add) -> None:
    """New office or covert checks with failures: the all-pass self-checks before them."""
    if not visits:
        return
    rows = db.session.execute(
        select(
            Inspection.id,
            Inspection.site_id,
            Inspection.started_at,
            Inspection.day,
            InspectionResult.item_id,
        )
        .join(InspectionResult, InspectionResult.inspection_id == Inspection.id)
        .where(
            Inspection.site_id.in_({visit.site.id for visit in visits}),
            Inspection.day >= min(v.day for v in visits) - timedelta(days=CONTRADICTION_DAYS),
            Inspection.day <= max(v.day for v in visits),
            Inspection.kind == SELF,
            Inspection.failures == 0,
            InspectionResult.item_id.in_(set().union(*(_failed(v) for v in visits))),
            InspectionResult.outcome == "pass",
        )
        .order_by(Inspection.started_at, InspectionResult.item_id)
    ).all()
    for visit in visits:
        earliest = visit.day - timedelta(days=CONTRADICTION_DAYS)
        passed: dict[str, tuple] = {}  # self-check id → (day, [items])
        for row in rows:
            if (
                row.site_id == visit.site.id
                and earliest <= row.day
                and row.started_at < visit.parsed.started_at
                and row.item_id in _failed(visit)
            ):
                passed.setdefault(row.id, (row.day, []))[1].append(row.item_id)
        for self_id, (day, items) in passed.items():
            add(
                self_id,
                day,
                FlagCode.CONTRADICTED,
                _visit_facts(visit.parsed.id, visit.parsed.kind, visit.day, items),
            )


def _self_check_arrived(checks: list[ValidInspection], add) -> None:
    """New all-pass self-checks (synced late): office or covert checks after them."""
    if not checks:
        return
    rows = db.session.execute(
        select(
            Inspection.id,
            Inspection.site_id,
            Inspection.kind,
            Inspection.started_at,
            Inspection.day,
            InspectionResult.item_id,
        )
        .join(InspectionResult, InspectionResult.inspection_id == Inspection.id)
        .where(
            Inspection.site_id.in_({check.site.id for check in checks}),
            Inspection.day >= min(c.day for c in checks),
            Inspection.day <= max(c.day for c in checks) + timedelta(days=CONTRADICTION_DAYS),
            Inspection.kind != SELF,
            Inspection.failures > 0,
            InspectionResult.outcome == "fail",
        )
        .order_by(Inspection.started_at, InspectionResult.item_id)
    ).all()
    for check in checks:
        passed = {result.item_id for result in check.parsed.results if result.outcome == "pass"}
        latest = check.day + timedelta(days=CONTRADICTION_DAYS)
        visits: dict[str, tuple] = {}  # visit id → (kind, day, [items])
        for row in rows:
            if (
                row.site_id == check.site.id
                and row.day <= latest
                and row.started_at > check.parsed.started_at
                and row.item_id in passed
            ):
                visits.setdefault(row.id, (row.kind, row.day, []))[2].append(row.item_id)
        for visit_id, (kind, day, items) in visits.items():
            add(
                check.parsed.id,
                check.day,
                FlagCode.CONTRADICTED,
                _visit_facts(visit_id, kind, day, items),
            )
            break


def _visit_facts(visit_id: str, kind: str, day, items: list[str]) -> dict:
    return {"other_id": visit_id, "other_kind": kind, "other_day": day.isoformat(), "items": items}
