"""Who does what in the demo history: the demo sites, and per unit and office the
accounts that check, fix, verify and supervise, as they are in the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from webapp import days
from webapp.checklist import applicable_items, current_template
from webapp.demo import dataset, tables
from webapp.extensions import db
from webapp.models import Organisation, Role, Site, User

# (item id, photo required on failure) of a site's form on a day, for a kind of check.
FormItems = list[tuple[str, bool]]


@dataclass(frozen=True)
class DemoSite:
    """What the plan needs of a site, read once: the services' commits expire ORM rows."""

    id: int
    code: str
    unit_id: int
    status: str
    qr_token: str
    responsible: str | None
    phone: str | None


@dataclass
class Cast:
    sites: list[DemoSite]
    form: Callable[[int, date, str], FormItems]  # site id, day, kind → its form
    template_id: int
    unit_code: dict[int, str]
    inspector: dict[int, User]  # unit id → its inspector: daily checks, rectification
    manager: dict[int, User]  # unit id → who verifies its self-check hazards and plans
    office_of: dict[int, Organisation]  # unit id → its city-level office (none: province)
    supervisor: dict[int, User]  # office id → its supervisor (city-level and province)
    province: Organisation | None


def load_cast(first: date) -> Cast:
    """The demo organisations, sites and accounts as they are in the database; the demo
    sites are made due for daily checks from ``first``. A unit without an inspector is
    never checked; an office without a supervisor makes no checks and no reports.

    The one who verifies a unit's hazards and records a major hazard's plan is the unit's
    manager if it has one, else its city-level office's supervisor, else the province's."""
    data = dataset.build_demo()
    orgs = {
        org.code: org
        for org in db.session.scalars(
            select(Organisation).where(Organisation.code.in_([o.code for o in data.orgs]))
        )
    }
    users = list(
        db.session.scalars(
            select(User)
            .where(User.org_id.in_([org.id for org in orgs.values()]), User.active.is_(True))
            .order_by(User.id)
        )
    )
    province = orgs.get(tables.PROVINCE.code)
    offices = [orgs[city.code] for city in tables.CITIES if city.code in orgs]
    units = [orgs[code] for code, _n, _p, _s in tables.UNITS if code in orgs]
    supervisor = _by_id(
        {
            o.id: _account(users, o, Role.OFFICE_SUPERVISOR, "supervisor")
            for o in [*offices, province]
            if o
        }
    )
    office_of = {unit.id: office for unit in units for office in offices if office.contains(unit)}
    manager = {}
    for unit in units:
        above = office_of.get(unit.id, province)
        manager[unit.id] = _account(users, unit, Role.UNIT_MANAGER, "manager") or (
            supervisor.get(above.id) if above else None
        )
    sites = _demo_sites(data, [unit.id for unit in units], first)
    return Cast(
        sites=[_facts(site) for site in sites],
        form=_forms(sites),
        template_id=current_template().id,
        unit_code={unit.id: unit.code for unit in units},
        inspector=_by_id({u.id: _account(users, u, Role.INSPECTOR, "inspector") for u in units}),
        manager=_by_id(manager),
        office_of=office_of,
        supervisor=supervisor,
        province=province,
    )


def _account(users: list[User], org: Organisation, role: Role, suffix: str) -> User | None:
    """The demo account ``<org code>.<suffix>`` if it has that role there (never anyone
    else: the history's checks and reports are made up)."""
    named = f"{org.code.lower()}.{suffix}"
    return next(
        (u for u in users if u.org_id == org.id and u.role == role.value and u.username == named),
        None,
    )


def _by_id(people: dict[int, User | None]) -> dict[int, User]:
    return {key: user for key, user in people.items() if user is not None}


def _demo_sites(data, unit_ids: list[int], first: date) -> list[Site]:
    sites = list(
        db.session.scalars(
            select(Site)
            .where(Site.code.in_([s["code"] for s in data.sites]), Site.unit_id.in_(unit_ids))
            .order_by(Site.code)
        )
    )
    for site in sites:
        site.due_from = first
    db.session.flush()
    return sites


def _facts(site: Site) -> DemoSite:
    return DemoSite(
        site.id,
        site.code,
        site.unit_id,
        site.status,
        site.qr_token,
        site.responsible_person,
        site.responsible_phone,
    )


def _forms(sites: list[Site]) -> Callable[[int, date, str], FormItems]:
    """``applicable_items`` per site, day and kind, computed once per tags, seasons and kind
    (a few hundred forms for twenty thousand checks)."""
    template = current_template()
    by_id = {site.id: site for site in sites}
    tags = {site.id: frozenset(site.tags) for site in sites}
    cache: dict[tuple, FormItems] = {}

    def form(site_id: int, day: date, kind: str) -> FormItems:
        key = (tags[site_id], frozenset(days.seasons_on(day)), kind)
        if key not in cache:
            cache[key] = [
                (item.item_id, item.photo_required_on_fail)
                for item in applicable_items(template, by_id[site_id], day, kind)
            ]
        return cache[key]

    return form
