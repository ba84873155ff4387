"""Logging in and out, shared by the pages and ``/api/v1/session``."""

from __future__ import annotations

from flask import current_app, g, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from webapp.extensions import db
from webapp.login_limits import remember_device
from webapp.models import User
from webapp.scope import is_manager
from webapp.services.login_sessions import end_login, start_login


class LoginFailed(Exception):
    """Wrong username or password, or a disabled account; ``str(err)`` is the user message."""


def log_in(username: str, password: str, remember: bool) -> User:
    """Check the credentials and start the session; raises LoginFailed."""
    user = db.session.execute(
        select(User).where(User.username == username.strip())
    ).scalar_one_or_none()
    if user is None or not user.check_password(password):
        raise LoginFailed(_("Wrong username or password."))
    if not user.active:
        raise LoginFailed(_("This account is disabled. Ask your administrator."))
    start_login(user, request.user_agent.string)
    login_user(user, remember=remember)
    remember_device(user.username)
    _forget_csrf_token()
    return user


def log_out() -> None:
    """End this login on the server (copies of its cookies stop working) and here."""
    if current_user.is_authenticated:
        end_login(current_user._get_current_object())
    logout_user()


def _forget_csrf_token() -> None:
    """The next page or reply gets a new CSRF token: one issued before the login (planted,
    or seen by someone else on a shared phone) is refused from now on."""
    name = current_app.config["WTF_CSRF_FIELD_NAME"]
    session.pop(name, None)
    g.pop(name, None)


def landing_url(user: User) -> str:
    """Where a user goes after logging in: managers to their pages, inspectors to the app."""
    return url_for("auth.manage_home") if is_manager(user) else "/"
