"""Drafts, submitting (which freezes the figures) and corrections as new versions."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp import days
from webapp.extensions import db
from webapp.models import (
    MonthlyReport,
    Organisation,
    OrgKind,
    ReportStatus,
    User,
)
from webapp.services.reports.fields import ReportRefused, clean_manual
from webapp.services.reports.figures import compute_figures
from webapp.services.reports.months import month_start


def versions(org: Organisation, month: date) -> list[MonthlyReport]:
    """Every version of ``org``'s report for ``month``, newest first."""
    return list(
        db.session.execute(
            select(MonthlyReport)
            .where(MonthlyReport.org_id == org.id, MonthlyReport.month == month)
            .order_by(MonthlyReport.version.desc())
        ).scalars()
    )


def latest(org: Organisation, month: date) -> MonthlyReport | None:
    found = versions(org, month)
    return found[0] if found else None


def first_submission(org: Organisation, month: date) -> MonthlyReport | None:
    """The first submitted version: it decides on time or late (corrections do not)."""
    return db.session.execute(
        select(MonthlyReport)
        .where(
            MonthlyReport.org_id == org.id,
            MonthlyReport.month == month,
            MonthlyReport.status == ReportStatus.SUBMITTED.value,
        )
        .order_by(MonthlyReport.version)
        .limit(1)
    ).scalar_one_or_none()


def _check_office(org: Organisation, month: date) -> None:
    if org.org_kind is not OrgKind.CITY:
        raise ReportRefused(_l("Monthly reports are made by city-level offices."))
    if month > month_start(days.today()):
        raise ReportRefused(_l("This month has not started yet."))


def save_draft(user: User, org: Organisation, month: date, manual: dict) -> MonthlyReport:
    """Store the hand-filled sections in the draft (version 1 is created on first save)
    and commit. Raises ReportRefused when the latest version is already submitted (start
    a correction first) or a value is invalid."""
    _check_office(org, month)
    cleaned = clean_manual(manual)
    report = latest(org, month)
    if report is not None and report.is_submitted:
        raise ReportRefused(_l("This report was submitted; start a correction to change it."))
    if report is None:
        report = MonthlyReport(org_id=org.id, month=month, version=1, created_by_id=user.id)
        db.session.add(report)
    report.manual = cleaned
    report.contact_phone = cleaned.get("contact_phone") or None
    db.session.commit()
    return report


def submit(user: User, org: Organisation, month: date, manual: dict | None = None) -> MonthlyReport:
    """Freeze the figures as they are now, mark the latest draft submitted, commit.
    A report with nothing to report is submitted the same way (a zero report)."""
    if manual is not None:
        report = save_draft(user, org, month, manual)
    else:
        _check_office(org, month)
        report = latest(org, month)
        if report is None:
            report = save_draft(user, org, month, {})
    if report.is_submitted:
        raise ReportRefused(_l("This version was already submitted."))
    if month >= month_start(days.today()):
        raise ReportRefused(_l("A month's report can be submitted once the month is over."))
    report.figures = compute_figures(org, month)
    report.status = ReportStatus.SUBMITTED.value
    report.submitted_by_id = user.id
    report.submitted_at = days.now()
    db.session.commit()
    return report


def start_correction(user: User, org: Organisation, month: date, note: str) -> MonthlyReport:
    """A new draft version after a submitted one, with the same hand-filled sections."""
    note = (note or "").strip()
    if not note:
        raise ReportRefused(_l("Say what the correction is for."))
    report = latest(org, month)
    if report is None or not report.is_submitted:
        raise ReportRefused(_l("Only a submitted report can be corrected."))
    draft = MonthlyReport(
        org_id=org.id,
        month=month,
        version=report.version + 1,
        manual=dict(report.manual or {}),
        contact_phone=report.contact_phone,
        correction_note=note[:2000],
        created_by_id=user.id,
    )
    db.session.add(draft)
    db.session.commit()
    return draft
