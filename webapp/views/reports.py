"""Monthly report pages: a city-level office fills in, reviews and submits its report; the
province sees every office's status (on time, late, missing, countdown) and the totals."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import days
from webapp.auth import manager_required
from webapp.inputs import form_value, parse_month
from webapp.labels import label
from webapp.models import MonthlyReport, Organisation, OrgKind
from webapp.scope import OutOfScope, can_submit_report, get_org
from webapp.services import reports as svc

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _org(code: str | None) -> Organisation:
    user = current_user._get_current_object()
    if not code:
        return user.org
    try:
        return get_org(user, code)
    except (LookupError, OutOfScope):
        abort(404)


def _month(values) -> date:
    """The ``month`` of the query or form (YYYY-MM), default: last month (the one whose
    report is due now); a bad one is a 400."""
    return form_value(values, "month", parse_month, svc.previous_month(days.today()))


def _version(org: Organisation, month: date, number: str | None) -> MonthlyReport | None:
    found = svc.versions(org, month)
    if not number:
        return found[0] if found else None
    for report in found:
        if str(report.version) == number:
            return report
    abort(404)


@bp.route("/")
@manager_required
def index():
    org = _org(request.args.get("org"))
    month = _month(request.args)
    months = {
        "prev": svc.previous_month(month).strftime("%Y-%m"),
        "next": svc.next_month(month).strftime("%Y-%m"),
        "has_next": svc.next_month(month) <= days.today().replace(day=1),
    }
    if org.org_kind is not OrgKind.CITY:
        rows, total = svc.province_overview(org, month)
        return render_template(
            "reports/overview.html",
            org=org,
            month=month,
            rows=rows,
            total=total,
            months=months,
            kind_label=label(org.kind),
            **figure_labels(),
        )
    report = _version(org, month, request.args.get("version"))
    figures = report.figures if report is not None and report.is_submitted else None
    return render_template(
        "reports/report.html",
        org=org,
        month=month,
        months=months,
        report=report,
        versions=svc.versions(org, month),
        status=svc.submission_status(org, month),
        figures=figures or svc.compute_figures(org, month),
        frozen=figures is not None,
        differences=svc.differences(report) if figures else [],
        may_edit=can_submit_report(current_user, org)
        and (report is None or not report.is_submitted)
        and report is svc.latest(org, month),
        may_correct=can_submit_report(current_user, org)
        and report is not None
        and report.is_submitted
        and report.version == svc.latest(org, month).version,
        month_over=month < days.today().replace(day=1),
        manual=(report.manual if report else {}) or {},
        fields=svc.MANUAL_FIELDS,
        titles=svc.SECTION_TITLES,
        figure_label=svc.figure_label,
        **figure_labels(),
    )


def figure_labels() -> dict:
    """What the figure tables need: the labels of sections A, B, E and the grouped counts."""
    return {
        "a_labels": svc.A_LABELS,
        "b_labels": svc.b_labels(),
        "e_labels": svc.E_LABELS,
        "group_rows": svc.group_rows,
    }


@bp.route("/save", methods=["POST"])
@manager_required
def save():
    """Save the hand-filled sections, and submit when the submit button was pressed."""
    org = _org(request.form.get("org"))
    month = _month(request.form)
    if not can_submit_report(current_user, org):
        abort(403)
    values = {spec.key: request.form.get(spec.key, "") for spec in svc.MANUAL_FIELDS}
    try:
        if request.form.get("action") == "submit":
            svc.submit(current_user, org, month, values)
            flash(_("The report was submitted to the province. Its figures are now frozen."), "ok")
        else:
            svc.save_draft(current_user, org, month, values)
            flash(_("Draft saved."), "ok")
    except svc.ReportRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("reports.index", org=org.code, month=month.strftime("%Y-%m")))


@bp.route("/correct", methods=["POST"])
@manager_required
def correct():
    org = _org(request.form.get("org"))
    month = _month(request.form)
    if not can_submit_report(current_user, org):
        abort(403)
    try:
        draft = svc.start_correction(current_user, org, month, request.form.get("note", ""))
    except svc.ReportRefused as refused:
        flash(str(refused), "error")
    else:
        flash(_("Version %(n)d started: correct it and submit it again.", n=draft.version), "ok")
    return redirect(url_for("reports.index", org=org.code, month=month.strftime("%Y-%m")))


@bp.route("/export.<any(xlsx, pdf):fmt>")
@manager_required
def export(fmt: str):
    """The report (a version, default the newest) or the province overview as XLSX or PDF."""
    from webapp.services import report_export

    org = _org(request.args.get("org"))
    month = _month(request.args)
    name = f"{org.code}-{month.strftime('%Y-%m')}"
    if org.org_kind is OrgKind.CITY:
        report = _version(org, month, request.args.get("version"))
        document = report_export.office_document(org, month, report)
        if report is not None:
            name += f"-v{report.version}"
    else:
        document = report_export.overview_document(org, month)
    if fmt == "xlsx":
        data, mimetype = report_export.to_xlsx(document), report_export.XLSX_MIMETYPE
    else:
        data, mimetype = report_export.to_pdf(document), "application/pdf"
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="report-{name}.{fmt}"'},
    )
