"""Managers' pages for sites: list and search, create, edit, deactivate (suspend).

Every query goes through webapp/scope.py: a site outside the user's subtree is a 404,
a site inside it that the role may not change is a 403.
"""

from __future__ import annotations

from calendar import Calendar

from babel.dates import get_day_names
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from webapp.auth import in_scope_or_404, manager_required
from webapp.days import today
from webapp.extensions import db
from webapp.forms import SiteForm
from webapp.inputs import query_page
from webapp.labels import label
from webapp.models import Hazard, HazardStatus, Organisation, Site, SiteStatus, Usage
from webapp.models.sites import EARLY_ERA_LAST_YEAR, first_due_day
from webapp.scope import (
    below,
    can_create_sites,
    can_manage_site,
    get_org,
    get_site,
    scoped_orgs,
    scoped_sites,
    site_units,
)
from webapp.services import register
from webapp.services.accounts import FieldError
from webapp.services.hazards import HazardFilters, hazard_query
from webapp.services.reports.months import month_start, next_month, previous_month
from webapp.services.site_admin import SITE_FIELDS, create_site, suspend_site, update_site
from webapp.views.dashboard import state_labels
from webapp.views.register import read_month

bp = Blueprint("sites", __name__, url_prefix="/manage/sites")

PER_PAGE = 50
HAZARDS_LISTED = 10
NOT_CLOSED = [status.value for status in HazardStatus if status is not HazardStatus.CLOSED]
FLAGS = ("leased", "early", "crowded")


@bp.route("/")
@manager_required
def index():
    filters, problems = _read_filters(request.args)
    if problems:
        return render_template("error.html", code=400, message="; ".join(problems)), 400
    query = scoped_sites(current_user)
    if filters["q"]:
        text = filters["q"].lower()
        query = query.where(
            or_(
                db.func.lower(Site.code).contains(text, autoescape=True),
                Site.name.contains(filters["q"], autoescape=True),
                Site.address.contains(filters["q"], autoescape=True),
            )
        )
    if filters["unit"] is not None:
        query = query.where(below(filters["unit"]))
    if filters["usage"]:
        query = query.where(Site.usage == filters["usage"])
    if filters["status"]:
        query = query.where(Site.status == filters["status"])
    if filters["leased"]:
        query = query.where(Site.leased.is_(True))
    if filters["early"]:
        query = query.where(Site.year_built <= EARLY_ERA_LAST_YEAR)
    if filters["crowded"]:
        query = query.where(Site.crowded.is_(True))
    page = db.paginate(
        query.order_by(Site.code), page=filters["page"], per_page=PER_PAGE, error_out=False
    )
    orgs = db.session.execute(scoped_orgs(current_user).order_by(Organisation.path)).scalars()
    return render_template(
        "manage/sites/list.html",
        page=page,
        filters=filters,
        orgs=list(orgs),
        usages=list(Usage),
        statuses=list(SiteStatus),
        label=label,
        may_create=can_create_sites(current_user),
        page_args={k: v for k, v in request.args.items() if k != "page"},
    )


def _read_filters(args) -> tuple[dict, list[str]]:
    """The list's filters from the query string, and what was wrong with them."""
    problems = []
    filters: dict = {"q": args.get("q", "").strip()[:100], "unit": None}
    unit_code = args.get("unit", "").strip()
    if unit_code:
        filters["unit"] = in_scope_or_404(get_org, current_user, unit_code)
    filters["unit_code"] = unit_code
    for name, enum_cls in (("usage", Usage), ("status", SiteStatus)):
        value = args.get(name, "")
        if value and value not in set(enum_cls):
            problems.append(_("Unknown value for %(field)s: %(value)s", field=name, value=value))
        filters[name] = value
    for flag in FLAGS:
        filters[flag] = args.get(flag) in ("1", "on", "true")
    filters["page"] = query_page()
    return filters, problems


def _unit_choices(
    site: Site | None = None,
) -> tuple[list[tuple[str, str]], dict[str, Organisation]]:
    units = {org.code: org for org in db.session.execute(site_units(current_user)).scalars()}
    if site is not None:
        units.setdefault(site.unit.code, site.unit)  # keep a deactivated unit selectable
    choices = [(code, f"{org.name} ({code})") for code, org in sorted(units.items())]
    return choices, units


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def create():
    if not can_create_sites(current_user):
        abort(403)
    choices, units = _unit_choices()
    if not units:
        abort(403)
    form = SiteForm(units=choices)
    if request.method == "GET":
        form.due_from.data = first_due_day()
        if len(units) == 1:
            form.unit.data = next(iter(units))
    if form.validate_on_submit():
        try:
            site = create_site(form.code.data, _values(form), units[form.unit.data])
        except FieldError as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash(_("Site %(code)s created.", code=site.code), "ok")
            return redirect(url_for("sites.show", code=site.code))
    return _render_form(form, None)


@bp.route("/<code>")
@manager_required
def show(code: str):
    """The site: its month (calendar of daily checks, ``month=YYYY-MM``, default this
    month), its hazards not yet closed, and its details."""
    site = in_scope_or_404(get_site, current_user, code)
    first = register.site_first_month(site)
    month = read_month(first)
    open_hazards = db.session.scalars(
        hazard_query(current_user, HazardFilters(site=site.code, status=NOT_CLOSED))
        .options(selectinload(Hazard.responsible_user))
        .limit(HAZARDS_LISTED + 1)
    ).all()
    return render_template(
        "manage/sites/show.html",
        site=site,
        label=label,
        may_edit=can_manage_site(current_user, site),
        sheet=register.site_months([site], month)[0],
        month_title=format_date(month, _("MMMM y")),
        weekdays=_weekday_names(),
        weeks=Calendar().monthdatescalendar(month.year, month.month),
        day_states=day_state_labels(),
        previous_month=previous_month(month) if month > first else None,
        next_month=next_month(month) if month < month_start(today()) else None,
        hazards=open_hazards[:HAZARDS_LISTED],
        more_hazards=len(open_hazards) > HAZARDS_LISTED,
        today=today(),
    )


def _weekday_names() -> list[str]:
    """Monday first, as Chinese calendars print them."""
    names = get_day_names("abbreviated", locale=get_locale())
    return [names[day] for day in range(7)]


def day_state_labels() -> dict[str, str]:
    """The dashboard's words for a site's day, and the two a month adds."""
    return {
        **state_labels(),
        "pending": _("Not checked yet today"),
        "future": _("Still to come"),
    }


@bp.route("/<code>/edit", methods=["GET", "POST"])
@manager_required
def edit(code: str):
    site = in_scope_or_404(get_site, current_user, code)
    if not can_manage_site(current_user, site):
        abort(403)
    choices, units = _unit_choices(site)
    form = SiteForm(obj=site, units=choices)
    if request.method == "GET":
        form.unit.data = site.unit.code
    # The code is on the printed QR label: it is shown, never changed here.
    form.code.data = site.code
    if form.validate_on_submit():
        update_site(site, _values(form), units[form.unit.data])
        flash(_("Site %(code)s saved.", code=site.code), "ok")
        return redirect(url_for("sites.show", code=site.code))
    return _render_form(form, site)


@bp.route("/<code>/deactivate", methods=["GET", "POST"])
@manager_required
def deactivate(code: str):
    """Asks first (GET), then suspends (POST with the CSRF token)."""
    site = in_scope_or_404(get_site, current_user, code)
    if not can_manage_site(current_user, site):
        abort(403)
    if request.method == "POST":
        suspend_site(site)
        flash(_("Site %(code)s is now suspended.", code=site.code), "ok")
        return redirect(url_for("sites.show", code=site.code))
    return render_template("manage/sites/deactivate.html", site=site)


def _values(form: SiteForm) -> dict:
    return {name: form[name].data for name in SITE_FIELDS}


def _render_form(form: SiteForm, site: Site | None):
    status = 422 if form.errors else 200
    return render_template("manage/sites/form.html", form=form, site=site), status
