"""Reminders and escalation pushed to the organisations that must act.

``rules.evaluate`` decides what is due at a moment; ``outbox`` writes each notice once
(its key: rule, organisation, period) and sends it through the organisation's channels
(``channels``: apprise URLs, masked whenever shown); ``inbox`` shows the same notices
on the managers' pages. ``run`` is ``flask notify run``; ``preview`` writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from webapp import days
from webapp.models import Organisation
from webapp.services.hazards import record_reminders
from webapp.services.notify.channels import ChannelRefused, masked_url, redact
from webapp.services.notify.outbox import SendReport, retry_by_hand, send_pending, write_notices
from webapp.services.notify.rules import Draft, evaluate


@dataclass
class RunReport:
    written: int
    reminders_recorded: int
    sending: SendReport


def run(at: datetime | None = None, send: bool = True) -> RunReport:
    """Evaluate every rule at ``at`` (default now), record the hazard reminders in the
    hazards' history, write the new notices and (unless ``send`` is false) send what is
    pending. Idempotent: a second run at the same moment writes and sends nothing new."""
    evaluation = evaluate(at or days.now())
    _reminders, recorded = record_reminders(days.local_day(evaluation.at), evaluation.reminders)
    written = write_notices(evaluation)
    return RunReport(len(written), recorded, send_pending() if send else SendReport())


def preview(org: Organisation, at: datetime | None = None) -> list[Draft]:
    """The notices due for ``org`` at ``at``, written or not; reads only."""
    return [draft for draft in evaluate(at or days.now()).drafts if draft.org.id == org.id]


__all__ = [
    "ChannelRefused",
    "Draft",
    "RunReport",
    "evaluate",
    "masked_url",
    "preview",
    "redact",
    "retry_by_hand",
    "run",
]
