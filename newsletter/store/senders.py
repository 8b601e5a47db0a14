"""Which runs are sending an issue right now: several senders on one database.

A row in ``sending`` names the run that claimed it (its token). Another run must tell a
live sender (leave its rows alone: they are being sent) from a killed one (its rows are in
doubt). The database answers, not a clock:

- PostgreSQL: each sending run holds a session advisory lock derived from its token on a
  connection of its own for as long as it sends. The lock dies with the session, so a
  killed process (on any host) releases it at once; ``pg_try_advisory_lock`` on another
  connection tells whether the run is alive. Several ``newsletter run`` processes share one
  issue: each claims its own batches (the ledger's conditional UPDATE) and reports its share.
- SQLite: one writer at a time, on one host. A second run waits on an exclusive lock on a
  file beside the database (``<db>.sending.lock``) and says so; once it gets it, the first
  run is over, so any row still ``sending`` is in doubt.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def _lock_key(token: str) -> int:
    """A signed 64-bit key for ``pg_advisory_lock``, from the run's token."""
    return int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "big", signed=True)


class Senders:
    """The runs sending on this database, as seen by one run (``token``)."""

    def __init__(self, engine: Engine, token: str) -> None:
        self.engine = engine
        self.token = token
        self._dead: dict[str, bool] = {}

    @property
    def shared(self) -> bool:
        """Whether other processes can send the same issue at the same time."""
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def sending(self) -> Iterator[None]:
        """Announce this run as a live sender for the block."""
        if self.shared:
            with self.engine.connect() as connection:
                key = _lock_key(self.token)
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                connection.commit()  # the lock is the session's; no transaction stays open
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    connection.commit()
            return
        with _file_lock(self.engine):
            yield

    def is_dead(self, token: str) -> bool:
        """Whether the run with this token has stopped (so its ``sending`` rows are in
        doubt). This run is alive; on SQLite every other run is over (see the module)."""
        if token == self.token:
            return False
        if not self.shared:
            return True
        if token not in self._dead:
            self._dead[token] = self._try_lock(token)
        return self._dead[token]

    def _try_lock(self, token: str) -> bool:
        key = _lock_key(token)
        with self.engine.connect() as connection:
            free = bool(_scalar(connection, "SELECT pg_try_advisory_lock(:k)", key))
            if free:
                _scalar(connection, "SELECT pg_advisory_unlock(:k)", key)
            connection.commit()
        return free


def _scalar(connection: Connection, sql: str, key: int) -> object:
    return connection.execute(text(sql), {"k": key}).scalar()


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock on ``<db>.sending.lock``; waits (and says so) while another run
    holds it. In-memory databases have no second process to fear."""
    database = engine.url.database
    if not database or database == ":memory:" or engine.dialect.name != "sqlite":
        yield
        return
    path = Path(database).with_name(Path(database).name + ".sending.lock")
    with path.open("a") as handle:
        _lock_waiting(handle, path)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_waiting(handle: IO[str], path: Path) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log.warning(
            "another newsletter run is sending on this SQLite database (%s is locked): "
            "waiting for it to finish. SQLite takes one writer at a time, so a second "
            "process cannot share the work; use PostgreSQL for several senders",
            path,
        )
        fcntl.flock(handle, fcntl.LOCK_EX)
