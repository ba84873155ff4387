"""The managers' dashboard: daily completion for any day, drilling down province → city →
county → unit → site within the user's scope; 30-day heat maps, rankings by completion rate,
data freshness, and hazards at a glance."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from webapp import days
from webapp.auth import manager_required
from webapp.extensions import db
from webapp.inputs import form_value, parse_day
from webapp.labels import label
from webapp.models import Organisation, OrgKind
from webapp.scope import OutOfScope, can_excuse_site, get_org, get_site
from webapp.services import completion as svc
from webapp.services.credibility.figures import credibility_ranking, unit_credibility
from webapp.services.hazard_figures import hazards_at_a_glance

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

FLAGS = ("leased", "early", "crowded")


def _flag(value: str | None) -> bool:
    return value in ("1", "true", "on", "y")


def read_day(values) -> date:
    """The ``date`` of the query or form (YYYY-MM-DD), default today; a bad one is a 400."""
    return form_value(values, "date", parse_day, days.today())


def read_org(value: str | None) -> Organisation:
    user = current_user._get_current_object()
    if not value:
        return user.org
    try:
        return get_org(user, value)
    except (LookupError, OutOfScope):
        abort(404)


def crumbs(org: Organisation) -> list[Organisation]:
    """The organisations from the user's own down to ``org`` (never above the scope)."""
    codes = org.path.strip("/").split("/")
    own = current_user.org.code
    codes = codes[codes.index(own) :] if own in codes else [org.code]
    by_code = {
        o.code: o
        for o in db.session.execute(
            db.select(Organisation).where(Organisation.code.in_(codes))
        ).scalars()
    }
    return [by_code[c] for c in codes if c in by_code]


@bp.route("/")
@manager_required
def index():
    day = read_day(request.args)
    org = read_org(request.args.get("org"))
    filters = svc.SiteFilters(*(_flag(request.args.get(name)) for name in FLAGS))
    result = svc.day_completion(org, day, filters)
    first = day - timedelta(days=svc.HEATMAP_DAYS - 1)
    month_first = day.replace(day=1)
    if org.org_kind is OrgKind.UNIT:
        heat_days, heat_rows = svc.site_heatmap(org, day, filters)
        rankings = None
        credibility = unit_credibility(org, month_first, day).get(org.id)
    else:
        counts = svc.daily_unit_counts(org, first, day, filters)
        heat_days, heat_rows = svc.org_heatmap(org, day, filters, counts=counts)
        rankings = svc.completion_rankings(org, day, filters, counts=counts)
        credibility = credibility_ranking(org, month_first, day)
    return render_template(
        "dashboard/index.html",
        result=result,
        org=org,
        day=day,
        today=days.today(),
        filters=filters,
        crumbs=crumbs(org),
        heat_days=heat_days,
        heat_rows=heat_rows,
        rankings=rankings,
        credibility=credibility,
        children=sorted(
            result.children,
            key=lambda r: svc.lowest_rate_first(r.tally.rate, r.tally.missed, r.org.code),
        ),
        hazards=_hazards_at_a_glance(org, day),
        kind_label=label(org.kind),
        may_excuse=lambda site: can_excuse_site(current_user, site),
        args=_args(org, day, filters),
        sites_in_order=sorted(
            result.sites, key=lambda r: (STATE_ORDER.index(r.state), r.site.code)
        ),
        state_labels=state_labels(),
        timedelta=timedelta,
    )


# Missed first: that is what a manager opens the page for.
STATE_ORDER = ("missed", "late", "checked", "excused", "not_due")


def state_labels() -> dict[str, str]:
    return {
        "checked": _("Checked"),
        "late": _("Checked (synced late)"),
        "missed": _("Missed"),
        "excused": _("Excused"),
        "not_due": _("Not due"),
    }


def _args(org: Organisation, day: date, filters: svc.SiteFilters) -> dict:
    """Query arguments that keep the current view when linking elsewhere."""
    args = {"org": org.code, "date": day.isoformat()}
    args.update({name: "1" for name in filters.active})
    return args


def _hazards_at_a_glance(org: Organisation, day: date):
    """Open, overdue and major hazards under ``org``, as they stand now."""
    return hazards_at_a_glance(org, days.today())


@bp.route("/excuse", methods=["POST"])
@manager_required
def excuse():
    """Excuse a site from one day's check, with a reason (CSRF-protected form)."""
    user = current_user._get_current_object()
    try:
        site = get_site(user, request.form.get("site", ""))
    except (LookupError, OutOfScope):
        abort(404)
    if not can_excuse_site(user, site):
        abort(403)
    day = read_day(request.form)
    try:
        svc.excuse_site(user, site, day, request.form.get("reason", ""))
    except svc.ExcuseRefused as refused:
        flash(str(refused), "error")
    else:
        flash(_("%(site)s is excused for %(day)s.", site=site.name, day=day.isoformat()), "ok")
    back = {k: v for k, v in request.form.items() if k in ("org", "date", *FLAGS)}
    return redirect(url_for("dashboard.index", **back))


@bp.app_template_filter("local_time")
def local_time(moment: datetime | None, day: date | None = None) -> str:
    """A moment as SHELTER_TZ wall-clock time: "14:05" on ``day``, else "03-08 14:05"."""
    if moment is None:
        return "—"
    local = moment.astimezone(days.zone())
    if day is not None and local.date() == day:
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


@bp.app_template_global("hazard_link")
def hazard_link(hazard_id: int | None) -> str | None:
    """The hazard page (or the hazard list for None), once the hazard pages exist."""
    try:
        if hazard_id is None:
            return url_for("hazards.index")
        return url_for("hazards.detail", hazard_id=hazard_id)
    except BuildError:
        return None


@bp.app_template_filter("percent")
def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"
