"""Client actions on a hazard through the state machine (``common.TRANSITIONS``): one
action, a batch from a phone, or many verifications at once. Who may do what is
``permissions``; what each action checks and sets is ``actions``. Each public function
owns its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import (
    EventType,
    Hazard,
    HazardEvent,
    User,
)
from webapp.scope import OutOfScope
from webapp.services.hazards.actions import HANDLERS
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
    _require_plan,
    action_label,
    status_label,
)
from webapp.services.hazards.permissions import check_role
from webapp.services.hazards.queries import (
    get_hazard,
)

# --- client actions ------------------------------------------------------------------------


def record_event(user: User, hazard_id: int, request: EventRequest) -> EventOutcome:
    """Apply one client action to a hazard and commit.

    Its photos may be referenced before they are uploaded; a stored photo counts for the
    event (and opens to the hazard's readers) only if the actor or the actor's organisation
    uploaded it (``scope.photo_counts_for``), so referencing is never refused: a refusal
    would confirm that someone else's photo exists.

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
    check_role(user, hazard, event_type)
    target = target or current
    _lock_site_chain(hazard.site_id)
    handler = HANDLERS[event_type]
    data = handler(user, hazard, request)
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
