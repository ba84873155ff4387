"""Indexes for the inspections API's rare filters: each flag row carries its inspection's
arrival time (``inspection_flags.received_at``, copied like ``day``) under an index by code,
and inspections are indexed by kind in the list's order, so that a page of one flag code or
one kind (covert checks: a few dozen among millions) no longer walks every inspection.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import webapp.models.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inspection_flags", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("received_at", webapp.models.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE inspection_flags SET received_at = (SELECT inspections.received_at"
        " FROM inspections WHERE inspections.id = inspection_flags.inspection_id)"
    )
    with op.batch_alter_table("inspection_flags", schema=None) as batch_op:
        batch_op.alter_column(
            "received_at",
            existing_type=webapp.models.types.UTCDateTime(timezone=True),
            nullable=False,
        )
        batch_op.create_index(
            "ix_inspection_flags_code_received",
            ["code", "received_at", "inspection_id"],
            unique=False,
        )
    with op.batch_alter_table("inspections", schema=None, recreate="never") as batch_op:
        batch_op.create_index(
            "ix_inspections_kind_received", ["kind", "received_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("inspections", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_inspections_kind_received")
    with op.batch_alter_table("inspection_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_flags_code_received")
        batch_op.drop_column("received_at")
