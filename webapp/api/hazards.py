"""Hazards: GET /api/v1/hazards (filtered, paginated), GET /api/v1/hazards/<id>,
POST /api/v1/hazards/<id>/events, and POST /api/v1/sync/hazard-events for the phone's outbox."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp import days
from webapp.amounts import Yuan, YuanText
from webapp.api.schemas import SHA256
from webapp.errors import json_error
from webapp.extensions import db
from webapp.inputs import (
    NUL_FREE,
    NUL_MESSAGE,
    Day,
    Id,
    Moment,
    Page,
    checks_nul_per_record,
    nul_field,
)
from webapp.models import Hazard, HazardEvent
from webapp.scope import OutOfScope
from webapp.services.hazards import (
    CLIENT_EVENT_TYPES,
    EventRequest,
    HazardFilters,
    HazardRefused,
    allowed_actions,
    get_hazard,
    hazard_query,
    record_event,
    record_event_batch,
)

bp = Blueprint(
    "hazards_api", __name__, url_prefix="/api/v1", description="Hazards and their history"
)

UUID = validate.Regexp(r"^[0-9a-fA-F-]{36}$", error="Not a UUID.")
MAX_BATCH = 200


# --- input --------------------------------------------------------------------------------


class HazardQuerySchema(Schema):
    status = fields.List(
        fields.String(validate=validate.OneOf(["open", "rectifying", "rectified", "closed"])),
        load_default=list,
        metadata={"description": "Repeat for several statuses"},
    )
    grade = fields.String(validate=validate.OneOf(["general", "major"]), load_default=None)
    overdue = fields.Boolean(
        load_default=False,
        metadata={"description": "Deadline passed (SHELTER_TZ) and not rectified"},
    )
    due_soon = fields.Boolean(
        load_default=False,
        metadata={"description": "Not rectified, deadline within SHELTER_DEADLINE_REMINDER_DAYS"},
    )
    escalated = fields.Boolean(
        load_default=False,
        metadata={"description": "Overdue hazards of the units directly below your office"},
    )
    category = fields.String(load_default=None, validate=validate.Length(max=16))
    site = fields.String(load_default=None, metadata={"description": "Site code"})
    unit = fields.String(
        load_default=None, metadata={"description": "Organisation code (its subtree)"}
    )
    source = fields.String(validate=validate.OneOf(["self", "office", "covert"]), load_default=None)
    found_from = Day(load_default=None, metadata={"description": "First day found (SHELTER_TZ)"})
    found_to = Day(load_default=None, metadata={"description": "Last day found (SHELTER_TZ)"})
    supervised = fields.Boolean(load_default=None)
    fixed_on_spot = fields.Boolean(load_default=None)
    responsibility = fields.Boolean(
        load_default=False,
        metadata={
            "description": "The responsibility list: unfixed hazards, earliest deadline first"
        },
    )
    page = Page(load_default=1)
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class HazardEventInSchema(Schema):
    id = fields.String(
        required=True,
        validate=UUID,
        metadata={"description": "The client's UUID for this action (idempotency)"},
    )
    type = fields.String(required=True, validate=validate.OneOf(CLIENT_EVENT_TYPES))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    photos = fields.List(
        fields.String(validate=SHA256), load_default=list, validate=validate.Length(max=20)
    )
    client_at = Moment(
        load_default=None,
        allow_none=True,
        metadata={"description": "When it was done on the phone"},
    )
    grade = fields.String(
        load_default=None,
        validate=validate.OneOf(["general", "major"]),
        metadata={"description": "regrade"},
    )
    deadline = Day(load_default=None, metadata={"description": "assign, plan"})
    responsible_username = fields.String(load_default=None, validate=validate.Length(max=64))
    responsible_name = fields.String(load_default=None, validate=validate.Length(max=64))
    responsible_phone = fields.String(load_default=None, validate=validate.Length(max=40))
    measures = fields.String(load_default=None, validate=validate.Length(max=4000))
    funds_amount = Yuan(load_default=None, allow_none=True)
    funds_source = fields.String(load_default=None, validate=validate.Length(max=120))
    plan_objectives = fields.String(load_default=None, validate=validate.Length(max=4000))
    plan_materials = fields.String(load_default=None, validate=validate.Length(max=4000))
    plan_responsible_body = fields.String(load_default=None, validate=validate.Length(max=120))
    plan_interim_measures = fields.String(load_default=None, validate=validate.Length(max=4000))
    plan_contingency = fields.String(load_default=None, validate=validate.Length(max=4000))
    notice = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={"description": "supervise: the notice number"},
    )
    supervised_on = Day(load_default=None, metadata={"description": "supervise"})


class BatchEventSchema(HazardEventInSchema):
    hazard_id = Id(required=True)


class HazardEventBatchSchema(Schema):
    """The outbox batch; each event is read on its own (a bad one is rejected alone), and
    fields of the batch other than these are ignored."""

    class Meta:
        unknown = EXCLUDE

    device_id = fields.String(load_default=None, validate=[validate.Length(max=64), NUL_FREE])
    events = fields.List(
        fields.Nested(BatchEventSchema), required=True, validate=validate.Length(max=MAX_BATCH)
    )


# --- output -------------------------------------------------------------------------------


def _person(user):
    return None if user is None else {"username": user.username, "name": user.display_name}


def _org(org):
    return None if org is None else {"code": org.code, "name": org.name}


class HazardSchema(Schema):
    id = fields.Integer()
    site = fields.Function(lambda h: {"code": h.site.code, "name": h.site.name})
    unit = fields.Function(lambda h: _org(h.site.unit))
    item_id = fields.String()
    category = fields.String()
    item_label = fields.String()
    location = fields.String(allow_none=True)
    description = fields.String()
    grade = fields.String()
    source = fields.String()
    status = fields.String()
    immediate = fields.Boolean()
    fixed_on_spot = fields.Boolean()
    found_by = fields.Function(lambda h: _person(h.found_by))
    found_at = fields.AwareDateTime()
    deadline = fields.Date(allow_none=True)
    overdue = fields.Function(lambda h: h.is_overdue(days.today()))
    responsible = fields.Function(
        lambda h: {
            "username": h.responsible_user.username if h.responsible_user else None,
            "name": h.responsible_name,
            "phone": h.responsible_phone,
        }
    )
    measures = fields.String(allow_none=True)
    funds_amount = YuanText(allow_none=True)
    funds_source = fields.String(allow_none=True)
    supervision = fields.Function(
        lambda h: (
            None
            if not h.supervised
            else {
                "office": _org(h.supervising_org),
                "on": h.supervised_on.isoformat(),
                "notice": h.supervision_notice,
            }
        )
    )
    rectified_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    closed_by = fields.Function(lambda h: _person(h.closed_by))


class HazardPageSchema(Schema):
    items = fields.List(fields.Nested(HazardSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class EventOutSchema(Schema):
    id = fields.String(attribute="client_id")
    seq = fields.Integer()
    type = fields.String()
    at = fields.AwareDateTime()
    client_at = fields.AwareDateTime(allow_none=True)
    actor = fields.Function(lambda e: _person(e.actor))
    from_status = fields.String(data_key="from", allow_none=True)
    to_status = fields.String(data_key="to")
    note = fields.String(allow_none=True)
    photos = fields.List(fields.String())
    data = fields.Dict()
    hash = fields.String()


class PlanSchema(Schema):
    plan_objectives = fields.String(data_key="objectives", allow_none=True)
    plan_materials = fields.String(data_key="materials", allow_none=True)
    plan_responsible_body = fields.String(data_key="responsible_body", allow_none=True)
    plan_interim_measures = fields.String(data_key="interim_measures", allow_none=True)
    plan_contingency = fields.String(data_key="contingency", allow_none=True)


class HazardDetailSchema(HazardSchema):
    plan = fields.Function(lambda h: PlanSchema().dump(h))
    events = fields.List(fields.Nested(EventOutSchema))
    allowed_actions = fields.Function(
        lambda h: allowed_actions(current_user._get_current_object(), h)
    )


class EventReplySchema(Schema):
    event = fields.Nested(EventOutSchema)
    hazard = fields.Nested(HazardSchema)
    duplicate = fields.Boolean()


class BatchReplySchema(Schema):
    server_time = fields.AwareDateTime()
    results = fields.List(fields.Dict())


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
