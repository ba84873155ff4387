"""Who is logged in. Pages redirect to the login page; /api answers a JSON 401."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager

from webapp.errors import json_error, wants_json
from webapp.extensions import db
from webapp.models import User


def init_login(manager: LoginManager) -> None:
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

    @manager.unauthorized_handler
    def unauthorized():
        # A redirect to an HTML page would look like success to the phone's sync code.
        if wants_json():
            return json_error(401, "unauthorized", _("Please log in first."))
        return redirect(url_for("auth.login", next=request.full_path))
