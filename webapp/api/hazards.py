"""Hazards: GET /api/v1/hazards (filtered, paginated), GET /api/v1/hazards/<id>,
POST /api/v1/hazards/<id>/events, and POST /api/v1/sync/hazard-events for the phone's outbox.
Their schemas are in webapp/api/hazard_schemas.py."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp import days
from webapp.api.hazard_schemas import (
    MAX_BATCH,
    BatchEventSchema,
    BatchReplySchema,
    EventReplySchema,
    HazardDetailSchema,
    HazardEventBatchSchema,
    HazardEventInSchema,
    HazardPageSchema,
    HazardQuerySchema,
)
from webapp.errors import json_error
from webapp.extensions import db
from webapp.inputs import NUL_MESSAGE, checks_nul_per_record, nul_field
from webapp.models import Hazard, HazardEvent
from webapp.scope import OutOfScope
from webapp.services.hazards import (
    EventRequest,
    HazardFilters,
    HazardRefused,
    get_hazard,
    hazard_query,
    record_event,
    record_event_batch,
)

bp = Blueprint(
    "hazards_api", __name__, url_prefix="/api/v1", description="Hazards and their history"
)


# --- endpoints ----------------------------------------------------------------------------


def _refused(refused: HazardRefused):
    return json_error(refused.status, refused.error, refused.message, refused.fields)


def _not_found():
    return json_error(404, "not_found", _("No such hazard."))


LIST_OPTIONS = (
    selectinload(Hazard.found_by),
    selectinload(Hazard.responsible_user),
    selectinload(Hazard.supervising_org),
    selectinload(Hazard.closed_by),
)


@bp.route("/hazards")
@bp.arguments(HazardQuerySchema, location="query")
@bp.response(200, HazardPageSchema)
@bp.alt_response(401, description="Not logged in")
@login_required
def list_hazards(args):
    """Hazards in your scope, newest first (the responsibility list: earliest deadline first).

    Major hazards appear for every office above their site the moment they sync; overdue
    hazards of the units directly below an office are flagged by `escalated=true`.
    """
    page, per_page = args.pop("page"), args.pop("per_page")
    query = hazard_query(current_user._get_current_object(), HazardFilters(**args))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = (
        db.session.scalars(
            query.options(*LIST_OPTIONS).limit(per_page).offset((page - 1) * per_page)
        )
        .unique()
        .all()
    )
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@bp.route("/hazards/<id:hazard_id>")
@bp.response(200, HazardDetailSchema)
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(404, description="No such hazard in your scope")
@login_required
def show_hazard(hazard_id: int):
    """One hazard with its plan, its full history and the actions you may take now."""
    try:
        hazard = get_hazard(current_user._get_current_object(), hazard_id)
    except (LookupError, OutOfScope):
        return _not_found()
    return db.session.scalars(
        select(Hazard)
        .where(Hazard.id == hazard.id)
        .options(selectinload(Hazard.events).selectinload(HazardEvent.actor), *LIST_OPTIONS)
    ).one()


@bp.route("/hazards/<id:hazard_id>/events", methods=["POST"])
@bp.arguments(HazardEventInSchema)
@bp.response(201, EventReplySchema)
@bp.alt_response(
    200, schema=EventReplySchema, description="The same action id again: nothing changed"
)
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(403, description="Your role or office may not do this (error names the rule)")
@bp.alt_response(404, description="No such hazard in your scope")
@bp.alt_response(409, description="Not allowed from the hazard's current state")
@bp.alt_response(422, description="Invalid or missing fields (fields names them)")
@login_required
def post_event(body, hazard_id: int):
    """Act on a hazard: `progress`, `rectified` (note + at least one photo), `verified`,
    `rejected`, `regrade`, `supervise`, `plan`, `assign`. Idempotent by `id`.
    Needs the X-CSRF-Token header."""
    try:
        outcome = record_event(
            current_user._get_current_object(), hazard_id, EventRequest.from_dict(body)
        )
    except HazardRefused as refused:
        return _refused(refused)
    except (LookupError, OutOfScope):
        return _not_found()
    reply = {
        "event": outcome.event,
        "hazard": outcome.event.hazard,
        "duplicate": not outcome.created,
    }
    return reply, 201 if outcome.created else 200


@bp.route("/sync/hazard-events", methods=["POST"])
@bp.doc(
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": HazardEventBatchSchema}},
    }
)
@bp.response(200, BatchReplySchema)
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(422, description="The batch as a whole is invalid; nothing was written")
@login_required
@checks_nul_per_record
def sync_hazard_events():
    """The phone's outbox: up to 200 hazard actions made offline, one result per record in
    order (`created` | `duplicate` | `conflict` | `rejected` with `error`, `message` and
    `fields`). One bad record never fails the others. Needs the X-CSRF-Token header."""
    body = request.get_json()  # malformed JSON: a 400 naming the problem (webapp/errors.py)
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return json_error(
            422,
            "validation_failed",
            _("Send {events: [...]}."),
            {"events": [_("Required: a list of hazard actions.")]},
        )
    if len(body["events"]) > MAX_BATCH:
        return json_error(
            422,
            "validation_failed",
            _("Too many records."),
            {"events": [_("At most %(n)d per batch.", n=MAX_BATCH)]},
        )
    HazardEventBatchSchema(only=("device_id",)).load(body)  # a 422 naming device_id
    user = current_user._get_current_object()
    results: list[dict | None] = []
    valid: list[dict] = []
    for record in body["events"]:
        try:
            if field := nul_field(record):
                raise ValidationError({field: [str(NUL_MESSAGE)]})
            valid.append(BatchEventSchema().load(record))
            results.append(None)
        except ValidationError as err:
            record_id = record.get("id") if isinstance(record, dict) else None
            results.append(
                {
                    "id": record_id,
                    "status": "rejected",
                    "error": "validation_failed",
                    "message": _("Some fields are invalid."),
                    "fields": err.messages,
                    "errors": err.messages,
                }
            )
    applied = iter(record_event_batch(user, valid))
    results = [result if result is not None else next(applied) for result in results]
    return {"server_time": days.now(), "results": results}
