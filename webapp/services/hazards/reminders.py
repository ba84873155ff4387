"""Deadline reminders and overdue escalation to the next office up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    EventType,
    Hazard,
    HazardEvent,
    Organisation,
)
from webapp.services.hazards.chain import (
    _Chain,
    _lock_site_chain,
)
from webapp.services.hazards.queries import (
    due_soon_condition,
    overdue_condition,
)

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
        select(Hazard)
        .join(Hazard.site)
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
        chain.append(
            hazard,
            event_type,
            None,
            status,
            status,
            client_id=client_id,
            data={"deadline": hazard.deadline.isoformat(), "notify_org": reminder.notify_org.code},
        )
        recorded += 1
    db.session.commit()
    return reminders, recorded
