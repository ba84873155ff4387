"""PUT/GET /api/v1/photos/<sha256>: photos addressed by the SHA-256 of their bytes."""

from __future__ import annotations

from functools import partial

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestEntityTooLarge

from webapp.api.schemas import PhotoStoredSchema
from webapp.errors import json_error
from webapp.models.inspections import SHA256_PATTERN
from webapp.services.photos import (
    MAX_PHOTO_BYTES,
    PhotoRejected,
    open_photo,
    store_photo,
    visible_photo,
)

bp = Blueprint("photos", __name__, url_prefix="/api/v1", description="Photos by SHA-256")

# The route takes any text so that a malformed hash is a 422 naming it, not a 404.
SHA256_PARAMETER = {
    "in": "path",
    "name": "sha256",
    "required": True,
    "schema": {"type": "string", "pattern": SHA256_PATTERN},
    "description": "The SHA-256 of the photo's bytes, 64 lowercase hex digits",
}
IMAGE_BODY = {
    "required": True,
    "content": {
        media: {"schema": {"type": "string", "format": "binary"}}
        for media in ("image/jpeg", "image/png", "image/webp")
    },
}


@bp.url_value_preprocessor
def _limit_body(endpoint: str | None, _values: dict | None) -> None:
    # Before the CSRF check opens the body stream (see webapp/api/sync.py).
    if endpoint == "photos.put_photo":
        request.max_content_length = MAX_PHOTO_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def _photo_too_large(_error):
    message = _("A photo may be at most 10 MB.")
    return json_error(413, "body_too_large", message, {"body": [message]})


@bp.route("/photos/<string:sha256>", methods=["PUT"], parameters=[SHA256_PARAMETER])
@bp.doc(requestBody=IMAGE_BODY)
@bp.response(201, PhotoStoredSchema, description="Stored now")
@bp.alt_response(200, schema=PhotoStoredSchema, description="This account had uploaded it before")
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(413, description="Larger than 10 MB (fields.body)")
@bp.alt_response(415, description="Not a JPEG, PNG or WebP image that decodes (fields.body)")
@bp.alt_response(422, description="Not a SHA-256, the bytes do not match it, or too many pixels")
@bp.alt_response(503, description="The photo store is unavailable; retry after Retry-After")
@login_required
def put_photo(sha256: str):
    """Upload a photo's bytes (a JPEG, PNG or WebP image that decodes, at most 10 MB and 50
    megapixels) under their SHA-256. A retry never stores it twice; ``created`` is false when
    this account had uploaded it before. Needs X-CSRF-Token."""
    try:
        data = request.get_data(cache=False)
        stored = store_photo(current_user._get_current_object(), sha256, data)
    except PhotoRejected as rejected:
        return json_error(
            rejected.status,
            "photo_rejected",
            rejected.message,
            {rejected.field: [rejected.message]},
        )
    return stored, 201 if stored.created else 200


@bp.route("/photos/<string:sha256>", methods=["GET"], parameters=[SHA256_PARAMETER])
@bp.doc(responses={200: {"description": "The image bytes", "content": IMAGE_BODY["content"]}})
@bp.alt_response(304, description="Not modified (If-None-Match: the hash)")
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(404, description="No such photo in your scope")
@bp.alt_response(503, description="The photo store is unreachable; retry after Retry-After")
@login_required
def get_photo(sha256: str):
    """A photo, to those who uploaded it and to users who can see a site of an inspection or
    hazard referencing it (see docs/security.md). Served as an image that no browser renders
    as a page."""
    try:
        photo = visible_photo(current_user._get_current_object(), sha256)
        if request.if_none_match.contains(photo.sha256):
            return _photo_response(photo, current_app.response_class(status=304))
        stream, size = open_photo(photo)
    except LookupError:  # unknown, out of scope, or the bytes missing from the store
        return json_error(404, "not_found", _("No such photo."))
    response = current_app.response_class(
        iter(partial(stream.read, 64 * 1024), b""), mimetype=photo.content_type
    )
    response.call_on_close(stream.close)
    response.content_length = size
    return _photo_response(photo, response)


EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _photo_response(photo, response):
    """Cached privately for good (the hash is the content); never sniffed, never a page."""
    response.set_etag(photo.sha256)
    response.cache_control.private = True
    response.cache_control.max_age = 365 * 24 * 3600
    response.cache_control.immutable = True
    extension = EXTENSIONS.get(photo.content_type, "bin")
    response.headers["Content-Disposition"] = f'inline; filename="{photo.sha256}.{extension}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Stricter than every page's policy (webapp/security_headers.py keeps a view's own).
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    )
    return response
