"""Suppressions, soft bounces and forgotten readers (issue 15: bounce policy, erasure).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Databases made by create_all on main before revisions existed may have these already.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "forgotten" not in existing:
        op.create_table(
            "forgotten",
            sa.Column("digest", sa.String(length=64), nullable=False),
            sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("digest"),
        )
    if "soft_bounces" not in existing:
        op.create_table(
            "soft_bounces",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("email", sa.String(length=320), nullable=False),
            sa.Column("message", sa.String(length=200), nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("email", "message", name="uq_soft_bounce_message"),
        )
        with op.batch_alter_table("soft_bounces", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_soft_bounces_email"), ["email"], unique=False)

    if "suppressions" not in existing:
        op.create_table(
            "suppressions",
            sa.Column("email", sa.String(length=320), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("since", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("email"),
        )


def downgrade() -> None:
    op.drop_table("suppressions")
    with op.batch_alter_table("soft_bounces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_soft_bounces_email"))

    op.drop_table("soft_bounces")
    op.drop_table("forgotten")
