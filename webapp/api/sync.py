"""POST /api/v1/sync/inspections and /api/v1/sync/import: inspections from the phones."""

from __future__ import annotations

import logging

import orjson
from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from werkzeug.exceptions import UnsupportedMediaType

from webapp import days
from webapp.api.schemas import ExportFileSchema, ImportReplySchema, SyncBatchSchema, SyncReplySchema
from webapp.errors import MalformedJSON, json_error, service_unavailable
from webapp.inputs import checks_nul_per_record
from webapp.services.sync.batch import SyncTooSlow, record_inspections
from webapp.services.sync.envelope import BatchRejected, import_unsent, parse_batch
from webapp.services.sync.storing import SyncSource

log = logging.getLogger(__name__)

bp = Blueprint(
    "sync", __name__, url_prefix="/api/v1", description="Exactly-once sync of inspections"
)

# A full batch (200 inspections of 20 items with notes) is well under 1 MB.
SYNC_MAX_BYTES = 4 * 1024 * 1024
# An export file carries its photos in base64 (at most 10 MB each).
IMPORT_MAX_BYTES = 200 * 1024 * 1024

BATCH_ERRORS = {
    400: "Malformed JSON (fields.body)",
    413: "Body too large (fields.body)",
    415: "Not sent as application/json (fields.body)",
    422: "The request as a whole is invalid (fields name the field at fault); nothing was written",
    503: "Not stored this time (the database is unavailable, or the batch could not be stored "
    "in time); nothing was written: send it again after Retry-After seconds",
}

# Seconds a phone is asked to wait after a batch that could not be stored in time.
SYNC_RETRY_AFTER = 10


BODY_LIMITS = {"sync.sync_inspections": SYNC_MAX_BYTES, "sync.import_file": IMPORT_MAX_BYTES}


@bp.url_value_preprocessor
def _limit_body(endpoint: str | None, _values: dict | None) -> None:
    # Runs before any before_request function (the CSRF check opens the body stream, and
    # the limit must be in place by then).
    if endpoint in BODY_LIMITS:
        request.max_content_length = BODY_LIMITS[endpoint]


def read_json_body() -> object:
    """The request body parsed as JSON; raises MalformedJSON (a 400 naming the problem,
    webapp/errors.py) when it is not JSON, and UnsupportedMediaType (415) when it is not
    sent as JSON (as Flask's get_json does). A body over the limit is a 413 there too."""
    if not request.is_json:
        message = _("Send the body as JSON (Content-Type: application/json).")
        raise UnsupportedMediaType(message)
    try:
        return orjson.loads(request.get_data(cache=False))
    except orjson.JSONDecodeError as err:
        raise MalformedJSON(str(err)) from None


@bp.errorhandler(SyncTooSlow)
def _too_slow(err: SyncTooSlow):
    log.warning("sync not stored: %s", err)
    message = _("The server was too busy to store these checks; nothing was lost. Try again.")
    return service_unavailable("sync_too_slow", message, SYNC_RETRY_AFTER)


def _rejected(err: BatchRejected):
    return json_error(
        422,
        "invalid_request",
        _("The request was not accepted; nothing was stored."),
        err.fields,
    )


@bp.route("/sync/inspections", methods=["POST"])
@bp.doc(
    requestBody={"required": True, "content": {"application/json": {"schema": SyncBatchSchema}}}
)
@bp.response(200, SyncReplySchema)
@bp.alt_response(400, description=BATCH_ERRORS[400])
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(413, description=BATCH_ERRORS[413])
@bp.alt_response(415, description=BATCH_ERRORS[415])
@bp.alt_response(422, description=BATCH_ERRORS[422])
@bp.alt_response(503, description=BATCH_ERRORS[503])
@login_required
@checks_nul_per_record
def sync_inspections():
    """Deliver up to 200 inspections; one result per record, in order.

    Idempotent by each inspection's id: sending the same record again answers `duplicate`
    and changes nothing; the same id with other content answers `conflict` (the version is
    kept for review). A bad record is `rejected` with `errors` and never fails the others.
    Needs the X-CSRF-Token header.
    """
    try:
        device_id, device_time, records = parse_batch(read_json_body())
    except BatchRejected as err:
        return _rejected(err)
    source = SyncSource(current_user._get_current_object(), device_id, device_time)
    results = record_inspections(source, records)
    return {"server_time": days.now(), "results": results}


@bp.route("/sync/import", methods=["POST"])
@bp.doc(
    requestBody={"required": True, "content": {"application/json": {"schema": ExportFileSchema}}}
)
@bp.response(200, ImportReplySchema)
@bp.alt_response(400, description=BATCH_ERRORS[400])
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(413, description=BATCH_ERRORS[413])
@bp.alt_response(415, description=BATCH_ERRORS[415])
@bp.alt_response(422, description=BATCH_ERRORS[422])
@bp.alt_response(503, description=BATCH_ERRORS[503])
@login_required
@checks_nul_per_record
def import_file():
    """Import an "export unsent records" file (the last resort when a phone cannot sync).

    The body is the file itself. Photos are stored first, then the inspections are
    validated and stored like a sync, attributed to the logged-in user. Needs X-CSRF-Token.
    """
    try:
        reply = import_unsent(current_user._get_current_object(), read_json_body())
    except BatchRejected as err:
        return _rejected(err)
    return {"server_time": days.now(), **reply}
