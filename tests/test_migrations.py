"""The committed migrations build the whole schema from zero and agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from webapp.extensions import db


def test_upgrade_from_zero_matches_models(app):
    db.drop_all()  # the fixture made the schema with create_all; start from nothing
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `make migrations`: {diff}"
    tables = set(inspect(db.engine).get_table_names())
    assert {"organisations", "sites", "users", "inspections"} <= tables
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    db.create_all()  # leave what the fixture's teardown expects
