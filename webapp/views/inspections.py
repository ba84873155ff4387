"""The record of one inspection (/inspections/<id>), and annotating its credibility flags.

Who sees it: ``scope.can_see_inspection`` (the inspector who filed it, the managers of its
unit, office staff above the site); anyone else, and any id that does not exist, gets 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp import days
from webapp.auth import in_scope_or_404, manager_required
from webapp.inputs import parse_month, query_arg, query_page
from webapp.labels import label
from webapp.models import Inspection
from webapp.scope import NotAllowed, OutOfScope, can_annotate_flags, get_org
from webapp.services.credibility.annotations import AnnotationRefused, annotate_flag
from webapp.services.credibility.figures import Credibility, flagged_checks, unit_credibility
from webapp.services.credibility.reasons import duration, flag_label, flag_reason, verdict_label
from webapp.services.inspections.record import get_inspection, inspection_record
from webapp.services.reports.months import month_last, next_month, previous_month
from webapp.services.sync.parsing import UUID_RE

bp = Blueprint("inspections", __name__, url_prefix="/inspections")


@bp.app_context_processor
def record_helpers():
    """What any page that shows flags needs (the record, the credibility drill-down)."""
    return {
        "flag_label": flag_label,
        "flag_reason": flag_reason,
        "verdict_label": verdict_label,
        "duration": duration,
    }


@bp.route("/flagged")
@manager_required
def flagged():
    """The credibility drill-down: an organisation's flagged self-checks of a month, with
    its figure (``?org=CODE&month=YYYY-MM``, default: your own, this month)."""
    user = current_user._get_current_object()
    org = in_scope_or_404(get_org, user, request.args.get("org") or user.org.code)
    month = query_arg("month", parse_month, days.today().replace(day=1))
    first, last = month, month_last(month)
    return render_template(
        "inspections/flagged.html",
        org=org,
        month=month,
        months={"prev": previous_month(month), "next": next_month(month)},
        figure=Credibility.total(unit_credibility(org, first, last).values()),
        page=flagged_checks(org, first, last, query_page()),
    )


def _load(inspection_id: str) -> Inspection:
    if not UUID_RE.match(inspection_id):
        abort(404)
    try:
        return get_inspection(current_user._get_current_object(), inspection_id)
    except (LookupError, OutOfScope):
        abort(404)


@bp.route("/<inspection_id>")
@login_required
def show(inspection_id: str):
    return _render(_load(inspection_id))


def _render(inspection: Inspection, refused: tuple[str, AnnotationRefused] | None = None):
    user = current_user._get_current_object()
    return render_template(
        "inspections/show.html",
        record=inspection_record(inspection),
        label=label,
        may_annotate=can_annotate_flags(user, inspection),
        refused=refused,
        form=request.form,
    ), (422 if refused else 200)


@bp.route("/<inspection_id>/flags/<code>/annotations", methods=["POST"])
@login_required
def annotate(inspection_id: str, code: str):
    """Explain or confirm one flag, with a remark (CSRF-protected form of the record page)."""
    inspection = _load(inspection_id)
    try:
        annotate_flag(
            current_user._get_current_object(),
            inspection.id,
            code,
            request.form.get("verdict", ""),
            request.form.get("remark", ""),
        )
    except LookupError:
        abort(404)
    except NotAllowed:
        abort(403)
    except AnnotationRefused as refused:
        return _render(_load(inspection_id), (code, refused))
    flash(_("Your annotation was added to the flag “%(flag)s”.", flag=flag_label(code)), "ok")
    anchor = f"flag-{code}"
    return redirect(url_for("inspections.show", inspection_id=inspection.id, _anchor=anchor))
