"""Error replies. Under /api every error is JSON ``{error, message, fields?}``; pages get HTML."""

from __future__ import annotations

import logging

from flask import Flask, Request, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from marshmallow import Schema, ValidationError, fields
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)

from webapp.extensions import db, login_manager
from webapp.photo_store import PhotoStoreUnavailable

log = logging.getLogger(__name__)

# Seconds a client is asked to wait when the database is briefly unavailable (a restart or
# fail-over takes a few seconds; the phone backs off from 5 s on its own).
DATABASE_RETRY_AFTER = 5
# Seconds a client is asked to wait while the photo store is unavailable.
PHOTO_STORE_RETRY_AFTER = 30


class MalformedJSON(BadRequest):
    """The request body is not JSON; the description is what the parser said."""


class ShelterRequest(Request):
    """Flask's request, whose ``get_json`` failure says what was wrong with the body."""

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:  # not a JSON content type: Flask's 415
            return super().on_json_loading_failed(e)
        raise MalformedJSON(str(e))


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, error: str, message: str, fields: dict | None = None):
    """The one shape of an API error: ``{"error": code, "message": text, "fields": {...}}``."""
    body: dict = {"error": error, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


class ApiErrorSchema(Schema):
    """``json_error``'s reply, as the OpenAPI document describes every API error."""

    error = fields.String(required=True, metadata={"description": "What went wrong, as a code"})
    message = fields.String(required=True, metadata={"description": "What went wrong, in words"})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        metadata={"description": "The fields at fault and what is wrong with each"},
    )


def service_unavailable(error: str, message: str, retry_after: int) -> Response:
    """A 503 with Retry-After: the server cannot do it now, nothing was lost, try again (the
    phone keeps what it sent and retries any 5xx; docs/security.md, "Faults")."""
    if wants_json():
        response, _status = json_error(503, error, message)
    else:
        try:
            response = Response(render_template("error.html", code=503, message=message))
        except Exception:  # the page itself needs what is unavailable (e.g. the user's login)
            response = Response(message, mimetype="text/plain")
    response.status_code = 503
    response.headers["Retry-After"] = str(retry_after)
    return response


def discard_session(_error: BaseException | None = None) -> None:
    """End the session's transaction. When its connection died under it (the database
    restarted), rolling back on it raises; the connection is then discarded instead.
    Also the app's teardown: a rollback that raises there would turn any reply, even one
    whose transaction was committed, into gunicorn's plain 500."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("database connection lost; discarded", exc_info=True)
        db.session().invalidate()  # the request's Session itself (not proxied by scoped_session)


def register_error_handlers(app: Flask) -> None:
    app.request_class = ShelterRequest
    # Runs before Flask-SQLAlchemy's own teardown (which closes the session), as teardowns
    # run in the reverse order of registration.
    app.teardown_appcontext(discard_session)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(err: Exception):
        # The database restarted or failed over, refused the connection, or broke off the
        # transaction (deadlock, serialization failure): what was not committed is not
        # stored, and a client that retries gets duplicates for whatever was.
        log.error("database unavailable: %s", err, exc_info=err)
        discard_session()
        message = _("The server cannot reach its database right now; nothing was lost. Try again.")
        return service_unavailable("database_unavailable", message, DATABASE_RETRY_AFTER)

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
        message = _csrf_message(err.description)
        if wants_json():
            return json_error(400, "csrf_failed", message, {"X-CSRF-Token": [message]})
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_err: RequestEntityTooLarge):
        limit = request.max_content_length or 0
        message = _("The request is larger than %(size)s.", size=_megabytes(limit))
        if wants_json():
            return json_error(413, "body_too_large", message, {"body": [message]})
        return render_template("error.html", code=413, message=message), 413

    @app.errorhandler(PhotoStoreUnavailable)
    def photo_store_unavailable(err: PhotoStoreUnavailable):
        # Nothing was written; the phone keeps the photo and retries (never a 500).
        log.error("photo store unavailable: %s", err)
        discard_session()
        message = _("Photos cannot be stored or read right now; nothing was lost. Try again.")
        return service_unavailable("photo_store_unavailable", message, PHOTO_STORE_RETRY_AFTER)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        response = app.make_response(_http_error_reply(err))
        # What the exception says beyond its body stays (Allow on a 405, Retry-After, ...).
        for name, value in err.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response


def _http_error_reply(err: HTTPException):
    """The body and status of an HTTP error: JSON under /api, the error page elsewhere."""
    if wants_json():
        detail = _malformed_json(err)
        if detail is not None:
            return json_error(
                400,
                "malformed_json",
                _("The request body is not valid JSON; nothing was stored."),
                {"body": [_("Not valid JSON: %(detail)s", detail=detail)]},
            )
        fields = _smorest_fields(err)
        if fields is not None:
            return json_error(422, "validation_failed", "Some fields are invalid.", fields)
        name = (err.name or "error").lower().replace(" ", "_")
        message = err.description or err.name
        fields = {"body": [message]} if isinstance(err, UnsupportedMediaType) else None
        return json_error(err.code or 500, name, message, fields)
    return render_template("error.html", code=err.code, message=_page_message(err)), err.code


def _malformed_json(err: HTTPException) -> str | None:
    """What the JSON parser said when ``err`` is about a body that is not JSON: raised by
    ``ShelterRequest.get_json`` or by webargs (flask-smorest's ``arguments``)."""
    if isinstance(err, MalformedJSON):
        return err.description
    parse_error = getattr(err, "exc", None)  # webargs keeps the parser's error here
    return str(parse_error) if err.code == 400 and isinstance(parse_error, ValueError) else None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def _csrf_message(reason: str) -> str:
    """Flask-WTF's reasons are English only: say them in the user's language, with what to
    do about them."""
    messages = {
        "The CSRF token is missing.": _("The page's security token is missing."),
        "The CSRF session token is missing.": _(
            "The session this page belonged to has ended, so its security token is no longer valid."
        ),
        "The CSRF token has expired.": _("The page's security token has expired."),
        "The CSRF token is invalid.": _("The page's security token is not valid."),
        "The CSRF tokens do not match.": _("The page's security token belongs to another session."),
        "The referrer header is missing.": _("The browser did not say which page sent this."),
        "The referrer does not match the host.": _("This was sent from a page of another site."),
    }
    return _("%(problem)s Reload the page and try again.", problem=messages.get(reason, reason))


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
