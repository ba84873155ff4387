"""PUT/GET /api/v1/photos/<sha256>: photos addressed by the SHA-256 of their bytes."""

from __future__ import annotations

from flask import request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestEntityTooLarge

from webapp.api.schemas import PhotoStoredSchema
from webapp.errors import json_error
from webapp.services.photos import (
    MAX_PHOTO_BYTES,
    PhotoRejected,
    photo_path,
    store_photo,
    visible_photo,
)

bp = Blueprint("photos", __name__, url_prefix="/api/v1", description="Photos by SHA-256")

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


@bp.route("/photos/<string:sha256>", methods=["PUT"])
@bp.doc(requestBody=IMAGE_BODY)
@bp.response(201, PhotoStoredSchema, description="Stored now")
@bp.alt_response(200, schema=PhotoStoredSchema, description="The server already had it")
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(413, description="Larger than 10 MB (fields.body)")
@bp.alt_response(415, description="Not a JPEG, PNG or WebP image (fields.body)")
@bp.alt_response(422, description="Not a SHA-256, or the bytes do not match it (fields.sha256)")
@login_required
def put_photo(sha256: str):
    """Upload a photo's bytes (JPEG, PNG or WebP by content, at most 10 MB) under their
    SHA-256. A retry never stores it twice. Needs X-CSRF-Token."""
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


@bp.route("/photos/<string:sha256>", methods=["GET"])
@bp.doc(responses={200: {"description": "The image bytes", "content": IMAGE_BODY["content"]}})
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(404, description="No such photo in your scope")
@login_required
def get_photo(sha256: str):
    """A photo, to its uploader and to users who can see a site of an inspection
    referencing it."""
    try:
        photo = visible_photo(current_user._get_current_object(), sha256)
    except LookupError:
        return json_error(404, "not_found", _("No such photo."))
    path = photo_path(photo.sha256)
    if not path.is_file():
        return json_error(404, "not_found", _("No such photo."))
    response = send_file(
        path,
        mimetype=photo.content_type,
        etag=photo.sha256,
        conditional=True,
        max_age=365 * 24 * 3600,
    )
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.immutable = True
    return response
