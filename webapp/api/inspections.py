"""Inspection records for integrations: GET /api/v1/inspections (filtered, keyset
pagination) and GET /api/v1/inspections/<id> (the full record). Scoped like the record
page (``scope.scoped_inspections``)."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from webapp.errors import json_error
from webapp.inputs import Day
from webapp.models import FlagCode
from webapp.scope import OutOfScope
from webapp.services.credibility.reasons import flag_reason
from webapp.services.inspections.listing import (
    FilterRefused,
    InspectionFilters,
    inspection_page,
)
from webapp.services.inspections.record import get_inspection, inspection_record
from webapp.services.sync.parsing import UUID_RE

bp = Blueprint("inspections_api", __name__, url_prefix="/api/v1", description="Inspection records")

# --- input --------------------------------------------------------------------------------


class InspectionQuerySchema(Schema):
    site = fields.String(
        load_default=None, validate=validate.Length(1, 32), metadata={"description": "Site code"}
    )
    org = fields.String(
        load_default=None,
        validate=validate.Length(1, 32),
        metadata={"description": "Organisation code: inspections of sites in its subtree"},
    )
    day_from = Day(load_default=None, metadata={"description": "First day (SHELTER_TZ)"})
    day_to = Day(load_default=None, metadata={"description": "Last day (SHELTER_TZ)"})
    kind = fields.String(load_default=None, validate=validate.OneOf(["self", "office", "covert"]))
    inspector = fields.String(
        load_default=None, validate=validate.Length(1, 64), metadata={"description": "Username"}
    )
    has_failures = fields.Boolean(load_default=None)
    flagged = fields.Boolean(
        load_default=None, metadata={"description": "With (true) or without (false) any flag"}
    )
    flag = fields.String(
        load_default=None,
        validate=validate.OneOf([code.value for code in FlagCode]),
        metadata={"description": "With this credibility flag"},
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(1, 200),
        metadata={"description": "next_cursor of the previous page"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 200))

    @validates_schema
    def _days_in_order(self, data, **_kwargs):
        if data.get("day_from") and data.get("day_to") and data["day_from"] > data["day_to"]:
            raise ValidationError(_("Must not be before day_from."), "day_to")


# --- output -------------------------------------------------------------------------------


def _person(user):
    return {"username": user.username, "name": user.display_name}


class AnnotationSchema(Schema):
    verdict = fields.String(metadata={"description": "explained | confirmed"})
    remark = fields.String()
    author = fields.Function(lambda a: _person(a.author))
    at = fields.AwareDateTime()


class FlagSchema(Schema):
    code = fields.String()
    reason = fields.Function(
        lambda f: flag_reason(f.code, f.facts),
        metadata={"description": "In the request's language"},
    )
    facts = fields.Dict(
        metadata={"description": 'What raised it (docs/design.md, "Credibility flags")'}
    )
    verdict = fields.String(
        allow_none=True, metadata={"description": "The latest annotation's; null: none yet"}
    )
    annotations = fields.List(fields.Nested(AnnotationSchema))


class InspectionSchema(Schema):
    id = fields.String()
    url = fields.Function(
        lambda i: url_for("inspections.show", inspection_id=i.id, _external=True),
        metadata={"description": "The record page"},
    )
    site_code = fields.Function(lambda i: i.site.code)
    site_name = fields.Function(lambda i: i.site.name)
    unit_code = fields.Function(lambda i: i.site.unit.code)
    day = fields.Date(metadata={"description": "The SHELTER_TZ day it counts for"})
    kind = fields.String(metadata={"description": "self | office | covert"})
    inspector = fields.Function(lambda i: _person(i.inspector))
    started_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()
    scanned = fields.Boolean(metadata={"description": "A valid QR scan proves presence"})
    failures = fields.Integer()
    evidence_complete = fields.Boolean(metadata={"description": "Every photo is on the server"})
    flags = fields.List(fields.Nested(FlagSchema))


class InspectionPageSchema(Schema):
    items = fields.List(fields.Nested(InspectionSchema))
    next_cursor = fields.String(
        allow_none=True,
        metadata={
            "description": "Pass as cursor for the next page; also where to poll from for "
            "records that arrive later (null only when nothing was ever listed)"
        },
    )
    has_more = fields.Boolean()


class PhotoSchema(Schema):
    sha256 = fields.String()
    url = fields.Function(lambda p: f"/api/v1/photos/{p.sha256}")
    uploaded = fields.Boolean(metadata={"description": "False: not on the server yet"})


class ItemSchema(Schema):
    item_id = fields.String()
    category = fields.String()
    label = fields.String(metadata={"description": "In the request's language"})
    outcome = fields.String(metadata={"description": "pass | fail | na"})
    note = fields.String(allow_none=True)
    photos = fields.List(fields.Nested(PhotoSchema))
    after_photos = fields.List(
        fields.Nested(PhotoSchema), metadata={"description": "Of the fix made on the spot"}
    )
    rectification = fields.Dict(allow_none=True)
    hazard = fields.Function(
        lambda item: (
            None
            if item.hazard is None
            else {
                "id": item.hazard.id,
                "status": item.hazard.status,
                "url": f"/api/v1/hazards/{item.hazard.id}",
            }
        ),
        metadata={"description": "The hazard the failure opened: {id, status, url}"},
    )


class ScanProofSchema(Schema):
    state = fields.String(
        metadata={"description": "valid | absent | outside_time | stale | other_site | unknown"}
    )
    scanned_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "As the phone said"}
    )
    fingerprint = fields.String(
        allow_none=True, metadata={"description": "Which label: SHA-256(token), 12 hex digits"}
    )


class ConflictSchema(Schema):
    received_at = fields.AwareDateTime()
    device_id = fields.String()
    sent_by = fields.String()
    content_hash = fields.String()
    differences = fields.List(
        fields.List(fields.String()), metadata={"description": "[what, as stored, this copy]"}
    )


class InspectionDetailSchema(InspectionSchema):
    device_id = fields.String()
    clock_offset_seconds = fields.Integer(metadata={"description": "Phone minus server, at sync"})
    scan = fields.Nested(ScanProofSchema)
    items = fields.List(fields.Nested(ItemSchema))
    conflicts = fields.List(fields.Nested(ConflictSchema))


# --- endpoints ----------------------------------------------------------------------------


@bp.route("/inspections")
@bp.arguments(InspectionQuerySchema, location="query")
@bp.response(200, InspectionPageSchema)
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(422, description="A filter is invalid or names nothing in your scope (fields)")
@login_required
def list_inspections(args):
    """Inspections you may open, in the order they reached the server (oldest first).

    Keyset pagination: pass `next_cursor` back as `cursor`. The order is (received_at, id),
    which only grows as records arrive, so a late-synced check lands after the cursor
    instead of behind it; records appear once they are a minute old (a sync transaction
    commits within that), so no page skips or repeats a record while others arrive.
    """
    cursor, limit = args.pop("cursor"), args.pop("limit")
    try:
        page = inspection_page(
            current_user._get_current_object(), InspectionFilters(**args), cursor, limit
        )
    except FilterRefused as refused:
        return json_error(
            422,
            "validation_failed",
            _("Some fields are invalid."),
            {refused.field: [refused.message]},
        )
    return page


@bp.route("/inspections/<string:inspection_id>")
@bp.response(200, InspectionDetailSchema)
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(404, description="No such inspection among those you may open")
@login_required
def show_inspection(inspection_id: str):
    """One inspection in full: the list's fields, the device and clock, the scan proof,
    every item with its photos, rectification and hazard, and conflicting copies."""
    try:
        if not UUID_RE.match(inspection_id):
            raise LookupError(inspection_id)
        inspection = get_inspection(current_user._get_current_object(), inspection_id)
    except (LookupError, OutOfScope):
        return json_error(404, "not_found", _("No such inspection."))
    return inspection_record(inspection)
