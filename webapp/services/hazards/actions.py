"""What each client action on a hazard checks and sets (``HANDLERS``, by event type): the
rectification order, the remediation plan of a major hazard, progress, rectified, verified,
rejected, regrading and supervision."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _

from webapp import days
from webapp.models import (
    EventType,
    Hazard,
    User,
)
from webapp.models.hazards import RectifyMode
from webapp.models.templates import Grade
from webapp.scope import OutOfScope, can_see_site, get_user
from webapp.services.hazards.common import (
    EventRequest,
    HazardRefused,
    _cap_days,
    _check_photos,
    _default_deadline,
    _invalid,
    _order_data,
    _require_plan,
)


def _on_assign(user: User, hazard: Hazard, request: EventRequest) -> dict:
    errors: dict[str, str] = {}
    _set_responsible(user, hazard, request, errors)
    measures = (request.measures or "").strip() or hazard.measures
    if not measures:
        errors["measures"] = _("Describe the rectification measures.")
    hazard.measures = measures
    if request.funds_amount is not None:
        hazard.funds_amount = request.funds_amount
    if request.funds_source:
        hazard.funds_source = request.funds_source.strip()
    deadline = request.deadline or (
        hazard.deadline
        if hazard.deadline and hazard.deadline >= days.today()
        else _default_deadline(hazard, days.today())
    )
    _check_deadline(hazard, deadline, errors)
    if errors:
        raise _invalid(errors)
    hazard.deadline = deadline
    hazard.rectify_mode = RectifyMode.ORDER.value
    return _order_data(hazard)


def _on_plan(user: User, hazard: Hazard, request: EventRequest) -> dict:
    for name in (
        "plan_objectives",
        "plan_materials",
        "plan_responsible_body",
        "plan_interim_measures",
        "plan_contingency",
        "measures",
        "funds_source",
    ):
        value = getattr(request, name)
        if value is not None and value.strip():
            setattr(hazard, name, value.strip())
    if request.funds_amount is not None:
        hazard.funds_amount = request.funds_amount
    errors: dict[str, str] = {}
    if request.responsible_username or request.responsible_name:
        _set_responsible(user, hazard, request, errors)
    if request.deadline is not None:
        _check_deadline(hazard, request.deadline, errors)
        hazard.deadline = request.deadline
    if errors:
        raise _invalid(errors)
    _require_plan(hazard)
    hazard.rectify_mode = RectifyMode.ORDER.value
    return {
        **_order_data(hazard),
        **{
            name: getattr(hazard, name)
            for name in (
                "plan_objectives",
                "plan_materials",
                "plan_responsible_body",
                "plan_interim_measures",
                "plan_contingency",
            )
        },
    }


def _on_progress(user: User, hazard: Hazard, request: EventRequest) -> dict:
    _check_photos(request)
    if not (request.note or "").strip() and not request.photos:
        raise _invalid({"note": _("Write a note or add a photo.")})
    return {}


def _on_rectified(user: User, hazard: Hazard, request: EventRequest) -> dict:
    _check_photos(request)
    errors = {}
    if not (request.note or "").strip():
        errors["note"] = _("Say what was done.")
    if not request.photos:
        errors["photos"] = _("Add at least one photo of the result.")
    if errors:
        raise _invalid(errors, _("Marking a hazard rectified needs a note and a photo."))
    hazard.rectified_at = days.now()
    hazard.rectified_by_id = user.id
    return {}


def _on_verified(user: User, hazard: Hazard, request: EventRequest) -> dict:
    hazard.closed_at = days.now()
    hazard.closed_by_id = user.id
    return {"delisted": True} if hazard.supervised else {}


def _on_rejected(user: User, hazard: Hazard, request: EventRequest) -> dict:
    if not (request.note or "").strip():
        raise _invalid({"note": _("Say why the rectification is not accepted.")})
    hazard.rectified_at = None
    hazard.rectified_by_id = None
    return {}


def _on_regrade(user: User, hazard: Hazard, request: EventRequest) -> dict:
    errors = {}
    if request.grade not in (Grade.GENERAL.value, Grade.MAJOR.value):
        errors["grade"] = _("Choose 一般 (general) or 重大 (major).")
    elif request.grade == hazard.grade:
        errors["grade"] = _("The hazard already has this grade.")
    if not (request.note or "").strip():
        errors["note"] = _("Give the reason for the new grade.")
    if errors:
        raise _invalid(errors)
    if hazard.supervised and request.grade != Grade.MAJOR.value:
        raise HazardRefused(
            409,
            "supervised",
            _("A hazard under supervision stays major until the supervising office closes it."),
        )
    data = {"from_grade": hazard.grade, "to_grade": request.grade}
    hazard.grade = request.grade
    return data


def _on_supervise(user: User, hazard: Hazard, request: EventRequest) -> dict:
    if not hazard.major:
        raise HazardRefused(409, "not_major", _("Only major hazards are put under supervision."))
    if hazard.supervised:
        raise HazardRefused(
            409,
            "already_supervised",
            _(
                "This hazard is already under supervision by %(office)s.",
                office=hazard.supervising_org.name,
            ),
        )
    errors = {}
    notice = (request.notice or "").strip()
    if not notice:
        errors["notice"] = _("Give the supervision notice number.")
    on = request.supervised_on or days.today()
    if on > days.today():
        errors["supervised_on"] = _("The date cannot be in the future.")
    if errors:
        raise _invalid(errors)
    hazard.supervising_org_id = user.org_id
    hazard.supervising_org = user.org
    hazard.supervised_on = on
    hazard.supervision_notice = notice
    return {"org": user.org.code, "notice": notice, "on": on.isoformat()}


HANDLERS = {
    EventType.ASSIGN: _on_assign,
    EventType.PLAN: _on_plan,
    EventType.PROGRESS: _on_progress,
    EventType.RECTIFIED: _on_rectified,
    EventType.VERIFIED: _on_verified,
    EventType.REJECTED: _on_rejected,
    EventType.REGRADE: _on_regrade,
    EventType.SUPERVISE: _on_supervise,
}


def _set_responsible(user: User, hazard: Hazard, request: EventRequest, errors: dict) -> None:
    """A user of the system (by username: in the actor's scope, and able to see the site)
    or a name with a phone. Absent and out of scope read the same."""
    if request.responsible_username:
        try:
            person = get_user(user, request.responsible_username.strip())
        except (LookupError, OutOfScope):
            person = None
        if person is None or not person.active or not can_see_site(person, hazard.site):
            errors["responsible_username"] = _("No such user for this site.")
            return
        hazard.responsible_user_id = person.id
        hazard.responsible_user = person
        hazard.responsible_name = person.display_name
        hazard.responsible_phone = person.phone
        return
    name = (request.responsible_name or "").strip()
    phone = (request.responsible_phone or "").strip()
    if name:
        if not phone:
            errors["responsible_phone"] = _("Give the responsible person's phone number.")
            return
        hazard.responsible_user_id = None
        hazard.responsible_user = None
        hazard.responsible_name = name
        hazard.responsible_phone = phone
        return
    if not hazard.responsible_name and hazard.responsible_user_id is None:
        errors["responsible_name"] = _("Name the responsible person (a user, or a name and phone).")


def _check_deadline(hazard: Hazard, deadline: date, errors: dict) -> None:
    today = days.today()
    cap = days.local_day(hazard.found_at) + timedelta(days=_cap_days(hazard))
    if deadline < today:
        errors["deadline"] = _("The deadline cannot be in the past.")
    elif deadline > cap:
        errors["deadline"] = _(
            "The deadline can be at most %(days)s days after the hazard was found (%(day)s).",
            days=_cap_days(hazard),
            day=cap.isoformat(),
        )
