"""The scope matrix over HTTP: every role at every level against sites, accounts and
organisations inside and outside its subtree.

The tree (tests.factories.make_tree):

    JL province ── CA city ── CA-K county ── U-K1 unit
                │          └─ U-A1 unit
                ├─ CB city ── U-B1 unit
                └─ U-P1 unit (directly under the province)

Expected answers come from three small tables (what each actor's subtree holds, which
roles may change what), never from the code under test. Out of scope is 404, in scope
but not allowed is 403, inspectors have no managers' pages at all (403).
"""

from __future__ import annotations

import pytest

from tests.factories import make_site, make_tree
from tests.login_helpers import account, csrf, log_in
from webapp.days import today
from webapp.extensions import db
from webapp.models import Organisation, Role, Site, User
from webapp.scope import scoped_sites

UNITS = ("unit_county", "unit_a", "unit_b", "unit_province")
OFFICES = ("province", "city_a", "city_b", "county")

# (role, org key): unit roles at units hanging from a county, a city and the province;
# office roles at a county, a city and the province office.
ACTORS = [
    (role, org)
    for role in (Role.INSPECTOR, Role.UNIT_MANAGER)
    for org in ("unit_county", "unit_a", "unit_province")
] + [
    (role, org)
    for role in (Role.OFFICE_SUPERVISOR, Role.OFFICE_ADMIN)
    for org in ("county", "city_a", "province")
]

# What lies in each organisation's subtree (itself included).
SUBTREE = {
    "province": set(UNITS) | set(OFFICES),
    "city_a": {"city_a", "county", "unit_county", "unit_a"},
    "city_b": {"city_b", "unit_b"},
    "county": {"county", "unit_county"},
    "unit_county": {"unit_county"},
    "unit_a": {"unit_a"},
    "unit_b": {"unit_b"},
    "unit_province": {"unit_province"},
}


def actor_id(actor):
    role, org = actor
    return f"{role.value}@{org}"


@pytest.fixture
def world(app):
    """The tree, a site at every unit, an inspector at every unit, a supervisor at every office."""
    tree = make_tree()
    sites = {key: make_site(tree[key], code=f"S-{tree[key].code}") for key in UNITS}
    people = {key: account(tree[key], Role.INSPECTOR, f"insp-{key}") for key in UNITS}
    people |= {key: account(tree[key], Role.OFFICE_SUPERVISOR, f"sup-{key}") for key in OFFICES}
    db.session.commit()
    return {"tree": tree, "sites": sites, "people": people}


def logged_in(app, world, actor):
    role, org_key = actor
    account(world["tree"][org_key], role, "actor")
    db.session.commit()
    client = app.test_client()
    assert log_in(client, "actor").status_code == 302
    return client


def site_answer(actor, unit_key: str, change: bool) -> int:
    role, org_key = actor
    if role is Role.INSPECTOR:
        return 403
    if unit_key not in SUBTREE[org_key]:
        return 404
    if change and role is Role.OFFICE_SUPERVISOR:
        return 403
    return 200


def user_answer(actor, target_org: str, target_role: Role) -> int:
    role, org_key = actor
    if role is Role.INSPECTOR:
        return 403
    if target_org not in SUBTREE[org_key]:
        return 404
    if role is Role.OFFICE_ADMIN:
        return 200
    if role is Role.UNIT_MANAGER and target_role is Role.INSPECTOR:
        return 200
    return 403


def org_answer(actor, target: str) -> int:
    role, org_key = actor
    if role is Role.INSPECTOR:
        return 403
    if target not in SUBTREE[org_key]:
        return 404
    if role is Role.OFFICE_ADMIN and target != org_key:
        return 200
    return 403


def test_scoped_sites_query_holds_the_subtree_only(world):
    supervisor = world["people"]["city_a"]
    found = set(db.session.execute(scoped_sites(supervisor)).scalars())
    assert found == {world["sites"]["unit_county"], world["sites"]["unit_a"]}


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_sites_matrix(app, world, actor):
    client = logged_in(app, world, actor)
    wrong = {}
    for unit_key, site in world["sites"].items():
        for path, change in (
            (f"/manage/sites/{site.code}", False),
            (f"/manage/sites/{site.code}/edit", True),
            (f"/manage/sites/{site.code}/deactivate", True),
        ):
            expected = site_answer(actor, unit_key, change)
            got = client.get(path).status_code
            if got != expected:
                wrong[path] = (got, expected)
        # A state-changing POST: refused ones change nothing.
        expected = site_answer(actor, unit_key, True)
        reply = client.post(
            f"/manage/sites/{site.code}/deactivate", data={"csrf_token": csrf(client)}
        )
        got = 200 if reply.status_code == 302 else reply.status_code
        status = db.session.execute(db.select(Site.status).where(Site.id == site.id)).scalar_one()
        if got != expected or (status == "suspended") != (expected == 200):
            wrong[f"POST deactivate {site.code}"] = (got, expected, status)
    assert wrong == {}


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_sites_list_shows_the_subtree(app, world, actor):
    client = logged_in(app, world, actor)
    reply = client.get("/manage/sites/")
    role, org_key = actor
    if role is Role.INSPECTOR:
        assert reply.status_code == 403
        return
    html = reply.get_data(as_text=True)
    shown = {key for key, site in world["sites"].items() if f">{site.code}<" in html}
    assert shown == SUBTREE[org_key] & set(UNITS)


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_users_matrix(app, world, actor):
    client = logged_in(app, world, actor)
    wrong = {}
    for org_key, target in world["people"].items():
        expected = user_answer(actor, org_key, target.user_role)
        seen = (
            403
            if actor[0] is Role.INSPECTOR
            else (404 if org_key not in SUBTREE[actor[1]] else 200)
        )
        for path, want in (
            (f"/manage/users/{target.username}", seen),
            (f"/manage/users/{target.username}/edit", expected),
            (f"/manage/users/{target.username}/password", expected),
        ):
            got = client.get(path).status_code
            if got != want:
                wrong[path] = (got, want)
        reply = client.post(
            f"/manage/users/{target.username}/deactivate", data={"csrf_token": csrf(client)}
        )
        got = 200 if reply.status_code == 302 else reply.status_code
        active = db.session.execute(db.select(User.active).where(User.id == target.id)).scalar_one()
        if got != expected or active != (expected != 200):
            wrong[f"POST deactivate {target.username}"] = (got, expected, active)
    assert wrong == {}


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_users_list_shows_the_subtree(app, world, actor):
    client = logged_in(app, world, actor)
    reply = client.get("/manage/users/")
    role, org_key = actor
    if role is Role.INSPECTOR:
        assert reply.status_code == 403
        return
    html = reply.get_data(as_text=True)
    shown = {key for key, person in world["people"].items() if f">{person.username}<" in html}
    assert shown == SUBTREE[org_key]


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_orgs_matrix(app, world, actor):
    client = logged_in(app, world, actor)
    wrong = {}
    role, org_key = actor
    listing = client.get("/manage/orgs/").status_code
    if listing != (200 if role.is_office_role else 403):
        wrong["/manage/orgs/"] = listing
    for key, org in world["tree"].items():
        expected = org_answer(actor, key)
        got = client.get(f"/manage/orgs/{org.code}/edit").status_code
        if got != expected:
            wrong[f"GET {org.code}"] = (got, expected)
        reply = client.post(
            f"/manage/orgs/{org.code}/edit",
            data={"name": f"{org.name}（国动办）", "csrf_token": csrf(client)},
        )
        got = 200 if reply.status_code == 302 else reply.status_code
        name = db.session.execute(
            db.select(Organisation.name).where(Organisation.id == org.id)
        ).scalar_one()
        if got != expected or name.endswith("（国动办）") != (expected == 200):
            wrong[f"POST {org.code}"] = (got, expected, name)
    assert wrong == {}


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_orgs_tree_shows_the_subtree(app, world, actor):
    role, org_key = actor
    if not role.is_office_role:
        return  # covered by the matrix: 403
    client = logged_in(app, world, actor)
    html = client.get("/manage/orgs/").get_data(as_text=True)
    shown = {key for key, org in world["tree"].items() if f'class="code">{org.code}<' in html}
    assert shown == SUBTREE[org_key]


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_who_may_create_what(app, world, actor):
    """The "new" pages: sites for unit managers and office admins, accounts for them too,
    organisations and checklist changes for office admins (checklists: province only)."""
    role, org_key = actor
    client = logged_in(app, world, actor)
    creators = (Role.UNIT_MANAGER, Role.OFFICE_ADMIN)
    assert client.get("/manage/sites/new").status_code == (200 if role in creators else 403)
    assert client.get("/manage/users/new").status_code == (200 if role in creators else 403)
    assert client.get("/manage/orgs/new").status_code == (200 if role is Role.OFFICE_ADMIN else 403)
    assert client.get("/manage/checklists/").status_code == (403 if role is Role.INSPECTOR else 200)


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_site_creation_only_under_units_in_reach(app, world, actor):
    role, org_key = actor
    if role not in (Role.UNIT_MANAGER, Role.OFFICE_ADMIN):
        return
    client = logged_in(app, world, actor)
    wrong = {}
    for unit_key in UNITS:
        unit = world["tree"][unit_key]
        reply = client.post(
            "/manage/sites/new",
            data={
                "code": f"NEW-{unit.code}",
                "name": "新工程",
                "address": "某路1号",
                "unit": unit.code,
                "construction_type": "basement",
                "usage": "parking",
                "status": "in_use",
                "due_from": today().isoformat(),
                "csrf_token": csrf(client),
            },
        )
        allowed = unit_key in SUBTREE[org_key]
        created = (
            db.session.execute(
                db.select(Site.id).where(Site.code == f"NEW-{unit.code}")
            ).scalar_one_or_none()
            is not None
        )
        if (reply.status_code == 302) != allowed or created != allowed:
            wrong[unit_key] = (reply.status_code, allowed, created)
    assert wrong == {}
