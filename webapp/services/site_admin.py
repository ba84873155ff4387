"""Creating, editing and suspending sites. Who may is decided by webapp/scope.py."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, select

from webapp.extensions import db
from webapp.models import Organisation, Site, SiteStatus
from webapp.services.accounts import FieldError, _commit_or_field_error

# Every editable field of a site except its code (set once: it is on the QR label) and unit.
SITE_FIELDS = (
    "name",
    "address",
    "construction_type",
    "year_built",
    "usage",
    "status",
    "due_from",
    "leased",
    "tenant",
    "lease_expires",
    "permit_expires",
    "crowded",
    "capacity",
    "hillside",
    "low_lying",
    "floor_area",
    "responsible_person",
    "responsible_phone",
)


def _apply(site: Site, values: dict, unit: Organisation) -> None:
    for name in SITE_FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            value = value.strip() or None
        setattr(site, name, value)
    site.leased = bool(values.get("leased"))
    site.crowded = bool(values.get("crowded"))
    site.hillside = bool(values.get("hillside"))
    site.low_lying = bool(values.get("low_lying"))
    if not site.leased:
        site.tenant = site.lease_expires = None
    site.unit = unit


def create_site(code: str, values: dict, unit: Organisation) -> Site:
    """A new site under ``unit``; raises FieldError when the code is taken."""
    code = code.strip()
    taken = _("A site with this code already exists.")
    if db.session.execute(select(exists().where(Site.code == code))).scalar():
        raise FieldError("code", taken)
    site = Site(code=code)
    _apply(site, values, unit)
    db.session.add(site)
    _commit_or_field_error("code", taken)
    return site


def update_site(site: Site, values: dict, unit: Organisation) -> None:
    _apply(site, values, unit)
    db.session.commit()


def suspend_site(site: Site) -> None:
    """Deactivate: a suspended site is never due for a check and drops off the phones' lists."""
    site.status = SiteStatus.SUSPENDED.value
    db.session.commit()
