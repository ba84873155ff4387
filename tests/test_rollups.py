"""The per-day summaries (webapp/services/rollups.py): kept exact by the sync and by site
changes, rebuilt by ``flask rollups rebuild``, and giving the figures the raw rows give."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import func, insert, select, text

from tests.contract.world import NOW, build_world, log_in, valid_batch
from tests.dashboard_fixtures import add_inspection, local
from tests.factories import make_org, make_site, make_template, make_user
from webapp.extensions import db
from webapp.models import (
    Inspection,
    Organisation,
    OrgKind,
    Role,
    Site,
    SiteDayRollup,
    SiteExcuse,
    UnitDayRollup,
)
from webapp.services import completion, reports, rollups
from webapp.services.completion import excuse_site

FIRST = date(2026, 2, 2)  # a Monday: idle and sealed sites are due on Mondays
DAYS = 35
LAST = FIRST + timedelta(days=DAYS - 1)


def unit_day_rollups() -> dict[tuple, int]:
    return {
        (row.day, row.unit_id, row.status): row.checked
        for row in db.session.scalars(select(UnitDayRollup))
        if row.checked
    }


def exact() -> bool:
    return rollups.differences() == {"site_day_rollups": 0, "unit_day_rollups": 0}


def both_ways(app, compute, *args):
    """``compute(*args)`` with the figures read from the summaries and from the raw rows."""
    app.config["SHELTER_READ_ROLLUPS"] = True
    from_rollups = compute(*args)
    app.config["SHELTER_READ_ROLLUPS"] = False
    from_rows = compute(*args)
    app.config["SHELTER_READ_ROLLUPS"] = True
    return from_rollups, from_rows


# --- a generated history ---------------------------------------------------------------


def generate_history(seed: int = 7, n_sites: int = 300) -> dict:
    """Three cities (one directly under the province), 30 units, 300 sites of every status
    (some with their first day of checks inside the period), five weeks of self-checks
    (crowded places twice a day, a tenth synced one to four days late, some checked
    before their first day), office and covert checks; halfway, sites change status and
    unit, first days move and sites are excused, while late checks keep arriving."""
    rng = random.Random(seed)
    province = make_org("JL", OrgKind.PROVINCE, name="省")
    cities = [
        make_org("CA", OrgKind.CITY, province, name="甲市"),
        make_org("CB", OrgKind.CITY, province, name="乙市"),
        make_org("CM", OrgKind.CITY, province, name="梅市"),
    ]
    counties = [make_org(f"{c.code}-K", OrgKind.COUNTY, c, name=f"{c.name}区") for c in cities]
    units = [
        make_org(f"U{n:02d}", OrgKind.UNIT, rng.choice(cities + counties), name=f"单位{n}")
        for n in range(30)
    ]
    template = make_template()
    inspectors = {u.id: make_user(u, Role.INSPECTOR) for u in units}
    offices = [make_user(c, Role.OFFICE_SUPERVISOR) for c in cities]
    manager = make_user(province, Role.OFFICE_ADMIN)
    sites = []
    for n in range(n_sites):
        status = rng.choices(["in_use", "idle", "sealed", "suspended"], [80, 10, 5, 5])[0]
        due_from = date(2020, 1, 1)
        if rng.random() < 0.1:
            due_from = FIRST + timedelta(days=rng.randrange(DAYS))
        sites.append(
            make_site(
                units[n % len(units)],
                f"G{n:04d}",
                status=status,
                due_from=due_from,
                crowded=rng.random() < 0.2,
                leased=rng.random() < 0.5,
                year_built=rng.choice([1970, 1990, 2010]),
            )
        )
    db.session.commit()
    rows = []
    for offset in range(DAYS):
        day = FIRST + timedelta(days=offset)
        for site in sites:
            for _ in range(2 if site.crowded else 1):
                if rng.random() < 0.85:
                    rows.append(_check(rng, site, day, "self", inspectors[site.unit_id].id))
        for _ in range(3):
            rows.append(_check(rng, rng.choice(sites), day, "office", rng.choice(offices).id))
        if rng.random() < 0.3:
            rows.append(_check(rng, rng.choice(sites), day, "covert", manager.id))
    rows.sort(key=lambda row: row["received_at"])
    half = len(rows) // 2
    _sync_in_batches(rows[:half], template.id)
    _change_sites(rng, sites, units, manager)
    _sync_in_batches(rows[half:], template.id)
    return {"province": province, "cities": cities, "counties": counties, "units": units}


def _check(rng, site, day: date, kind: str, inspector_id: int) -> dict:
    started = local(day.year, day.month, day.day, rng.randint(7, 22), rng.randint(0, 59))
    received = started + timedelta(minutes=rng.randint(5, 120))
    if rng.random() < 0.1:  # synced late: the next days
        received += timedelta(days=rng.randint(1, 4))
    return {
        "id": str(uuid.uuid4()),
        "site_id": site.id,
        "kind": kind,
        "inspector_id": inspector_id,
        "device_id": "phone",
        "started_at": started,
        "finished_at": started + timedelta(minutes=6),
        "received_at": received,
        "day": day,
        "content_hash": uuid.uuid4().hex * 2,
        "payload": {},
    }


def _sync_in_batches(rows: list[dict], template_id: int) -> None:
    """Insert the checks in the order they reached the server, a batch per transaction,
    with the call store_inspections makes."""
    for start in range(0, len(rows), 150):
        batch = [{**row, "template_id": template_id} for row in rows[start : start + 150]]
        db.session.execute(insert(Inspection), batch)
        rollups.count_new_checks((row["site_id"], row["day"], row["kind"]) for row in batch)
        db.session.commit()


def _change_sites(rng, sites: list[Site], units: list[Organisation], manager) -> None:
    """Status changes, unit moves (by relationship and by column), first days moved, and
    excuses, on sites that already have checks counted."""
    for site in rng.sample(sites, 40):
        site.status = rng.choice(["in_use", "idle", "sealed", "suspended"])
    for site in rng.sample(sites, 15):
        site.unit = rng.choice(units)
    for site in rng.sample(sites, 10):
        site.unit_id = rng.choice(units).id
        site.status = rng.choice(["in_use", "idle"])
    for site in rng.sample(sites, 10):
        site.due_from = FIRST + timedelta(days=rng.randrange(DAYS))
    db.session.commit()
    for site in rng.sample(sites, 30):
        day = FIRST + timedelta(days=rng.randrange(DAYS))
        if db.session.scalar(select(SiteExcuse.id).filter_by(site_id=site.id, day=day)) is None:
            excuse_site(manager, site, day, "停电检修")


def test_a_generated_history_gives_the_same_figures_from_summaries_and_raw_rows(app):
    """Day counts at every level and period, monthly reports, heat maps and rankings."""
    world = generate_history()
    assert exact()
    orgs = [world["province"], *world["cities"], *world["counties"], *world["units"][:5]]
    periods = [(FIRST, LAST), (FIRST + timedelta(days=3), FIRST + timedelta(days=12)), (LAST, LAST)]
    for org in orgs:
        for first, last in periods:
            from_rollups, from_rows = both_ways(app, completion.daily_unit_counts, org, first, last)
            assert from_rollups == from_rows, (org.code, first, last)
    checked = sum(
        t.checked
        for per_day in completion.daily_unit_counts(world["province"], FIRST, LAST).values()
        for t in per_day.values()
    )
    assert checked > 5000  # the history is not empty: most site-days were checked
    for city in world["cities"]:
        for month in (date(2026, 2, 1), date(2026, 3, 1)):
            from_rollups, from_rows = both_ways(app, reports.compute_figures, city, month)
            assert from_rollups == from_rows, (city.code, month)
    for org in (world["province"], world["cities"][0]):
        heat = both_ways(app, completion.org_heatmap, org, LAST)
        assert heat[0] == heat[1]
        ranks = both_ways(app, completion.completion_rankings, org, LAST)
        assert ranks[0] == ranks[1]


def test_a_rebuild_writes_what_was_kept_and_gives_byte_identical_figures(app, runner):
    world = generate_history(seed=3, n_sites=60)
    kept = unit_day_rollups()
    figures = {c.code: reports.compute_figures(c, date(2026, 2, 1)) for c in world["cities"]}
    result = runner.invoke(args=["rollups", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "site days" in result.output
    assert unit_day_rollups() == kept
    assert {c.code: reports.compute_figures(c, date(2026, 2, 1)) for c in world["cities"]} == (
        figures
    )
    assert runner.invoke(args=["rollups", "check"]).exit_code == 0


def test_check_finds_a_summary_changed_behind_the_apps_back_and_rebuild_repairs_it(app, runner):
    unit = make_org("U1", OrgKind.UNIT, make_org("JL", OrgKind.PROVINCE))
    site = make_site(unit)
    add_inspection(site, make_user(unit), local(2026, 3, 9, 10))
    db.session.commit()
    db.session.execute(text("UPDATE unit_day_rollups SET checked = checked + 1"))
    db.session.commit()
    result = runner.invoke(args=["rollups", "check"])
    assert result.exit_code == 1
    assert "unit_day_rollups: 2 rows differ" in result.output
    assert runner.invoke(args=["rollups", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["rollups", "check"]).exit_code == 0


# --- what the summaries count ------------------------------------------------------------


@pytest.fixture
def unit_world(app):
    province = make_org("JL", OrgKind.PROVINCE)
    unit, other = make_org("U1", OrgKind.UNIT, province), make_org("U2", OrgKind.UNIT, province)
    inspector = make_user(unit)
    return {"unit": unit, "other": other, "inspector": inspector, "site": make_site(unit)}


def test_a_site_checked_twice_counts_once_and_office_checks_not_at_all(unit_world):
    site, inspector = unit_world["site"], unit_world["inspector"]
    add_inspection(site, inspector, local(2026, 3, 9, 9))
    add_inspection(site, inspector, local(2026, 3, 9, 18))
    add_inspection(site, inspector, local(2026, 3, 10, 9), kind="office")
    db.session.commit()
    assert unit_day_rollups() == {(date(2026, 3, 9), unit_world["unit"].id, "in_use"): 1}
    assert exact()


def test_a_moved_site_takes_its_past_days_to_its_new_unit(unit_world):
    site, inspector = unit_world["site"], unit_world["inspector"]
    add_inspection(site, inspector, local(2026, 3, 9, 9))
    add_inspection(site, inspector, local(2026, 3, 10, 9))
    db.session.commit()
    site.unit = unit_world["other"]
    db.session.commit()
    other = unit_world["other"].id
    assert unit_day_rollups() == {
        (date(2026, 3, 9), other, "in_use"): 1,
        (date(2026, 3, 10), other, "in_use"): 1,
    }
    site.status = "suspended"
    db.session.commit()
    assert set(unit_day_rollups()) == {
        (date(2026, 3, 9), other, "suspended"),
        (date(2026, 3, 10), other, "suspended"),
    }
    assert exact()


def test_a_change_rolled_back_moves_nothing(unit_world):
    site = unit_world["site"]
    add_inspection(site, unit_world["inspector"], local(2026, 3, 9, 9))
    db.session.commit()
    site.status = "idle"
    db.session.flush()
    db.session.rollback()
    assert unit_day_rollups() == {(date(2026, 3, 9), unit_world["unit"].id, "in_use"): 1}
    assert exact()


def test_a_check_before_the_sites_first_day_is_counted_by_neither(app, unit_world):
    site = unit_world["site"]
    site.due_from = date(2026, 3, 10)
    add_inspection(site, unit_world["inspector"], local(2026, 3, 9, 9))
    add_inspection(site, unit_world["inspector"], local(2026, 3, 10, 9))
    db.session.commit()
    unit = unit_world["unit"]
    counts = both_ways(app, completion.daily_unit_counts, unit, date(2026, 3, 9), date(2026, 3, 10))
    assert counts[0] == counts[1]
    per_day = counts[0][unit_world["unit"].id]
    assert (per_day[date(2026, 3, 9)].checked, per_day[date(2026, 3, 10)].checked) == (0, 1)


# --- through the sync -------------------------------------------------------------------


@pytest.fixture
def sync_world(app):
    with time_machine.travel(NOW, tick=True):
        yield build_world()


def test_the_sync_counts_its_new_checks_once_in_its_transaction(client, sync_world):
    headers = log_in(client, "ct-inspector")
    batch = valid_batch(sync_world["template"].id)
    for _ in range(2):  # the second time every record is a duplicate
        reply = client.post("/api/v1/sync/inspections", json=batch, headers=headers)
        assert reply.status_code == 200
    stored = db.session.scalars(select(Inspection).where(Inspection.kind == "self")).all()
    assert stored
    assert db.session.scalar(select(func.count()).select_from(SiteDayRollup)) == len(
        {(i.site_id, i.day) for i in stored}
    )
    assert sum(unit_day_rollups().values()) == len({(i.site_id, i.day) for i in stored})
    assert exact()


def test_concurrent_syncs_of_one_unit_and_day_lose_no_count(app, sync_world):
    """Phones of one unit sync checks of the same day at once (two of the same site):
    every site day is counted once, whichever transaction commits first."""
    unit = sync_world["unit_a"]
    extra = [make_site(unit, f"CC-{n}") for n in range(3)]
    db.session.commit()
    sites = [sync_world["site"].id, *(s.id for s in extra), extra[0].id]
    template_id, inspector = sync_world["template"].id, sync_world["inspector"].id
    day = date(2026, 3, 9)
    start = threading.Barrier(len(sites))
    errors = []

    def sync_one(site_id: int) -> None:
        with app.app_context():
            try:
                site = db.session.get(Site, site_id)
                row = _check(random.Random(site_id), site, day, "self", inspector)
                start.wait()
                _sync_in_batches([row], template_id)
            except Exception as error:  # noqa: BLE001 (reported by the test below)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sync_one, args=(s,)) for s in sites]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert unit_day_rollups() == {(day, unit.id, "in_use"): 4}
    assert exact()


@pytest.mark.parametrize("first", ["sync", "move"])
def test_a_site_moved_while_its_check_syncs_is_counted_where_it_ends_up(app, sync_world, first):
    """One transaction counts a check of the site while another moves it to a unit of
    the other city: whichever holds the site first, the other waits (PostgreSQL) or comes
    after (SQLite), and the count ends up under the site's unit and status."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time: the interleaving cannot happen")
    site_id, template_id = sync_world["site"].id, sync_world["template"].id
    other_unit, inspector = sync_world["unit_b"].id, sync_world["inspector"].id
    holding, release, errors = threading.Event(), threading.Event(), []

    def sync() -> None:
        with app.app_context():
            row = _check(
                random.Random(1), db.session.get(Site, site_id), date(2026, 3, 9), "self", inspector
            )
            db.session.execute(insert(Inspection), [{**row, "template_id": template_id}])
            rollups.count_new_checks([(site_id, row["day"], "self")])
            if first == "sync":
                holding.set()
                release.wait(30)
            db.session.commit()
            db.session.remove()

    def move() -> None:
        with app.app_context():
            site = db.session.get(Site, site_id)
            site.unit_id, site.status = other_unit, "idle"
            db.session.flush()
            if first == "move":
                holding.set()
                release.wait(30)
            db.session.commit()
            db.session.remove()

    def run(target):
        try:
            target()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    leader, follower = (sync, move) if first == "sync" else (move, sync)
    threads = [threading.Thread(target=run, args=(leader,))]
    threads[0].start()
    assert holding.wait(30)
    threads.append(threading.Thread(target=run, args=(follower,)))
    threads[1].start()
    threads[1].join(timeout=1)
    assert threads[1].is_alive()  # waits for the leader's lock on the site
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert unit_day_rollups() == {(date(2026, 3, 9), other_unit, "idle"): 1}
    assert exact()


def test_figures_do_not_depend_on_where_they_were_read(app, unit_world):
    """The summaries hold no due rule: changing the idle-check interval changes the
    figures from the summaries exactly as it changes those from the raw rows."""
    site = make_site(unit_world["unit"], status="idle")
    add_inspection(site, unit_world["inspector"], local(2026, 3, 10, 9))  # a Tuesday
    db.session.commit()
    app.config["SHELTER_IDLE_CHECK_INTERVAL_DAYS"] = 1
    unit = unit_world["unit"]
    counts = both_ways(app, completion.daily_unit_counts, unit, date(2026, 3, 9), date(2026, 3, 15))
    assert counts[0] == counts[1]
    assert counts[0][unit_world["unit"].id][date(2026, 3, 10)].checked == 1
