"""``flask --app webapp.demo seed-demo`` (webapp/demo/): the Jilin demo's organisations,
sites and accounts, idempotence, all-or-nothing, and when a history is added."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import time_machine
from flask_migrate import upgrade
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_org, make_site, make_tree, make_user
from webapp.demo.cli import seed_demo_command
from webapp.demo.dataset import DEMO_PASSWORD, build_demo
from webapp.demo.tables import ACCOUNTS
from webapp.extensions import db
from webapp.models import (
    ChecklistCategory,
    ChecklistTemplate,
    Hazard,
    Inspection,
    Organisation,
    OrgKind,
    Photo,
    Role,
    Site,
    User,
)
from webapp.scope import role_fits_org, scoped_sites
from webapp.services.hazards import HazardRefused, verify_chain

EN = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
CITY_LEVEL = {"CC", "JLC", "SP", "LY", "TH", "BS", "SY", "BC", "YB", "MHK", "GZL"}


@pytest.fixture
def runner(app):
    """The demo app's command line (``flask --app webapp.demo``): the product's commands
    and ``seed-demo``, as ``webapp.demo.create_app`` adds it."""
    app.cli.add_command(seed_demo_command)
    return app.test_cli_runner()


def seed(runner, history_days=0):
    """Run seed-demo, without a history unless ``history_days``."""
    result = runner.invoke(args=["seed-demo", "--days", str(history_days)], env=EN)
    assert result.exit_code == 0, result.output
    return result


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


# --- the demo dataset -----------------------------------------------------------------


def test_build_demo_is_deterministic():
    first, second = build_demo(), build_demo()
    assert first.orgs == second.orgs and first.sites == second.sites
    assert first.accounts == second.accounts


def test_seed_demo_builds_the_jilin_hierarchy(runner):
    result = seed(runner)
    assert "Added 94 organisations, 400 sites, 66 accounts" in result.output
    assert DEMO_PASSWORD in result.output
    assert "days of history" not in result.output

    orgs = {o.code: o for o in db.session.execute(select(Organisation)).scalars()}
    province = orgs["JL"]
    assert (province.name, province.kind, province.parent) == (
        "吉林省人民防空办公室",
        "province",
        None,
    )
    cities = {code for code, org in orgs.items() if org.kind == OrgKind.CITY}
    assert cities == CITY_LEVEL
    assert all(orgs[code].parent is province for code in cities)
    assert orgs["MHK"].nominal_parent is orgs["TH"] and orgs["GZL"].nominal_parent is orgs["CC"]
    assert orgs["CC-XQ"].name == "长春新区人民防空办公室" and orgs["CC-XQ"].parent is orgs["CC"]
    units = [org for org in orgs.values() if org.kind == OrgKind.UNIT]
    assert 36 <= len(units) <= 44
    assert {u.parent.kind for u in units} == {"province", "city", "county"}

    sites = db.session.execute(select(Site)).scalars().all()
    assert len(sites) == 400
    per_city = Counter(
        next(c for c in CITY_LEVEL if orgs[c].contains(s.unit))
        for s in sites
        if s.unit.parent is not province
    )
    assert set(per_city) == CITY_LEVEL and per_city["CC"] >= 100 and per_city["SY"] >= 15
    usage = Counter(s.usage for s in sites)
    assert 0.40 <= usage["parking"] / 400 <= 0.50 and usage["catering_entertainment"] >= 20
    in_use = [s for s in sites if s.status == "in_use"]
    leased = [s for s in in_use if s.leased]
    assert 0.5 <= len(leased) / len(in_use) <= 0.7
    assert all(s.tenant and s.lease_expires and s.permit_expires for s in leased)
    assert 35 <= sum(s.early_era for s in sites) <= 60
    hill_cities = Counter(s.code.split("-")[0] for s in sites if s.hillside)
    assert {"JLC", "TH", "BS"} <= set(hill_cities)
    assert sum(s.low_lying for s in sites if s.code.startswith("SY-")) >= 5
    assert all(s.capacity and s.floor_area for s in sites if s.crowded)
    assert all(s.responsible_person and s.responsible_phone for s in sites)
    assert {"in_use", "idle", "sealed", "suspended"} == {s.status for s in sites}
    assert len({s.name for s in sites}) == 400


def test_demo_accounts_cover_every_role_at_every_level_and_see_their_branch(runner):
    seed(runner)
    users = db.session.execute(select(User)).scalars().all()
    listed = {u.username for u in users} & {username for username, *_rest in ACCOUNTS}
    assert len(listed) == len(ACCOUNTS) == 23
    users = [u for u in users if u.username in listed]
    levels = {(u.user_role, u.org.org_kind) for u in users}
    offices = (OrgKind.PROVINCE, OrgKind.CITY, OrgKind.COUNTY)
    assert {(Role.OFFICE_ADMIN, k) for k in offices} <= levels
    assert {(Role.OFFICE_SUPERVISOR, k) for k in offices} <= levels
    assert {(Role.INSPECTOR, OrgKind.UNIT), (Role.UNIT_MANAGER, OrgKind.UNIT)} <= levels
    assert {u.org.parent.code for u in users if u.org.kind == "unit"} >= {"JL", "CC", "CC-NG"}
    assert all(role_fits_org(u.user_role, u.org) for u in users)
    by_name = {u.username: u for u in users}
    assert by_name["mhk.admin"].org.code == "MHK"
    assert by_name["jl.admin"].check_password(DEMO_PASSWORD)

    def visible(username):
        return len(db.session.execute(scoped_sites(by_name[username])).scalars().all())

    assert visible("jl.supervisor") == 400
    assert 100 <= visible("cc.admin") < visible("jl.admin")
    assert 0 < visible("cc-ng.supervisor") < visible("cc.admin")
    assert visible("cc-u01.inspector") == visible("cc-u01.manager") > 0
    assert visible("jl-u01.inspector") > 0 and visible("mhk-u01.inspector") > 0


def test_every_unit_has_an_inspector_and_every_city_level_office_a_supervisor(runner):
    result = seed(runner)
    users = db.session.execute(select(User)).scalars().all()
    units = {o.code for o in db.session.scalars(select(Organisation)) if o.kind == OrgKind.UNIT}
    assert {u.org.code for u in users if u.role == Role.INSPECTOR} == units
    assert {u.org.code for u in users if u.role == Role.OFFICE_SUPERVISOR} >= CITY_LEVEL
    listed = {username for username, *_rest in ACCOUNTS}
    extra = [u for u in users if u.username not in listed]
    assert len(extra) == 43 and "43 field accounts" in result.output
    for user in extra:  # named after their organisation, generated Chinese names
        assert user.username == f"{user.org.code.lower()}.{user.role.split('_')[-1]}"
        assert 2 <= len(user.display_name) <= 3 and user.phone
    assert extra[0].check_password(DEMO_PASSWORD)


def _dump() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    tables = {}
    for table in db.metadata.sorted_tables:
        query = select(table).order_by(*table.primary_key.columns)
        tables[table.name] = [tuple(row) for row in db.session.execute(query)]
    return tables


def test_running_seed_demo_twice_changes_nothing(runner):
    seed(runner)
    before = _dump()
    result = seed(runner)
    assert "Added 0 organisations, 0 sites, 0 accounts" in result.output
    assert "Nothing was missing; nothing changed." in result.output
    db.session.expire_all()
    assert _dump() == before
    assert sum(len(rows) for rows in before.values()) > 500


def test_seed_demo_only_adds_what_is_missing(runner):
    tree = make_tree()  # a province "JL" already exists, with other cities and units
    kept = make_site(tree["unit_a"], "CC-0001", name="已有工程")
    make_user(tree["unit_a"], username="jl.admin", role=Role.INSPECTOR)
    db.session.commit()
    result = seed(runner)
    assert "Added 93 organisations, 399 sites, 65 accounts" in result.output
    db.session.expire_all()
    province = db.session.execute(
        select(Organisation).where(Organisation.code == "JL")
    ).scalar_one()
    assert province.name == "吉林省人防办"  # existing rows are used, never changed
    assert db.session.get(Site, kept.id).name == "已有工程"
    admin = db.session.execute(select(User).where(User.username == "jl.admin")).scalar_one()
    assert admin.role == "inspector" and admin.check_password(PASSWORD)
    cc = db.session.execute(select(Organisation).where(Organisation.code == "CC")).scalar_one()
    assert cc.parent_id == province.id and cc.path == "/JL/CC/"
    assert count(Organisation) == 8 + 93


def test_a_conflicting_org_code_stops_the_seed_and_writes_nothing(runner):
    make_org("CC", OrgKind.UNIT)
    db.session.commit()
    result = runner.invoke(args=["seed-demo"], env=EN)
    assert result.exit_code != 0
    assert "Organisation CC already exists as a unit; the demo needs a city" in result.output
    db.session.expire_all()
    assert (count(Organisation), count(Site), count(User)) == (1, 0, 0)
    assert (count(ChecklistTemplate), count(ChecklistCategory)) == (0, 0)


def test_seed_demo_works_on_the_migrated_schema(runner):
    db.drop_all()
    upgrade()  # the committed migrations, not create_all
    try:
        result = seed(runner, history_days=2)
        assert "Added 94 organisations, 400 sites, 66 accounts" in result.output
        assert "Added 2 days of history" in result.output
        assert "Nothing was missing" in seed(runner, history_days=2).output
        assert verify_chain()[1] is None
    finally:
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE alembic_version")
        db.create_all()


# --- with a history (tests/test_demo_activity.py reads a whole one) ------------------------

NOW = "2026-03-11T20:30:00+08:00"


def test_a_refused_step_of_the_history_leaves_nothing_behind(runner, monkeypatch):
    """All or nothing, although the services committed (savepoints) many times before."""
    from webapp.demo.activity import plan

    def refuse(*_args, **_kwargs):
        raise HazardRefused(409, "transition_not_allowed", "refused on purpose")

    monkeypatch.setattr(plan, "record_event", refuse)
    with time_machine.travel(NOW, tick=False):
        result = runner.invoke(args=["seed-demo", "--days", "2"], env=EN)
    assert result.exit_code != 0
    assert "could not be replayed" in result.output and "refused on purpose" in result.output
    db.session.expire_all()
    for model in (Organisation, Site, User, ChecklistTemplate, Inspection, Hazard, Photo):
        assert count(model) == 0, model


def test_a_history_can_be_added_to_a_demo_without_one(runner):
    with time_machine.travel(NOW, tick=False):
        seed(runner)
        assert set(db.session.scalars(select(Site.due_from))) == {date(2026, 3, 12)}
        result = seed(runner, history_days=2)
    assert "Added 0 organisations, 0 sites, 0 accounts" in result.output
    assert "Added 2 days of history" in result.output
    db.session.expire_all()
    assert set(db.session.scalars(select(Site.due_from))) == {date(2026, 3, 10)}
    checked = select(func.count(Inspection.id)).where(Inspection.day == date(2026, 3, 10))
    assert db.session.scalar(checked) > 300


def test_no_history_is_made_up_on_a_database_with_other_data(runner):
    """Real offices and sites next to the demo: the history would file backdated checks and
    monthly reports for them, so none is added."""
    make_tree()  # organisations whose codes are not the demo's
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        result = seed(runner, history_days=2)
    assert "not the demo's: no history was added" in result.output
    assert (count(Inspection), count(Hazard)) == (0, 0)
