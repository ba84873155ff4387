"""Sites: the first day of daily checks (due_from).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

A site already registered is due from the day it was registered (its created_at date);
new sites get the model's default, the day after they are registered.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_from", sa.Date(), nullable=True))
    op.execute("UPDATE sites SET due_from = date(created_at)")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.alter_column("due_from", existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("due_from")
