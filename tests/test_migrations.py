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


def test_clock_flagged_inspections_become_clock_skew_flags(app):
    db.drop_all()
    upgrade(revision="0004")
    at = "2026-03-09 08:30:00"
    rows = [
        "INSERT INTO organisations (id, code, name, kind, path, active, created_at) "
        "VALUES (1, 'U1', '单位', 'unit', '/U1/', :yes, :at)",
        "INSERT INTO sites (id, code, name, address, unit_id, construction_type, usage, leased, "
        "crowded, hillside, low_lying, status, qr_token, due_from, created_at, updated_at) "
        "VALUES (1, 'S1', '工程', '路', 1, 'basement', 'parking', :no, :no, :no, :no, "
        "'in_use', 'token', '2026-03-01', :at, :at)",
        "INSERT INTO users (id, username, display_name, password_hash, org_id, role, active, "
        "created_at) VALUES (1, 'u', 'u', 'x', 1, 'inspector', :yes, :at)",
        "INSERT INTO checklist_templates (id, key, version, title, published, created_at) "
        "VALUES (1, 'daily', 1, '日检', :yes, :at)",
    ]
    inspection = (
        "INSERT INTO inspections (id, site_id, template_id, kind, inspector_id, device_id, "
        "started_at, finished_at, received_at, day, scanned, clock_offset_seconds, "
        "clock_flagged, failures, evidence_complete, content_hash, payload) VALUES "
        "(:id, 1, 1, 'self', 1, 'd', :at, :at, :at, '2026-03-09', :no, :offset, :flagged, 0, "
        ":yes, 'h', '{}')"
    )
    with db.engine.begin() as conn:
        for statement in rows:
            conn.execute(text(statement), {"yes": True, "no": False, "at": at})
        for number, (offset, flagged) in enumerate([(900, True), (5, False), (-3600, True)]):
            conn.execute(
                text(inspection),
                {
                    "id": f"00000000-0000-4000-8000-00000000000{number}",
                    "at": at,
                    "yes": True,
                    "no": False,
                    "offset": offset,
                    "flagged": flagged,
                },
            )
    upgrade()
    with db.engine.connect() as conn:
        flags = conn.execute(
            text("SELECT inspection_id, code, day FROM inspection_flags ORDER BY inspection_id")
        ).all()
        columns = {c["name"] for c in inspect(conn).get_columns("inspections")}
        # 0008 copies each flagged inspection's arrival time onto its flags.
        copied = conn.execute(
            text(
                "SELECT count(*) FROM inspection_flags JOIN inspections"
                " ON inspections.id = inspection_flags.inspection_id"
                " WHERE inspection_flags.received_at = inspections.received_at"
            )
        ).scalar()
    assert [(i[-1], code, str(day)) for i, code, day in flags] == [
        ("0", "clock_skew", "2026-03-09"),
        ("2", "clock_skew", "2026-03-09"),
    ]
    assert copied == 2
    assert "clock_flagged" not in columns
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    db.create_all()  # leave what the fixture's teardown expects
