"""When each organisation hears what: deployment defaults (SHELTER_NOTIFY_*), times an
organisation or one above it sets, and the rules an organisation has switched off."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import NotifySettings, Organisation

# The rules, in the order pages list them; each is a kind of notice.
RULES = {
    "cutoff": _l("Sites not yet checked at the daily cut-off"),
    "missed": _l("Yesterday's missed sites (next morning)"),
    "hazard_due": _l("Hazards whose deadline is near"),
    "hazard_overdue": _l("Overdue hazards (daily until rectified)"),
    "hazard_supervised": _l("Overdue supervised major hazards (weekly, to the province)"),
    "verify_wait": _l("Rectified hazards waiting for verification"),
    "report_due": _l("Monthly report not yet submitted"),
    "report_missing": _l("Monthly reports missing after the due day"),
}
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"  # HH:MM, 24-hour (also the form's rule)


@dataclass(frozen=True)
class OrgTimes:
    """What applies to one organisation as a recipient."""

    cutoff: time
    digest: time
    disabled: frozenset[str]

    def wants(self, rule: str) -> bool:
        return rule not in self.disabled


def parse_time(text: str) -> time:
    """``HH:MM`` (24-hour) → time; raises ValueError."""
    if not re.match(TIME_PATTERN, text or ""):
        raise ValueError(text)
    return time(int(text[:2]), int(text[3:]))


def org_times(orgs: list[Organisation]) -> dict[int, OrgTimes]:
    """What applies to each of ``orgs``: each time from the organisation's own settings,
    else from the nearest organisation above that sets it, else the deployment default;
    switched-off rules only from its own settings. One query."""
    rows = db.session.execute(
        select(Organisation.code, NotifySettings).join(
            Organisation, Organisation.id == NotifySettings.org_id
        )
    ).all()
    by_code = {code: row for code, row in rows}
    defaults = (
        str(current_app.config["SHELTER_NOTIFY_CUTOFF_TIME"]),
        str(current_app.config["SHELTER_NOTIFY_DIGEST_TIME"]),
    )
    result = {}
    for org in orgs:
        chain = [by_code[c] for c in reversed(org.path.strip("/").split("/")) if c in by_code]
        cutoff = next((s.cutoff_time for s in chain if s.cutoff_time), defaults[0])
        digest = next((s.digest_time for s in chain if s.digest_time), defaults[1])
        own = by_code.get(org.code)
        disabled = frozenset(own.disabled_rules or ()) if own is not None else frozenset()
        result[org.id] = OrgTimes(parse_time(cutoff), parse_time(digest), disabled)
    return result


def own_settings(org: Organisation) -> NotifySettings | None:
    return db.session.execute(
        select(NotifySettings).where(NotifySettings.org_id == org.id)
    ).scalar_one_or_none()


def save_settings(
    org: Organisation, cutoff: str | None, digest: str | None, disabled: list[str]
) -> NotifySettings:
    """Store ``org``'s own times (empty = as above) and switched-off rules, and commit.
    Raises ValueError naming the field when a time is not HH:MM or a rule is unknown."""
    for field, value in (("cutoff_time", cutoff), ("digest_time", digest)):
        if value:
            try:
                parse_time(value)
            except ValueError:
                raise ValueError(field) from None
    if any(rule not in RULES for rule in disabled):
        raise ValueError("disabled_rules")
    settings = own_settings(org) or NotifySettings(org_id=org.id)
    settings.cutoff_time, settings.digest_time = cutoff or None, digest or None
    settings.disabled_rules = [rule for rule in RULES if rule in disabled]
    db.session.add(settings)
    db.session.commit()
    return settings
