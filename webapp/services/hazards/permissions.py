"""Who may do what to a hazard: the unit's staff and manager, the responsible person, the
offices above, and who may verify (never the one who fixed it; a supervised hazard only by
its supervising office; a hazard found by an office only by that office or one above)."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from webapp.models import (
    EventType,
    Hazard,
    HazardSource,
    Role,
    User,
)
from webapp.services.hazards.common import (
    TRANSITIONS,
    HazardRefused,
)


def _is_unit_staff(user: User, hazard: Hazard) -> bool:
    return user.org_id == hazard.site.unit_id


def _is_unit_manager(user: User, hazard: Hazard) -> bool:
    return _is_unit_staff(user, hazard) and user.user_role is Role.UNIT_MANAGER


def _is_office_above(user: User, hazard: Hazard) -> bool:
    return user.user_role.is_office_role and user.org.contains(hazard.site.unit)


def _may_manage(user: User, hazard: Hazard) -> bool:
    return _is_unit_manager(user, hazard) or _is_office_above(user, hazard)


def _may_work(user: User, hazard: Hazard) -> bool:
    return _is_unit_staff(user, hazard) or user.id == hazard.responsible_user_id


def _check_verifier(user: User, hazard: Hazard) -> None:
    if hazard.supervised:
        if not (user.user_role.is_office_role and user.org_id == hazard.supervising_org_id):
            raise HazardRefused(
                403,
                "supervised_elsewhere",
                _(
                    "This hazard is under supervision by %(office)s: only that office can "
                    "accept and close it.",
                    office=hazard.supervising_org.name,
                ),
            )
    elif hazard.source != HazardSource.SELF:
        if not (user.user_role.is_office_role and user.org.contains(hazard.found_by_org)):
            raise HazardRefused(
                403,
                "not_allowed",
                _(
                    "A hazard found by %(office)s is verified by that office or one above it.",
                    office=hazard.found_by_org.name,
                ),
            )
    elif not _may_manage(user, hazard):
        raise HazardRefused(
            403,
            "not_allowed",
            _("Only a manager of the site's unit or an office supervisor above it can verify."),
        )
    if user.id == hazard.rectified_by_id:
        raise HazardRefused(
            403, "same_person", _("You marked this hazard rectified; someone else must verify it.")
        )


def check_role(user: User, hazard: Hazard, event_type: EventType) -> None:
    """Raises HazardRefused(403) when the user's role or organisation may not do this."""
    if event_type in (EventType.VERIFIED, EventType.REJECTED):
        _check_verifier(user, hazard)
        return
    rule, message = _ROLE_RULES[event_type]
    if not rule(user, hazard):
        raise HazardRefused(403, "not_allowed", message())


_ROLE_RULES: dict[EventType, tuple[Callable[[User, Hazard], bool], Callable[[], str]]] = {
    EventType.ASSIGN: (
        _may_manage,
        lambda: _(
            "Only a manager of the site's unit or an office above it can issue a rectification "
            "order."
        ),
    ),
    EventType.PLAN: (
        _may_manage,
        lambda: _("Only a manager of the site's unit or an office above it can record the plan."),
    ),
    EventType.PROGRESS: (
        lambda u, h: _may_work(u, h) or _is_office_above(u, h),
        lambda: _(
            "Only the site's unit, the responsible person or an office above can add progress."
        ),
    ),
    EventType.RECTIFIED: (
        _may_work,
        lambda: _("Only the site's unit or the responsible person can report it rectified."),
    ),
    EventType.REGRADE: (
        _may_manage,
        lambda: _("Only a unit manager or an office supervisor can change the grade."),
    ),
    EventType.SUPERVISE: (
        _is_office_above,
        lambda: _("Only an office above the site can put a hazard under supervision."),
    ),
}


def allowed_actions(user: User, hazard: Hazard) -> list[str]:
    """The event types ``user`` may post on ``hazard`` now (for buttons on the page)."""
    allowed = []
    for event_type, (sources, _target) in TRANSITIONS.items():
        if hazard.hazard_status not in sources:
            continue
        try:
            check_role(user, hazard, event_type)
        except HazardRefused:
            continue
        if event_type is EventType.SUPERVISE and (not hazard.major or hazard.supervised):
            continue
        allowed.append(str(event_type))
    return allowed
