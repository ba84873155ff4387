"""Error replies. Under /api every error is JSON ``{error, message, fields?}``; pages get HTML."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from webapp.extensions import login_manager


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, error: str, message: str, fields: dict | None = None):
    """The one shape of an API error: ``{"error": code, "message": text, "fields": {...}}``."""
    body: dict = {"error": error, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ValidationError)
    def validation_failed(err: ValidationError):
        fields = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return json_error(422, "validation_failed", "Some fields are invalid.", fields)

    @app.errorhandler(CSRFError)
    def csrf_failed(err: CSRFError):
        if wants_json() and not current_user.is_authenticated:
            # The phone's session expired (often while offline): its token is stale because
            # its session is gone, so the answer it can act on is "log in again" (401).
            return login_manager.unauthorized()
        if wants_json():
            return json_error(
                400, "csrf_failed", err.description, {"X-CSRF-Token": [err.description]}
            )
        return render_template("error.html", code=400, message=err.description), 400

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if wants_json():
            fields = _smorest_fields(err)
            if fields is not None:
                return json_error(422, "validation_failed", "Some fields are invalid.", fields)
            name = (err.name or "error").lower().replace(" ", "_")
            return json_error(err.code or 500, name, err.description or err.name)
        return render_template("error.html", code=err.code, message=_page_message(err)), err.code


def _page_message(err: HTTPException) -> str | None:
    """The description an ``abort`` gave (translated where it was raised); None for
    werkzeug's own English defaults, which the page's translated title already says."""
    return None if err.description == type(err).description else err.description


def _smorest_fields(err: HTTPException) -> dict | None:
    """flask-smorest reports argument errors as a 422 with ``err.data["messages"]``."""
    data = getattr(err, "data", None)
    if err.code != 422 or not isinstance(data, dict):
        return None
    messages = data.get("messages", {})
    # Flatten {"json": {...}} / {"query": {...}} to the fields themselves.
    flat: dict = {}
    for location in messages.values():
        flat.update(location if isinstance(location, dict) else {"_schema": location})
    return flat
