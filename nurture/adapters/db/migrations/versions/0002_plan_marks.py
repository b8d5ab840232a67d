"""plan marks: where the last complete planning run left off

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("horizon_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("swept_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_marks")),
    )
    with op.batch_alter_table("plan_marks", schema=None) as batch_op:
        batch_op.create_index("ix_plan_marks_fingerprint", ["fingerprint", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_marks", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_marks_fingerprint")
    op.drop_table("plan_marks")
