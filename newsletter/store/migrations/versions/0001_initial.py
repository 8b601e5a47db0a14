"""Initial schema: the tables of release 0.1.0.

Revision ID: 0001
Revises: (none; a database made by 0.1.0 without Alembic is adopted by it)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by release 0.1.0 (create_all, no alembic_version) has some or all of
    # these tables already: create only what is missing, so it joins the revision history.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "issues" not in existing:
        op.create_table(
            "issues",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("newsletter", sa.String(length=200), nullable=False),
            sa.Column("date", sa.Date(), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("papers", sa.Integer(), nullable=False),
            sa.Column("sent", sa.Integer(), nullable=False),
            sa.Column("skipped", sa.Integer(), nullable=False),
            sa.Column("failed", sa.Integer(), nullable=False),
            sa.Column("subject", sa.Text(), nullable=True),
            sa.Column("html", sa.Text(), nullable=True),
            sa.Column("text", sa.Text(), nullable=True),
            sa.Column("detail", sa.Text(), nullable=True),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("newsletter", "date", name="uq_issue_identity"),
        )
    if "sent_papers" not in existing:
        op.create_table(
            "sent_papers",
            sa.Column("paper_id", sa.String(length=100), nullable=False),
            sa.Column("newsletter", sa.String(length=200), nullable=False),
            sa.Column("first_sent_on", sa.Date(), nullable=False),
            sa.PrimaryKeyConstraint("paper_id", "newsletter"),
        )
    if "settings" not in existing:
        op.create_table(
            "settings",
            sa.Column("key", sa.String(length=100), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )
    if "subscribers" not in existing:
        op.create_table(
            "subscribers",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("email", sa.String(length=320), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=True),
            sa.Column("topics", sa.JSON(), nullable=True),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("timezone", sa.String(length=64), nullable=True),
            sa.Column("origin", sa.String(length=20), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("subscribers", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_subscribers_email"), ["email"], unique=True)
            batch_op.create_index(batch_op.f("ix_subscribers_status"), ["status"], unique=False)

    if "webhook_events" not in existing:
        op.create_table(
            "webhook_events",
            sa.Column("event_id", sa.String(length=200), nullable=False),
            sa.Column("kind", sa.String(length=40), nullable=False),
            sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("event_id"),
        )
        with op.batch_alter_table("webhook_events", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_webhook_events_processed_at"), ["processed_at"], unique=False
            )

    if "deliveries" not in existing:
        op.create_table(
            "deliveries",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("issue_id", sa.Integer(), nullable=False),
            sa.Column("email", sa.String(length=320), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("claim", sa.String(length=64), nullable=True),
            sa.Column("provider_id", sa.String(length=500), nullable=True),
            sa.Column("detail", sa.Text(), nullable=True),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["issue_id"],
                ["issues.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("issue_id", "email", name="uq_delivery_once"),
        )
        with op.batch_alter_table("deliveries", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_deliveries_issue_id"), ["issue_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_issue_id"))

    op.drop_table("deliveries")
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_events_processed_at"))

    op.drop_table("webhook_events")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscribers_status"))
        batch_op.drop_index(batch_op.f("ix_subscribers_email"))

    op.drop_table("subscribers")
    op.drop_table("settings")
    op.drop_table("sent_papers")
    op.drop_table("issues")
