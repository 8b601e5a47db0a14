"""Who gets an issue: the readers in the YAML, synced into the database, plus the readers
who subscribed on the web.

The database decides a reader's status and, once the reader has chosen on the web, their
topics: that is where the web pages and the SendGrid webhook record a reader's own choices
(topics, pause, unsubscribe, bounce). A reader listed in the YAML who unsubscribes is not
mailed again, and one who picks topics gets them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine

from newsletter.errors import InvalidEmailError
from newsletter.models import Subscriber, SubscriberStatus
from newsletter.store.failures import translated
from newsletter.store.schema import open_database
from newsletter.store.subscribers import (
    all_subscribers,
    email_of,
    get_subscriber,
    normalize_email,
    sync_config_subscribers,
)
from newsletter.tokens import LinkHolder


def address_key(email: str) -> str:
    """One key per reader, whatever the spelling of the domain."""
    try:
        return normalize_email(email).lower()
    except InvalidEmailError:
        return email.strip().lower()


@translated("read the readers")
def mailing_list(database_url: str, listed: Sequence[Subscriber]) -> list[Subscriber]:
    """Who the next run mails: the YAML readers synced into the store (which never changes a
    reader's status, nor topics a reader chose on the web), then every active reader."""
    engine = open_database(database_url)
    try:
        sync_config_subscribers(engine, listed)
        return [s for s in all_subscribers(engine) if s.status is SubscriberStatus.ACTIVE]
    finally:
        engine.dispose()


@translated("look up the reader")
def find_reader(engine: Engine, listed: Sequence[Subscriber], email: str) -> Subscriber | None:
    """The reader behind an address with their current status and topics, if any."""
    stored = get_subscriber(engine, email)
    if stored is not None:
        return stored
    key = address_key(email)
    return next((s for s in listed if address_key(s.email) == key), None)


def reader_row_id(engine: Engine, listed: Sequence[Subscriber], email: str) -> int | None:
    """The row id a link names this reader by; a YAML reader no run has synced yet gets
    their row now (as the next run would). ``None`` for an address we do not know."""
    reader = find_reader(engine, listed, email)
    if reader is None:
        return None
    if reader.id is None:
        sync_config_subscribers(engine, listed)
        reader = get_subscriber(engine, email)
    return reader.id if reader else None


def holder_email(engine: Engine, holder: LinkHolder) -> str | None:
    """The address behind a verified link token (an old token carries it)."""
    if holder.email is not None:
        return holder.email
    return email_of(engine, holder.reader_id) if holder.reader_id is not None else None
