"""The one rule for what a user may see and change.

A user's scope is the subtree of its organisation. Every query and endpoint that
touches organisations, sites or users goes through the functions here; none writes
its own filter.
"""

from __future__ import annotations

from sqlalchemy import Select, false, select
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.models import Organisation, OrgKind, Role, Site, User
from webapp.models.hazards import Hazard


class OutOfScope(Exception):
    """The object exists but lies outside the user's scope (answer 404, never 403,
    so nothing outside the scope can be probed)."""


class NotAllowed(Exception):
    """The object is in scope but the user's role may not do this (answer 403)."""


# --- what a user may see --------------------------------------------------------------


def in_subtree(user: User) -> ColumnElement[bool]:
    """SQL condition: an Organisation row lies in the user's subtree."""
    return below(user.org)


def below(org: Organisation) -> ColumnElement[bool]:
    """SQL condition: an Organisation row is ``org`` or lies below it (to narrow a scoped
    query to one branch, e.g. a filter on a list page)."""
    return Organisation.path.startswith(org.path, autoescape=True)


def scoped_orgs(user: User) -> Select[tuple[Organisation]]:
    return select(Organisation).where(in_subtree(user))


def scoped_sites(user: User) -> Select[tuple[Site]]:
    return select(Site).join(Site.unit).where(in_subtree(user))


def scoped_users(user: User) -> Select[tuple[User]]:
    return select(User).join(User.org).where(in_subtree(user))


def scoped_hazards(user: User) -> Select[tuple[Hazard]]:
    """Hazards at sites in the user's subtree; Site and its unit are joined (filterable)."""
    return (
        select(Hazard)
        .join(Hazard.site)
        .join(Site.unit)
        .where(in_subtree(user))
        .options(contains_eager(Hazard.site).contains_eager(Site.unit))
    )


def can_see_org(user: User, org: Organisation) -> bool:
    return user.org.contains(org)


def can_see_site(user: User, site: Site) -> bool:
    return user.org.contains(site.unit)


def get_site(user: User, code: str) -> Site:
    """The site with this code if the user may see it; raises LookupError or OutOfScope."""
    site = db.session.execute(select(Site).where(Site.code == code)).scalar_one_or_none()
    if site is None:
        raise LookupError(code)
    if not can_see_site(user, site):
        raise OutOfScope(code)
    return site


def get_org(user: User, code: str) -> Organisation:
    """The organisation with this code if the user may see it; raises LookupError or OutOfScope."""
    org = db.session.execute(
        select(Organisation).where(Organisation.code == code)
    ).scalar_one_or_none()
    if org is None:
        raise LookupError(code)
    if not can_see_org(user, org):
        raise OutOfScope(code)
    return org


# --- what a user may change -----------------------------------------------------------


def can_inspect_site(user: User, site: Site) -> bool:
    """Daily self-checks: staff of the site's unit. Offices inspect anything they can see."""
    return can_see_site(user, site)


def can_manage_site(user: User, site: Site) -> bool:
    """Create, edit, deactivate sites: unit managers of its unit, office admins above it."""
    return can_see_site(user, site) and user.user_role in (Role.UNIT_MANAGER, Role.OFFICE_ADMIN)


def can_manage_org(user: User, org: Organisation) -> bool:
    """Office admins manage the organisations strictly below their own."""
    return user.user_role is Role.OFFICE_ADMIN and user.org.contains(org) and org.id != user.org_id


def can_manage_user(user: User, target: User) -> bool:
    """Unit managers manage their unit's users; office admins everyone in their subtree.
    Nobody manages an account with more power at their own level, or their own role."""
    if not user.org.contains(target.org) or target.id == user.id:
        return False
    if user.user_role is Role.OFFICE_ADMIN:
        return True
    return user.user_role is Role.UNIT_MANAGER and target.user_role is Role.INSPECTOR


def roles_user_may_grant(user: User, org: Organisation) -> list[Role]:
    """The roles ``user`` may give an account at ``org`` (roles must fit the org's kind)."""
    if not user.org.contains(org):
        return []
    fitting = (
        [Role.OFFICE_SUPERVISOR, Role.OFFICE_ADMIN]
        if org.org_kind.is_office
        else [Role.INSPECTOR, Role.UNIT_MANAGER]
    )
    if user.user_role is Role.OFFICE_ADMIN:
        return fitting
    if user.user_role is Role.UNIT_MANAGER and org.id == user.org_id:
        return [Role.INSPECTOR]
    return []


def role_fits_org(role: Role, org: Organisation) -> bool:
    return role.is_office_role == (org.org_kind is not OrgKind.UNIT)


# --- which management pages a user may open ---------------------------------------------

MANAGER_ROLES = (Role.UNIT_MANAGER, Role.OFFICE_SUPERVISOR, Role.OFFICE_ADMIN)


def is_manager(user: User) -> bool:
    """Unit managers and office staff use the managers' pages; inspectors use the PWA."""
    return user.user_role in MANAGER_ROLES


def can_view_orgs(user: User) -> bool:
    """The organisation tree is for office staff (units only have themselves)."""
    return user.user_role.is_office_role


def can_create_sites(user: User) -> bool:
    return user.user_role in (Role.UNIT_MANAGER, Role.OFFICE_ADMIN)


def site_units(user: User) -> Select[tuple[Organisation]]:
    """The active operating units ``user`` may put a site under (create or move it)."""
    query = scoped_orgs(user).where(
        Organisation.kind == OrgKind.UNIT.value, Organisation.active.is_(True)
    )
    if user.user_role is Role.UNIT_MANAGER:
        return query.where(Organisation.id == user.org_id)
    if user.user_role is Role.OFFICE_ADMIN:
        return query
    return query.where(false())


def can_manage_templates(user: User) -> bool:
    """Checklist templates are province-wide: only province office admins change them."""
    return user.user_role is Role.OFFICE_ADMIN and user.org.org_kind is OrgKind.PROVINCE


def get_user(user: User, username: str) -> User:
    """The account with this username if ``user`` may see it; raises LookupError or OutOfScope."""
    target = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if target is None:
        raise LookupError(username)
    if not user.org.contains(target.org):
        raise OutOfScope(username)
    return target


def can_excuse_site(user: User, site: Site) -> bool:
    """Excusing a site from a day's check: unit managers and office staff above the site."""
    return can_see_site(user, site) and user.user_role in (
        Role.UNIT_MANAGER,
        Role.OFFICE_SUPERVISOR,
        Role.OFFICE_ADMIN,
    )


def can_submit_report(user: User, org: Organisation) -> bool:
    """A city-level office's monthly report is edited and submitted by its own office staff."""
    return user.user_role.is_office_role and user.org_id == org.id
