"""Managers' pages for accounts: list and search, create, edit, deactivate and reactivate,
reset a password. Out of scope is a 404; in scope but not yours to manage is a 403."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import or_

from webapp.auth import in_scope_or_404, manager_required
from webapp.extensions import db
from webapp.forms import NewUserForm, PasswordResetForm, UserForm
from webapp.inputs import query_page
from webapp.labels import label
from webapp.models import Organisation, Role, User
from webapp.scope import (
    below,
    can_manage_user,
    get_org,
    get_user,
    roles_user_may_grant,
    scoped_orgs,
    scoped_users,
)
from webapp.services.accounts import (
    FieldError,
    create_user,
    reset_password,
    set_user_active,
    update_user,
)
from webapp.services.login_sessions import live_logins, log_out_everywhere

bp = Blueprint("users", __name__, url_prefix="/manage/users")

PER_PAGE = 50


@bp.route("/")
@manager_required
def index():
    q = request.args.get("q", "").strip()[:100]
    org_code = request.args.get("org", "").strip()
    page_number = query_page()
    query = scoped_users(current_user)
    if q:
        query = query.where(
            or_(
                db.func.lower(User.username).contains(q.lower(), autoescape=True),
                User.display_name.contains(q, autoescape=True),
                User.phone.contains(q, autoescape=True),
            )
        )
    if org_code:
        query = query.where(below(in_scope_or_404(get_org, current_user, org_code)))
    page = db.paginate(
        query.order_by(Organisation.path, User.username),
        page=page_number,
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "manage/users/list.html",
        page=page,
        q=q,
        org_code=org_code,
        orgs=db.session.execute(scoped_orgs(current_user).order_by(Organisation.path))
        .scalars()
        .all(),
        label=label,
        may_create=bool(_grantable_orgs()),
        page_args={k: v for k, v in request.args.items() if k != "page"},
    )


def _grantable_orgs() -> dict[str, tuple[Organisation, list[Role]]]:
    """Active organisations where the user may create accounts, with the roles allowed there."""
    orgs = db.session.execute(
        scoped_orgs(current_user).where(Organisation.active.is_(True)).order_by(Organisation.path)
    ).scalars()
    grantable = {}
    for org in orgs:
        roles = roles_user_may_grant(current_user, org)
        if roles:
            grantable[org.code] = (org, roles)
    return grantable


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def create():
    grantable = _grantable_orgs()
    if not grantable:
        abort(403)
    form = NewUserForm()
    form.org.choices = [(code, f"{org.name} ({code})") for code, (org, _r) in grantable.items()]
    all_roles = {role for _o, roles in grantable.values() for role in roles}
    form.role.choices = [(role.value, label(role)) for role in Role if role in all_roles]
    if request.method == "GET" and len(grantable) == 1:
        form.org.data = next(iter(grantable))
    if form.validate_on_submit():
        org, roles = grantable[form.org.data]
        role = Role(form.role.data)
        if role not in roles:
            form.role.errors.append(_("This role cannot be given at this organisation."))
        else:
            try:
                user = create_user(
                    username=form.username.data,
                    display_name=form.display_name.data,
                    phone=form.phone.data,
                    org=org,
                    role=role,
                    password=form.password.data,
                )
            except FieldError as problem:
                form[problem.field].errors.append(problem.message)
            else:
                flash(_("Account %(username)s created.", username=user.username), "ok")
                return redirect(url_for("users.show", username=user.username))
    return render_template("manage/users/form.html", form=form, target=None), (
        422 if form.errors else 200
    )


@bp.route("/<username>")
@manager_required
def show(username: str):
    target = in_scope_or_404(get_user, current_user, username)
    return _render_show(target)


def _render_show(target: User, refusal: str | None = None):
    may_manage = can_manage_user(current_user, target)
    return render_template(
        "manage/users/show.html",
        target=target,
        label=label,
        may_manage=may_manage,
        own=target.id == current_user.id,
        logins=live_logins(target) if may_manage or target.id == current_user.id else None,
        refusal=refusal,
    ), (409 if refusal else 200)


def _managed(username: str) -> User:
    target = in_scope_or_404(get_user, current_user, username)
    if not can_manage_user(current_user, target):
        abort(403)
    return target


@bp.route("/<username>/edit", methods=["GET", "POST"])
@manager_required
def edit(username: str):
    target = _managed(username)
    form = UserForm(obj=target)
    roles = roles_user_may_grant(current_user, target.org)
    form.role.choices = [(role.value, label(role)) for role in roles]
    if form.validate_on_submit():
        try:
            update_user(
                target,
                display_name=form.display_name.data,
                phone=form.phone.data,
                role=Role(form.role.data),
            )
        except FieldError as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash(_("Account %(username)s saved.", username=target.username), "ok")
            return redirect(url_for("users.show", username=target.username))
    return render_template("manage/users/form.html", form=form, target=target), (
        422 if form.errors else 200
    )


@bp.route("/<username>/deactivate", methods=["POST"])
@manager_required
def deactivate(username: str):
    target = _managed(username)
    set_user_active(target, False)
    flash(
        _(
            "Account %(username)s is deactivated: it can no longer log in.",
            username=target.username,
        ),
        "ok",
    )
    return redirect(url_for("users.show", username=target.username))


@bp.route("/<username>/reactivate", methods=["POST"])
@manager_required
def reactivate(username: str):
    target = _managed(username)
    try:
        set_user_active(target, True)
    except FieldError as problem:
        db.session.rollback()
        return _render_show(target, refusal=problem.message)
    flash(_("Account %(username)s is active again.", username=target.username), "ok")
    return redirect(url_for("users.show", username=target.username))


@bp.route("/<username>/logout-everywhere", methods=["POST"])
@manager_required
def logout_everywhere(username: str):
    """End every login of the account: one's own (a lost phone), or one a manager manages."""
    target = in_scope_or_404(get_user, current_user, username)
    if target.id != current_user.id:
        target = _managed(username)
        log_out_everywhere(target)
        flash(
            _("%(username)s is logged out on every browser and phone.", username=target.username),
            "ok",
        )
        return redirect(url_for("users.show", username=target.username))
    log_out_everywhere(target)
    logout_user()
    flash(_("You are logged out on every browser and phone."), "ok")
    return redirect(url_for("auth.login"))


@bp.route("/<username>/password", methods=["GET", "POST"])
@manager_required
def password(username: str):
    target = _managed(username)
    form = PasswordResetForm()
    if form.validate_on_submit():
        reset_password(target, form.password.data)
        flash(
            _(
                "The password of %(username)s was reset. Tell the user the new one in person.",
                username=target.username,
            ),
            "ok",
        )
        return redirect(url_for("users.show", username=target.username))
    return render_template("manage/users/password.html", form=form, target=target), (
        422 if form.errors else 200
    )
