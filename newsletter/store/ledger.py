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

A request whose answer is lost (a timeout after the body was sent, a connection closed
before the status line or after SMTP's end of DATA) is recorded the same way: the row stays
``sending`` with its claim cleared and the reason in ``detail``. In doubt is a state only the
operator leaves: ``settle`` marks such rows sent or failed (``newsletter deliveries resolve``).

The remaining window, stated honestly: if the process dies after the provider accepted a
batch and before ``record`` commits, those rows stay ``sending``. They are *in doubt*: the
provider may or may not have them. For idempotent backends (the outbox rewrites the same
file name) a rerun sends them again, which is harmless. For SMTP and SendGrid a rerun does
not, so nobody receives a second copy; it reports them, and ``--retry-in-doubt`` sends them
once the operator has checked the provider's activity log. The window is one SMTP message or
one SendGrid request (up to 1,000 recipients) long.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from newsletter.errors import StoreError
from newsletter.models import DeliveryResult
from newsletter.store.db import DeliveryRow, in_chunks, utcnow
from newsletter.store.failures import translated
from newsletter.store.senders import Senders


class RowStatus(StrEnum):
    """Where one reader's ``deliveries`` row stands (the diagram above); ``ELSEWHERE`` is
    never stored: ``prepare`` answers it for a row another live run is sending now."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    ELSEWHERE = "elsewhere"


PENDING, SENDING, SENT, FAILED = (
    RowStatus.PENDING, RowStatus.SENDING, RowStatus.SENT, RowStatus.FAILED
)  # fmt: skip
ELSEWHERE = RowStatus.ELSEWHERE
ADDRESSES_PER_STATEMENT = 5000  # one bound JSON text or array holds them all

_table: Table = DeliveryRow.__table__  # type: ignore[assignment]
# How long a write after the provider accepted a batch waits for a busy database, on top of
# SQLite's own busy timeout (30 s): a backup or a long transaction elsewhere.
STORE_RETRY_SECONDS = 90.0
_T = TypeVar("_T")
_ADDRESS = re.compile(r"[^\s@'\"()]+@[^\s@'\"()]+")


def retrying(
    attempt: Callable[[], _T], what: str, seconds: float, sleep: Callable[[float], None]
) -> _T:
    """Run ``attempt``; retry operational errors (locked, I/O, connection lost) with backoff
    for ``seconds``; translate whatever remains into a ``StoreError``."""
    deadline = time.monotonic() + seconds
    wait = 0.1
    while True:
        try:
            return attempt()
        except OperationalError as exc:
            if time.monotonic() + wait > deadline:
                raise StoreError(store_problem(exc, what)) from None
            sleep(wait)
            wait = min(wait * 2, 5.0)
        except SQLAlchemyError as exc:
            raise StoreError(store_problem(exc, what)) from None


def store_problem(exc: SQLAlchemyError, what: str) -> str:
    """The database's own first line ("database is locked", "disk I/O error"): never the
    statement, its parameters or an address."""
    origin = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    first = (str(origin).strip().splitlines() or [type(origin).__name__])[0][:200]
    return f"the database could not {what}: {_ADDRESS.sub('[address]', first)}"


def _email_in(emails: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """``email IN (...)`` with the list as one bound value: a 1,000-address batch is one
    parameter to bind, not 1,000 to render and bind (which cost more than the UPDATE)."""
    if dialect in ("sqlite", "postgresql"):
        return _table.c.email.in_(_listed(emails, dialect).scalar_subquery())
    return _table.c.email.in_(emails)


def _listed(emails: Sequence[str], dialect: str) -> Select[Any]:
    """``SELECT value FROM <the list>``: ``json_each`` of one JSON text on SQLite,
    ``unnest`` of one array on PostgreSQL."""
    if dialect == "sqlite":
        rows = func.json_each(json.dumps(list(emails))).table_valued("value")
    else:
        array = bindparam("emails", list(emails), type_=ARRAY(String))
        rows = func.unnest(array).table_valued("value").render_derived(name="listed")
    return select(rows.c.value)


class Ledger:
    """The ledger of one issue, as seen by one run (``token`` identifies the run)."""

    def __init__(
        self,
        engine: Engine,
        issue_id: int,
        token: str | None = None,
        *,
        retry_seconds: float | None = None,  # default: STORE_RETRY_SECONDS
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.issue_id = issue_id
        self.token = token or secrets.token_hex(16)
        self.senders = Senders(engine, self.token)
        self.retry_seconds = STORE_RETRY_SECONDS if retry_seconds is None else retry_seconds
        self.sleep = sleep
        self._claims = 0
        self._dead_runs: set[str] = set()  # tokens of stopped runs whose rows are in doubt
        # SQLite takes one writer at a time and makes the others back off in sleeps of up
        # to 100 ms; delivery workers of one run take turns here instead.
        self._one_writer: AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )

    def _in(self, emails: Sequence[str]) -> ColumnElement[bool]:
        return _email_in(emails, self.engine.dialect.name)

    @translated("read the delivery ledger")
    def statuses(self) -> dict[str, str]:
        """Every recipient of this issue and the status of their row."""
        query = select(_table.c.email, _table.c.status).where(_table.c.issue_id == self.issue_id)
        with self.engine.connect() as connection:
            return {row.email: row.status for row in connection.execute(query)}

    def counts(self) -> Counter[str]:
        return Counter(self.statuses().values())

    @translated("add readers to the delivery ledger")
    def prepare(self, emails: Iterable[str]) -> dict[str, str]:
        """Add a ``pending`` row for each of these recipients without one; answer their
        statuses. Called once per page of readers, so it reads only that page's rows. A
        row another live run is sending answers ``ELSEWHERE``; ``SENDING`` means in doubt
        (the run that claimed it has stopped).

        Safe when two runs prepare at once: conflicting inserts are ignored."""
        wanted = list(dict.fromkeys(emails))
        dialect = self.engine.dialect.name
        added: set[str] = set()  # rows this call inserted: pending, no need to read them back
        with self._one_writer, self.engine.begin() as connection:
            for chunk in in_chunks(wanted, ADDRESSES_PER_STATEMENT):
                if dialect in ("sqlite", "postgresql"):  # one statement, one bound list
                    listed = _listed(chunk, dialect).subquery()
                    new = select(
                        literal(self.issue_id), listed.c.value, literal(PENDING), literal(utcnow())
                    ).where(text("1 = 1"))  # SQLite: a WHERE ends the SELECT before its ON CONFLICT
                    columns = ["issue_id", "email", "status", "updated_at"]
                    statement = _insert_ignoring_duplicates(connection).from_select(columns, new)
                    added.update(connection.scalars(statement.returning(_table.c.email)))
                else:
                    rows = [
                        {"issue_id": self.issue_id, "email": e, "status": PENDING,
                         "updated_at": utcnow()} for e in chunk
                    ]  # fmt: skip
                    connection.execute(_insert_ignoring_duplicates(connection), rows)
        known = self._statuses_of([e for e in wanted if e not in added])
        return {e: PENDING if e in added else known[e] for e in wanted if e in added or e in known}

    def _statuses_of(self, emails: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self.engine.connect() as connection:
            for chunk in in_chunks(emails, ADDRESSES_PER_STATEMENT):
                query = select(_table.c.email, _table.c.status, _table.c.claim).where(
                    _table.c.issue_id == self.issue_id, self._in(chunk)
                )
                for row in connection.execute(query):
                    found[row.email] = self._seen(row.status, row.claim)
        return found

    def _seen(self, status: str, claim: str | None) -> str:
        if status != SENDING or not claim:
            return status
        run = claim.split(".", 1)[0]
        if self.senders.is_dead(run):
            self._dead_runs.add(run)
            return SENDING
        return ELSEWHERE

    @translated("claim readers in the delivery ledger")
    def claim(
        self,
        emails: Sequence[str],
        *,
        in_doubt_too: bool = False,
        batch: str | None = None,
        catching_on: int | None = None,
    ) -> list[str]:
        """``_claim`` waiting for a busy database like ``record`` (nothing is sent yet).
        ``batch`` names the request about to be made (kept as ``batch:<key>`` until the
        answer replaces it), so a batch a killed run leaves in doubt can be looked up.
        ``catching_on`` is the "Catching on" section these copies carry
        (``store.received``): written by the same UPDATE, so it is there before the
        provider can have the message."""
        provider_id = f"batch:{batch}" if batch else None
        return retrying(
            lambda: self._claim(emails, in_doubt_too, provider_id, catching_on),
            "claim readers before sending",
            self.retry_seconds,
            self.sleep,
        )

    def _claim(
        self,
        emails: Sequence[str],
        in_doubt_too: bool,
        provider_id: str | None,
        catching_on: int | None,
    ) -> list[str]:
        """Take the rows this run may send now; answer their emails (a subset of ``emails``).

        ``in_doubt_too`` also takes rows in doubt: left ``sending`` by a killed run (one
        ``prepare`` found stopped; never a live run's) or by a lost answer (claim cleared);
        only for backends where a second attempt cannot produce a second copy (or on the
        operator's request)."""
        takeable: ColumnElement[bool] = _table.c.status.in_([PENDING, FAILED])
        if in_doubt_too:
            self._find_dead_runs(emails)
            lost: ColumnElement[bool] = _table.c.claim.is_(None)
            dead = [_table.c.claim.like(f"{run}.%") for run in sorted(self._dead_runs)]
            takeable = or_(takeable, and_(_table.c.status == SENDING, or_(lost, *dead)))
        self._claims += 1
        stamp = f"{self.token}.{self._claims}"  # this claim only: earlier ones stay out
        claimed: list[str] = []
        with self._one_writer, self.engine.begin() as connection:
            for chunk in in_chunks(emails, ADDRESSES_PER_STATEMENT):
                taking = (
                    update(_table)
                    .where(
                        _table.c.issue_id == self.issue_id,
                        self._in(chunk),
                        takeable,
                    )
                    .values(
                        status=SENDING,
                        provider_id=provider_id,
                        claim=stamp,
                        attempts=_table.c.attempts + 1,
                        catching_on_id=catching_on,
                        updated_at=utcnow(),
                    )
                )
                if connection.dialect.update_returning:  # SQLite 3.35+, PostgreSQL: one statement
                    claimed.extend(connection.scalars(taking.returning(_table.c.email)))
                    continue
                connection.execute(taking)
                mine = select(_table.c.email).where(
                    _table.c.issue_id == self.issue_id,
                    self._in(chunk),
                    _table.c.claim == stamp,
                    _table.c.status == SENDING,
                )
                claimed.extend(connection.scalars(mine))
        order = {email: index for index, email in enumerate(emails)}
        return sorted(claimed, key=order.__getitem__)

    def _find_dead_runs(self, emails: Sequence[str]) -> None:
        """Learn which runs holding some of these rows in ``sending`` have stopped."""
        with self.engine.connect() as connection:
            for chunk in in_chunks(emails, ADDRESSES_PER_STATEMENT):
                query = (
                    select(_table.c.claim)
                    .distinct()
                    .where(
                        _table.c.issue_id == self.issue_id,
                        self._in(chunk),
                        _table.c.status == SENDING,
                    )
                )
                for claim in connection.scalars(query):
                    self._seen(SENDING, claim)

    @translated("record the deliveries")
    def record(self, results: Sequence[DeliveryResult]) -> None:
        """Write what the backend answered, in one commit; only rows this run claimed.

        The provider already has these messages, so a database that is busy (a backup, another
        process holding a lock) is waited for, with backoff, up to ``retry_seconds``; then a
        ``StoreError`` says what failed, without SQL or addresses."""
        retrying(lambda: self._record(results), "record what the provider accepted",
                 self.retry_seconds, self.sleep)  # fmt: skip

    def _record(self, results: Sequence[DeliveryResult]) -> None:
        """One attempt at ``record``.

        Results sharing an outcome (a SendGrid request: same status and message id) are
        written by one UPDATE per chunk, not one per reader."""
        groups: dict[tuple[str, str | None, str | None], list[str]] = {}
        for result in results:
            if result.status != "skipped":
                groups.setdefault(_outcome(result), []).append(result.recipient)
        if not groups:
            return
        with self._one_writer, self.engine.begin() as connection:
            for (status, provider_id, detail), emails in groups.items():
                for chunk in in_chunks(emails, ADDRESSES_PER_STATEMENT):
                    connection.execute(
                        update(_table)
                        .where(
                            _table.c.issue_id == self.issue_id,
                            self._in(chunk),
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

    @translated("reset the delivery ledger for --resend")
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
                    .values(status=PENDING, claim=None, provider_id=None, detail=bindparam("b_d")),
                    [{"b_id": r.id, "b_d": f"resent; previously {r.provider_id}"} for r in rows],
                )
        return len(rows)


def _outcome(result: DeliveryResult) -> tuple[str, str | None, str | None]:
    # A request whose answer was lost stays "sending" (in doubt) with its claim cleared: no
    # run takes it again until the operator settles it (``store.doubt.settle``).
    status = {"sent": RowStatus.SENT, "in_doubt": RowStatus.SENDING}.get(
        result.status, RowStatus.FAILED
    )
    return status, (result.provider_id or "")[:500] or None, result.detail or None


def _insert_ignoring_duplicates(connection: Connection) -> Any:
    """INSERT that leaves an existing (issue, email) row alone, on SQLite and PostgreSQL."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return sqlite.insert(_table).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(_table).on_conflict_do_nothing()
    return insert(_table).prefix_with("IGNORE")  # MySQL / MariaDB
