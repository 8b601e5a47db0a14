"""Alembic environment. The program runs it on a connection handed in by
``newsletter.store.schema``, which holds the lock that keeps two hosts from migrating at once;
a developer running the ``alembic`` command names a scratch database in $NEWSLETTER_DB_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from newsletter.store.db import Base


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying a table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


handed_in = context.config.attributes.get("connection")
if handed_in is not None:
    _migrate(handed_in)
else:
    engine = create_engine(os.environ.get("NEWSLETTER_DB_URL", "sqlite:///scratch.db"))
    with engine.begin() as own:
        _migrate(own)
