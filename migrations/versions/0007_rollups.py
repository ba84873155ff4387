"""Per-day summaries of the self-checks (site_day_rollups, unit_day_rollups), filled from
the inspections; the (kind, day) index of inspections also carries site_id and
received_at; hazards are indexed by (site_id, found_at) instead of site_id alone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import webapp.models.types  # noqa: F401 (custom column types used below)

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unit_day_rollups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["organisations.id"],
            name=op.f("fk_unit_day_rollups_unit_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("day", "unit_id", "status", name=op.f("pk_unit_day_rollups")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "site_day_rollups",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_day_rollups_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("site_id", "day", name=op.f("pk_site_day_rollups")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_kind_day"))
        batch_op.create_index(
            "ix_inspections_kind_day_site",
            ["kind", "day", "site_id", "received_at"],
            unique=False,
        )
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazards_site_id"))
        batch_op.create_index("ix_hazards_site_found", ["site_id", "found_at"], unique=False)
    # What `flask rollups rebuild` writes (webapp/services/rollups.py), as of this revision.
    op.execute(
        "INSERT INTO site_day_rollups (site_id, day) "
        "SELECT DISTINCT site_id, day FROM inspections WHERE kind = 'self'"
    )
    op.execute(
        "INSERT INTO unit_day_rollups (day, unit_id, status, checked) "
        "SELECT site_day_rollups.day, sites.unit_id, sites.status, count(*) "
        "FROM site_day_rollups JOIN sites ON sites.id = site_day_rollups.site_id "
        "GROUP BY sites.unit_id, site_day_rollups.day, sites.status"
    )


def downgrade():
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_index("ix_hazards_site_found")
        batch_op.create_index(batch_op.f("ix_hazards_site_id"), ["site_id"], unique=False)
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_inspections_kind_day_site")
        batch_op.create_index(batch_op.f("ix_inspections_kind_day"), ["kind", "day"], unique=False)

    op.drop_table("site_day_rollups")
    op.drop_table("unit_day_rollups")
