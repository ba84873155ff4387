"""Logging in, shared by the login page and ``POST /api/v1/session``."""

from __future__ import annotations

from flask import Response, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import select

from webapp.extensions import db, limiter
from webapp.models import User
from webapp.scope import is_manager


class LoginFailed(Exception):
    """Wrong username or password, or a disabled account; ``str(err)`` is the user message."""


def _too_many_attempts() -> str:
    return _("Too many login attempts. Please wait 15 minutes and try again.")


def _failed(response: Response) -> bool:
    # Only failed attempts count: a field phone that logs in every morning is never locked out.
    return response.status_code >= 400


def login_rate_limited(view):
    """Limit failed login attempts per account and per address, shared by page and API.

    Past either limit the request gets a 429 whose message says what to do (the error
    handlers in webapp/errors.py render it as a page or as JSON).
    """
    per_account = limiter.shared_limit(
        lambda: current_app.config["SHELTER_LOGIN_LIMIT_PER_ACCOUNT"],
        scope="login-account",
        key_func=_attempted_username,
        methods=["POST"],
        error_message=_too_many_attempts,
        deduct_when=_failed,
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config["SHELTER_LOGIN_LIMIT_PER_ADDRESS"],
        scope="login-address",
        methods=["POST"],
        error_message=_too_many_attempts,
        deduct_when=_failed,
    )
    return per_account(per_address(view))


def _attempted_username() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, dict):
        data = {}
    return str(data.get("username", "")).strip().lower()[:64] or "-"


def log_in(username: str, password: str, remember: bool) -> User:
    """Check the credentials and start the session; raises LoginFailed."""
    user = db.session.execute(
        select(User).where(User.username == username.strip())
    ).scalar_one_or_none()
    if user is None or not user.check_password(password):
        raise LoginFailed(_("Wrong username or password."))
    if not user.active:
        raise LoginFailed(_("This account is disabled. Ask your administrator."))
    login_user(user, remember=remember)
    return user


def landing_url(user: User) -> str:
    """Where a user goes after logging in: managers to their pages, inspectors to the app."""
    return url_for("auth.manage_home") if is_manager(user) else "/"
