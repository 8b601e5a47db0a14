"""Settings the program keeps for itself, such as the token-signing secret."""

from __future__ import annotations

import secrets

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.store.db import SettingRow
from newsletter.store.failures import translated

SECRET_KEY = "signing_secret"


@translated("read the link-signing secret")
def signing_secret(engine: Engine, configured: str | None) -> str:
    """``configured`` (``$NEWSLETTER_SECRET``, from ``LoadedConfig.secrets``), else a random
    secret generated once and kept in the database (so the default run needs no keys and
    links stay valid across runs)."""
    if configured:
        return configured
    with Session(engine) as session:
        row = session.get(SettingRow, SECRET_KEY)
        if row is not None:
            return row.value
        session.add(SettingRow(key=SECRET_KEY, value=secrets.token_urlsafe(32)))
        try:
            session.commit()
        except IntegrityError:  # another process created it first: use theirs
            session.rollback()
        row = session.get(SettingRow, SECRET_KEY)
        assert row is not None
        return row.value
