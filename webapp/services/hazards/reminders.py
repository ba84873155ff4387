"""The one place that decides which hazards need a reminder, and whom it concerns.

``due_reminders``: unfixed hazards whose deadline is near (``due_soon_condition``) or past
(``overdue_condition``); ``awaiting_verification``: rectified hazards nobody has verified
for some days, with the organisation that must verify them. The notifications
(webapp/services/notify/rules.py) send these; ``record_reminders`` keeps the audit trail
of the deadline reminders in each hazard's history (run by ``flask notify run``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import (
    EventType,
    Hazard,
    HazardEvent,
    HazardSource,
    HazardStatus,
    Organisation,
    Site,
)
from webapp.services.hazards.chain import (
    _Chain,
    _lock_site_chains,
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

    @property
    def supervised_major(self) -> bool:
        """挂牌督办: overdue ones also go to the province every week."""
        return self.hazard.supervised and self.hazard.major


def due_reminders(day: date) -> list[Reminder]:
    """Unfixed hazards whose deadline is within the reminder window, and overdue ones
    (escalated to the office directly above the site's unit), by deadline."""
    query = (
        select(Hazard)
        .where(due_soon_condition(day) | overdue_condition(day))
        .options(joinedload(Hazard.site).joinedload(Site.unit).joinedload(Organisation.parent))
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


def verifying_org(hazard: Hazard) -> Organisation:
    """The organisation that must verify (accept and close) a rectified hazard: the
    supervising office of a supervised one, the office that found an office or covert
    finding, otherwise the site's unit (transitions._check_verifier enforces the same)."""
    if hazard.supervised:
        return hazard.supervising_org
    if hazard.source != HazardSource.SELF.value:
        return hazard.found_by_org
    return hazard.site.unit


def awaiting_verification(rectified_before: datetime) -> list[tuple[Hazard, Organisation]]:
    """Rectified hazards reported done before ``rectified_before`` and not verified yet,
    each with ``verifying_org``, oldest first."""
    query = (
        select(Hazard)
        .where(
            Hazard.status == HazardStatus.RECTIFIED.value,
            Hazard.rectified_at < rectified_before,
        )
        .options(
            joinedload(Hazard.site).joinedload(Site.unit),
            joinedload(Hazard.supervising_org),
            joinedload(Hazard.found_by_org),
        )
        .order_by(Hazard.rectified_at, Hazard.id)
    )
    return [(hazard, verifying_org(hazard)) for hazard in db.session.scalars(query)]


def record_reminders(
    day: date, reminders: list[Reminder] | None = None
) -> tuple[list[Reminder], int]:
    """Record each reminder once as a system event (a second run the same day, or any later
    run for the same deadline, adds nothing) and commit. Returns (reminders, newly recorded).
    ``reminders``: ``due_reminders(day)`` when the caller already has them."""
    reminders = due_reminders(day) if reminders is None else reminders
    client_ids = {id(r): _reminder_client_id(r) for r in reminders}
    recorded_before = set(
        db.session.scalars(
            select(HazardEvent.client_id).where(HazardEvent.client_id.in_(client_ids.values()))
        )
    )
    new = [r for r in reminders if client_ids[id(r)] not in recorded_before]
    chain = _Chain()
    if new:
        site_ids = {r.hazard.site_id for r in new}
        _lock_site_chains(site_ids)
        chain.load_heads(site_ids)
    for reminder in new:
        hazard = reminder.hazard
        event_type = EventType.OVERDUE if reminder.kind == "overdue" else EventType.REMINDER
        status = hazard.hazard_status
        chain.append(
            hazard,
            event_type,
            None,
            status,
            status,
            client_id=client_ids[id(reminder)],
            data={"deadline": hazard.deadline.isoformat(), "notify_org": reminder.notify_org.code},
        )
    db.session.commit()
    return reminders, len(new)


def _reminder_client_id(reminder: Reminder) -> str:
    hazard = reminder.hazard
    key = f"{reminder.kind}:{hazard.id}:{hazard.deadline.isoformat()}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"shelter-hazard-reminder:{key}"))
