"""Managers' pages for organisations: the tree of the user's subtree (office staff), and for
office admins creating child organisations, renaming (人防办 → 国动办 is data), deactivating."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func

from webapp.auth import in_scope_or_404, manager_required
from webapp.extensions import db
from webapp.forms import NewOrgForm, OrgForm
from webapp.labels import label
from webapp.models import Organisation, OrgKind, Role, Site, User
from webapp.scope import (
    can_manage_org,
    can_view_orgs,
    get_org,
    scoped_orgs,
    scoped_sites,
    scoped_users,
)
from webapp.services.accounts import (
    CHILD_KINDS,
    FieldError,
    create_org,
    org_deactivation_blockers,
    set_org_active,
    update_org,
)

bp = Blueprint("orgs", __name__, url_prefix="/manage/orgs")


def _office_staff_only():
    if not can_view_orgs(current_user):
        abort(403)


@bp.route("/")
@manager_required
def index():
    _office_staff_only()
    orgs = db.session.execute(scoped_orgs(current_user).order_by(Organisation.path)).scalars().all()
    # Two grouped counts instead of one query per row.
    site_counts = dict(
        db.session.execute(
            scoped_sites(current_user)
            .with_only_columns(Site.unit_id, func.count())
            .group_by(Site.unit_id)
        ).all()
    )
    user_counts = dict(
        db.session.execute(
            scoped_users(current_user)
            .where(User.active.is_(True))
            .with_only_columns(User.org_id, func.count())
            .group_by(User.org_id)
        ).all()
    )
    base_depth = current_user.org.depth
    return render_template(
        "manage/orgs/list.html",
        orgs=orgs,
        base_depth=base_depth,
        site_counts=site_counts,
        user_counts=user_counts,
        label=label,
        may_create=current_user.user_role is Role.OFFICE_ADMIN,
        can_manage_org=can_manage_org,
    )


def _parent_choices() -> dict[str, Organisation]:
    if current_user.user_role is not Role.OFFICE_ADMIN:
        return {}
    orgs = db.session.execute(
        scoped_orgs(current_user)
        .where(Organisation.kind != OrgKind.UNIT.value, Organisation.active.is_(True))
        .order_by(Organisation.path)
    ).scalars()
    return {org.code: org for org in orgs}


def _nominal_parent_choices(org: Organisation | None = None) -> dict[str, Organisation]:
    """City-level offices that may be named as a nominal parent: those in scope that hang
    directly under a province office in scope (so only province staff get any), plus the
    current nominal parent of ``org`` (kept even if deactivated since)."""
    cities = db.session.execute(
        scoped_orgs(current_user)
        .where(Organisation.kind == OrgKind.CITY.value, Organisation.active.is_(True))
        .order_by(Organisation.path)
    ).scalars()
    choices = {
        city.code: city
        for city in cities
        if city.parent is not None
        and city.parent.org_kind is OrgKind.PROVINCE
        and current_user.org.contains(city.parent)
        and city is not org
    }
    if org is not None and org.nominal_parent is not None:
        choices.setdefault(org.nominal_parent.code, org.nominal_parent)
    return choices


def _labelled(orgs: dict[str, Organisation]) -> list[tuple[str, str]]:
    return [(code, f"{org.name} ({code})") for code, org in orgs.items()]


def _keep_nominal_parent(form, org: Organisation | None) -> None:
    """Show the current nominal parent; a form posted without the field keeps it."""
    if request.method == "GET" or "nominal_parent" not in request.form:
        current = org.nominal_parent if org is not None else None
        form.nominal_parent.data = current.code if current is not None else ""


def _shows_nominal_parent(form, org: Organisation | None) -> bool:
    """The field is shown where it can apply (new organisations, city-level offices
    directly under the province) and whenever it holds a value or an error."""
    applies = org is None or (
        org.org_kind is OrgKind.CITY
        and org.parent is not None
        and org.parent.org_kind is OrgKind.PROVINCE
    )
    return bool(
        (applies and len(form.nominal_parent.choices) > 1)
        or form.nominal_parent.data
        or form.nominal_parent.errors
    )


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def create():
    parents = _parent_choices()
    if not parents:
        abort(403)
    nominal = _nominal_parent_choices()
    form = NewOrgForm(parents=_labelled(parents), nominal_parents=_labelled(nominal))
    _keep_nominal_parent(form, None)
    if request.method == "GET":
        wanted = request.args.get("parent")
        form.parent.data = wanted if wanted in parents else next(iter(parents))
    if form.validate_on_submit():
        try:
            org = create_org(
                parent=parents[form.parent.data],
                kind=OrgKind(form.kind.data),
                code=form.code.data,
                name=form.name.data,
                phone=form.phone.data,
                nominal_parent=nominal.get(form.nominal_parent.data),
            )
        except FieldError as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash(_("Organisation %(name)s created.", name=org.name), "ok")
            return redirect(url_for("orgs.index"))
    return render_template(
        "manage/orgs/form.html",
        form=form,
        org=None,
        child_kinds=CHILD_KINDS,
        label=label,
        show_nominal_parent=_shows_nominal_parent(form, None),
    ), (422 if form.errors else 200)


def _managed(code: str) -> Organisation:
    org = in_scope_or_404(get_org, current_user, code)
    if not can_manage_org(current_user, org):
        abort(403)
    return org


@bp.route("/<code>/edit", methods=["GET", "POST"])
@manager_required
def edit(code: str):
    org = _managed(code)
    nominal = _nominal_parent_choices(org)
    form = OrgForm(obj=org, nominal_parents=_labelled(nominal))
    _keep_nominal_parent(form, org)
    if form.validate_on_submit():
        try:
            update_org(
                org,
                name=form.name.data,
                phone=form.phone.data,
                nominal_parent=nominal.get(form.nominal_parent.data),
            )
        except FieldError as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash(_("Organisation %(name)s saved.", name=org.name), "ok")
            return redirect(url_for("orgs.index"))
    return _render_edit(form, org)


def _render_edit(form, org: Organisation, refusal: str | None = None):
    return render_template(
        "manage/orgs/form.html",
        form=form,
        org=org,
        label=label,
        blockers=org_deactivation_blockers(org) if org.active and not refusal else [],
        refusal=refusal,
        show_nominal_parent=_shows_nominal_parent(form, org),
    ), (409 if refusal else 422 if form.errors else 200)


@bp.route("/<code>/deactivate", methods=["POST"])
@manager_required
def deactivate(code: str):
    return _set_active(code, False)


@bp.route("/<code>/reactivate", methods=["POST"])
@manager_required
def reactivate(code: str):
    return _set_active(code, True)


def _set_active(code: str, active: bool):
    org = _managed(code)
    try:
        set_org_active(org, active)
    except FieldError as problem:
        db.session.rollback()
        form = OrgForm(obj=org, nominal_parents=_labelled(_nominal_parent_choices(org)))
        _keep_nominal_parent(form, org)
        return _render_edit(form, org, refusal=problem.message)
    flash(
        _("Organisation %(name)s is active again.", name=org.name)
        if active
        else _("Organisation %(name)s is deactivated.", name=org.name),
        "ok",
    )
    return redirect(url_for("orgs.index"))
