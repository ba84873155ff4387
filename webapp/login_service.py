"""Logging in, shared by the login page and ``POST /api/v1/session``."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import select

from webapp.extensions import db, limiter
from webapp.models import User


class LoginFailed(Exception):
    """Wrong username or password, or a disabled account; ``str(err)`` is the user message."""


def login_rate_limited(view):
    """Limit login attempts per account and per address, shared by page and API (429)."""
    per_account = limiter.shared_limit(
        lambda: current_app.config["SHELTER_LOGIN_LIMIT_PER_ACCOUNT"],
        scope="login-account",
        key_func=_attempted_username,
        methods=["POST"],
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config["SHELTER_LOGIN_LIMIT_PER_ADDRESS"],
        scope="login-address",
        methods=["POST"],
    )
    return per_account(per_address(view))


def _attempted_username() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    return str((data or {}).get("username", "")).strip().lower()[:64] or "-"


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
