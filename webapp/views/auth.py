"""Login and logout pages (server-rendered, mobile-first), and the managers' home."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from webapp.forms import LoginForm
from webapp.labels import label
from webapp.login_service import LoginFailed, landing_url, log_in, login_rate_limited
from webapp.scope import can_create_sites, can_manage_templates, can_view_orgs, is_manager

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@login_rate_limited
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")) or landing_url(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = log_in(form.username.data, form.password.data, form.remember.data)
        except LoginFailed as failure:
            error = str(failure)
        else:
            return redirect(_safe_next(request.args.get("next")) or landing_url(user))
    status = 401 if error else (422 if form.errors else 200)
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    """A POST with the CSRF token: a link or an image on another site cannot log us out."""
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/manage")
@login_required
def manage_home():
    """The managers' start page (the dashboard replaces it later)."""
    if not is_manager(current_user):
        abort(403)
    return render_template(
        "manage/home.html",
        may_create_sites=can_create_sites(current_user),
        may_view_orgs=can_view_orgs(current_user),
        may_manage_templates=can_manage_templates(current_user),
    )


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect would let a phishing link borrow our login."""
    if (
        target
        and not urlsplit(target).netloc
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.rstrip("?") not in ("/", "/login")
    ):
        return target
    return None


@bp.app_context_processor
def page_helpers() -> dict:
    """What base.html, _nav.html and error.html need on every page."""
    user = current_user
    signed_in = user.is_authenticated
    return {
        "label": label,
        "nav": {
            "is_manager": signed_in and is_manager(user),
            "may_view_orgs": signed_in and can_view_orgs(user),
        },
        "home_url": landing_url(user) if signed_in else url_for("auth.login"),
        "error_titles": {
            400: _("The request was not understood"),
            403: _("Not allowed"),
            404: _("Not found"),
            409: _("Cannot change this"),
            413: _("Too large"),
            422: _("Some fields are invalid"),
            429: _("Too many attempts"),
            500: _("Something went wrong on the server"),
        },
    }
