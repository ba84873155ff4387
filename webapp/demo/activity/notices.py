"""The reminders of the demo history: ``flask notify run`` as cron would have run it over
the last days, at each morning round and daily cut-off, and on the monthly report's
reminder days, so that the inbox on the managers' home holds real notices after
``make run``. Nothing is sent (the demo has no channels); the notices are written and the
hazard reminders recorded in the hazards' history, as a real run does."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

from flask import current_app

from webapp.demo.activity.plan import Plan
from webapp.services import notify
from webapp.services.notify.settings import parse_time
from webapp.services.reports.months import due_date, previous_month

NOTICE_DAYS = 7  # days at the end of the history with the daily reminder runs


def plan_notices(plan: Plan) -> None:
    """A reminder run at the digest and cut-off times (SHELTER_NOTIFY_*) of each of the last
    NOTICE_DAYS days, and at the digest time of the report reminder day and of the day
    after the report's due day of each month of the history; those still to come today are
    left out (``plan.add``)."""
    config = current_app.config
    digest = parse_time(str(config["SHELTER_NOTIFY_DIGEST_TIME"]))
    cutoff = parse_time(str(config["SHELTER_NOTIFY_CUTOFF_TIME"]))
    moments: set[datetime] = set()
    for day in plan.days():
        if (plan.today - day).days < NOTICE_DAYS:
            moments.add(plan.at(day, digest.hour, digest.minute))
            moments.add(plan.at(day, cutoff.hour, cutoff.minute))
        if _is_report_day(day):
            moments.add(plan.at(day, digest.hour, digest.minute))
    for moment in sorted(moments):
        plan.add(moment, partial(notify.run, send=False))


def _is_report_day(day: date) -> bool:
    """The day the reminders for last month's report start, or the first day it is late."""
    reminder_day = int(current_app.config["SHELTER_NOTIFY_REPORT_REMINDER_DAY"])
    return day.day == reminder_day or day == due_date(previous_month(day)) + timedelta(days=1)
