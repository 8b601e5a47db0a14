"""Database errors leave the store as one ``StoreError`` that says what to do.

SQLAlchemy's messages carry the SQL and its parameters (readers' addresses): they stay in the
error's ``__cause__`` for ``--debug`` and never reach the message a user or a log sees. The
kind of failure is data (``StoreError.failure``) so a caller can decide to wait and retry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from newsletter.errors import StoreError, StoreFailure

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Words in the driver's message (SQLite, psycopg) and what they mean. First match wins.
_SIGNS: tuple[tuple[StoreFailure, tuple[str, ...]], ...] = (
    (StoreFailure.LOCKED, ("database is locked", "table is locked", "lock timeout", "deadlock")),
    (StoreFailure.READ_ONLY, ("readonly database", "read-only")),
    (StoreFailure.REFUSED_LOGIN, ("password authentication failed", "authentication failed")),
    (StoreFailure.DISK, ("disk i/o error", "disk is full", "no space left")),
    (StoreFailure.DAMAGED, ("malformed", "file is not a database")),
    (StoreFailure.SCHEMA, ("no such table", "no such column", "does not exist")),
    (
        StoreFailure.UNREACHABLE,
        ("unable to open database", "connection refused", "could not connect", "connection"),
    ),
)

_ADVICE: dict[StoreFailure, tuple[str, str]] = {
    StoreFailure.LOCKED: (
        "the database is locked by another process",
        "wait for it to finish (another newsletter command, a backup) and try again; "
        "for SQLite, ?timeout=SECONDS on database.url waits longer",
    ),
    StoreFailure.READ_ONLY: (
        "the database is read-only",
        "make the database file and its folder writable for this user, "
        "or point database.url at a writable database",
    ),
    StoreFailure.UNREACHABLE: (
        "the database cannot be opened or reached",
        "check database.url: the folder of an SQLite file must exist, a server must be running",
    ),
    StoreFailure.REFUSED_LOGIN: (
        "the database server refused the login",
        "check the user name and password in database.url",
    ),
    StoreFailure.DISK: (
        "the disk holding the database is full or failing",
        "free some space or check the disk, then try again",
    ),
    StoreFailure.DAMAGED: (
        "the database file is damaged or not a database",
        "restore it from a backup, or point database.url at another file",
    ),
    StoreFailure.CONFLICT: (
        "another process wrote the same record at the same moment",
        "run the command again",
    ),
    StoreFailure.SCHEMA: (
        "the database lacks a table or column this version needs",
        "check that database.url names this newsletter's database",
    ),
    StoreFailure.OTHER: (
        "the database failed",
        "run the command again with --debug to see the database's own message",
    ),
}


def diagnose(exc: SQLAlchemyError) -> StoreFailure:
    """What went wrong, read from the error's class and the driver's words."""
    if isinstance(exc, IntegrityError):
        return StoreFailure.CONFLICT
    words = str(getattr(exc, "orig", None) or exc).lower()
    for failure, signs in _SIGNS:
        if any(sign in words for sign in signs):
            return failure
    return StoreFailure.OTHER


def store_error(exc: SQLAlchemyError, doing: str, engine: Engine | None = None) -> StoreError:
    """``StoreError`` for ``exc``: what we were doing, the cause, what to do. No SQL."""
    failure = diagnose(exc)
    cause, remedy = _ADVICE[failure]
    where = f" ({engine.url.render_as_string(hide_password=True)})" if engine else ""
    return StoreError(f"cannot {doing}: {cause}{where}; {remedy}", failure)


def translated(doing: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorator for a store function: its database errors become ``StoreError``.

    ``doing`` completes "cannot ...": ``translated("record the deliveries")``."""

    def decorate(func: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(func)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return func(*args, **kwargs)
            except SQLAlchemyError as exc:
                raise store_error(exc, doing, _engine_in(args)) from exc

        return wrapper

    return decorate


def _engine_in(args: tuple[Any, ...]) -> Engine | None:
    """The engine a store function was handed (first argument, or a ledger's own)."""
    first = args[0] if args else None
    if isinstance(first, Engine):
        return first
    engine = getattr(first, "engine", None)
    return engine if isinstance(engine, Engine) else None
