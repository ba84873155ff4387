"""Who is logged in. Pages redirect to the login page; /api answers a JSON 401.

Also the two guards every managers' page uses: ``manager_required`` and ``in_scope_or_404``.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required

from webapp.errors import json_error, wants_json
from webapp.models import User
from webapp.scope import OutOfScope, is_manager
from webapp.services.login_sessions import user_for_key


def init_login(manager: LoginManager) -> None:
    manager.session_protection = "basic"
    # The cookies hold the key of the login, not the user's id: logins can be ended.
    manager.id_attribute = "login_key"
    manager.user_loader(user_for_key)

    @manager.unauthorized_handler
    def unauthorized():
        # A redirect to an HTML page would look like success to the phone's sync code.
        if wants_json():
            return json_error(401, "unauthorized", _("Please log in first."))
        return redirect(url_for("auth.login", next=request.full_path))


def manager_required(view):
    """Logged in (else the login page, or a JSON 401) and a manager's role (else 403)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_manager(current_user):
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapper)


def in_scope_or_404(lookup, user: User, key: str):
    """``lookup(user, key)`` from webapp/scope.py, with "absent" and "outside the scope"
    both answered 404, so nothing outside the scope can be probed."""
    try:
        return lookup(user, key)
    except (LookupError, OutOfScope):
        abort(404)
