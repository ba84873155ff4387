"""The hazard history is append-only and hash-chained per site; the chain check finds edits."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from tests.factories import make_site
from tests.hazard_world import PHOTO, act, hazard_in, make_world, open_hazard
from webapp.extensions import db
from webapp.models import HazardEvent, HistoryIsImmutable
from webapp.models.hazards import GENESIS_HASH
from webapp.services.hazards import verify_chain


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


def _a_history():
    world = make_world()
    hazard = hazard_in(world, "rectified")
    act(world, "mgr", hazard, "rejected", note="不合格")
    return world, hazard


def _drop_triggers():
    """What an attacker with database access would do first: bypass the triggers."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TRIGGER hazard_events_no_update"))
        db.session.execute(text("DROP TRIGGER hazard_events_no_delete"))
    else:
        db.session.execute(text("DROP TRIGGER hazard_events_append_only ON hazard_events"))
    db.session.commit()


def test_events_cannot_be_edited_through_the_orm(app):
    _world, hazard = _a_history()
    event = hazard.events[1]
    event.note = "篡改"
    with pytest.raises(HistoryIsImmutable):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(HistoryIsImmutable):
        db.session.delete(hazard.events[0])
        db.session.commit()
    db.session.rollback()
    with pytest.raises(HistoryIsImmutable):
        db.session.execute(update(HazardEvent).values(note="x"))
    with pytest.raises(HistoryIsImmutable):
        db.session.execute(delete(HazardEvent).where(HazardEvent.id == event.id))
    db.session.rollback()
    db.session.expire_all()
    assert [e.note for e in hazard.events][1] != "篡改"
    assert verify_chain() == (4, None)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE hazard_events SET note = 'x'",
        "DELETE FROM hazard_events",
    ],
)
def test_the_database_refuses_changes_to_events(app, statement):
    _a_history()
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(db.session.scalars(select(HazardEvent)).all()) == 4


def test_chain_links_each_site_in_order(app):
    world, hazard = _a_history()
    other_site = make_site(world.tree["unit_county"])
    world.site = other_site
    open_hazard(world)
    events = db.session.scalars(
        select(HazardEvent).where(HazardEvent.site_id == hazard.site_id).order_by(HazardEvent.seq)
    ).all()
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS_HASH
    assert all(
        later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False)
    )
    first_of_other = db.session.scalar(
        select(HazardEvent).where(HazardEvent.site_id == other_site.id)
    )
    assert (first_of_other.seq, first_of_other.prev_hash) == (1, GENESIS_HASH)


def test_opening_hazards_does_not_wait_for_a_sync_that_only_references_the_site(app):
    """Two syncs storing inspections of the same sites deadlocked (found by bench/load.py):
    each insert's foreign key check holds a KEY SHARE lock on the site row, and locking
    the site's chain FOR UPDATE waited for the other's. The chain lock must not conflict
    with the foreign key checks of inspections being stored."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite has one writer)")
    world = make_world()
    site_id = world.site.id
    db.session.commit()
    with db.engine.connect() as other:
        # What inserting an inspection of the site does in the other sync's transaction.
        other.execute(text("SELECT id FROM sites WHERE id = :id FOR KEY SHARE"), {"id": site_id})
        db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
        open_hazard(world)
        other.rollback()
    db.session.commit()
    assert verify_chain() == (1, None)


def test_verify_hazard_chain_command_passes_on_an_intact_history(app, runner):
    _a_history()
    result = runner.invoke(args=["verify-hazard-chain"])
    assert result.exit_code == 0, result.output
    assert "OK: 4 hazard events verified." in result.output


def test_verify_hazard_chain_names_the_edited_row(app, runner):
    world, hazard = _a_history()
    site_code, target = world.site.code, hazard.events[2]
    target_id = target.id
    _drop_triggers()
    db.session.execute(
        text("UPDATE hazard_events SET note = '其实没有整改' WHERE id = :id"), {"id": target_id}
    )
    db.session.commit()
    result = runner.invoke(args=["verify-hazard-chain", "--site", site_code])
    assert result.exit_code == 1
    assert f"site {site_code}: event #3 (id {target_id})" in result.output
    assert "row edited" in result.output


def test_verify_hazard_chain_finds_a_deleted_row(app, runner):
    _world, hazard = _a_history()
    _drop_triggers()
    db.session.execute(
        text("DELETE FROM hazard_events WHERE id = :id"), {"id": hazard.events[1].id}
    )
    db.session.commit()
    result = runner.invoke(args=["verify-hazard-chain"])
    assert result.exit_code == 1
    assert "event #2" in result.output and "missing event" in result.output


def test_verify_hazard_chain_refuses_an_unknown_site(app, runner):
    result = runner.invoke(args=["verify-hazard-chain", "--site", "NOPE"])
    assert result.exit_code != 0
    assert "no site with code 'NOPE'" in result.output


def test_the_migration_installs_the_triggers_too(app):
    db.drop_all()
    upgrade()
    try:
        world = make_world()
        hazard = open_hazard(world)
        act(world, "mgr", hazard, "progress", note="进展", photos=[PHOTO])
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE hazard_events SET note = 'x'"))
    finally:
        db.session.rollback()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE alembic_version")
        db.create_all()
