"""What the hazard modules share: the state machine's table, refusals, the action
request, deadline and plan rules, labels and parsing helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _

from webapp.models import (
    EventType,
    Hazard,
    HazardEvent,
    HazardSource,
    HazardStatus,
)
from webapp.models.inspections import SHA256_RE

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


def _invalid(fields: dict[str, str], message: str | None = None) -> HazardRefused:
    return HazardRefused(
        422,
        "validation_failed",
        message or _("Some fields are invalid."),
        {name: [text] for name, text in fields.items()},
    )


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
            422,
            "plan_incomplete",
            _("A major hazard needs its full remediation plan before work can proceed."),
            {name: [_("Required in the plan of a major hazard.")] for name in missing},
        )


def _check_photos(request: EventRequest) -> None:
    bad = [p for p in request.photos or [] if not isinstance(p, str) or not SHA256_RE.match(p)]
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
