"""The hazard workflow: the one place for every rule that moves a hazard.

open → rectifying → rectified (awaiting verification) → closed (销号), with rejection from
rectified back to rectifying. ``common.TRANSITIONS`` is the state machine; ``permissions``
says who may do what and ``actions`` what each action checks and sets; every change is
appended to the site's hash chain (``chain``) as a ``HazardEvent``.

Public functions that change data own their transaction (they commit), except
``open_hazards_for_inspections``, which runs inside the inspection sync's transaction.
Import from this package, not from its modules.
"""

from webapp.services.hazards.chain import ChainBreak, verify_chain
from webapp.services.hazards.common import (
    CLIENT_EVENT_TYPES,
    TRANSITIONS,
    EventOutcome,
    EventRequest,
    HazardRefused,
    action_label,
    source_label,
    status_label,
)
from webapp.services.hazards.opening import (
    open_hazards_for_inspections,
    open_hazards_from_inspection,
)
from webapp.services.hazards.permissions import allowed_actions
from webapp.services.hazards.queries import (
    HazardFilters,
    due_soon_condition,
    escalated_condition,
    get_hazard,
    hazard_query,
    overdue_condition,
)
from webapp.services.hazards.reminders import Reminder, due_reminders, record_reminders
from webapp.services.hazards.transitions import record_event, record_event_batch, verify_many

__all__ = [
    "CLIENT_EVENT_TYPES",
    "TRANSITIONS",
    "ChainBreak",
    "EventOutcome",
    "EventRequest",
    "HazardFilters",
    "HazardRefused",
    "Reminder",
    "action_label",
    "allowed_actions",
    "due_reminders",
    "due_soon_condition",
    "escalated_condition",
    "get_hazard",
    "hazard_query",
    "open_hazards_for_inspections",
    "open_hazards_from_inspection",
    "overdue_condition",
    "record_event",
    "record_event_batch",
    "record_reminders",
    "source_label",
    "status_label",
    "verify_chain",
    "verify_many",
]
