"""What each reader's "Catching on" section carried (issue 17: nothing comes back to a reader
who had it).

One ``catching_on_sections`` row per distinct section of an issue, and a nullable pointer on
each ledger row. The pointer has no foreign key on purpose: a plain nullable column is one
``ALTER TABLE ... ADD COLUMN`` on SQLite and PostgreSQL alike, while a constraint would make
SQLite copy the whole ledger (a million rows a day at scale).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catching_on_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("papers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issue_id", "digest"),
    )
    op.create_index(
        op.f("ix_catching_on_sections_issue_id"),
        "catching_on_sections",
        ["issue_id"],
        unique=False,
    )
    op.add_column("deliveries", sa.Column("catching_on_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("catching_on_id")
    op.drop_index(op.f("ix_catching_on_sections_issue_id"), table_name="catching_on_sections")
    op.drop_table("catching_on_sections")
