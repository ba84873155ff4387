"""The demo history: weeks of daily checks, office and covert checks, hazard work and
monthly reports (domain.md §3.3 "Activity to generate"), and the reminders of its last
days, replayed through the real services at the times they happened.

First the whole history is planned as plain steps, who does what and when, with a seeded
random generator (``plan``, ``checks``, ``hazard_work``, ``monthly_reports``, ``notices``);
then the steps run in time order, each inside ``days.replaying(moment)`` so that every
service and model default reads that moment. Nothing is written behind the services'
backs: inspections go through ``sync.record_inspections`` (which opens their hazards),
hazard work through ``hazards.record_event``, reports through ``reports.submit``, photos
through ``photos.store_photo``, reminders through ``notify.run`` (without sending); the one
direct write is the demo sites' first day of daily checks, moved to the history's first
day. A step a service refuses is a bug in the plan: it stops the seed. The history is only
added to a database that holds the demo alone (``holds_other_data``): its checks and
reports are made up.

Deterministic given the SHELTER_TZ day it runs (dates are relative to today).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from webapp import days
from webapp.demo import dataset
from webapp.demo.activity import story
from webapp.demo.activity.cast import load_cast
from webapp.demo.activity.checks import (
    plan_covert_checks,
    plan_daily_checks,
    plan_office_checks,
    plan_photos,
    plan_syncs,
)
from webapp.demo.activity.hazard_work import plan_orders
from webapp.demo.activity.monthly_reports import plan_reports
from webapp.demo.activity.notices import plan_notices
from webapp.demo.activity.plan import HistoryCounts, HistoryRefused, Plan
from webapp.extensions import db
from webapp.models import Hazard, Inspection, Notice, Organisation, Site, User
from webapp.models.hazards import UNFIXED, HazardStatus
from webapp.models.templates import Grade
from webapp.services import reports
from webapp.services.hazards import HazardRefused, overdue_condition

DEFAULT_HISTORY_DAYS = 60

__all__ = [
    "DEFAULT_HISTORY_DAYS",
    "HistoryCounts",
    "HistoryRefused",
    "add_history",
    "demo_has_inspections",
    "holds_other_data",
    "history_start",
]


def add_history(history_days: int = DEFAULT_HISTORY_DAYS) -> HistoryCounts:
    """Replay ``history_days`` days of activity, up to now, at the demo sites, unless they
    already have inspections; the demo sites become due from the first of those days.

    Runs inside the caller's transaction and never commits it (the services' own commits
    become savepoints, see ``services_in_this_transaction``). Raises HistoryRefused when
    a service refuses a step."""
    if history_days <= 0:
        return HistoryCounts()
    if demo_has_inspections():
        return HistoryCounts(already_there=True)
    if holds_other_data():
        return HistoryCounts(other_data=True)
    now = days.now()
    first = history_start(history_days)
    with services_in_this_transaction():
        plan = Plan(load_cast(first), first, now, story.ACTIVITY_SEED)
        plan_photos(plan)
        plan_daily_checks(plan)
        plan_office_checks(plan)
        plan_covert_checks(plan)
        plan_orders(plan)
        plan_reports(plan)
        plan_syncs(plan)
        plan_notices(plan)
        _replay(plan)
        counts = _outcome(plan)
        db.session.commit()
    return counts


def demo_has_inspections() -> bool:
    """True when any demo site (by code) has an inspection."""
    codes = [site["code"] for site in dataset.build_demo().sites]
    query = select(exists().where(Inspection.site_id == Site.id, Site.code.in_(codes)))
    return bool(db.session.scalar(query))


def holds_other_data() -> bool:
    """True when the database holds organisations, sites or accounts that are not the
    demo's. The history invents checks, hazard work and monthly reports: it is only ever
    added to a database that holds the demo alone."""
    data = dataset.build_demo()
    demo = (
        (Organisation.code, {org.code for org in data.orgs}),
        (Site.code, {site["code"] for site in data.sites}),
        (User.username, {account.username for account in data.accounts}),
    )
    return any(
        db.session.scalar(select(exists().where(column.not_in(codes)))) for column, codes in demo
    )


def history_start(history_days: int) -> date:
    """The first day of a history of ``history_days`` days that ends today."""
    return days.today() - timedelta(days=history_days - 1)


@contextmanager
def services_in_this_transaction() -> Iterator[None]:
    """Let the services use ``db.session`` as they always do, but on the seed's own
    connection and inside its transaction, so that the seed stays all or nothing: a
    session joined with ``create_savepoint`` turns each service's commit into a savepoint
    release and each rollback into a rollback to the savepoint.

    Its objects are not expired at those commits: nothing else writes to the database
    meanwhile, and expiring thousands of objects at each of thousands of commits would
    double the time the history takes."""
    outer = db.session()
    connection = outer.connection()
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and not raw.in_transaction:
        # pysqlite begins a transaction only before a data change: a SAVEPOINT outside a
        # transaction would start one of its own, and its release would commit.
        connection.exec_driver_sql("BEGIN")
    inner = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    db.session.registry.set(inner)
    try:
        yield
    finally:
        inner.close()
        db.session.registry.set(outer)


def _replay(plan: Plan) -> None:
    gc.freeze()  # the plan's million objects live to the end: spare the collector rescanning them
    try:
        for step in sorted(plan.steps):
            with days.replaying(step.moment):
                step.run()
    except (HazardRefused, reports.ReportRefused) as refused:
        raise HistoryRefused(f"{step.moment.isoformat()}: {refused}") from refused
    finally:
        gc.unfreeze()


def _outcome(plan: Plan) -> HistoryCounts:
    """The counts of the plan, and the state of the hazards and reports it left."""
    counts = plan.counts
    counts.days = plan.span
    site_ids = [site.id for site in plan.cast.sites]

    def hazards(*conditions) -> int:
        query = select(func.count(Hazard.id)).where(Hazard.site_id.in_(site_ids), *conditions)
        return db.session.scalar(query)

    major = Hazard.grade == Grade.MAJOR.value
    counts.hazards = hazards()
    counts.fixed_on_spot = hazards(Hazard.fixed_on_spot.is_(True))
    counts.closed = hazards(Hazard.status == HazardStatus.CLOSED.value)
    counts.awaiting_verification = hazards(Hazard.status == HazardStatus.RECTIFIED.value)
    counts.outstanding = hazards(Hazard.status.in_(UNFIXED))
    counts.overdue = hazards(overdue_condition(plan.today))
    counts.major = hazards(major)
    counts.major_open = hazards(major, Hazard.status.in_(UNFIXED))
    counts.supervised = hazards(Hazard.supervised)
    counts.notices = db.session.scalar(select(func.count(Notice.id)))
    counts.reports = {"on_time": 0, "late": 0, "missing": 0, "pending": 0}
    for month in plan.months:
        for office in {o.id: o for o in plan.cast.office_of.values()}.values():
            counts.reports[reports.submission_status(office, month).state] += 1
    return counts
