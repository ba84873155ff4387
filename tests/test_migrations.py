"""The committed migrations build the whole schema from zero and agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from webapp.extensions import db


def test_upgrade_from_zero_matches_models(app):
    db.drop_all()  # the fixture made the schema with create_all; start from nothing
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `make migration MSG=...`: {diff}"
    tables = set(inspect(db.engine).get_table_names())
    assert {"organisations", "sites", "users", "inspections"} <= tables
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    db.create_all()  # leave what the fixture's teardown expects


def test_sites_registered_before_0002_are_due_from_their_registration_day(app):
    db.drop_all()
    upgrade(revision="0001")
    at = "2026-03-09 08:30:00"
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, code, name, kind, path, active, created_at) "
                "VALUES (1, 'U1', '单位', 'unit', '/U1/', :yes, :at)"
            ),
            {"yes": True, "at": at},
        )
        conn.execute(
            text(
                "INSERT INTO sites (code, name, address, unit_id, construction_type, usage, "
                "leased, crowded, hillside, low_lying, status, qr_token, created_at, "
                "updated_at) VALUES ('S1', '工程', '路', 1, 'basement', 'parking', :no, :no, "
                ":no, :no, 'in_use', 'token', :at, :at)"
            ),
            {"no": False, "at": at},
        )
    upgrade()
    with db.engine.connect() as conn:
        due_from = conn.execute(text("SELECT due_from FROM sites")).scalar_one()
    assert str(due_from) == "2026-03-09"
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    db.create_all()  # leave what the fixture's teardown expects
