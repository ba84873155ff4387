"""Credibility flags: inspection_flags and the append-only flag_annotations; the
inspections' clock_flagged column becomes clock_skew flags; indexes for the overlapping
flag (inspector_id, finished_at) and the inspections API (received_at, id).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op
from flask import current_app

import webapp.models.types  # noqa: F401 (custom column types used below)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    flags = op.create_table(
        "inspection_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("created_at", webapp.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_flags_inspection_id_inspections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_flags")),
        sa.UniqueConstraint(
            "inspection_id", "code", name=op.f("uq_inspection_flags_inspection_id")
        ),
    )
    with op.batch_alter_table("inspection_flags", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_flags_day", ["day"], unique=False)

    # The append-only triggers come with the CREATE TABLE (webapp/models/append_only.py).
    op.create_table(
        "flag_annotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("at", webapp.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("remark", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_flag_annotations_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["inspection_flags.id"],
            name=op.f("fk_flag_annotations_flag_id_inspection_flags"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_annotations")),
    )
    with op.batch_alter_table("flag_annotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flag_annotations_flag_id"), ["flag_id"], unique=False)

    _clock_flags_to_rows(flags)
    # Never recreate inspections on SQLite (copy, drop, rename): other tables refer to it and
    # foreign keys are enforced. SQLite 3.35+ drops an unindexed column in place.
    with op.batch_alter_table("inspections", schema=None, recreate="never") as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_inspector_id"))
        batch_op.create_index(
            "ix_inspections_inspector_finished", ["inspector_id", "finished_at"], unique=False
        )
        batch_op.create_index("ix_inspections_received_id", ["received_at", "id"], unique=False)
        batch_op.drop_column("clock_flagged")


def _clock_flags_to_rows(flags: sa.Table) -> None:
    """Every inspection with clock_flagged becomes a clock_skew flag with the same facts a
    new one has (its offset, and the limit as configured now), raised when it was received."""
    limit = int(current_app.config.get("SHELTER_CLOCK_SKEW_FLAG_SECONDS", 600))
    rows = op.get_bind().execute(
        sa.text(
            "SELECT id, day, received_at, clock_offset_seconds FROM inspections "
            "WHERE clock_flagged ORDER BY id"
        )
    )
    batch = []
    for inspection_id, day, received_at, offset in rows:
        batch.append(
            {
                "inspection_id": inspection_id,
                "code": "clock_skew",
                "facts": {"offset_seconds": offset, "limit": limit},
                "day": _date(day),
                "created_at": _moment(received_at),
            }
        )
    if batch:
        op.bulk_insert(flags, batch)


def _date(value):
    """SQLite returns dates read by raw SQL as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def downgrade():
    with op.batch_alter_table("inspections", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("clock_flagged", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_index("ix_inspections_received_id")
        batch_op.drop_index("ix_inspections_inspector_finished")
        batch_op.create_index(
            batch_op.f("ix_inspections_inspector_id"), ["inspector_id"], unique=False
        )
    op.execute(
        "UPDATE inspections SET clock_flagged = true WHERE id IN "
        "(SELECT inspection_id FROM inspection_flags WHERE code = 'clock_skew')"
    )
    with op.batch_alter_table("flag_annotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flag_annotations_flag_id"))
    op.drop_table("flag_annotations")
    with op.batch_alter_table("inspection_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_flags_day")
    op.drop_table("inspection_flags")
