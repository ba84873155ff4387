"""The reminder rules: what is due at a moment, for which organisation, in which period.

Each rule reads its figures from the service that owns them (completion for unchecked
sites, hazards.reminders for hazards, reports for the monthly report) and yields
``Draft`` notices; the period in a draft's key makes it once per day, week or month.
Read-only: nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select

from webapp import days
from webapp.extensions import db
from webapp.models import Notice, Organisation, OrgKind
from webapp.services.completion import unchecked_sites
from webapp.services.hazards import Reminder, due_reminders
from webapp.services.hazards.reminders import awaiting_verification
from webapp.services.notify.messages import FIRST_NAMES
from webapp.services.notify.settings import OrgTimes, org_times
from webapp.services.reports.months import due_date, previous_month
from webapp.services.reports.status import submission_status


@dataclass
class Draft:
    """A notice before it is written."""

    rule: str
    org: Organisation
    period: str
    params: dict
    link: str

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.org.code}:{self.period}"

    def as_notice(self) -> Notice:
        """The notice (not added to the session)."""
        return Notice(
            key=self.key,
            rule=self.rule,
            org_id=self.org.id,
            period=self.period,
            params=self.params,
            link=self.link,
        )


@dataclass
class Evaluation:
    """What is due at ``at``: the notices, and the hazard reminders behind rule 3 (their
    audit trail goes into the hazards' history)."""

    at: datetime
    drafts: list[Draft] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)


class _Moment:
    """The moment in SHELTER_TZ, the organisations and what applies to each."""

    def __init__(self, at: datetime) -> None:
        local = at.astimezone(days.zone())
        self.at, self.day, self.clock = at, local.date(), local.time()
        self.orgs = {o.id: o for o in db.session.scalars(select(Organisation))}
        self.by_path = {o.path: o for o in self.orgs.values()}
        self.times: dict[int, OrgTimes] = org_times(list(self.orgs.values()))

    def wants(self, org: Organisation | None, rule: str, after: str) -> bool:
        """``org`` is active, has not switched ``rule`` off, and its ``after`` time
        ("cutoff" or "digest") has come today."""
        if org is None or not org.active:
            return False
        times = self.times[org.id]
        return times.wants(rule) and self.clock >= getattr(times, after)

    def parent(self, org: Organisation) -> Organisation | None:
        return self.orgs.get(org.parent_id) if org.parent_id else None

    def province(self, org: Organisation) -> Organisation | None:
        """The root of ``org``'s tree when it is a province office."""
        root = self.by_path.get("/" + org.path.split("/")[1] + "/")
        return root if root is not None and root.org_kind is OrgKind.PROVINCE else None

    @property
    def roots(self) -> list[Organisation]:
        return [o for o in self.orgs.values() if o.parent_id is None]

    def any_wants(self, rule: str, after: str) -> bool:
        return any(self.wants(o, rule, after) for o in self.orgs.values())


def evaluate(at: datetime) -> Evaluation:
    """Every notice due at ``at`` (aware), by rule."""
    moment = _Moment(at)
    result = Evaluation(at)
    if moment.any_wants("cutoff", "cutoff"):
        result.drafts += _cutoff(moment)
    if moment.any_wants("missed", "digest"):
        result.drafts += _missed(moment)
    result.reminders = due_reminders(moment.day)
    result.drafts += _hazards(moment, result.reminders)
    result.drafts += _verify_wait(moment)
    result.drafts += _reports(moment)
    return result


# --- 1 and 2: unchecked and missed sites ---------------------------------------------------


def _unchecked_by_unit(moment: _Moment, day: date) -> dict[int, list[str]]:
    by_unit: dict[int, list[str]] = defaultdict(list)
    for root in moment.roots:
        for unit_id, _code, name in unchecked_sites(root, day):
            by_unit[unit_id].append(name)
    return by_unit


def _cutoff(moment: _Moment) -> list[Draft]:
    day = moment.day
    drafts = []
    for unit_id, names in _unchecked_by_unit(moment, day).items():
        unit = moment.orgs[unit_id]
        if moment.wants(unit, "cutoff", "cutoff"):
            params = {
                "org": unit.name,
                "day": day.isoformat(),
                "time": moment.times[unit.id].cutoff.strftime("%H:%M"),
                "count": len(names),
                "names": names[:FIRST_NAMES],
            }
            link = _link("dashboard.index", org=unit.code, date=day.isoformat())
            drafts.append(Draft("cutoff", unit, day.isoformat(), params, link))
    return drafts


def _missed(moment: _Moment) -> list[Draft]:
    """Yesterday's misses: to each unit, and per office directly above, one per unit."""
    day = moment.day - timedelta(days=1)
    per_recipient: dict[int, list[dict]] = defaultdict(list)
    for unit_id, names in sorted(_unchecked_by_unit(moment, day).items()):
        unit = moment.orgs[unit_id]
        entry = {"name": unit.name, "count": len(names), "names": names[:FIRST_NAMES]}
        for recipient in (unit, moment.parent(unit)):
            if moment.wants(recipient, "missed", "digest"):
                per_recipient[recipient.id].append(entry)
    drafts = []
    for org_id, units in per_recipient.items():
        org = moment.orgs[org_id]
        units.sort(key=lambda u: -u["count"])
        params = {
            "day": day.isoformat(),
            "count": sum(u["count"] for u in units),
            "unit_count": len(units),
            "units": units[:FIRST_NAMES],
        }
        link = _link("dashboard.index", org=org.code, date=day.isoformat())
        drafts.append(Draft("missed", org, day.isoformat(), params, link))
    return drafts


# --- 3 and 4: hazards ------------------------------------------------------------------------


def _hazards(moment: _Moment, reminders: list[Reminder]) -> list[Draft]:
    """Due soon → the unit; overdue → the unit and the office above, daily; supervised
    major ones overdue → also the province, weekly."""
    groups: dict[tuple[str, int], list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        unit = reminder.hazard.site.unit
        if reminder.kind == "due_soon":
            groups["hazard_due", unit.id].append(reminder)
            continue
        groups["hazard_overdue", unit.id].append(reminder)
        if reminder.notify_org.id != unit.id:
            groups["hazard_overdue", reminder.notify_org.id].append(reminder)
        province = moment.province(unit)
        if reminder.supervised_major and province is not None:
            groups["hazard_supervised", province.id].append(reminder)
    year, week, _weekday = moment.day.isocalendar()
    drafts = []
    for (rule, org_id), group in groups.items():
        org = moment.orgs[org_id]
        if not moment.wants(org, rule, "digest"):
            continue
        params = {
            "count": len(group),
            "days": int(current_app.config["SHELTER_DEADLINE_REMINDER_DAYS"]),
            "hazards": [_hazard_line(r.hazard, r.hazard.deadline) for r in group[:FIRST_NAMES]],
        }
        period = f"{year}-W{week:02d}" if rule == "hazard_supervised" else moment.day.isoformat()
        drafts.append(Draft(rule, org, period, params, _hazard_link(rule, org)))
    return drafts


def _hazard_link(rule: str, org: Organisation) -> str:
    if rule == "hazard_due":
        return _link("hazards.index", unit=org.code, due_soon="1")
    if rule == "hazard_supervised":
        return _link("hazards.index", overdue="1", supervised="1", grade="major")
    if org.org_kind.is_office:  # the office above: overdue hazards of the units below it
        return _link("hazards.index", escalated="1")
    return _link("hazards.index", unit=org.code, overdue="1")


def _hazard_line(hazard, day: date) -> dict:
    """Site, item and a day (the deadline, or when it was rectified)."""
    return {"site": hazard.site.name, "item": hazard.item_label or hazard.item_id, "day": str(day)}


def _verify_wait(moment: _Moment) -> list[Draft]:
    wait = int(current_app.config["SHELTER_NOTIFY_VERIFY_WAIT_DAYS"])
    groups: dict[int, list] = defaultdict(list)
    for hazard, verifier in awaiting_verification(moment.at - timedelta(days=wait)):
        groups[verifier.id].append(hazard)
    drafts = []
    for org_id, hazards in groups.items():
        org = moment.orgs[org_id]
        if not moment.wants(org, "verify_wait", "digest"):
            continue
        params = {
            "count": len(hazards),
            "days": wait,
            "hazards": [
                _hazard_line(h, days.local_day(h.rectified_at)) for h in hazards[:FIRST_NAMES]
            ],
        }
        link = _link("hazards.index", unit=org.code, status="rectified")
        drafts.append(Draft("verify_wait", org, moment.day.isoformat(), params, link))
    return drafts


# --- 5: the monthly report ---------------------------------------------------------------------


def _reports(moment: _Moment) -> list[Draft]:
    """On and after the reminder day, to offices whose report for last month is not in;
    after the due day, the missing ones to the office above (once a month)."""
    month = previous_month(moment.day)
    due = due_date(month)
    remind_from = int(current_app.config["SHELTER_NOTIFY_REPORT_REMINDER_DAY"])
    offices = [o for o in moment.orgs.values() if o.org_kind is OrgKind.CITY and o.active]
    if moment.day.day < remind_from and moment.day <= due:
        return []
    drafts = []
    missing: dict[int, list[Organisation]] = defaultdict(list)
    label = month.strftime("%Y-%m")
    for office in sorted(offices, key=lambda o: o.code):
        state = submission_status(office, month, moment.at).state
        if state == "pending" and moment.wants(office, "report_due", "digest"):
            params = {"org": office.name, "month": label, "due": due.isoformat()}
            link = _link("reports.index", org=office.code, month=label)
            drafts.append(Draft("report_due", office, label, params, link))
        elif state == "missing" and moment.parent(office) is not None:
            missing[office.parent_id].append(office)
    for parent_id, late in missing.items():
        parent = moment.orgs[parent_id]
        if moment.wants(parent, "report_missing", "digest"):
            params = {
                "month": label,
                "due": due.isoformat(),
                "count": len(late),
                "names": [o.name for o in late[:FIRST_NAMES]],
            }
            link = _link("reports.index", org=parent.code, month=label)
            drafts.append(Draft("report_missing", parent, label, params, link))
    return drafts


def _link(endpoint: str, **args: str) -> str:
    """The path and query of a page (no host: SHELTER_PUBLIC_BASE_URL is added when sent);
    built from the app's URL rules, with or without a request."""
    return current_app.url_map.bind("").build(endpoint) + "?" + urlencode(args)
