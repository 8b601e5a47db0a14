"""The delivery ledger: exactly one copy per (issue, recipient), even across crashes.

One ``deliveries`` row per (issue, recipient); the unique constraint ``uq_delivery_once``
makes a second row impossible, whatever the timing. A row moves

    pending --claim--> sending --record--> sent | failed
                          ^                       |
                          +--- claim (rerun) -----+   (failed rows are retried)

``claim`` is one conditional UPDATE (``status IN (pending, failed)``) that stamps the rows
with this run's random token plus a claim number, then a SELECT of the rows carrying that
stamp, in one transaction. Two runs racing for the same rows cannot both win a row: the database
serialises the UPDATEs (SQLite: one writer; PostgreSQL: row locks, and the loser re-checks
the WHERE clause after the winner commits). The pipeline claims just before handing a batch
to the backend and records right after the backend answers, each in its own commit.

The remaining window, stated honestly: if the process dies after the provider accepted a
batch and before ``record`` commits, those rows stay ``sending``. They are *in doubt*: the
provider may or may not have them. For idempotent backends (the outbox rewrites the same
file name) a rerun sends them again, which is harmless. For SMTP and SendGrid a rerun does
not, so nobody receives a second copy; it reports them, and ``--retry-in-doubt`` sends them
once the operator has checked the provider's activity log. The window is one SMTP message or
one SendGrid request (up to 1,000 recipients) long.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from newsletter.models import DeliveryResult
from newsletter.store.db import DeliveryRow, in_chunks, utcnow


class RowStatus(StrEnum):
    """Where one reader's ``deliveries`` row stands (the diagram above)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


_table: Table = DeliveryRow.__table__  # type: ignore[assignment]


class Ledger:
    """The ledger of one issue, as seen by one run (``token`` identifies the run)."""

    def __init__(self, engine: Engine, issue_id: int, token: str | None = None) -> None:
        self.engine = engine
        self.issue_id = issue_id
        self.token = token or secrets.token_hex(16)
        self._claims = 0

    def statuses(self) -> dict[str, str]:
        """Every recipient of this issue and the status of their row."""
        query = select(_table.c.email, _table.c.status).where(_table.c.issue_id == self.issue_id)
        with self.engine.connect() as connection:
            return {row.email: row.status for row in connection.execute(query)}

    def counts(self) -> Counter[str]:
        return Counter(self.statuses().values())

    def prepare(self, emails: Iterable[str]) -> dict[str, str]:
        """Add a ``pending`` row for each recipient without one; answer every status.

        Safe when two runs prepare at once: conflicting inserts are ignored."""
        known = self.statuses()
        missing = sorted({e for e in emails if e not in known})
        if missing:
            now = utcnow()
            rows = [
                {
                    "issue_id": self.issue_id,
                    "email": e,
                    "status": RowStatus.PENDING,
                    "updated_at": now,
                }
                for e in missing
            ]
            with self.engine.begin() as connection:
                connection.execute(_insert_ignoring_duplicates(connection), rows)
            known = self.statuses()
        return known

    def claim(self, emails: Sequence[str], *, in_doubt_too: bool = False) -> list[str]:
        """Take the rows this run may send now; answer their emails (a subset of ``emails``).

        ``in_doubt_too`` also takes rows left ``sending`` by a killed run; only for backends
        where a second attempt cannot produce a second copy (or on the operator's request)."""
        allowed = [RowStatus.PENDING, RowStatus.FAILED] + (
            [RowStatus.SENDING] if in_doubt_too else []
        )
        self._claims += 1
        stamp = f"{self.token}.{self._claims}"  # this claim only: earlier ones stay out
        claimed: list[str] = []
        with self.engine.begin() as connection:
            for chunk in in_chunks(emails):
                connection.execute(
                    update(_table)
                    .where(
                        _table.c.issue_id == self.issue_id,
                        _table.c.email.in_(chunk),
                        _table.c.status.in_(allowed),
                    )
                    .values(
                        status=RowStatus.SENDING,
                        claim=stamp,
                        attempts=_table.c.attempts + 1,
                        updated_at=utcnow(),
                    )
                )
                mine = select(_table.c.email).where(
                    _table.c.issue_id == self.issue_id,
                    _table.c.email.in_(chunk),
                    _table.c.claim == stamp,
                    _table.c.status == RowStatus.SENDING,
                )
                claimed.extend(connection.scalars(mine))
        order = {email: index for index, email in enumerate(emails)}
        return sorted(claimed, key=order.__getitem__)

    def record(self, results: Sequence[DeliveryResult]) -> None:
        """Write what the backend answered, in one commit; only rows this run claimed.

        Results sharing an outcome (a SendGrid request: same status and message id) are
        written by one UPDATE per chunk, not one per reader."""
        groups: dict[tuple[str, str | None, str | None], list[str]] = {}
        for result in results:
            if result.status != "skipped":
                groups.setdefault(_outcome(result), []).append(result.recipient)
        if not groups:
            return
        with self.engine.begin() as connection:
            for (status, provider_id, detail), emails in groups.items():
                for chunk in in_chunks(emails):
                    connection.execute(
                        update(_table)
                        .where(
                            _table.c.issue_id == self.issue_id,
                            _table.c.email.in_(chunk),
                            _table.c.claim.like(f"{self.token}.%"),
                        )
                        .values(
                            status=status,
                            provider_id=provider_id,
                            detail=detail,
                            claim=None,
                            updated_at=utcnow(),
                        )
                    )

    def reset_for_resend(self) -> int:
        """``--resend``: every row of this issue becomes pending again (the previous provider
        id is kept in ``detail``). Answers how many rows were reset."""
        with self.engine.begin() as connection:
            rows = connection.execute(
                select(_table.c.id, _table.c.provider_id).where(_table.c.issue_id == self.issue_id)
            ).all()
            if rows:
                connection.execute(
                    update(_table)
                    .where(_table.c.id == bindparam("b_id"))
                    .values(
                        status=RowStatus.PENDING,
                        claim=None,
                        provider_id=None,
                        detail=bindparam("b_d"),
                    ),
                    [{"b_id": r.id, "b_d": f"resent; previously {r.provider_id}"} for r in rows],
                )
        return len(rows)


def _outcome(result: DeliveryResult) -> tuple[str, str | None, str | None]:
    status = RowStatus.SENT if result.status == "sent" else RowStatus.FAILED
    return status, (result.provider_id or "")[:500] or None, result.detail or None


def _insert_ignoring_duplicates(connection: Connection) -> Any:
    """INSERT that leaves an existing (issue, email) row alone, on SQLite and PostgreSQL."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return sqlite.insert(_table).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(_table).on_conflict_do_nothing()
    return insert(_table).prefix_with("IGNORE")  # MySQL / MariaDB
