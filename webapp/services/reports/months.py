"""Report months, their deadline and the offices that report.

The calendar-month arithmetic itself (``month_start``, ``month_last``, ``next_month``,
``previous_month``) is a day rule and lives in ``webapp.days``; it is imported here so the
report's callers find every month helper in one place."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from webapp.days import month_last, month_start, next_month, previous_month
from webapp.extensions import db
from webapp.models import (
    Organisation,
    OrgKind,
)
from webapp.scope import below

__all__ = [
    "due_date",
    "month_last",
    "month_start",
    "next_month",
    "previous_month",
    "reporting_offices",
]


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
