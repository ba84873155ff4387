"""Who holds a photo: one photo_uploads row per account that uploaded its bytes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

A record counts a referenced photo as present (and opens it to its readers) only if its
author or the author's organisation uploaded it (issue 15, finding 2). Each stored photo's
first uploader, the only one known so far, becomes its first row.
"""

import sqlalchemy as sa
from alembic import op

import webapp.models.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "photo_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", webapp.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_photo_uploads_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["photos.sha256"], name=op.f("fk_photo_uploads_sha256_photos")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_photo_uploads_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_uploads")),
        sa.UniqueConstraint("sha256", "user_id", name=op.f("uq_photo_uploads_sha256")),
    )
    with op.batch_alter_table("photo_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photo_uploads_user_id"), ["user_id"], unique=False)
    op.execute(
        "INSERT INTO photo_uploads (sha256, user_id, org_id, uploaded_at) "
        "SELECT photos.sha256, photos.uploaded_by_id, users.org_id, photos.uploaded_at "
        "FROM photos JOIN users ON users.id = photos.uploaded_by_id"
    )


def downgrade():
    op.drop_table("photo_uploads")
