"""Accounts and organisations: creating, editing and deactivating them. Each function
owns its transaction. Who may do it is decided by the caller through webapp/scope.py;
these functions keep the data consistent (roles fit the org, codes are unique)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Organisation, OrgKind, Role, Site, SiteStatus, User
from webapp.scope import below as branch
from webapp.scope import role_fits_org
from webapp.services.login_sessions import end_every_login


class FieldError(ValueError):
    """A value the data cannot take, named by its form field; nothing was written."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# Which kinds of organisation may hang below which.
CHILD_KINDS: dict[OrgKind, tuple[OrgKind, ...]] = {
    OrgKind.PROVINCE: (OrgKind.CITY, OrgKind.COUNTY, OrgKind.UNIT),
    OrgKind.CITY: (OrgKind.COUNTY, OrgKind.UNIT),
    OrgKind.COUNTY: (OrgKind.UNIT,),
    OrgKind.UNIT: (),
}


def _commit_or_field_error(field: str, message: str) -> None:
    """Commit; a unique constraint that a concurrent request won becomes a FieldError."""
    try:
        db.session.commit()
    except IntegrityError as err:
        db.session.rollback()
        raise FieldError(field, message) from err


# --- users ------------------------------------------------------------------------------


def create_user(
    *,
    username: str,
    display_name: str,
    phone: str | None,
    org: Organisation,
    role: Role,
    password: str,
) -> User:
    """A new active account; raises FieldError (organisation deactivated, username taken,
    role not fitting the org)."""
    username = username.strip()
    taken = _("This username is already taken.")
    if not org.active:
        raise FieldError("org", _("This organisation is deactivated: it takes no new accounts."))
    if db.session.execute(select(exists().where(User.username == username))).scalar():
        raise FieldError("username", taken)
    if not role_fits_org(role, org):
        raise FieldError("role", _("This role does not fit this organisation."))
    user = User(
        username=username,
        display_name=display_name.strip(),
        phone=phone or None,
        org=org,
        role=role.value,
    )
    user.set_password(password)
    db.session.add(user)
    _commit_or_field_error("username", taken)
    return user


def update_user(user: User, *, display_name: str, phone: str | None, role: Role) -> None:
    if not role_fits_org(role, user.org):
        raise FieldError("role", _("This role does not fit this organisation."))
    user.display_name = display_name.strip()
    user.phone = phone or None
    user.role = role.value
    db.session.commit()


def set_user_active(user: User, active: bool) -> None:
    """Deactivated accounts cannot log in, and every login of theirs ends (it stays ended
    when the account is reactivated).
    Raises FieldError when reactivating an account whose organisation is deactivated."""
    if active and not user.org.active:
        raise FieldError(
            "active",
            _(
                "The organisation %(org)s is deactivated: reactivate it before its accounts.",
                org=user.org.name,
            ),
        )
    user.active = active
    if not active:
        end_every_login(user)
    db.session.commit()


def reset_password(user: User, password: str) -> None:
    """A new password; every login of the account ends (whoever knew the old one)."""
    user.set_password(password)
    end_every_login(user)
    db.session.commit()


# --- organisations ------------------------------------------------------------------------


def _check_nominal_parent(
    kind: OrgKind, parent: Organisation | None, nominal: Organisation | None, org=None
) -> None:
    """A nominal parent (梅河口 → 通化) is kept only for a city-level office directly under
    the province, and is another city-level office under the same province. Nominal
    parents are never used for scope or totals. Raises FieldError("nominal_parent")."""
    if nominal is None:
        return
    if kind is not OrgKind.CITY or parent is None or parent.org_kind is not OrgKind.PROVINCE:
        raise FieldError(
            "nominal_parent",
            _("Only a city-level office directly under the province has a nominal parent."),
        )
    if (
        nominal.org_kind is not OrgKind.CITY
        or nominal.parent_id != parent.id
        or (org is not None and nominal.id == org.id)
    ):
        raise FieldError(
            "nominal_parent",
            _("The nominal parent must be another city-level office of the same province."),
        )


def create_org(
    *,
    parent: Organisation | None,
    kind: OrgKind,
    code: str,
    name: str,
    phone: str | None,
    nominal_parent: Organisation | None = None,
) -> Organisation:
    """A child organisation, or with no parent the root of a tree (a province office:
    the first organisation of a deployment). Raises FieldError (code taken, kind not
    allowed below the parent, a root that is not a province office, a nominal parent where
    none is allowed)."""
    code = code.strip().upper()
    taken = _("This code is already used by another organisation.")
    if parent is None:
        if kind is not OrgKind.PROVINCE:
            raise FieldError("parent", _("Only a province office has no parent organisation."))
    elif kind not in CHILD_KINDS[parent.org_kind]:
        raise FieldError("kind", _("This kind of organisation cannot be placed there."))
    elif not parent.active:
        raise FieldError("parent", _("The parent organisation is deactivated."))
    _check_nominal_parent(kind, parent, nominal_parent)
    if db.session.execute(select(exists().where(func.upper(Organisation.code) == code))).scalar():
        raise FieldError("code", taken)
    if len(f"{parent.path if parent else '/'}{code}/") > Organisation.path.type.length:
        raise FieldError("code", _("The tree is too deep for this code; choose a shorter one."))
    org = Organisation(code=code, name=name.strip(), kind=kind.value, phone=phone or None)
    org.place_under(parent)
    org.nominal_parent = nominal_parent
    db.session.add(org)
    _commit_or_field_error("code", taken)
    return org


def update_org(
    org: Organisation, *, name: str, phone: str | None, nominal_parent: Organisation | None
) -> None:
    """Rename (office names are data: 人防办 → 国动办), change the phone and the nominal
    parent; raises FieldError when the nominal parent is not allowed (nothing written)."""
    _check_nominal_parent(org.org_kind, org.parent, nominal_parent, org)
    org.name = name.strip()
    org.phone = phone or None
    org.nominal_parent = nominal_parent
    db.session.commit()


def org_deactivation_blockers(org: Organisation) -> list[str]:
    """Why ``org`` cannot be deactivated yet (empty when it can)."""
    blockers = []
    below = branch(org)
    active_children = db.session.execute(
        select(func.count())
        .select_from(Organisation)
        .where(below, Organisation.id != org.id, Organisation.active.is_(True))
    ).scalar_one()
    if active_children:
        blockers.append(_("%(n)d active organisations below it", n=active_children))
    active_users = db.session.execute(
        select(func.count()).select_from(User).join(User.org).where(below, User.active.is_(True))
    ).scalar_one()
    if active_users:
        blockers.append(_("%(n)d active accounts", n=active_users))
    live_sites = db.session.execute(
        select(func.count())
        .select_from(Site)
        .join(Site.unit)
        .where(below, Site.status != SiteStatus.SUSPENDED.value)
    ).scalar_one()
    if live_sites:
        blockers.append(_("%(n)d sites that are not suspended", n=live_sites))
    return blockers


def set_org_active(org: Organisation, active: bool) -> None:
    """Deactivate (only once nothing active hangs below it) or reactivate;
    raises FieldError naming what is still active."""
    if not active:
        blockers = org_deactivation_blockers(org)
        if blockers:
            raise FieldError(
                "active",
                _(
                    "Still in use: %(what)s. Deactivate or move them first.",
                    what="; ".join(blockers),
                ),
            )
    elif org.parent is not None and not org.parent.active:
        raise FieldError("active", _("The parent organisation is deactivated."))
    org.active = active
    db.session.commit()
