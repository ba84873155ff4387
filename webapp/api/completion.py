"""GET /api/v1/completion: daily completion of an organisation on a day, with its children
and (for an operating unit) its sites."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from webapp import days
from webapp.auth import manager_required
from webapp.inputs import Day
from webapp.scope import OutOfScope, get_org
from webapp.services.completion import SiteFilters, day_completion

bp = Blueprint(
    "completion_api", __name__, url_prefix="/api/v1", description="Daily completion for managers"
)


class CompletionQuerySchema(Schema):
    date = Day(
        load_default=None, metadata={"description": "YYYY-MM-DD; default today in SHELTER_TZ"}
    )
    org = fields.String(
        load_default=None, metadata={"description": "Organisation code; default your own"}
    )
    leased = fields.Boolean(load_default=False, metadata={"description": "Leased sites only"})
    early = fields.Boolean(
        load_default=False, metadata={"description": "Early-era sites only (built 1980 or before)"}
    )
    crowded = fields.Boolean(load_default=False, metadata={"description": "Crowded sites only"})


class _TallyFields(Schema):
    sites_total = fields.Integer(metadata={"description": "All sites, due that day or not"})
    sites_due = fields.Integer(
        metadata={
            "description": "Sites due (daily checks begun by that day, not suspended, "
            "not excused, idle/sealed only on their interval day)"
        }
    )
    sites_checked = fields.Integer(
        metadata={
            "description": "Due sites with a self-check that "
            "counts for the day (late syncs included)"
        }
    )
    sites_missed = fields.Integer()
    sites_late = fields.Integer(metadata={"description": "Checked, but synced after the day ended"})
    sites_excused = fields.Integer()
    rate = fields.Float(allow_none=True, metadata={"description": "sites_checked / sites_due"})
    last_sync_at = fields.DateTime(
        allow_none=True, metadata={"description": "Latest arrival of one of the day's checks"}
    )


class ChildSchema(_TallyFields):
    code = fields.String()
    name = fields.String()
    kind = fields.String()


class SiteDaySchema(Schema):
    code = fields.String()
    name = fields.String()
    status = fields.String()
    state = fields.String(
        metadata={
            "description": "checked | late (checked, synced late) | missed | excused | not_due"
        }
    )
    due = fields.Boolean()
    checked = fields.Boolean()
    late = fields.Boolean()
    excused = fields.Boolean()
    excuse_reason = fields.String(allow_none=True)
    checks = fields.Integer(metadata={"description": "Self-checks that count for the day"})
    inspected_at = fields.DateTime(
        allow_none=True, metadata={"description": "The day's latest check"}
    )
    received_at = fields.DateTime(
        allow_none=True, metadata={"description": "When it reached the server"}
    )
    inspector = fields.String(allow_none=True)
    scanned = fields.Boolean(allow_none=True, metadata={"description": "QR scanned on site"})
    failures = fields.Integer(allow_none=True)
    last_inspection_at = fields.DateTime(
        allow_none=True, metadata={"description": "Latest self-check up to the end of the day"}
    )
    last_inspector = fields.String(allow_none=True)
    last_sync_at = fields.DateTime(
        allow_none=True, metadata={"description": "Latest sync of any check"}
    )


class DeviceSchema(Schema):
    device_id = fields.String()
    inspector = fields.String()
    last_received_at = fields.DateTime()
    inspections = fields.Integer(metadata={"description": "Checks it sent in the last 30 days"})


class CompletionSchema(_TallyFields):
    date = fields.Date()
    provisional = fields.Boolean(
        metadata={"description": "True for today: checks done underground may not have synced yet"}
    )
    org = fields.Dict()
    filters = fields.List(fields.String())
    children = fields.List(fields.Nested(ChildSchema))
    sites = fields.List(
        fields.Nested(SiteDaySchema),
        metadata={"description": "Listed when org is an operating unit"},
    )
    devices = fields.List(
        fields.Nested(DeviceSchema), metadata={"description": "Phones of an operating unit"}
    )


def tally_fields(tally) -> dict:
    return {
        "sites_total": tally.total,
        "sites_due": tally.due,
        "sites_checked": tally.checked,
        "sites_missed": tally.missed,
        "sites_late": tally.late,
        "sites_excused": tally.excused,
        "rate": tally.rate,
        "last_sync_at": tally.last_sync_at,
    }


@bp.route("/completion")
@bp.arguments(CompletionQuerySchema, location="query")
@bp.response(200, CompletionSchema)
@bp.alt_response(401, description="Not logged in")
@bp.alt_response(404, description="No such organisation in your scope")
@manager_required
def completion(args):
    """Sites due, checked and missed on a day for an organisation in your scope, per child
    organisation, and for an operating unit per site (last check, inspector, scanned)."""
    user = current_user._get_current_object()
    try:
        org = get_org(user, args["org"]) if args["org"] else user.org
    except (LookupError, OutOfScope):
        abort(404, description="No such organisation.")
    day = args["date"] or days.today()
    filters = SiteFilters(args["leased"], args["early"], args["crowded"])
    result = day_completion(org, day, filters)
    return {
        "date": day,
        "provisional": result.provisional,
        "org": {"code": org.code, "name": org.name, "kind": org.kind},
        "filters": filters.active,
        **tally_fields(result.tally),
        "children": [
            {"code": r.org.code, "name": r.org.name, "kind": r.org.kind, **tally_fields(r.tally)}
            for r in result.children
        ],
        "sites": [
            {
                "code": r.site.code,
                "name": r.site.name,
                "status": r.site.status,
                "state": r.state,
                "due": r.due,
                "checked": r.checked,
                "late": r.late,
                "excused": r.excused,
                "excuse_reason": r.excuse_reason,
                "checks": r.checks,
                "inspected_at": r.inspected_at,
                "received_at": r.received_at,
                "inspector": r.inspector,
                "scanned": r.scanned,
                "failures": r.failures,
                "last_inspection_at": r.last_inspection_at,
                "last_inspector": r.last_inspector,
                "last_sync_at": r.last_sync_at,
            }
            for r in result.sites
        ],
        "devices": [vars(d) for d in result.devices],
    }
