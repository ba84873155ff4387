"""The one rule for what a user may see and change.

A user's scope is the subtree of its organisation. Every query and endpoint that
touches organisations, sites or users goes through the functions here; none writes
its own filter.
"""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.models import (
    Inspection,
    InspectionPhoto,
    Organisation,
    OrgKind,
    Photo,
    PhotoUpload,
    Role,
    Site,
    User,
)
from webapp.models.hazards import Hazard, HazardEvent, HazardPhoto


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


def scoped_inspections(user: User) -> Select[tuple[Inspection]]:
    """The inspections a user may open: an inspector its own; unit managers and office
    staff every inspection of a site in their subtree. Site and its unit are joined."""
    query = select(Inspection).join(Inspection.site).join(Site.unit)
    if user.user_role is Role.INSPECTOR:
        return query.where(Inspection.inspector_id == user.id)
    return query.where(in_subtree(user))


def can_see_inspection(user: User, inspection: Inspection) -> bool:
    """The record of one check: the inspector who filed it, the managers of its unit and
    office staff whose scope holds the site (``scoped_inspections`` as one object). Other
    inspectors of the unit do not see their colleagues' records."""
    if inspection.inspector_id == user.id:
        return True
    return user.user_role is not Role.INSPECTOR and can_see_site(user, inspection.site)


# --- photos: who may reference them, who may see them ----------------------------------


def photo_counts_for(sha256, author_id, author_org_id) -> ColumnElement[bool]:
    """SQL: a photo that a record of the account ``author_id`` (of the organisation
    ``author_org_id``) references counts for that record: the author, or someone of the
    author's organisation, uploaded its bytes. Anyone else's stored photo reads like one not
    uploaded yet: the record neither learns that it exists nor opens it to its readers, until
    its author uploads the same bytes (which proves the phone holds them). Arguments are
    values or columns of the enclosing queries, however deep: every table but
    photo_uploads is correlated to them (SQLAlchemy only looks one level up by itself, and
    an inspections table of its own here would match anyone's record)."""
    return (
        select(PhotoUpload.id)
        .where(
            PhotoUpload.sha256 == sha256,
            or_(PhotoUpload.user_id == author_id, PhotoUpload.org_id == author_org_id),
        )
        .correlate_except(PhotoUpload)
        .exists()
    )


def photos_user_may_reference(user: User, hashes: set[str]) -> set[str]:
    """Of ``hashes``, the photos that count as present in ``user``'s records (one query)."""
    if not hashes:
        return set()
    query = select(Photo.sha256).where(
        Photo.sha256.in_(hashes), photo_counts_for(Photo.sha256, user.id, user.org_id)
    )
    return set(db.session.scalars(query))


def inspection_photo_counts() -> ColumnElement[bool]:
    """SQL on InspectionPhoto and Inspection rows: the photo counts for the inspection
    (``photo_counts_for`` its inspector)."""
    # Correlated explicitly: it sits two levels below the query that has the inspection.
    inspector_org = (
        select(User.org_id).where(User.id == Inspection.inspector_id).correlate(Inspection)
    )
    return photo_counts_for(
        InspectionPhoto.sha256, Inspection.inspector_id, inspector_org.scalar_subquery()
    )


def can_see_photo(user: User, photo: Photo) -> bool:
    """A photo is visible to every account that uploaded it, and to everyone who can see a
    site whose inspection or hazard event references it, where it counts for that record
    (``photo_counts_for`` the record's author)."""
    in_scope = scoped_sites(user).with_only_columns(Site.id)
    own = select(PhotoUpload.id).where(
        PhotoUpload.sha256 == photo.sha256, PhotoUpload.user_id == user.id
    )
    by_inspection = (
        select(InspectionPhoto.id)
        .join(Inspection, Inspection.id == InspectionPhoto.inspection_id)
        .where(
            InspectionPhoto.sha256 == photo.sha256,
            Inspection.site_id.in_(in_scope),
            inspection_photo_counts(),
        )
    )
    actor_org = (
        select(User.org_id)
        .where(User.id == HazardEvent.actor_id)
        .correlate(HazardEvent)
        .scalar_subquery()
    )
    by_hazard = (
        select(HazardPhoto.id)
        .join(HazardEvent, HazardEvent.id == HazardPhoto.event_id)
        .join(Hazard, Hazard.id == HazardPhoto.hazard_id)
        .where(
            HazardPhoto.sha256 == photo.sha256,
            Hazard.site_id.in_(in_scope),
            photo_counts_for(HazardPhoto.sha256, HazardEvent.actor_id, actor_org),
        )
    )
    return db.session.scalar(select(own.exists() | by_inspection.exists() | by_hazard.exists()))


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


def can_annotate_flags(user: User, inspection: Inspection) -> bool:
    """Explaining or confirming an inspection's credibility flags: the managers of its unit
    and office staff above the site, never the person who filed the check."""
    return (
        user.user_role is not Role.INSPECTOR
        and can_see_site(user, inspection.site)
        and inspection.inspector_id != user.id
    )


def can_submit_report(user: User, org: Organisation) -> bool:
    """A city-level office's monthly report is edited and submitted by its own office staff."""
    return user.user_role.is_office_role and user.org_id == org.id


def can_manage_channels(user: User, org: Organisation) -> bool:
    """An organisation's notification channels and reminder settings, and its failed
    deliveries: the unit's managers, office admins at or above it."""
    return user.org.contains(org) and user.user_role in (Role.UNIT_MANAGER, Role.OFFICE_ADMIN)
