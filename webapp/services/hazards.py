"""The hazard workflow: the one place for every rule that moves a hazard.

open → rectifying → rectified (awaiting verification) → closed (销号), with rejection from
rectified back to rectifying. ``TRANSITIONS`` is the state machine; ``_ROLE_RULES`` says who
may do what; every change is appended to the site's hash chain as a ``HazardEvent``.

Public functions that change data own their transaction (they commit), except
``open_hazards_from_inspection``, which runs inside the inspection sync's transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp import days
from webapp.extensions import db
from webapp.models import (
    ChecklistItem,
    EventType,
    Hazard,
    HazardEvent,
    HazardPhoto,
    HazardSource,
    HazardStatus,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    Organisation,
    Role,
    Site,
    User,
)
from webapp.models.hazards import GENESIS_HASH, RectifyMode
from webapp.models.templates import Grade
from webapp.scope import OutOfScope, can_see_site, scoped_hazards, scoped_sites

S = HazardStatus

# The state machine: event type → (states it may start from, state it leads to; None = same).
TRANSITIONS: dict[EventType, tuple[frozenset[HazardStatus], HazardStatus | None]] = {
    EventType.ASSIGN: (frozenset({S.OPEN, S.RECTIFYING}), S.RECTIFYING),
    EventType.PLAN: (frozenset({S.OPEN, S.RECTIFYING}), S.RECTIFYING),
    EventType.PROGRESS: (frozenset({S.OPEN, S.RECTIFYING}), None),
    EventType.RECTIFIED: (frozenset({S.OPEN, S.RECTIFYING}), S.RECTIFIED),
    EventType.VERIFIED: (frozenset({S.RECTIFIED}), S.CLOSED),
    EventType.REJECTED: (frozenset({S.RECTIFIED}), S.RECTIFYING),
    EventType.REGRADE: (frozenset({S.OPEN, S.RECTIFYING, S.RECTIFIED}), None),
    EventType.SUPERVISE: (frozenset({S.OPEN, S.RECTIFYING, S.RECTIFIED}), None),
}

# The event types a client may post (the rest are written by the system).
CLIENT_EVENT_TYPES = tuple(str(t) for t in TRANSITIONS)

# The parts of a major hazard's remediation plan (整改方案), as Hazard attributes.
PLAN_PARTS = (
    "plan_objectives",
    "measures",
    "funds_amount",
    "funds_source",
    "plan_materials",
    "plan_responsible_body",
    "responsible",
    "deadline",
    "plan_interim_measures",
    "plan_contingency",
)

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class HazardRefused(Exception):
    """A refused action: ``status`` (403, 409 or 422), an error code, a message for people,
    and for 422 the fields at fault. Nothing was changed."""

    def __init__(self, status: int, error: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.fields = fields or {}


@dataclass
class EventOutcome:
    event: HazardEvent
    created: bool  # False: the same client id was already recorded (a resend)


@dataclass
class EventRequest:
    """A client's action on a hazard, already shape-checked by the API or form schema."""

    id: str  # client UUID
    type: str
    note: str | None = None
    photos: list[str] = field(default_factory=list)
    client_at: datetime | None = None
    grade: str | None = None
    deadline: date | None = None
    responsible_username: str | None = None
    responsible_name: str | None = None
    responsible_phone: str | None = None
    measures: str | None = None
    funds_amount: Decimal | None = None
    funds_source: str | None = None
    plan_objectives: str | None = None
    plan_materials: str | None = None
    plan_responsible_body: str | None = None
    plan_interim_measures: str | None = None
    plan_contingency: str | None = None
    notice: str | None = None
    supervised_on: date | None = None

    @classmethod
    def from_dict(cls, data: dict) -> EventRequest:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})


# --- reading -----------------------------------------------------------------------------


def get_hazard(user: User, hazard_id: int) -> Hazard:
    """The hazard if the user may see it; raises LookupError or OutOfScope (both → 404)."""
    hazard = db.session.get(Hazard, hazard_id)
    if hazard is None:
        raise LookupError(hazard_id)
    if not can_see_site(user, hazard.site):
        raise OutOfScope(hazard_id)
    return hazard


def photo_visible_through_hazards(user: User, sha256: str) -> bool:
    """True when a hazard event at a site in the user's scope references the photo."""
    return db.session.scalar(
        select(HazardPhoto.id)
        .join(Hazard, Hazard.id == HazardPhoto.hazard_id)
        .where(HazardPhoto.sha256 == sha256,
               Hazard.site_id.in_(scoped_sites(user).with_only_columns(Site.id)))
        .limit(1)
    ) is not None


def overdue_condition(day: date):
    """SQL: deadline passed on ``day`` (a SHELTER_TZ day) and not rectified yet."""
    return Hazard.status.in_(_unfixed()) & (Hazard.deadline < day)


def due_soon_condition(day: date):
    """SQL: not rectified and the deadline is within the reminder window (today included)."""
    window = int(current_app.config["SHELTER_DEADLINE_REMINDER_DAYS"])
    return (
        Hazard.status.in_(_unfixed())
        & (Hazard.deadline >= day)
        & (Hazard.deadline <= day + timedelta(days=window))
    )


def escalated_condition(user: User):
    """SQL: hazards of units directly below the user's office (the next office up sees them)."""
    return Site.unit_id.in_(select(Organisation.id).where(Organisation.parent_id == user.org_id))


def _unfixed() -> list[str]:
    return [S.OPEN.value, S.RECTIFYING.value]


@dataclass
class HazardFilters:
    status: list[str] = field(default_factory=list)
    grade: str | None = None
    overdue: bool = False
    due_soon: bool = False
    escalated: bool = False
    category: str | None = None
    site: str | None = None  # site code
    unit: str | None = None  # organisation code: its subtree
    source: str | None = None
    found_from: date | None = None  # SHELTER_TZ days, inclusive
    found_to: date | None = None
    supervised: bool | None = None
    fixed_on_spot: bool | None = None
    responsibility: bool = False  # the responsibility list: every unfixed hazard


def hazard_query(user: User, filters: HazardFilters):
    """A SELECT of the hazards in the user's scope that match ``filters``, newest first."""
    query = scoped_hazards(user)
    today = days.today()
    statuses = list(filters.status)
    if filters.responsibility:
        statuses = statuses or _unfixed()
    if statuses:
        query = query.where(Hazard.status.in_(statuses))
    if filters.grade:
        query = query.where(Hazard.grade == filters.grade)
    if filters.overdue:
        query = query.where(overdue_condition(today))
    if filters.due_soon:
        query = query.where(due_soon_condition(today))
    if filters.escalated:
        query = query.where(overdue_condition(today), escalated_condition(user))
    if filters.category:
        query = query.where(Hazard.category == filters.category)
    if filters.site:
        query = query.where(Site.code == filters.site)
    if filters.unit:
        unit_path = select(Organisation.path).where(Organisation.code == filters.unit)
        query = query.where(
            Organisation.path.startswith(unit_path.scalar_subquery(), autoescape=False)
        )
    if filters.source:
        query = query.where(Hazard.source == filters.source)
    if filters.found_from:
        query = query.where(Hazard.found_at >= days.day_bounds(filters.found_from)[0])
    if filters.found_to:
        query = query.where(Hazard.found_at < days.day_bounds(filters.found_to)[1])
    if filters.supervised is not None:
        query = query.where(Hazard.supervised if filters.supervised else ~Hazard.supervised)
    if filters.fixed_on_spot is not None:
        query = query.where(Hazard.fixed_on_spot.is_(filters.fixed_on_spot))
    if filters.responsibility:
        return query.order_by(Hazard.deadline.asc().nulls_last(), Hazard.id)
    return query.order_by(Hazard.found_at.desc(), Hazard.id.desc())


def allowed_actions(user: User, hazard: Hazard) -> list[str]:
    """The event types ``user`` may post on ``hazard`` now (for buttons on the page)."""
    allowed = []
    for event_type, (sources, _target) in TRANSITIONS.items():
        if hazard.hazard_status not in sources:
            continue
        try:
            _check_role(user, hazard, event_type)
        except HazardRefused:
            continue
        if event_type is EventType.SUPERVISE and (not hazard.major or hazard.supervised):
            continue
        allowed.append(str(event_type))
    return allowed


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
        .where(InspectionResult.inspection_id.in_(inspection_ids),
               InspectionResult.outcome == "fail")
        .order_by(Inspection.site_id, Inspection.finished_at, InspectionResult.id)
    ).all()
    if not failed:
        return []
    existing = {tuple(row) for row in db.session.execute(
        select(Hazard.inspection_id, Hazard.item_id)
        .where(Hazard.inspection_id.in_(inspection_ids))
    )}
    failed = [(r, i) for r, i in failed if (i.id, r.item_id) not in existing]
    if not failed:
        return []
    items = {
        (item.template_id, item.item_id): item
        for item in db.session.scalars(select(ChecklistItem).where(
            ChecklistItem.template_id.in_({i.template_id for _r, i in failed}),
            ChecklistItem.item_id.in_({r.item_id for r, _i in failed}),
        ))
    }
    photos: dict[tuple[str, str, str], list[str]] = {}
    for photo in db.session.scalars(
        select(InspectionPhoto).where(InspectionPhoto.inspection_id.in_(inspection_ids))
        .order_by(InspectionPhoto.id)
    ):
        photos.setdefault((photo.inspection_id, photo.item_id, photo.role), []).append(
            photo.sha256)
    inspectors = {
        user.id: user for user in db.session.scalars(
            select(User).where(User.id.in_({i.inspector_id for _r, i in failed})))
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
        events = [dict(
            event_type=EventType.OPENED, from_status=None, to_status=S.OPEN,
            note=result.note, photos=photos.get((inspection.id, result.item_id, "evidence"), []),
            data={"inspection_id": inspection.id, "grade": hazard.grade}, at=found_at,
        )]
        mode = rectification.get("mode")
        if mode == RectifyMode.ON_SPOT:
            after = photos.get((inspection.id, result.item_id, "after"), [])
            events.append(_apply_on_spot(hazard, inspector, rectification, after, found_at))
        elif mode == RectifyMode.ORDER:
            events.append(_apply_field_order(hazard, rectification, found_at))
        planned.append((hazard, inspector, events))

    db.session.add_all([hazard for hazard, _u, _e in planned])
    db.session.flush()
    chain = _Chain()
    chain.load_heads({hazard.site_id for hazard, _u, _e in planned})
    for hazard, inspector, events in planned:
        for spec in events:
            spec = dict(spec)
            chain.append(hazard, spec.pop("event_type"), inspector, spec.pop("from_status"),
                         spec.pop("to_status"), **spec)
    return [hazard for hazard, _u, _e in planned]


def _apply_on_spot(hazard: Hazard, inspector: User, rectification: dict, after: list[str],
                   at: datetime) -> dict:
    """即查即改: the inspector fixed it during the check; it now awaits verification."""
    action = _text(rectification.get("action"), 4000) or ""
    hazard.rectify_mode = RectifyMode.ON_SPOT.value
    hazard.fixed_on_spot = True
    hazard.measures = action
    hazard.status = S.RECTIFIED.value
    hazard.rectified_at = at
    hazard.rectified_by_id = inspector.id
    return dict(event_type=EventType.RECTIFIED, from_status=S.OPEN, to_status=S.RECTIFIED,
                note=action, photos=after, data={"on_spot": True}, at=at)


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
        return dict(event_type=EventType.PROGRESS, from_status=S.OPEN, to_status=S.OPEN,
                    note=hazard.measures, data=data, at=at)
    hazard.status = S.RECTIFYING.value
    return dict(event_type=EventType.ASSIGN, from_status=S.OPEN, to_status=S.RECTIFYING,
                note=hazard.measures, data=data, at=at)


# --- client actions ------------------------------------------------------------------------


def record_event(user: User, hazard_id: int, request: EventRequest) -> EventOutcome:
    """Apply one client action to a hazard and commit.

    Idempotent by ``request.id``: the same id again returns the stored event (``created``
    False) without checking anything else, so a phone's resend never fails. Raises
    LookupError / OutOfScope (404), HazardRefused (403/409/422); on any refusal nothing
    is changed.
    """
    try:
        previous = _previous(request.id, hazard_id, request.type)
        if previous is not None:
            return EventOutcome(previous, created=False)
        hazard = get_hazard(user, hazard_id)
        event = _apply(user, hazard, request)
        db.session.commit()
        return EventOutcome(event, created=True)
    except IntegrityError:
        # A concurrent resend of the same id won the race: answer what it stored.
        db.session.rollback()
        previous = _previous(request.id, hazard_id, request.type)
        if previous is None:
            raise
        return EventOutcome(previous, created=False)
    except Exception:
        db.session.rollback()
        raise


def record_event_batch(user: User, records: Iterable[dict]) -> list[dict]:
    """The phone's outbox: apply each record on its own (one bad record never fails the
    others) and answer one result per record, in order:
    ``{id, status: created|duplicate|conflict|rejected, error?, message?, fields?, hazard?}``."""
    results = []
    for record in records:
        client_id = record["id"]
        try:
            request = EventRequest.from_dict(record)
            outcome = record_event(user, record["hazard_id"], request)
        except HazardRefused as refused:
            if refused.error == "id_conflict":
                results.append({"id": client_id, "status": "conflict", "error": refused.error,
                                "message": refused.message})
                continue
            results.append(_rejection(client_id, refused.error, refused.message, refused.fields))
            continue
        except (LookupError, OutOfScope):
            results.append(_rejection(client_id, "not_found", _("No such hazard."),
                                      {"hazard_id": [_("No such hazard.")]}))
            continue
        results.append({
            "id": client_id,
            "status": "created" if outcome.created else "duplicate",
            "hazard": {"id": outcome.event.hazard_id, "status": outcome.event.hazard.status},
        })
    return results


def _rejection(client_id: str, error: str, message: str, fields: dict) -> dict:
    """A rejected record's result; ``errors`` is what the phone's outbox shows (as for
    inspections), ``fields`` the same for API clients."""
    return {"id": client_id, "status": "rejected", "error": error, "message": message,
            "fields": fields, "errors": fields or {"_schema": [message]}}


def verify_many(user: User, hazard_ids: Iterable[int], note: str | None = None) -> dict[int, str]:
    """Verify several rectified hazards at once (one transaction each). Returns, per hazard
    id, "" when closed or the reason it was refused."""
    outcome: dict[int, str] = {}
    for hazard_id in hazard_ids:
        request = EventRequest(id=str(uuid.uuid4()), type=EventType.VERIFIED.value, note=note)
        try:
            record_event(user, hazard_id, request)
            outcome[hazard_id] = ""
        except HazardRefused as refused:
            outcome[hazard_id] = refused.message
        except (LookupError, OutOfScope):
            outcome[hazard_id] = _("No such hazard.")
    return outcome


def _previous(client_id: str, hazard_id: int, event_type: str) -> HazardEvent | None:
    """The stored event with this client id; HazardRefused(409) if it was a different action."""
    previous = db.session.execute(
        select(HazardEvent).where(HazardEvent.client_id == client_id)
    ).scalar_one_or_none()
    if previous is not None and (previous.hazard_id != hazard_id or previous.type != event_type):
        raise HazardRefused(409, "id_conflict",
                            _("This action id was already used for a different action."),
                            {"id": [_("Already used.")]})
    return previous


def _apply(user: User, hazard: Hazard, request: EventRequest) -> HazardEvent:
    try:
        event_type = EventType(request.type)
    except ValueError:
        event_type = None
    if event_type not in TRANSITIONS:
        raise HazardRefused(422, "validation_failed", _("Unknown action."),
                            {"type": [_("Must be one of: %(types)s.",
                                        types=", ".join(CLIENT_EVENT_TYPES))]})
    sources, target = TRANSITIONS[event_type]
    current = hazard.hazard_status
    if current not in sources:
        raise HazardRefused(
            409, "transition_not_allowed",
            _("A hazard that is %(status)s cannot take the action %(action)s.",
              status=status_label(current), action=action_label(event_type)),
        )
    _check_role(user, hazard, event_type)
    target = target or current
    _lock_site_chain(hazard.site_id)
    handler = _HANDLERS[event_type]
    data = handler(user, hazard, request)
    if event_type in (EventType.ASSIGN, EventType.RECTIFIED) and hazard.major:
        _require_plan(hazard)  # a major hazard proceeds past open only with its plan
    hazard.status = target.value
    return _Chain().append(
        hazard, event_type, user, current, target, note=request.note,
        photos=list(request.photos or []), data=data, client_id=request.id,
        client_at=request.client_at,
    )


# --- who may do what -----------------------------------------------------------------------


def _is_unit_staff(user: User, hazard: Hazard) -> bool:
    return user.org_id == hazard.site.unit_id


def _is_unit_manager(user: User, hazard: Hazard) -> bool:
    return _is_unit_staff(user, hazard) and user.user_role is Role.UNIT_MANAGER


def _is_office_above(user: User, hazard: Hazard) -> bool:
    return user.user_role.is_office_role and user.org.contains(hazard.site.unit)


def _may_manage(user: User, hazard: Hazard) -> bool:
    return _is_unit_manager(user, hazard) or _is_office_above(user, hazard)


def _may_work(user: User, hazard: Hazard) -> bool:
    return _is_unit_staff(user, hazard) or user.id == hazard.responsible_user_id


def _check_verifier(user: User, hazard: Hazard) -> None:
    if hazard.supervised:
        if not (user.user_role.is_office_role and user.org_id == hazard.supervising_org_id):
            raise HazardRefused(
                403, "supervised_elsewhere",
                _("This hazard is under supervision by %(office)s: only that office can "
                  "accept and close it.", office=hazard.supervising_org.name),
            )
    elif hazard.source != HazardSource.SELF:
        if not (user.user_role.is_office_role and user.org.contains(hazard.found_by_org)):
            raise HazardRefused(
                403, "not_allowed",
                _("A hazard found by %(office)s is verified by that office or one above it.",
                  office=hazard.found_by_org.name),
            )
    elif not _may_manage(user, hazard):
        raise HazardRefused(403, "not_allowed", _(
            "Only a manager of the site's unit or an office supervisor above it can verify."))
    if user.id == hazard.rectified_by_id:
        raise HazardRefused(403, "same_person", _(
            "You marked this hazard rectified; someone else must verify it."))


def _check_role(user: User, hazard: Hazard, event_type: EventType) -> None:
    """Raises HazardRefused(403) when the user's role or organisation may not do this."""
    if event_type in (EventType.VERIFIED, EventType.REJECTED):
        _check_verifier(user, hazard)
        return
    rule, message = _ROLE_RULES[event_type]
    if not rule(user, hazard):
        raise HazardRefused(403, "not_allowed", message())


_ROLE_RULES: dict[EventType, tuple[Callable[[User, Hazard], bool], Callable[[], str]]] = {
    EventType.ASSIGN: (_may_manage, lambda: _(
        "Only a manager of the site's unit or an office above it can issue a rectification "
        "order.")),
    EventType.PLAN: (_may_manage, lambda: _(
        "Only a manager of the site's unit or an office above it can record the plan.")),
    EventType.PROGRESS: (lambda u, h: _may_work(u, h) or _is_office_above(u, h), lambda: _(
        "Only the site's unit, the responsible person or an office above can add progress.")),
    EventType.RECTIFIED: (_may_work, lambda: _(
        "Only the site's unit or the responsible person can report it rectified.")),
    EventType.REGRADE: (_may_manage, lambda: _(
        "Only a unit manager or an office supervisor can change the grade.")),
    EventType.SUPERVISE: (_is_office_above, lambda: _(
        "Only an office above the site can put a hazard under supervision.")),
}


# --- what each action checks and sets ----------------------------------------------------


def _invalid(fields: dict[str, str], message: str | None = None) -> HazardRefused:
    return HazardRefused(422, "validation_failed", message or _("Some fields are invalid."),
                         {name: [text] for name, text in fields.items()})


def _on_assign(user: User, hazard: Hazard, request: EventRequest) -> dict:
    errors: dict[str, str] = {}
    _set_responsible(hazard, request, errors)
    measures = (request.measures or "").strip() or hazard.measures
    if not measures:
        errors["measures"] = _("Describe the rectification measures.")
    hazard.measures = measures
    if request.funds_amount is not None:
        hazard.funds_amount = request.funds_amount
    if request.funds_source:
        hazard.funds_source = request.funds_source.strip()
    deadline = request.deadline or (
        hazard.deadline if hazard.deadline and hazard.deadline >= days.today()
        else _default_deadline(hazard, days.today())
    )
    _check_deadline(hazard, deadline, errors)
    if errors:
        raise _invalid(errors)
    hazard.deadline = deadline
    hazard.rectify_mode = RectifyMode.ORDER.value
    return _order_data(hazard)


def _on_plan(user: User, hazard: Hazard, request: EventRequest) -> dict:
    for name in ("plan_objectives", "plan_materials", "plan_responsible_body",
                 "plan_interim_measures", "plan_contingency", "measures", "funds_source"):
        value = getattr(request, name)
        if value is not None and value.strip():
            setattr(hazard, name, value.strip())
    if request.funds_amount is not None:
        hazard.funds_amount = request.funds_amount
    errors: dict[str, str] = {}
    if request.responsible_username or request.responsible_name:
        _set_responsible(hazard, request, errors)
    if request.deadline is not None:
        _check_deadline(hazard, request.deadline, errors)
        hazard.deadline = request.deadline
    if errors:
        raise _invalid(errors)
    _require_plan(hazard)
    hazard.rectify_mode = RectifyMode.ORDER.value
    return {**_order_data(hazard), **{name: getattr(hazard, name) for name in (
        "plan_objectives", "plan_materials", "plan_responsible_body",
        "plan_interim_measures", "plan_contingency")}}


def _on_progress(user: User, hazard: Hazard, request: EventRequest) -> dict:
    _check_photos(request)
    if not (request.note or "").strip() and not request.photos:
        raise _invalid({"note": _("Write a note or add a photo.")})
    return {}


def _on_rectified(user: User, hazard: Hazard, request: EventRequest) -> dict:
    _check_photos(request)
    errors = {}
    if not (request.note or "").strip():
        errors["note"] = _("Say what was done.")
    if not request.photos:
        errors["photos"] = _("Add at least one photo of the result.")
    if errors:
        raise _invalid(errors, _("Marking a hazard rectified needs a note and a photo."))
    hazard.rectified_at = days.now()
    hazard.rectified_by_id = user.id
    return {}


def _on_verified(user: User, hazard: Hazard, request: EventRequest) -> dict:
    hazard.closed_at = days.now()
    hazard.closed_by_id = user.id
    return {"delisted": True} if hazard.supervised else {}


def _on_rejected(user: User, hazard: Hazard, request: EventRequest) -> dict:
    if not (request.note or "").strip():
        raise _invalid({"note": _("Say why the rectification is not accepted.")})
    hazard.rectified_at = None
    hazard.rectified_by_id = None
    return {}


def _on_regrade(user: User, hazard: Hazard, request: EventRequest) -> dict:
    errors = {}
    if request.grade not in (Grade.GENERAL.value, Grade.MAJOR.value):
        errors["grade"] = _("Choose 一般 (general) or 重大 (major).")
    elif request.grade == hazard.grade:
        errors["grade"] = _("The hazard already has this grade.")
    if not (request.note or "").strip():
        errors["note"] = _("Give the reason for the new grade.")
    if errors:
        raise _invalid(errors)
    if hazard.supervised and request.grade != Grade.MAJOR.value:
        raise HazardRefused(409, "supervised", _(
            "A hazard under supervision stays major until the supervising office closes it."))
    data = {"from_grade": hazard.grade, "to_grade": request.grade}
    hazard.grade = request.grade
    return data


def _on_supervise(user: User, hazard: Hazard, request: EventRequest) -> dict:
    if not hazard.major:
        raise HazardRefused(409, "not_major", _("Only major hazards are put under supervision."))
    if hazard.supervised:
        raise HazardRefused(409, "already_supervised", _(
            "This hazard is already under supervision by %(office)s.",
            office=hazard.supervising_org.name))
    errors = {}
    notice = (request.notice or "").strip()
    if not notice:
        errors["notice"] = _("Give the supervision notice number.")
    on = request.supervised_on or days.today()
    if on > days.today():
        errors["supervised_on"] = _("The date cannot be in the future.")
    if errors:
        raise _invalid(errors)
    hazard.supervising_org_id = user.org_id
    hazard.supervising_org = user.org
    hazard.supervised_on = on
    hazard.supervision_notice = notice
    return {"org": user.org.code, "notice": notice, "on": on.isoformat()}


_HANDLERS = {
    EventType.ASSIGN: _on_assign,
    EventType.PLAN: _on_plan,
    EventType.PROGRESS: _on_progress,
    EventType.RECTIFIED: _on_rectified,
    EventType.VERIFIED: _on_verified,
    EventType.REJECTED: _on_rejected,
    EventType.REGRADE: _on_regrade,
    EventType.SUPERVISE: _on_supervise,
}


def _set_responsible(hazard: Hazard, request: EventRequest, errors: dict) -> None:
    """A user of the system (by username, in the site's scope) or a name with a phone."""
    if request.responsible_username:
        person = db.session.execute(
            select(User).where(User.username == request.responsible_username.strip())
        ).scalar_one_or_none()
        if person is None or not person.active or not can_see_site(person, hazard.site):
            errors["responsible_username"] = _("No such user for this site.")
            return
        hazard.responsible_user_id = person.id
        hazard.responsible_user = person
        hazard.responsible_name = person.display_name
        hazard.responsible_phone = person.phone
        return
    name = (request.responsible_name or "").strip()
    phone = (request.responsible_phone or "").strip()
    if name:
        if not phone:
            errors["responsible_phone"] = _("Give the responsible person's phone number.")
            return
        hazard.responsible_user_id = None
        hazard.responsible_user = None
        hazard.responsible_name = name
        hazard.responsible_phone = phone
        return
    if not hazard.responsible_name and hazard.responsible_user_id is None:
        errors["responsible_name"] = _("Name the responsible person (a user, or a name and "
                                       "phone).")


def _check_deadline(hazard: Hazard, deadline: date, errors: dict) -> None:
    today = days.today()
    cap = days.local_day(hazard.found_at) + timedelta(days=_cap_days(hazard))
    if deadline < today:
        errors["deadline"] = _("The deadline cannot be in the past.")
    elif deadline > cap:
        errors["deadline"] = _("The deadline can be at most %(days)s days after the hazard "
                               "was found (%(day)s).", days=_cap_days(hazard),
                               day=cap.isoformat())


def _cap_days(hazard: Hazard) -> int:
    key = "SHELTER_DEADLINE_MAJOR_MAX_DAYS" if hazard.major else "SHELTER_DEADLINE_MAX_DAYS"
    return int(current_app.config[key])


def _default_deadline(hazard: Hazard, from_day: date) -> date:
    """Immediately (the same day) for fix-at-once items, else the configured number of days."""
    if hazard.immediate:
        return from_day
    return from_day + timedelta(days=int(current_app.config["SHELTER_DEADLINE_DEFAULT_DAYS"]))


def _missing_plan_parts(hazard: Hazard) -> list[str]:
    missing = []
    for part in PLAN_PARTS:
        if part == "responsible":
            if not hazard.responsible_name and hazard.responsible_user_id is None:
                missing.append("responsible_name")
            continue
        value = getattr(hazard, part)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(part)
    return missing


def _require_plan(hazard: Hazard) -> None:
    missing = _missing_plan_parts(hazard)
    if missing:
        raise HazardRefused(
            422, "plan_incomplete",
            _("A major hazard needs its full remediation plan before work can proceed."),
            {name: [_("Required in the plan of a major hazard.")] for name in missing},
        )


def _check_photos(request: EventRequest) -> None:
    bad = [p for p in request.photos or [] if not isinstance(p, str) or not SHA256.match(p)]
    if bad:
        raise _invalid({"photos": _("Photos are given by their SHA-256 (64 hex digits).")})


def _order_data(hazard: Hazard) -> dict:
    return {
        "responsible_user_id": hazard.responsible_user_id,
        "responsible_name": hazard.responsible_name,
        "responsible_phone": hazard.responsible_phone,
        "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
        "measures": hazard.measures,
        "funds_amount": str(hazard.funds_amount) if hazard.funds_amount is not None else None,
        "funds_source": hazard.funds_source,
    }


# --- the hash chain -----------------------------------------------------------------------


def _lock_site_chain(site_id: int) -> None:
    """Serialise appends to one site's chain (PostgreSQL row lock; SQLite has one writer)."""
    db.session.execute(select(Site.id).where(Site.id == site_id).with_for_update())


class _Chain:
    """Appends events to per-site chains within one transaction (heads cached per call)."""

    def __init__(self) -> None:
        self._heads: dict[int, tuple[int, str]] = {}

    def load_heads(self, site_ids: set[int]) -> None:
        """Fetch the heads of many sites' chains in one query."""
        site_ids = {site_id for site_id in site_ids if site_id not in self._heads}
        if not site_ids:
            return
        last = (
            select(HazardEvent.site_id, func.max(HazardEvent.seq).label("seq"))
            .where(HazardEvent.site_id.in_(site_ids))
            .group_by(HazardEvent.site_id)
            .subquery()
        )
        rows = db.session.execute(
            select(HazardEvent.site_id, HazardEvent.seq, HazardEvent.hash).join(
                last, (HazardEvent.site_id == last.c.site_id) & (HazardEvent.seq == last.c.seq))
        ).all()
        for site_id in site_ids:
            self._heads[site_id] = (0, GENESIS_HASH)
        for row in rows:
            self._heads[row.site_id] = (row.seq, row.hash)

    def head(self, site_id: int) -> tuple[int, str]:
        if site_id not in self._heads:
            row = db.session.execute(
                select(HazardEvent.seq, HazardEvent.hash)
                .where(HazardEvent.site_id == site_id)
                .order_by(HazardEvent.seq.desc())
                .limit(1)
            ).first()
            self._heads[site_id] = (row.seq, row.hash) if row else (0, GENESIS_HASH)
        return self._heads[site_id]

    def append(self, hazard: Hazard, event_type: EventType, actor: User | None,
               from_status: HazardStatus | None, to_status: HazardStatus, *, note=None,
               photos=(), data=None, client_id=None, client_at=None, at=None) -> HazardEvent:
        seq, prev_hash = self.head(hazard.site_id)
        event = HazardEvent(
            client_id=client_id or str(uuid.uuid4()),
            hazard_id=hazard.id,
            site_id=hazard.site_id,
            seq=seq + 1,
            type=event_type.value,
            actor_id=actor.id if actor else None,
            at=at or days.now(),
            client_at=client_at,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value,
            note=(note or None),
            photos=list(photos),
            data=_json_safe(data or {}),
            prev_hash=prev_hash,
        )
        event.hash = event.compute_hash()
        event.hazard = hazard
        event.photo_refs = [HazardPhoto(hazard_id=hazard.id, sha256=sha)
                            for sha in dict.fromkeys(event.photos)]
        db.session.add(event)
        self._heads[hazard.site_id] = (event.seq, event.hash)
        return event


@dataclass
class ChainBreak:
    site_code: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        return f"site {self.site_code}: event #{self.seq} (id {self.event_id}): {self.reason}"


def verify_chain(site_code: str | None = None) -> tuple[int, ChainBreak | None]:
    """Re-hash every site's events in order. Returns (events checked, first break or None).
    Raises LookupError for an unknown site code."""
    sites = select(Site.id, Site.code).order_by(Site.code)
    if site_code:
        sites = sites.where(Site.code == site_code)
    rows = db.session.execute(sites).all()
    if site_code and not rows:
        raise LookupError(site_code)
    checked = 0
    for site_id, code in rows:
        expected_prev, expected_seq = GENESIS_HASH, 1
        events = db.session.execute(
            select(HazardEvent).where(HazardEvent.site_id == site_id)
            .order_by(HazardEvent.seq)
        ).scalars().all()
        for event in events:
            checked += 1
            if event.seq != expected_seq:
                return checked, ChainBreak(code, expected_seq, None,
                                           f"missing event (next stored is #{event.seq})")
            if event.prev_hash != expected_prev:
                return checked, ChainBreak(code, event.seq, event.id,
                                           "previous-hash link broken")
            if event.compute_hash() != event.hash:
                return checked, ChainBreak(code, event.seq, event.id,
                                           "content does not match its hash (row edited)")
            expected_prev, expected_seq = event.hash, expected_seq + 1
    return checked, None


# --- reminders ----------------------------------------------------------------------------


@dataclass
class Reminder:
    hazard: Hazard
    kind: str  # "due_soon" or "overdue"
    notify_org: Organisation  # the unit (due soon) or the next office up (overdue)


def due_reminders(day: date) -> list[Reminder]:
    """Unfixed hazards whose deadline is within the reminder window, and overdue ones
    (escalated to the office directly above the site's unit)."""
    query = (
        select(Hazard).join(Hazard.site)
        .where(due_soon_condition(day) | overdue_condition(day))
        .order_by(Hazard.deadline, Hazard.id)
    )
    reminders = []
    for hazard in db.session.scalars(query):
        unit = hazard.site.unit
        if hazard.deadline < day:
            reminders.append(Reminder(hazard, "overdue", unit.parent or unit))
        else:
            reminders.append(Reminder(hazard, "due_soon", unit))
    return reminders


def record_reminders(day: date) -> tuple[list[Reminder], int]:
    """Record each reminder once as a system event (a second run the same day, or any later
    run for the same deadline, adds nothing) and commit. Returns (reminders, newly recorded)."""
    reminders = due_reminders(day)
    chain = _Chain()
    recorded = 0
    for reminder in reminders:
        hazard = reminder.hazard
        key = f"{reminder.kind}:{hazard.id}:{hazard.deadline.isoformat()}"
        client_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"shelter-hazard-reminder:{key}"))
        exists = db.session.execute(
            select(HazardEvent.id).where(HazardEvent.client_id == client_id)
        ).first()
        if exists:
            continue
        _lock_site_chain(hazard.site_id)
        event_type = EventType.OVERDUE if reminder.kind == "overdue" else EventType.REMINDER
        status = hazard.hazard_status
        chain.append(hazard, event_type, None, status, status, client_id=client_id,
                     data={"deadline": hazard.deadline.isoformat(),
                           "notify_org": reminder.notify_org.code})
        recorded += 1
    db.session.commit()
    return reminders, recorded


# --- labels and parsing helpers ------------------------------------------------------------


def status_label(status: str) -> str:
    return {
        S.OPEN.value: _("open"),
        S.RECTIFYING.value: _("being rectified"),
        S.RECTIFIED.value: _("rectified, awaiting verification"),
        S.CLOSED.value: _("closed"),
    }[str(status)]


def action_label(event_type: str) -> str:
    return {
        EventType.OPENED.value: _("Registered"),
        EventType.ASSIGN.value: _("Rectification order"),
        EventType.PLAN.value: _("Remediation plan"),
        EventType.PROGRESS.value: _("Progress"),
        EventType.RECTIFIED.value: _("Reported rectified"),
        EventType.VERIFIED.value: _("Verified and closed"),
        EventType.REJECTED.value: _("Verification rejected"),
        EventType.REGRADE.value: _("Grade changed"),
        EventType.SUPERVISE.value: _("Put under supervision"),
        EventType.REMINDER.value: _("Deadline reminder"),
        EventType.OVERDUE.value: _("Overdue, escalated"),
    }[str(event_type)]


def source_label(source: str) -> str:
    return {
        HazardSource.SELF.value: _("self-check"),
        HazardSource.OFFICE.value: _("office check"),
        HazardSource.COVERT.value: _("unannounced check"),
    }[str(source)]


def _text(value, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] or None


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _json_safe(data: dict) -> dict:
    safe = {}
    for key, value in data.items():
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        safe[key] = value
    return safe


__all__ = [
    "CLIENT_EVENT_TYPES",
    "ChainBreak",
    "EventOutcome",
    "EventRequest",
    "HazardFilters",
    "HazardRefused",
    "TRANSITIONS",
    "allowed_actions",
    "due_reminders",
    "get_hazard",
    "hazard_query",
    "open_hazards_for_inspections",
    "open_hazards_from_inspection",
    "record_event",
    "record_event_batch",
    "record_reminders",
    "verify_chain",
    "verify_many",
]
