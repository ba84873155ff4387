"""Client actions on a hazard: the state machine, who may do what, what each action
checks and sets. Each public function owns its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import days
from webapp.extensions import db
from webapp.models import (
    EventType,
    Hazard,
    HazardEvent,
    HazardSource,
    Photo,
    Role,
    User,
)
from webapp.models.hazards import RectifyMode
from webapp.models.templates import Grade
from webapp.scope import OutOfScope, can_see_site, get_user
from webapp.services.hazards.chain import (
    _Chain,
    _lock_site_chain,
)
from webapp.services.hazards.common import (
    CLIENT_EVENT_TYPES,
    TRANSITIONS,
    EventOutcome,
    EventRequest,
    HazardRefused,
    _cap_days,
    _check_photos,
    _default_deadline,
    _invalid,
    _order_data,
    _require_plan,
    action_label,
    status_label,
)
from webapp.services.hazards.queries import (
    get_hazard,
)

# --- client actions ------------------------------------------------------------------------


def record_event(user: User, hazard_id: int, request: EventRequest) -> EventOutcome:
    """Apply one client action to a hazard and commit.

    Idempotent by ``request.id``: once the hazard is found in the user's scope, the same
    id again returns the stored event (``created`` False) without checking anything else,
    so a phone's resend never fails. Raises
    LookupError / OutOfScope (404), HazardRefused (403/409/422); on any refusal nothing
    is changed.
    """
    try:
        # Scope first: an id outside the user's scope answers 404 even for a resent event id.
        hazard = get_hazard(user, hazard_id)
        previous = _previous(request.id, hazard_id, request.type)
        if previous is not None:
            return EventOutcome(previous, created=False)
        event = _apply(user, hazard, request)
        db.session.commit()
        return EventOutcome(event, created=True)
    except IntegrityError:
        # A concurrent resend of the same id won the race: answer what it stored.
        db.session.rollback()
        get_hazard(user, hazard_id)
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
                results.append(
                    {
                        "id": client_id,
                        "status": "conflict",
                        "error": refused.error,
                        "message": refused.message,
                    }
                )
                continue
            results.append(_rejection(client_id, refused.error, refused.message, refused.fields))
            continue
        except (LookupError, OutOfScope):
            results.append(
                _rejection(
                    client_id,
                    "not_found",
                    _("No such hazard."),
                    {"hazard_id": [_("No such hazard.")]},
                )
            )
            continue
        results.append(
            {
                "id": client_id,
                "status": "created" if outcome.created else "duplicate",
                "hazard": {"id": outcome.event.hazard_id, "status": outcome.event.hazard.status},
            }
        )
    return results


def _rejection(client_id: str, error: str, message: str, fields: dict) -> dict:
    """A rejected record's result; ``errors`` is what the phone's outbox shows (as for
    inspections), ``fields`` the same for API clients."""
    return {
        "id": client_id,
        "status": "rejected",
        "error": error,
        "message": message,
        "fields": fields,
        "errors": fields or {"_schema": [message]},
    }


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
        raise HazardRefused(
            409,
            "id_conflict",
            _("This action id was already used for a different action."),
            {"id": [_("Already used.")]},
        )
    return previous


def _apply(user: User, hazard: Hazard, request: EventRequest) -> HazardEvent:
    try:
        event_type = EventType(request.type)
    except ValueError:
        event_type = None
    if event_type not in TRANSITIONS:
        raise HazardRefused(
            422,
            "validation_failed",
            _("Unknown action."),
            {"type": [_("Must be one of: %(types)s.", types=", ".join(CLIENT_EVENT_TYPES))]},
        )
    sources, target = TRANSITIONS[event_type]
    current = hazard.hazard_status
    if current not in sources:
        raise HazardRefused(
            409,
            "transition_not_allowed",
            _(
                "A hazard that is %(status)s cannot take the action %(action)s.",
                status=status_label(current),
                action=action_label(event_type),
            ),
        )
    _check_role(user, hazard, event_type)
    target = target or current
    _lock_site_chain(hazard.site_id)
    handler = _HANDLERS[event_type]
    data = handler(user, hazard, request)
    _check_photo_access(user, request)
    if event_type in (EventType.ASSIGN, EventType.RECTIFIED) and hazard.major:
        _require_plan(hazard)  # a major hazard proceeds past open only with its plan
    hazard.status = target.value
    return _Chain().append(
        hazard,
        event_type,
        user,
        current,
        target,
        note=request.note,
        photos=list(request.photos or []),
        data=data,
        client_id=request.id,
        client_at=request.client_at,
    )


def _check_photo_access(user: User, request: EventRequest) -> None:
    """Referencing a photo grants read access to it: refuse an already-stored photo the
    user cannot see (photos not stored yet are allowed: the phone uploads them later)."""
    from webapp.services.photos import visible_photo  # photos imports the hazards package

    for sha in dict.fromkeys(p for p in request.photos or [] if isinstance(p, str)):
        if db.session.get(Photo, sha) is None:
            continue
        try:
            visible_photo(user, sha)
        except LookupError:
            raise _invalid({"photos": _("No such photo.")}) from None


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
                403,
                "supervised_elsewhere",
                _(
                    "This hazard is under supervision by %(office)s: only that office can "
                    "accept and close it.",
                    office=hazard.supervising_org.name,
                ),
            )
    elif hazard.source != HazardSource.SELF:
        if not (user.user_role.is_office_role and user.org.contains(hazard.found_by_org)):
            raise HazardRefused(
                403,
                "not_allowed",
                _(
                    "A hazard found by %(office)s is verified by that office or one above it.",
                    office=hazard.found_by_org.name,
                ),
            )
    elif not _may_manage(user, hazard):
        raise HazardRefused(
            403,
            "not_allowed",
            _("Only a manager of the site's unit or an office supervisor above it can verify."),
        )
    if user.id == hazard.rectified_by_id:
        raise HazardRefused(
            403, "same_person", _("You marked this hazard rectified; someone else must verify it.")
        )


def _check_role(user: User, hazard: Hazard, event_type: EventType) -> None:
    """Raises HazardRefused(403) when the user's role or organisation may not do this."""
    if event_type in (EventType.VERIFIED, EventType.REJECTED):
        _check_verifier(user, hazard)
        return
    rule, message = _ROLE_RULES[event_type]
    if not rule(user, hazard):
        raise HazardRefused(403, "not_allowed", message())


_ROLE_RULES: dict[EventType, tuple[Callable[[User, Hazard], bool], Callable[[], str]]] = {
    EventType.ASSIGN: (
        _may_manage,
        lambda: _(
            "Only a manager of the site's unit or an office above it can issue a rectification "
            "order."
        ),
    ),
    EventType.PLAN: (
        _may_manage,
        lambda: _("Only a manager of the site's unit or an office above it can record the plan."),
    ),
    EventType.PROGRESS: (
        lambda u, h: _may_work(u, h) or _is_office_above(u, h),
        lambda: _(
            "Only the site's unit, the responsible person or an office above can add progress."
        ),
    ),
    EventType.RECTIFIED: (
        _may_work,
        lambda: _("Only the site's unit or the responsible person can report it rectified."),
    ),
    EventType.REGRADE: (
        _may_manage,
        lambda: _("Only a unit manager or an office supervisor can change the grade."),
    ),
    EventType.SUPERVISE: (
        _is_office_above,
        lambda: _("Only an office above the site can put a hazard under supervision."),
    ),
}

# --- what each action checks and sets ----------------------------------------------------


def _on_assign(user: User, hazard: Hazard, request: EventRequest) -> dict:
    errors: dict[str, str] = {}
    _set_responsible(user, hazard, request, errors)
    measures = (request.measures or "").strip() or hazard.measures
    if not measures:
        errors["measures"] = _("Describe the rectification measures.")
    hazard.measures = measures
    if request.funds_amount is not None:
        hazard.funds_amount = request.funds_amount
    if request.funds_source:
        hazard.funds_source = request.funds_source.strip()
    deadline = request.deadline or (
        hazard.deadline
        if hazard.deadline and hazard.deadline >= days.today()
        else _default_deadline(hazard, days.today())
    )
    _check_deadline(hazard, deadline, errors)
    if errors:
        raise _invalid(errors)
    hazard.deadline = deadline
    hazard.rectify_mode = RectifyMode.ORDER.value
    return _order_data(hazard)


def _on_plan(user: User, hazard: Hazard, request: EventRequest) -> dict:
    for name in (
        "plan_objectives",
        "plan_materials",
        "plan_responsible_body",
        "plan_interim_measures",
        "plan_contingency",
        "measures",
        "funds_source",
    ):
        value = getattr(request, name)
        if value is not None and value.strip():
            setattr(hazard, name, value.strip())
    if request.funds_amount is not None:
        hazard.funds_amount = request.funds_amount
    errors: dict[str, str] = {}
    if request.responsible_username or request.responsible_name:
        _set_responsible(user, hazard, request, errors)
    if request.deadline is not None:
        _check_deadline(hazard, request.deadline, errors)
        hazard.deadline = request.deadline
    if errors:
        raise _invalid(errors)
    _require_plan(hazard)
    hazard.rectify_mode = RectifyMode.ORDER.value
    return {
        **_order_data(hazard),
        **{
            name: getattr(hazard, name)
            for name in (
                "plan_objectives",
                "plan_materials",
                "plan_responsible_body",
                "plan_interim_measures",
                "plan_contingency",
            )
        },
    }


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
        raise HazardRefused(
            409,
            "supervised",
            _("A hazard under supervision stays major until the supervising office closes it."),
        )
    data = {"from_grade": hazard.grade, "to_grade": request.grade}
    hazard.grade = request.grade
    return data


def _on_supervise(user: User, hazard: Hazard, request: EventRequest) -> dict:
    if not hazard.major:
        raise HazardRefused(409, "not_major", _("Only major hazards are put under supervision."))
    if hazard.supervised:
        raise HazardRefused(
            409,
            "already_supervised",
            _(
                "This hazard is already under supervision by %(office)s.",
                office=hazard.supervising_org.name,
            ),
        )
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


def _set_responsible(user: User, hazard: Hazard, request: EventRequest, errors: dict) -> None:
    """A user of the system (by username: in the actor's scope, and able to see the site)
    or a name with a phone. Absent and out of scope read the same."""
    if request.responsible_username:
        try:
            person = get_user(user, request.responsible_username.strip())
        except (LookupError, OutOfScope):
            person = None
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
        errors["responsible_name"] = _("Name the responsible person (a user, or a name and phone).")


def _check_deadline(hazard: Hazard, deadline: date, errors: dict) -> None:
    today = days.today()
    cap = days.local_day(hazard.found_at) + timedelta(days=_cap_days(hazard))
    if deadline < today:
        errors["deadline"] = _("The deadline cannot be in the past.")
    elif deadline > cap:
        errors["deadline"] = _(
            "The deadline can be at most %(days)s days after the hazard was found (%(day)s).",
            days=_cap_days(hazard),
            day=cap.isoformat(),
        )


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
