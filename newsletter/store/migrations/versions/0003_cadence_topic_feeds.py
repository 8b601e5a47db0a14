"""Readers' cadence and the archived topic sections (issue 17: weekly issues, feeds per topic).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CADENCE_COLUMNS: dict[str, sa.types.TypeEngine[Any]] = {
    "cadence": sa.String(length=20),
    "cadence_since": sa.Date(),
    "cadence_before": sa.String(length=20),
}


def upgrade() -> None:
    # A database made by create_all on main before revisions existed may have these already.
    inspector = sa.inspect(op.get_bind())
    have = {c["name"] for c in inspector.get_columns("subscribers")}
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        for name, kind in CADENCE_COLUMNS.items():
            if name not in have:
                batch_op.add_column(sa.Column(name, kind, nullable=True))
    if "archived_sections" not in set(inspector.get_table_names()):
        op.create_table(
            "archived_sections",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("issue_id", sa.Integer(), nullable=False),
            sa.Column("slug", sa.String(length=200), nullable=False),
            sa.Column("topic", sa.String(length=200), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("papers", sa.JSON(), nullable=False),
            sa.Column("hidden", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["issue_id"], ["issues.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("issue_id", "slug"),
        )
        with op.batch_alter_table("archived_sections", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_archived_sections_issue_id"), ["issue_id"], unique=False
            )
            batch_op.create_index(batch_op.f("ix_archived_sections_slug"), ["slug"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("archived_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archived_sections_slug"))
        batch_op.drop_index(batch_op.f("ix_archived_sections_issue_id"))
    op.drop_table("archived_sections")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        for name in reversed(CADENCE_COLUMNS):
            batch_op.drop_column(name)
