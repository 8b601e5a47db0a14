"""Settings the program keeps for itself, such as the token-signing secret."""

from __future__ import annotations

import secrets

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.store.db import SettingRow
from newsletter.store.failures import translated

SECRET_KEY = "signing_secret"
FORGET_KEY = "forget_key"


@translated("read the link-signing secret")
def signing_secret(engine: Engine, configured: str | None) -> str:
    """``configured`` (``$NEWSLETTER_SECRET``, from ``LoadedConfig.secrets``), else a random
    secret generated once and kept in the database (so the default run needs no keys and
    links stay valid across runs)."""
    if configured:
        return configured
    return generated_setting(engine, SECRET_KEY)


@translated("read the key of erased readers")
def forget_key(engine: Engine) -> str:
    """The key of the erased readers' hashes: kept in the database, never rotated with
    ``$NEWSLETTER_SECRET``, so a new signing secret does not let erased readers back in."""
    return generated_setting(engine, FORGET_KEY)


def generated_setting(engine: Engine, key: str) -> str:
    """A random value generated the first time it is asked for, then always the same."""
    with Session(engine) as session:
        row = session.get(SettingRow, key)
        if row is not None:
            return row.value
        session.add(SettingRow(key=key, value=secrets.token_urlsafe(32)))
        try:
            session.commit()
        except IntegrityError:  # another process created it first: use theirs
            session.rollback()
        row = session.get(SettingRow, key)
        assert row is not None
        return row.value
