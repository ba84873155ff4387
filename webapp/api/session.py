"""POST/GET/DELETE the session: how the phone logs in, finds out who it is, and logs out."""

from __future__ import annotations

from flask_login import current_user, login_required, logout_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields, validate

from webapp.errors import json_error
from webapp.extensions import csrf
from webapp.login_limits import login_rate_limited
from webapp.login_service import LoginFailed, log_in, log_out
from webapp.services.login_sessions import log_out_everywhere

bp = Blueprint("session", __name__, url_prefix="/api/v1", description="Log in and out")


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    remember = fields.Boolean(load_default=True)


class UserSchema(Schema):
    username = fields.String()
    name = fields.String(attribute="display_name")
    role = fields.String()
    org = fields.Function(
        lambda user: {"code": user.org.code, "name": user.org.name, "kind": user.org.kind}
    )


class SessionSchema(Schema):
    user = fields.Nested(UserSchema)
    csrf_token = fields.String()


def _session_reply(user):
    return {"user": user, "csrf_token": generate_csrf()}


# Logging in cannot carry a token yet; a forged cross-site login only logs the victim
# into an account the attacker knows, which SameSite=Lax cookies already limit.
@bp.route("/session", methods=["POST"])
@csrf.exempt
@bp.arguments(LoginSchema)
@bp.response(200, SessionSchema)
@bp.alt_response(401, description="Wrong username or password, or account disabled")
@bp.alt_response(429, description="Too many login attempts")
@login_rate_limited
def log_in_session(credentials):
    """Log in; the reply carries the CSRF token for later state-changing calls."""
    try:
        user = log_in(credentials["username"], credentials["password"], credentials["remember"])
    except LoginFailed as failure:
        return json_error(401, "login_failed", str(failure))
    return _session_reply(user)


@bp.route("/session", methods=["DELETE"])
@bp.response(204)
def log_out_session():
    """Log out here: this login ends on the server, the phone's other logins stay
    (needs the X-CSRF-Token header like every state-changing call)."""
    log_out()


@bp.route("/sessions", methods=["DELETE"])
@bp.response(204)
@bp.alt_response(401, description="Not logged in")
@login_required
def log_out_everywhere_session():
    """Log out on every browser and phone (e.g. after losing a phone); needs X-CSRF-Token."""
    log_out_everywhere(current_user._get_current_object())
    logout_user()


@bp.route("/me")
@bp.response(200, SessionSchema)
@bp.alt_response(401, description="Not logged in")
@login_required
def me():
    """The logged-in user, with the session's CSRF token."""
    return _session_reply(current_user)


@bp.route("/session", methods=["GET"])
@bp.response(200, SessionSchema)
@bp.alt_response(401, description="Not logged in")
@login_required
def current_session():
    """The same as ``GET /me``."""
    return _session_reply(current_user)
