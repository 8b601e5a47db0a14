"""Subscribers in the database: the one place readers are added, changed and looked up.

Addresses are normalized (domain lower-cased, validated by email-validator) before they are
stored or looked up, so ``Ada@Example.org`` and ``ada@example.org`` are one reader.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import (
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsletter.errors import InvalidEmailError
from newsletter.models import Cadence, Subscriber, SubscriberStatus
from newsletter.store.db import SubscriberRow, in_chunks, utcnow
from newsletter.store.failures import translated


def normalize_email(address: str) -> str:
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidEmailError(f"{address!r} is not a valid email address: {exc}") from exc


def _to_model(row: Any, topic_sets: dict[Any, frozenset[str] | None] | None = None) -> Subscriber:
    """A reader from an ORM row or a Core row of the same columns; ``topic_sets`` shares one
    frozenset per distinct choice across the rows of a listing."""
    topics = _topic_set(row.topics, {} if topic_sets is None else topic_sets)
    return Subscriber(
        email=row.email,
        name=row.name,
        topics=topics,
        status=SubscriberStatus(row.status),
        timezone=row.timezone,
        id=row.id,
        cadence=Cadence.parse(row.cadence) if row.cadence else None,
        cadence_since=row.cadence_since,
        cadence_before=Cadence.parse(row.cadence_before) if row.cadence_before else None,
    )


def set_cadence(
    engine: Engine, email: str, cadence: Cadence, today: dt.date, default: Cadence
) -> bool:
    """A reader's new rhythm, with neither a gap nor a repeat: from weekly to daily it holds
    from the day after this week's weekly issue (the reader still gets that week); any other
    change holds at once (a weekly issue leaves out the days the reader already had)."""
    with Session(engine) as session:
        row = session.scalar(
            select(SubscriberRow).where(SubscriberRow.email == normalize_email(email))
        )
        if row is None:
            return False
        now = _to_model(row).cadence_on(today, default)
        if now.weekly and not cadence.weekly:
            ahead = (now.weekday - today.weekday()) % 7
            row.cadence_before = str(now)
            row.cadence_since = today + dt.timedelta(days=ahead + 1)
        else:
            row.cadence_before, row.cadence_since = None, None
        row.cadence = str(cadence)
        row.updated_at = utcnow()
        session.commit()
        return True


@translated("look up the reader")
def email_of(engine: Engine, reader_id: int) -> str | None:
    """The address of the reader with this row id (what a link token names)."""
    table = _subscribers_table()
    with engine.connect() as connection:
        email: str | None = connection.scalar(select(table.c.email).where(table.c.id == reader_id))
        return email


@translated("look up the reader")
def get_subscriber(engine: Engine, email: str) -> Subscriber | None:
    with Session(engine) as session:
        row = session.scalar(
            select(SubscriberRow).where(SubscriberRow.email == normalize_email(email))
        )
        return _to_model(row) if row else None


@translated("list the readers")
def list_subscribers(
    engine: Engine, statuses: Sequence[SubscriberStatus] | None = None
) -> list[Subscriber]:
    query = select(SubscriberRow).order_by(SubscriberRow.id)
    if statuses:
        query = query.where(SubscriberRow.status.in_([s.value for s in statuses]))
    with Session(engine) as session:
        return [_to_model(row) for row in session.scalars(query)]


@translated("read the active readers")
def active_subscribers(engine: Engine) -> list[Subscriber]:
    return list_subscribers(engine, [SubscriberStatus.ACTIVE])


@translated("save the reader")
def upsert_subscriber(
    engine: Engine,
    email: str,
    *,
    name: str | None = None,
    topics: Iterable[str] | None = None,
    status: SubscriberStatus | None = None,
    timezone: str | None = None,
    origin: str = "cli",
) -> Subscriber:
    """Add a reader or update the given fields of an existing one."""
    address = normalize_email(email)
    with Session(engine) as session:
        row = session.scalar(select(SubscriberRow).where(SubscriberRow.email == address))
        if row is None:
            row = SubscriberRow(email=address, origin=origin, status=SubscriberStatus.ACTIVE.value)
            session.add(row)
        if origin == "web":
            row.origin = origin  # the reader now manages their own settings
        if name is not None:
            row.name = name
        if topics is not None:
            row.topics = sorted(set(topics)) or None
        if status is not None:
            row.status = status.value
        if timezone is not None:
            row.timezone = timezone
        row.updated_at = utcnow()
        session.commit()
        return _to_model(row)


@translated("change the reader's status")
def set_status(engine: Engine, email: str, status: SubscriberStatus) -> bool:
    """Change a reader's status; False when the address is unknown."""
    with Session(engine) as session:
        row = session.scalar(
            select(SubscriberRow).where(SubscriberRow.email == normalize_email(email))
        )
        if row is None:
            return False
        row.status = status.value
        row.updated_at = utcnow()
        session.commit()
        return True


@translated("remove the reader")
def remove_subscriber(engine: Engine, email: str) -> bool:
    with Session(engine) as session:
        row = session.scalar(
            select(SubscriberRow).where(SubscriberRow.email == normalize_email(email))
        )
        if row is None:
            return False
        session.delete(row)
        session.commit()
        return True


@dataclass(frozen=True, slots=True)
class SubscriberInput:
    """A reader to add or update in bulk (CSV import, config sync); email already normalized.
    ``None`` fields are left as they are on an existing reader."""

    email: str
    name: str | None = None
    topics: tuple[str, ...] | None = None
    timezone: str | None = None
    cadence: Cadence | None = None


def _insert_new(engine: Engine, table: Table) -> Any:
    """An INSERT that skips addresses another process added since we looked (two schedulers
    syncing the same YAML at once), instead of failing the whole run on the unique index."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=["email"])
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=["email"])
    return insert(table)


@translated("save the readers")
def upsert_many(engine: Engine, entries: Sequence[SubscriberInput], origin: str) -> tuple[int, int]:
    """Add or update many readers in a few statements; never changes anyone's status (an
    unsubscribed reader stays unsubscribed). Answers (added, updated)."""
    table = _subscribers_table()
    wanted = {entry.email: entry for entry in entries}  # the last row for an address wins
    with engine.begin() as connection:
        existing = {
            row.email: row.id
            for chunk in in_chunks(list(wanted))
            for row in connection.execute(
                select(table.c.id, table.c.email).where(table.c.email.in_(chunk))
            )
        }
        now = utcnow()
        new = [_insert_params(e, origin, now) for e in wanted.values() if e.email not in existing]
        if new:
            connection.execute(_insert_new(engine, table), new)
        changed = [
            _update_params(entry, existing[entry.email], now)
            for entry in wanted.values()
            if entry.email in existing
        ]
        for fields, rows in _group_by_fields(changed).items():
            values: dict[str, Any] = {name: bindparam(f"v_{name}") for name in fields}
            statement = update(table).where(table.c.id == bindparam("v_id")).values(values)
            connection.execute(statement, rows)
    return len(new), len(changed)


@translated("save the readers listed in the config")
def sync_config_subscribers(engine: Engine, readers: Sequence[Subscriber]) -> None:
    """Make the store agree with the YAML list: add or update every listed reader (name,
    topics; never status; not at all once the reader chose on the web), and delete active
    readers that came from the YAML and are no longer listed (unsubscribed ones are kept, so
    their choice is remembered)."""
    entries = [
        SubscriberInput(
            email=normalize_email(r.email),
            name=r.name,
            topics=tuple(sorted(r.topics)) if r.topics else (),
            timezone=r.timezone,
            cadence=r.cadence,
        )
        for r in readers
    ]
    table = _subscribers_table()
    listed = [e.email for e in entries]
    # A reader who chose topics on the web (origin "web") keeps their choice over the YAML's.
    with engine.connect() as connection:
        own_choice = {
            row.email
            for chunk in in_chunks(listed)
            for row in connection.execute(
                select(table.c.email).where(table.c.email.in_(chunk), table.c.origin == "web")
            )
        }
    upsert_many(engine, [e for e in entries if e.email not in own_choice], origin="config")
    with engine.begin() as connection:
        connection.execute(
            delete(table).where(
                table.c.origin == "config",
                table.c.status == SubscriberStatus.ACTIVE.value,
                table.c.email.not_in(listed) if listed else true(),
            )
        )


PAGE_SIZE = 2000  # readers per query when paging through the whole list


def subscriber_pages(engine: Engine, page_size: int | None = None) -> Iterator[list[Subscriber]]:
    """Every reader, any status, oldest first, one page at a time: keyset pagination on the
    row id (``WHERE id > last``), so page N costs what page 1 costs and a list of any size
    is never held in memory at once. Each page is its own short query (no open cursor
    across a run that takes minutes)."""
    c = _subscribers_table().c
    raw_topics = type_coerce(c.topics, String).label("topics")  # decoded once per topic set
    columns = (
        c.id, c.email, c.name, raw_topics, c.status, c.timezone, c.cadence, c.cadence_since,
        c.cadence_before,
    )  # fmt: skip
    page_size = page_size or PAGE_SIZE
    topic_sets: dict[Any, frozenset[str] | None] = {}
    last = 0
    while True:
        query = select(*columns).where(c.id > last).order_by(c.id).limit(page_size)
        page = _page(engine, query, topic_sets)
        if not page:
            return
        yield page
        last = page[-1].id or last
        if len(page) < page_size:
            return


@translated("read the readers")
def _page(
    engine: Engine, query: Select[Any], topic_sets: dict[Any, frozenset[str] | None]
) -> list[Subscriber]:
    with engine.connect() as connection:
        return [_to_model(row, topic_sets) for row in connection.execute(query)]


def _topic_set(value: Any, known: dict[Any, frozenset[str] | None]) -> frozenset[str] | None:
    """A row's topics as one shared frozenset per distinct choice: JSON text on SQLite (the
    column read as text), a list from psycopg on PostgreSQL."""
    key = value if value is None or isinstance(value, str) else tuple(value)
    if key not in known:
        names = json.loads(value) if isinstance(value, str) else value
        known[key] = frozenset(names) if names else None
    return known[key]


@translated("read the readers")
def all_subscribers(engine: Engine) -> list[Subscriber]:
    """Every reader, any status, oldest first (small lists: the CLI, the web app)."""
    return [reader for page in subscriber_pages(engine) for reader in page]


@translated("count the readers")
def count_subscribers(engine: Engine, status: SubscriberStatus) -> int:
    table = _subscribers_table()
    query = select(func.count()).select_from(table).where(table.c.status == status.value)
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def _subscribers_table() -> Table:
    table = SubscriberRow.__table__
    assert isinstance(table, Table)
    return table


def _insert_params(entry: SubscriberInput, origin: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "email": entry.email,
        "name": entry.name,
        "topics": list(entry.topics) if entry.topics else None,
        "timezone": entry.timezone,
        "cadence": str(entry.cadence) if entry.cadence else None,
        "status": SubscriberStatus.ACTIVE.value,
        "origin": origin,
        "created_at": now,
        "updated_at": now,
    }


def _update_params(entry: SubscriberInput, row_id: int, now: dt.datetime) -> dict[str, Any]:
    params: dict[str, Any] = {"v_id": row_id, "v_updated_at": now}
    if entry.name is not None:
        params["v_name"] = entry.name
    if entry.topics is not None:
        params["v_topics"] = list(entry.topics) or None
    if entry.timezone is not None:
        params["v_timezone"] = entry.timezone
    if entry.cadence is not None:
        params["v_cadence"] = str(entry.cadence)
    return params


def _group_by_fields(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """executemany needs the same parameters in every row: group rows by what they set."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        fields = tuple(sorted(k.removeprefix("v_") for k in row if k != "v_id"))
        groups.setdefault(fields, []).append(row)
    return groups
