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
    User,
)
from webapp.qr import token_fingerprint
from webapp.scope import photos_user_may_reference
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


def reused_photos(records: list[ValidInspection], author: User, add) -> None:
    """photo_reused: of all inspections that use a photo, every one but the first done
    (by start time) is flagged, naming the first. A new record done before the stored
    first use turns that stored inspection into a reuse: it is flagged now.

    A photo someone else stored counts only once ``author`` holds its bytes too
    (``scope.photo_counts_for``): a hash alone must not learn where it was used."""
    uses: dict[str, list[tuple]] = {}  # sha → [(started_at, id, day, site code)]
    for record in records:
        one = record.parsed
        for sha in dict.fromkeys(sha for _item, sha, _role in one.photo_refs()):
            uses.setdefault(sha, []).append((one.started_at, one.id, record.day, record.site.code))
    for sha in _stored_elsewhere(author, set(uses)):
        del uses[sha]
    if not uses:
        return
    new_ids = [record.parsed.id for record in records]
    ranked = (
        select(
            InspectionPhoto.sha256,
            Inspection.started_at,
            Inspection.id,
            Inspection.day,
            Site.code,
            func.row_number()
            .over(
                partition_by=InspectionPhoto.sha256,
                order_by=(Inspection.started_at, Inspection.id),
            )
            .label("rank"),
        )
        .join(Inspection, Inspection.id == InspectionPhoto.inspection_id)
        .join(Site, Site.id == Inspection.site_id)
        .where(InspectionPhoto.sha256.in_(uses), InspectionPhoto.inspection_id.not_in(new_ids))
        .subquery()
    )
    stored_first = {
        row.sha256: (row.started_at, row.id, row.day, row.code)
        for row in db.session.execute(select(ranked).where(ranked.c.rank == 1))
    }
    for sha, batch_uses in uses.items():
        ordered = sorted([*batch_uses, *([stored_first[sha]] if sha in stored_first else [])])
        first = ordered[0]
        for _started, inspection_id, day, _code in ordered[1:]:
            facts = {"sha256": sha, "other_id": first[1], "other_site": first[3]}
            add(
                inspection_id,
                day,
                FlagCode.PHOTO_REUSED,
                {**facts, "other_day": first[2].isoformat()},
            )


def _stored_elsewhere(author: User, hashes: set[str]) -> set[str]:
    """Of ``hashes``, the photos stored on the server that ``author`` may not reference."""
    if not hashes:
        return set()
    stored = set(db.session.scalars(select(Photo.sha256).where(Photo.sha256.in_(hashes))))
    return stored - photos_user_may_reference(author, stored)


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
