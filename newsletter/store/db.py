"""The database: one SQLAlchemy schema for subscribers, issues, the delivery ledger,
papers already sent and settings. SQLite by default; any SQLAlchemy URL works.

Uniqueness that makes sending idempotent is enforced here, by constraints, not by timing:
one ``deliveries`` row per (issue, recipient).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from newsletter.errors import StoreError, StoreFailure

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class SubscriberRow(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    topics: Mapped[list[str] | None] = mapped_column(JSON)  # None: every topic
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    cadence: Mapped[str | None] = mapped_column(String(20))  # None: the operator's default
    cadence_since: Mapped[dt.date | None] = mapped_column()
    cadence_before: Mapped[str | None] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(20), default="cli")  # config, cli, csv, web
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class SuppressionRow(Base):
    """Why and since when mail to an address stopped (bounce, complaint, unsubscribe)."""

    __tablename__ = "suppressions"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)  # lower-cased
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SoftBounceRow(Base):
    """One message that bounced softly (deferred, blocked, mailbox full): counted, not fatal."""

    __tablename__ = "soft_bounces"
    __table_args__ = (UniqueConstraint("email", "message", name="uq_soft_bounce_message"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)  # lower-cased
    message: Mapped[str] = mapped_column(String(200))  # SendGrid's sg_message_id
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ForgottenRow(Base):
    """An erased reader: only a keyed hash of the address (``store.privacy``), so a later
    import does not quietly add them back, and nothing else."""

    __tablename__ = "forgotten"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    forgotten_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IssueRow(Base):
    """One issue: identity is newsletter name plus date."""

    __tablename__ = "issues"
    __table_args__ = (UniqueConstraint("newsletter", "date", name="uq_issue_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    newsletter: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="running")
    papers: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)  # the all-topics rendering, for the archive
    text: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DeliveryRow(Base):
    """The ledger: one row per (issue, recipient), claimed before sending.

    ``status``: pending -> sending (claimed by the run whose token is in ``claim``) -> sent or
    failed. A row left in ``sending`` by a killed run is *in doubt* (see ``store.ledger``).
    """

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("issue_id", "email", name="uq_delivery_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    claim: Mapped[str | None] = mapped_column(String(64))  # token of the run sending it now
    provider_id: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # The "Catching on" section this reader's copy carried (catching_on_sections.id), set
    # by the claim itself. No foreign key: adding one would copy the whole ledger on SQLite.
    catching_on_id: Mapped[int | None] = mapped_column(Integer)


class SentPaperRow(Base):
    """Papers already mailed in an earlier issue, so a paper is not sent twice."""

    __tablename__ = "sent_papers"

    paper_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    newsletter: Mapped[str] = mapped_column(String(200), primary_key=True)
    first_sent_on: Mapped[dt.date] = mapped_column()


class ArchivedSectionRow(Base):
    """One topic of an archived issue (its papers as JSON), for the per-topic Atom feeds."""

    __tablename__ = "archived_sections"
    __table_args__ = (UniqueConstraint("issue_id", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    slug: Mapped[str] = mapped_column(String(200), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    papers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    hidden: Mapped[int] = mapped_column(Integer, default=0)


class CatchingOnSectionRow(Base):
    """The papers of one "Catching on" section as an issue sent it: one row per distinct
    section (readers sharing it point at it from their ledger rows), not one per reader."""

    __tablename__ = "catching_on_sections"
    __table_args__ = (UniqueConstraint("issue_id", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64))  # of ``papers``: a rerun reuses the row
    papers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class FeedbackRow(Base):
    """A reader's latest "more like this" (``liked``) or "less like this" on one paper, with
    the paper's title and text as the email showed them: what their ranking trains on, kept
    even after the paper leaves the archive. Undo deletes the row."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("reader_id", "paper_id", name="uq_feedback_choice"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reader_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    paper_id: Mapped[str] = mapped_column(String(100))
    liked: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


class SettingRow(Base):
    """Key/value settings the program generates itself (the signing secret)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


DEFAULT_LOCK_WAIT_MS = 30_000


def _sqlite_pragmas(lock_wait_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # busy_timeout first: switching to WAL needs a lock another process may hold now.
        cursor.execute(f"PRAGMA busy_timeout={lock_wait_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # 64 MB of page cache (the default is 2 MB): a million-reader ledger is read and
        # rewritten in batches, and every page that must be read again costs a system call.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    return on_connect


def _lock_wait_ms(url: URL) -> int:
    """How long SQLite waits for another process's lock: ``?timeout=SECONDS`` on the URL
    (SQLAlchemy's own option for sqlite3), else 30 s."""
    try:
        return round(float(str(url.query["timeout"])) * 1000)
    except (KeyError, ValueError):
        return DEFAULT_LOCK_WAIT_MS


# What losing a CREATE TABLE race looks like: SQLite "already exists" or "locked"; PostgreSQL
# "already exists" or a unique violation on its catalogue (pg_type).
CREATION_RACE = (OperationalError, ProgrammingError, IntegrityError)  # two hosts create at once


def connect_database(url: str) -> Engine:
    """An engine for the URL, schema untouched (``db current``, ``doctor``)."""
    try:
        engine = create_engine(url, future=True)
    except (SQLAlchemyError, ValueError) as exc:  # ArgumentError; a bad port is a ValueError
        raise StoreError(
            f"cannot open the database: {url.partition(':')[0]!r} is not a database URL "
            "SQLAlchemy can use; write database.url like sqlite:///newsletter.db or "
            "postgresql+psycopg://user:password@host/name",
            StoreFailure.UNREACHABLE,
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(_lock_wait_ms(engine.url)))
    return engine


def safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


class WebhookEventRow(Base):
    """A provider event already applied (SendGrid's ``sg_event_id``), so a retry or a replayed
    webhook request changes nothing twice. Rows older than the retry window are pruned."""

    __tablename__ = "webhook_events"

    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    processed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


CHUNK = 500  # bound parameters per statement (SQLite's limit is 999 on old builds)
_Item = TypeVar("_Item")


def id_of_row(engine: Engine, query: Select[int], row: Base) -> int:
    """The id ``query`` finds, after adding ``row`` if it finds none; safe when two processes
    race (the unique constraint decides, the loser reads the winner's row)."""
    with Session(engine) as session:
        found = session.scalar(query)
        if found is None:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
            found = session.scalar(query)
        assert found is not None
        return found


def in_chunks(items: Sequence[_Item], size: int = CHUNK) -> Iterator[Sequence[_Item]]:
    """``items`` in slices small enough for one ``IN (...)`` each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
