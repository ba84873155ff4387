"""Monthly reports, read-only JSON: who has reported for a month, and one office's report
(the figures as submitted, or live for a draft). Editing and submitting happen on the
report pages (/reports/)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from webapp import days
from webapp.auth import manager_required
from webapp.inputs import Month, parse_month
from webapp.models import OrgKind
from webapp.scope import OutOfScope, get_org
from webapp.services import reports as svc

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1", description="Monthly reports")


class MonthQuerySchema(Schema):
    month = Month(
        load_default=None,
        metadata={"description": "YYYY-MM; default last month (the one due now)"},
    )
    org = fields.String(load_default=None, metadata={"description": "Default: your own"})


class StatusSchema(Schema):
    org = fields.Dict(metadata={"description": "{code, name}"})
    month = fields.String()
    due = fields.Date(metadata={"description": "Last day on which the report is on time"})
    state = fields.String(metadata={"description": "on_time | late | missing | pending"})
    days_left = fields.Integer(allow_none=True, metadata={"description": "While pending"})
    submitted_at = fields.DateTime(allow_none=True, metadata={"description": "First submission"})
    versions = fields.Integer()


class ReportSchema(StatusSchema):
    version = fields.Integer(allow_none=True)
    frozen = fields.Boolean(metadata={"description": "Figures as submitted (else live)"})
    figures = fields.Dict(metadata={"description": "Sections A, B, E (automatic)"})
    manual = fields.Dict(metadata={"description": "Header, C, D, E (incidents), F"})
    differences = fields.List(
        fields.Dict(), metadata={"description": "{figure, submitted, now}: late data since"}
    )


def _status(status: svc.SubmissionStatus) -> dict:
    return {
        "org": {"code": status.org.code, "name": status.org.name},
        "month": status.month.strftime("%Y-%m"),
        "due": status.due,
        "state": status.state,
        "days_left": status.days_left,
        "submitted_at": status.submitted_at,
        "versions": status.versions,
    }


def _org(code: str | None):
    user = current_user._get_current_object()
    if not code:
        return user.org
    try:
        return get_org(user, code)
    except (LookupError, OutOfScope):
        abort(404, description="No such organisation.")


@bp.route("/reports")
@bp.arguments(MonthQuerySchema, location="query")
@bp.response(200, StatusSchema(many=True))
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(404, description="No such organisation in your scope")
@manager_required
def list_reports(args):
    """Submission status of every city-level office's report under `org` for `month`."""
    month = args["month"] or svc.previous_month(days.today())
    return [
        _status(svc.submission_status(o, month)) for o in svc.reporting_offices(_org(args["org"]))
    ]


@bp.route("/reports/<org_code>/<month>")
@bp.response(200, ReportSchema)
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(404, description="No such city-level office in your scope, or a bad month")
@manager_required
def get_report(org_code: str, month: str):
    """One office's report for a month: its newest version (figures frozen if submitted,
    else live), with what late data has changed since the submission."""
    org = _org(org_code)
    try:
        first = parse_month(month)
    except ValueError:
        abort(404, description="Months are written YYYY-MM.")
    if org.org_kind is not OrgKind.CITY:
        abort(404, description="Only city-level offices have monthly reports.")
    report = svc.latest(org, first)
    frozen = report is not None and report.is_submitted
    return {
        **_status(svc.submission_status(org, first)),
        "version": report.version if report else None,
        "frozen": frozen,
        "figures": report.figures if frozen else svc.compute_figures(org, first),
        "manual": (report.manual if report else None) or {},
        "differences": [
            {"figure": key, "submitted": then, "now": now}
            for key, then, now in (svc.differences(report) if frozen else [])
        ],
    }
