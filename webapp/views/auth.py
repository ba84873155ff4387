"""Login and logout pages (server-rendered, mobile-first), and the managers' home: today's
figures for the user's organisation, the notices, and the way to every page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp import days
from webapp.forms import LoginForm
from webapp.labels import label
from webapp.login_limits import login_rate_limited
from webapp.login_service import LoginFailed, landing_url, log_in, log_out
from webapp.scope import (
    can_create_sites,
    can_manage_channels,
    can_manage_templates,
    can_view_orgs,
    is_manager,
)
from webapp.services.completion import day_completion, unchecked_sites
from webapp.services.hazard_figures import hazards_at_a_glance
from webapp.services.notify.inbox import inbox, unread_count
from webapp.services.notify.messages import render

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
    log_out()
    return redirect(url_for("auth.login"))


# How many of today's unchecked sites the home page names (the dashboard lists them all).
NOT_CHECKED_LISTED = 8


@bp.route("/manage")
@login_required
def manage_home():
    """The managers' start page: today's completion and hazards under their organisation
    (the same services and scope as the dashboard), the notices, then the menu."""
    if not is_manager(current_user):
        abort(403)
    org, today = current_user.org, days.today()
    not_checked = unchecked_sites(org, today)
    return render_template(
        "manage/home.html",
        today=today,
        completion=day_completion(org, today, with_sites=False).tally,
        not_checked=not_checked[:NOT_CHECKED_LISTED],
        not_checked_count=len(not_checked),
        hazards=hazards_at_a_glance(org, today).total,
        may_create_sites=can_create_sites(current_user),
        may_view_orgs=can_view_orgs(current_user),
        may_manage_templates=can_manage_templates(current_user),
        may_manage_channels=can_manage_channels(current_user, current_user.org),
        inbox=[(notice, read, *render(notice)) for notice, read in inbox(current_user)],
    )


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect would let a phishing link borrow our login."""
    if (
        target
        and not urlsplit(target).netloc
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()  # no CR/LF: they would inject headers into the redirect
        and target.rstrip("?") not in ("/", "/login")
    ):
        return target
    return None


@bp.app_context_processor
def page_helpers() -> dict:
    """What base.html, _nav.html and error.html need on every page."""
    user = current_user
    signed_in = user.is_authenticated
    manager = signed_in and is_manager(user)
    return {
        "label": label,
        "nav": {
            "is_manager": manager,
            "may_view_orgs": signed_in and can_view_orgs(user),
            "unread": unread_count(user) if manager else 0,
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
