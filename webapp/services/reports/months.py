"""Report months, their deadline and the offices that report."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    Organisation,
    OrgKind,
)
from webapp.scope import below


def month_start(value: date) -> date:
    return value.replace(day=1)


def month_last(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def next_month(month: date) -> date:
    return month_last(month) + timedelta(days=1)


def previous_month(month: date) -> date:
    return month_start(month_start(month) - timedelta(days=1))


def due_date(month: date) -> date:
    """The last SHELTER_TZ day on which the report for ``month`` is on time."""
    return next_month(month).replace(day=int(current_app.config["SHELTER_REPORT_DUE_DAY"]))


def reporting_offices(org: Organisation) -> list[Organisation]:
    """The city-level offices whose reports ``org`` receives (itself if it is one)."""
    if org.org_kind is OrgKind.CITY:
        return [org]
    return list(
        db.session.execute(
            select(Organisation)
            .where(below(org), Organisation.kind == OrgKind.CITY.value)
            .order_by(Organisation.code)
        ).scalars()
    )
