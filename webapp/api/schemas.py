"""Marshmallow schemas of the phone-facing API (sites, templates, sync, photos).

Replies are dumped through these schemas. The sync request bodies are described here for
the OpenAPI document but checked by ``webapp.services.sync.parsing`` (plain Python,
fast enough for 1,000 inspections per second; see that module); tests load the contract
examples in ``tests/contract/`` through both so the two descriptions cannot drift apart.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from webapp.amounts import Yuan
from webapp.inputs import MAX_ID, Day, Moment
from webapp.models.inspections import SHA256_PATTERN

SHA256 = validate.Regexp(SHA256_PATTERN, error="Must be 64 lowercase hex digits.")
UUID = validate.Regexp(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    error="Must be a lowercase UUID.",
)

# What services.sync.envelope accepts: 1-64 characters, not all of them spaces, no NUL.
DEVICE_ID = [
    validate.Length(min=1, max=64),
    validate.Regexp(r"^[^\x00]*[^\s\x00][^\x00]*$", error="Must not be blank."),
]


# --- reference data the phone caches --------------------------------------------------------


class UnitRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class CheckedTodaySchema(Schema):
    at = fields.DateTime(metadata={"description": "When that check started"})
    by = fields.String(metadata={"description": "The inspector's name"})


class SiteSchema(Schema):
    code = fields.String(metadata={"description": "Site code, as on its QR label URL /s/<code>"})
    name = fields.String()
    address = fields.String()
    unit = fields.Nested(UnitRefSchema, metadata={"description": "The operating unit"})
    usage = fields.String()
    usage_label = fields.String()
    status = fields.String()
    status_label = fields.String()
    construction_type = fields.String()
    crowded = fields.Boolean()
    responsible_person = fields.String(allow_none=True)
    responsible_phone = fields.String(allow_none=True)
    template_id = fields.Integer(
        allow_none=True, metadata={"description": "The current published daily checklist"}
    )
    kind = fields.String(
        allow_none=True,
        metadata={
            "description": "The kind of check this user records here by default "
            "(self for unit staff, office for office staff); null: none"
        },
    )
    item_ids = fields.List(
        fields.String(),
        metadata={
            "description": "Items of template_id that apply to this site today "
            "for `kind` (the server decides; the phone does not re-implement the rule)"
        },
    )
    item_ids_by_kind = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Applicable items for every kind this user may record here"},
    )
    items_day = fields.Date(metadata={"description": "The SHELTER_TZ day item_ids are for"})
    checked_today = fields.Nested(
        CheckedTodaySchema,
        allow_none=True,
        metadata={
            "description": "The latest check of `kind` counted for items_day (by anyone); "
            "null: none has reached the server yet"
        },
    )


class CategorySchema(Schema):
    code = fields.String()
    name = fields.String(metadata={"description": "In the request's language"})
    name_zh = fields.String()
    name_en = fields.String()
    position = fields.Integer()


class TemplateItemSchema(Schema):
    id = fields.String(metadata={"description": "Stable item id, e.g. EVAC-01"})
    category = fields.String()
    category_name = fields.String(metadata={"description": "In the request's language"})
    category_zh = fields.String()
    category_en = fields.String()
    label = fields.String(metadata={"description": "In the request's language"})
    label_zh = fields.String()
    label_en = fields.String()
    guidance = fields.String()
    guidance_zh = fields.String()
    guidance_en = fields.String()
    photo_required_on_fail = fields.Boolean()
    default_grade = fields.String(metadata={"description": "general or major"})
    default_grade_label = fields.String()
    fix_immediately = fields.Boolean()
    frequency = fields.String()
    seasons = fields.List(fields.String())
    applies_to = fields.List(fields.String())
    position = fields.Integer()


class TemplateSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    version = fields.Integer()
    title = fields.String()
    published = fields.Boolean()
    categories = fields.List(fields.Nested(CategorySchema))
    items = fields.List(fields.Nested(TemplateItemSchema))


# --- sync ---------------------------------------------------------------------------------------


class SyncBody(Schema):
    """A part of a sync body. The sync parser reads the fields it knows and ignores others
    (a newer phone's additions), so the document allows them."""

    class Meta:
        unknown = EXCLUDE


class FundsSchema(SyncBody):
    amount = Yuan(allow_none=True)
    source = fields.String(allow_none=True, validate=validate.Length(max=200))


class ResponsibleSchema(SyncBody):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))


class ResponsibleField(fields.Field):
    """A name, or {name, phone}."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"name": value}
        return ResponsibleSchema().load(value)


class RectificationSchema(SyncBody):
    mode = fields.String(required=True, validate=validate.OneOf(["on_spot", "order"]))
    action = fields.String(metadata={"description": "on_spot: what was done (required)"})
    photos = fields.List(
        fields.String(validate=SHA256),
        metadata={
            "description": "on_spot: after-photos; at least one where the item has "
            "photo_required_on_fail"
        },
    )
    responsible = ResponsibleField(
        metadata={"description": "order: the person responsible, a name or {name, phone}"}
    )
    deadline = Day(
        metadata={
            "description": "order: from the inspection's day to SHELTER_DEADLINE_MAX_DAYS "
            "(default 30) days after it"
        }
    )
    measures = fields.String(metadata={"description": "order: the measures to take (required)"})
    funds = fields.Nested(FundsSchema, allow_none=True, metadata={"description": "optional"})


class ItemResultSchema(SyncBody):
    item_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    outcome = fields.String(required=True, validate=validate.OneOf(["pass", "fail", "na"]))
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))
    photos = fields.List(
        fields.String(validate=SHA256),
        validate=validate.Length(max=20),
        metadata={
            "description": "Evidence photos (SHA-256 of their bytes); a failed item "
            "with photo_required_on_fail needs at least one"
        },
    )
    rectification = fields.Nested(
        RectificationSchema,
        allow_none=True,
        metadata={"description": "Required when outcome is fail"},
    )


class ScanSchema(SyncBody):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    scanned_at = Moment(allow_none=True)


class InspectionRecordSchema(SyncBody):
    id = fields.String(
        required=True,
        validate=UUID,
        metadata={"description": "UUID made by the phone when the check started"},
    )
    site_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    template_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID)
    )
    kind = fields.String(load_default="self", validate=validate.OneOf(["self", "office", "covert"]))
    started_at = Moment(required=True, metadata={"description": "ISO 8601 with offset"})
    finished_at = Moment(required=True)
    scan = fields.Nested(
        ScanSchema,
        allow_none=True,
        metadata={"description": "The QR token read at the site (proof of presence)"},
    )
    results = fields.List(
        fields.Nested(ItemResultSchema), required=True, validate=validate.Length(min=1, max=200)
    )


class SyncBatchSchema(SyncBody):
    device_id = fields.String(required=True, validate=DEVICE_ID)
    device_time = Moment(required=True, metadata={"description": "The phone's clock when sending"})
    inspections = fields.List(
        fields.Nested(InspectionRecordSchema), required=True, validate=validate.Length(max=200)
    )


class SyncResultSchema(Schema):
    id = fields.String(allow_none=True, metadata={"description": "The record's id as sent"})
    status = fields.String(
        validate=validate.OneOf(["created", "duplicate", "conflict", "rejected"]),
        metadata={
            "description": "created: stored now; duplicate: stored before, nothing changed; "
            "conflict: this id was stored with other content, this version is kept for "
            "review; rejected: not stored, see errors"
        },
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "rejected only: {field path: [messages]}, e.g. "
            "results.3.rectification.deadline"
        },
    )
    missing_photos = fields.List(
        fields.String(),
        metadata={
            "description": "created/duplicate: photos referenced that the server still "
            "lacks; upload them with PUT /api/v1/photos/<sha256>"
        },
    )


class SyncReplySchema(Schema):
    server_time = Moment()
    results = fields.List(fields.Nested(SyncResultSchema))


class EncodedPhotoSchema(SyncBody):
    sha256 = fields.String(required=True, validate=SHA256)
    content_type = fields.String(validate=validate.OneOf(["image/jpeg", "image/png", "image/webp"]))
    data = fields.String(required=True, metadata={"description": "The bytes, base64"})


class ExportFileSchema(SyncBody):
    format = fields.String(required=True, validate=validate.Equal("shelter-daily-check/unsent"))
    version = fields.Integer(required=True, strict=True, validate=validate.Equal(1))
    exported_at = fields.Raw(metadata={"description": "When the phone wrote it (not read)"})
    device_id = fields.String(required=True, validate=DEVICE_ID)
    username = fields.Raw(
        metadata={
            "description": "Who was logged in on the phone (not read: the records count for "
            "the account that imports the file)"
        }
    )
    inspections = fields.List(fields.Nested(InspectionRecordSchema), required=True)
    photos = fields.List(fields.Nested(EncodedPhotoSchema), load_default=list)


class PhotoImportResultSchema(Schema):
    sha256 = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(["created", "duplicate", "rejected"]))
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ImportReplySchema(SyncReplySchema):
    photos = fields.List(fields.Nested(PhotoImportResultSchema))


class PhotoStoredSchema(Schema):
    sha256 = fields.String()
    content_type = fields.String()
    created = fields.Boolean(metadata={"description": "False: the server already had it"})
