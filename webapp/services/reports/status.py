"""On time, late or missing: what the province sees for each office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from webapp import days
from webapp.extensions import db
from webapp.models import (
    MonthlyReport,
    Organisation,
    ReportStatus,
)
from webapp.services.reports.figures import add_up, compute_figures
from webapp.services.reports.months import due_date, reporting_offices
from webapp.services.reports.versions import first_submission, latest


@dataclass
class SubmissionStatus:
    org: Organisation
    month: date
    due: date
    state: str  # on_time | late | missing | pending (not due yet, not submitted)
    submitted_at: datetime | None
    versions: int
    days_left: int | None  # before the deadline, while pending
    report: MonthlyReport | None


def submission_status(
    org: Organisation, month: date, at: datetime | None = None
) -> SubmissionStatus:
    """Whether ``org``'s report for ``month`` came in on time (first submission on or
    before the due day, SHELTER_TZ), late, is still pending or is missing."""
    at = at or days.now()
    due = due_date(month)
    first = first_submission(org, month)
    newest = latest(org, month)
    today = days.local_day(at)
    if first is not None:
        state = "on_time" if days.local_day(first.submitted_at) <= due else "late"
        days_left = None
    elif today <= due:
        state, days_left = "pending", (due - today).days
    else:
        state, days_left = "missing", None
    return SubmissionStatus(
        org,
        month,
        due,
        state,
        first.submitted_at if first else None,
        newest.version if newest else 0,
        days_left,
        newest,
    )


def province_overview(org: Organisation, month: date) -> tuple[list[dict], dict]:
    """One row per city-level office under ``org``: submission status and the figures
    (as submitted when submitted, else live), and their total (each office once)."""
    rows = []
    for office in reporting_offices(org):
        status = submission_status(office, month)
        submitted = first_submission(office, month) and latest_submitted(office, month)
        figures = submitted.figures if submitted else compute_figures(office, month)
        rows.append(
            {
                "office": office,
                "status": status,
                "figures": figures,
                "frozen": submitted is not None,
            }
        )
    total = add_up([row["figures"] for row in rows])
    return rows, total


def latest_submitted(org: Organisation, month: date) -> MonthlyReport | None:
    return db.session.execute(
        select(MonthlyReport)
        .where(
            MonthlyReport.org_id == org.id,
            MonthlyReport.month == month,
            MonthlyReport.status == ReportStatus.SUBMITTED.value,
        )
        .order_by(MonthlyReport.version.desc())
        .limit(1)
    ).scalar_one_or_none()
