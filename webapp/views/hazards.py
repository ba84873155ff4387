"""Hazard pages: the list with filters, the responsibility list, a hazard with its timeline
and the actions the user may take, bulk verification, and the ledger (台账) export."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp import days
from webapp.amounts import parse_yuan
from webapp.extensions import db
from webapp.inputs import parse_day, parse_id, query_arg, query_page
from webapp.models import ChecklistCategory, Hazard, HazardEvent, Inspection, Organisation
from webapp.scope import OutOfScope, can_see_inspection, scoped_orgs
from webapp.services import hazards as svc
from webapp.services.ledger import ledger_hazards, ledger_xlsx
from webapp.services.photos import PhotoRejected, store_photo

bp = Blueprint("hazards", __name__, url_prefix="/hazards")

PER_PAGE = 30
STATUSES = ("open", "rectifying", "rectified", "closed")
LIST_OPTIONS = (
    selectinload(Hazard.found_by),
    selectinload(Hazard.found_by_org),
    selectinload(Hazard.responsible_user),
    selectinload(Hazard.supervising_org),
)


@bp.app_context_processor
def hazard_helpers():
    return {
        "hazard_status_label": svc.status_label,
        "hazard_action_label": svc.action_label,
        "hazard_source_label": svc.source_label,
        "hazard_local": local_time,
    }


def local_time(moment) -> str:
    """A moment as SHELTER_TZ wall-clock time, e.g. 2026-11-30 08:21."""
    if moment is None:
        return "—"
    return moment.astimezone(days.zone()).strftime("%Y-%m-%d %H:%M")


def _user():
    return current_user._get_current_object()


def _flag(name: str) -> bool:
    return request.args.get(name) in ("1", "true", "on", "y")


def _filters(responsibility: bool = False) -> svc.HazardFilters:
    args = request.args
    statuses = [s for s in args.getlist("status") if s in STATUSES]
    return svc.HazardFilters(
        status=statuses,
        grade=args.get("grade") if args.get("grade") in ("general", "major") else None,
        overdue=_flag("overdue"),
        due_soon=_flag("due_soon"),
        escalated=_flag("escalated"),
        category=args.get("category") or None,
        site=(args.get("site") or "").strip() or None,
        unit=args.get("unit") or None,
        source=args.get("source") if args.get("source") in ("self", "office", "covert") else None,
        found_from=query_arg("found_from", parse_day),
        found_to=query_arg("found_to", parse_day),
        supervised=True if _flag("supervised") else None,
        fixed_on_spot=True if _flag("fixed_on_spot") else None,
        responsibility=responsibility,
    )


def _page_args() -> dict:
    return {key: request.args.getlist(key) for key in request.args if key != "page"}


def _list_context(filters: svc.HazardFilters) -> dict:
    user = _user()
    query = svc.hazard_query(user, filters).options(*LIST_OPTIONS)
    page = db.paginate(query, page=query_page(), per_page=PER_PAGE, error_out=False, count=True)
    escalated = 0
    if user.user_role.is_office_role:
        escalated = db.session.scalar(
            select(func.count()).select_from(
                svc.hazard_query(user, svc.HazardFilters(escalated=True)).order_by(None).subquery()
            )
        )
    orgs = db.session.scalars(scoped_orgs(user).order_by(Organisation.path)).all()
    actions = {h.id: svc.allowed_actions(user, h) for h in page.items}
    categories = db.session.scalars(
        select(ChecklistCategory).order_by(ChecklistCategory.position)
    ).all()
    return dict(
        page=page,
        filters=filters,
        page_args=_page_args(),
        today=days.today(),
        escalated=escalated,
        orgs=orgs,
        categories=categories,
        statuses=STATUSES,
        actions=actions,
        verifiable=any("verified" in a for a in actions.values()),
    )


@bp.route("/")
@login_required
def index():
    """Hazards in the user's scope, newest first, with filters."""
    return render_template("hazards/list.html", **_list_context(_filters()), responsibility=False)


@bp.route("/responsibility")
@login_required
def responsibility():
    """The responsibility list: every unfixed hazard with who answers for it, level by level."""
    context = _list_context(_filters(responsibility=True))
    offices = _offices_above({h.site.unit for h in context["page"].items})
    return render_template(
        "hazards/responsibility.html", **context, offices=offices, responsibility=True
    )


def _offices_above(units) -> dict[int, list[Organisation]]:
    """For each unit, the offices above it (nearest first), loaded in one query."""
    codes = {code for unit in units for code in unit.path.strip("/").split("/")[:-1]}
    by_code = (
        {
            o.code: o
            for o in db.session.scalars(select(Organisation).where(Organisation.code.in_(codes)))
        }
        if codes
        else {}
    )
    return {
        unit.id: [
            by_code[c] for c in reversed(unit.path.strip("/").split("/")[:-1]) if c in by_code
        ]
        for unit in units
    }


def _load(hazard_id: int) -> Hazard:
    try:
        hazard = svc.get_hazard(_user(), hazard_id)
    except (LookupError, OutOfScope):
        abort(404)
    return db.session.scalars(
        select(Hazard)
        .where(Hazard.id == hazard.id)
        .options(
            selectinload(Hazard.events).selectinload(HazardEvent.actor),
            *LIST_OPTIONS,
            selectinload(Hazard.closed_by),
            selectinload(Hazard.rectified_by),
        )
    ).one()


@bp.route("/<id:hazard_id>")
@login_required
def detail(hazard_id: int):
    hazard = _load(hazard_id)
    return _render_show(hazard)


def _render_show(
    hazard: Hazard, error: svc.HazardRefused | None = None, form=None, status: int = 200
):
    user = _user()
    origin = db.session.get(Inspection, hazard.inspection_id) if hazard.inspection_id else None
    return render_template(
        "hazards/show.html",
        hazard=hazard,
        origin=origin if origin is not None and can_see_inspection(user, origin) else None,
        today=days.today(),
        actions=svc.allowed_actions(user, hazard),
        error=error,
        form=form or {},
        action_id=str(uuid.uuid4()),
        users=_responsible_candidates(hazard),
    ), status


def _responsible_candidates(hazard: Hazard):
    from webapp.models import User

    return db.session.scalars(
        select(User)
        .where(User.org_id == hazard.site.unit_id, User.active.is_(True))
        .order_by(User.display_name)
    ).all()


@bp.route("/<id:hazard_id>/events", methods=["POST"])
@login_required
def act(hazard_id: int):
    """One action from the hazard page's forms (the same rules as the API)."""
    user = _user()
    form = request.form
    try:
        photos = _store_uploads(user)
        event_request = _event_request(form, photos)
        outcome = svc.record_event(user, hazard_id, event_request)
    except (LookupError, OutOfScope):
        abort(404)
    except svc.HazardRefused as refused:
        db.session.rollback()
        return _render_show(_load(hazard_id), refused, form, refused.status)
    if outcome.created:
        flash(_("%(action)s recorded.", action=svc.action_label(event_request.type)), "ok")
    return redirect(url_for("hazards.detail", hazard_id=hazard_id))


def _store_uploads(user) -> list[str]:
    """Photos chosen in the form, stored like the phone's (by SHA-256)."""
    shas = []
    for upload in request.files.getlist("photos"):
        data = upload.read()
        if not data:
            continue
        sha = hashlib.sha256(data).hexdigest()
        try:
            store_photo(user, sha, data)
        except PhotoRejected as rejected:
            raise svc.HazardRefused(
                422, "validation_failed", rejected.message, {"photos": [rejected.message]}
            ) from None
        shas.append(sha)
    return shas


def _event_request(form, photos: list[str]) -> svc.EventRequest:
    errors: dict[str, list[str]] = {}

    def text(name):
        value = (form.get(name) or "").strip()
        return value or None

    def day(name):
        value = text(name)
        if value is None:
            return None
        try:
            return parse_day(value)
        except ValueError as err:
            errors[name] = [str(err.args[0])]
            return None

    amount = None
    if text("funds_amount"):
        try:
            amount = parse_yuan(text("funds_amount"))
        except ValueError as err:
            errors["funds_amount"] = [str(err)]
    request_ = svc.EventRequest(
        id=text("id") or str(uuid.uuid4()),
        type=text("type") or "",
        note=text("note"),
        photos=photos,
        grade=text("grade"),
        deadline=day("deadline"),
        responsible_username=text("responsible_username"),
        responsible_name=text("responsible_name"),
        responsible_phone=text("responsible_phone"),
        measures=text("measures"),
        funds_amount=amount,
        funds_source=text("funds_source"),
        plan_objectives=text("plan_objectives"),
        plan_materials=text("plan_materials"),
        plan_responsible_body=text("plan_responsible_body"),
        plan_interim_measures=text("plan_interim_measures"),
        plan_contingency=text("plan_contingency"),
        notice=text("notice"),
        supervised_on=day("supervised_on"),
    )
    if errors:
        raise svc.HazardRefused(422, "validation_failed", _("Some fields are invalid."), errors)
    return request_


@bp.route("/verify", methods=["POST"])
@login_required
def verify_selected():
    """Verify several rectified hazards at once (e.g. the day's fixes on the spot)."""
    ids = [hazard_id for hazard_id in map(_id_or_none, request.form.getlist("hazard")) if hazard_id]
    if not ids:
        flash(_("Select the hazards to verify."), "error")
        return redirect(request.referrer or url_for("hazards.index"))
    outcome = svc.verify_many(_user(), ids, request.form.get("note") or None)
    closed = [i for i, reason in outcome.items() if not reason]
    if closed:
        flash(_("%(n)d hazards verified and closed.", n=len(closed)), "ok")
    for hazard_id, reason in outcome.items():
        if reason:
            flash(
                _("Hazard #%(id)d not verified: %(reason)s", id=hazard_id, reason=reason), "error"
            )
    return redirect(url_for("hazards.index", status="rectified"))


def _id_or_none(value: str) -> int | None:
    try:
        return parse_id(value)
    except ValueError:
        return None  # no hazard has it: nothing to verify


@bp.route("/ledger")
@login_required
def ledger():
    """The ledger form; with org and both days given, the XLSX download."""
    user = _user()
    orgs = db.session.scalars(scoped_orgs(user).order_by(Organisation.path)).all()
    args = request.args
    today = days.today()
    form = {
        "org": args.get("org") or user.org.code,
        "first_day": args.get("first_day") or today.replace(day=1).isoformat(),
        "last_day": args.get("last_day") or today.isoformat(),
    }
    if not (args.get("first_day") and args.get("last_day")):
        return render_template("hazards/ledger.html", orgs=orgs, form=form, error=None)
    try:
        first_day = _ledger_day(form, "first_day")
        last_day = _ledger_day(form, "last_day")
        data = ledger_hazards(user, form["org"], first_day, last_day)
    except ValueError as err:
        return render_template("hazards/ledger.html", orgs=orgs, form=form, error=str(err)), 422
    except (LookupError, OutOfScope):
        abort(404)
    return send_file(
        BytesIO(ledger_xlsx(data)),
        as_attachment=True,
        download_name=data.filename,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _ledger_day(form: dict, name: str) -> date:
    """A day of the ledger form; raises ValueError saying ``name: what is wrong``."""
    try:
        return parse_day(form[name])
    except ValueError as err:
        raise ValueError(_("%(field)s: %(problem)s", field=name, problem=err.args[0])) from None
