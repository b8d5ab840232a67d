"""web logouts: approval-page sessions ended before their cookie expired

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_logouts",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_web_logouts")),
    )
    with op.batch_alter_table("web_logouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_logouts_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_logouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_logouts_expires_at"))
    op.drop_table("web_logouts")
