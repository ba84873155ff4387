"""Failed items of a stored inspection become hazards (the sync's hook)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from webapp import days
from webapp.extensions import db
from webapp.models import (
    ChecklistItem,
    EventType,
    Hazard,
    HazardSource,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    User,
)
from webapp.models.hazards import RectifyMode
from webapp.models.templates import Grade
from webapp.services.hazards.chain import (
    _Chain,
    _lock_site_chains,
)
from webapp.services.hazards.common import (
    S,
    _cap_days,
    _date,
    _decimal,
    _default_deadline,
    _missing_plan_parts,
    _order_data,
    _text,
)

# --- opening hazards from a synced inspection ----------------------------------------


def open_hazards_from_inspection(inspection: Inspection) -> list[Hazard]:
    """Open the hazards of one stored inspection (see ``open_hazards_for_inspections``)."""
    return open_hazards_for_inspections([inspection.id])


def open_hazards_for_inspections(inspection_ids: list[str]) -> list[Hazard]:
    """Open one hazard per failed item of just-stored inspections (the sync's hook).

    Runs inside the caller's transaction and never commits; a fixed number of queries
    whatever the batch size. Safe to call twice: items that already have a hazard are
    skipped. A fixed-on-the-spot item goes straight to rectified; a rectification order is
    applied (a major hazard stays open until its plan is recorded).
    """
    if not inspection_ids:
        return []
    failed = db.session.execute(
        select(InspectionResult, Inspection)
        .join(Inspection, InspectionResult.inspection_id == Inspection.id)
        .where(
            InspectionResult.inspection_id.in_(inspection_ids), InspectionResult.outcome == "fail"
        )
        .order_by(Inspection.site_id, Inspection.finished_at, InspectionResult.id)
    ).all()
    if not failed:
        return []
    existing = {
        tuple(row)
        for row in db.session.execute(
            select(Hazard.inspection_id, Hazard.item_id).where(
                Hazard.inspection_id.in_(inspection_ids)
            )
        )
    }
    failed = [(r, i) for r, i in failed if (i.id, r.item_id) not in existing]
    if not failed:
        return []
    items = {
        (item.template_id, item.item_id): item
        for item in db.session.scalars(
            select(ChecklistItem).where(
                ChecklistItem.template_id.in_({i.template_id for _r, i in failed}),
                ChecklistItem.item_id.in_({r.item_id for r, _i in failed}),
            )
        )
    }
    photos: dict[tuple[str, str, str], list[str]] = {}
    for photo in db.session.scalars(
        select(InspectionPhoto)
        .where(InspectionPhoto.inspection_id.in_(inspection_ids))
        .order_by(InspectionPhoto.id)
    ):
        photos.setdefault((photo.inspection_id, photo.item_id, photo.role), []).append(photo.sha256)
    inspectors = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.id.in_({i.inspector_id for _r, i in failed}))
        )
    }

    planned: list[tuple[Hazard, User, list[dict]]] = []
    for result, inspection in failed:
        item = items.get((inspection.template_id, result.item_id))
        inspector = inspectors[inspection.inspector_id]
        rectification = result.rectification or {}
        found_at = inspection.finished_at or inspection.started_at
        hazard = Hazard(
            site_id=inspection.site_id,
            inspection_id=inspection.id,
            item_id=result.item_id,
            category=item.category if item else result.item_id.split("-")[0],
            item_label=item.label_zh if item else result.item_id,
            location=_text(rectification.get("location"), 200),
            description=result.note or "",
            grade=item.default_grade if item else Grade.GENERAL.value,
            source=inspection.kind if inspection.kind in set(HazardSource) else "self",
            found_by_id=inspector.id,
            found_by_org_id=inspector.org_id,
            found_at=found_at,
            status=S.OPEN.value,
            immediate=bool(item and item.fix_immediately),
        )
        events = [
            dict(
                event_type=EventType.OPENED,
                from_status=None,
                to_status=S.OPEN,
                note=result.note,
                photos=photos.get((inspection.id, result.item_id, "evidence"), []),
                data={"inspection_id": inspection.id, "grade": hazard.grade},
                at=found_at,
            )
        ]
        mode = rectification.get("mode")
        if mode == RectifyMode.ON_SPOT:
            after = photos.get((inspection.id, result.item_id, "after"), [])
            events.append(_apply_on_spot(hazard, inspector, rectification, after, found_at))
        elif mode == RectifyMode.ORDER:
            events.append(_apply_field_order(hazard, rectification, found_at))
        planned.append((hazard, inspector, events))

    db.session.add_all([hazard for hazard, _u, _e in planned])
    db.session.flush()
    site_ids = {hazard.site_id for hazard, _u, _e in planned}
    _lock_site_chains(site_ids)
    chain = _Chain()
    chain.load_heads(site_ids)
    for hazard, inspector, events in planned:
        for spec in events:
            spec = dict(spec)
            chain.append(
                hazard,
                spec.pop("event_type"),
                inspector,
                spec.pop("from_status"),
                spec.pop("to_status"),
                **spec,
            )
    return [hazard for hazard, _u, _e in planned]


def _apply_on_spot(
    hazard: Hazard, inspector: User, rectification: dict, after: list[str], at: datetime
) -> dict:
    """即查即改: the inspector fixed it during the check; it now awaits verification."""
    action = _text(rectification.get("action"), 4000) or ""
    hazard.rectify_mode = RectifyMode.ON_SPOT.value
    hazard.fixed_on_spot = True
    hazard.measures = action
    hazard.status = S.RECTIFIED.value
    hazard.rectified_at = at
    hazard.rectified_by_id = inspector.id
    return dict(
        event_type=EventType.RECTIFIED,
        from_status=S.OPEN,
        to_status=S.RECTIFIED,
        note=action,
        photos=after,
        data={"on_spot": True},
        at=at,
    )


def _apply_field_order(hazard: Hazard, rectification: dict, at: datetime) -> dict:
    """The rectification order written on the phone. Field data is a fact: a late sync may
    carry a deadline already past (it shows as overdue), but a major hazard needs its plan."""
    hazard.rectify_mode = RectifyMode.ORDER.value
    responsible = rectification.get("responsible")
    if isinstance(responsible, dict):
        hazard.responsible_name = _text(responsible.get("name"), 64)
        hazard.responsible_phone = _text(responsible.get("phone"), 40)
    else:
        hazard.responsible_name = _text(responsible, 64)
        hazard.responsible_phone = _text(rectification.get("responsible_phone"), 40)
    hazard.measures = _text(rectification.get("measures"), 4000)
    funds = rectification.get("funds")
    if isinstance(funds, dict):
        hazard.funds_amount = _decimal(funds.get("amount"))
        hazard.funds_source = _text(funds.get("source"), 120)
    else:
        hazard.funds_amount = _decimal(funds)
        hazard.funds_source = _text(rectification.get("funds_source"), 120)
    found_day = days.local_day(at)
    deadline = _date(rectification.get("deadline"))
    if deadline is None:
        deadline = _default_deadline(hazard, found_day)
    hazard.deadline = min(deadline, found_day + timedelta(days=_cap_days(hazard)))
    data = _order_data(hazard)
    if hazard.major and _missing_plan_parts(hazard):
        data["pending"] = "plan_incomplete"
        return dict(
            event_type=EventType.PROGRESS,
            from_status=S.OPEN,
            to_status=S.OPEN,
            note=hazard.measures,
            data=data,
            at=at,
        )
    hazard.status = S.RECTIFYING.value
    return dict(
        event_type=EventType.ASSIGN,
        from_status=S.OPEN,
        to_status=S.RECTIFYING,
        note=hazard.measures,
        data=data,
        at=at,
    )
