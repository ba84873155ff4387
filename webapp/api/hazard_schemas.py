"""Marshmallow schemas of the hazard API (webapp/api/hazards.py): the list filters and the
actions coming in, the hazards and their history going out."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import EXCLUDE, Schema, fields, validate

from webapp import days
from webapp.amounts import Yuan, YuanText
from webapp.api.schemas import SHA256
from webapp.inputs import NUL_FREE, Day, Id, Moment, Page
from webapp.services.hazards import CLIENT_EVENT_TYPES, allowed_actions

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
