"""Who gets an issue: the readers in the YAML merged with the readers in the database.

The database wins for any address it knows, because that is where the web pages and the
SendGrid webhook record a reader's own choices (topics, pause, unsubscribe, bounce): a reader
listed in the YAML who unsubscribes is not mailed again, and one who picks topics gets them.
Readers who subscribed on the web exist only in the database and are added when active.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from newsletter.models import Issue, Subscriber, SubscriberStatus
from newsletter.store.db import open_database
from newsletter.store.issues import get_or_create_issue, save_archive
from newsletter.store.subscribers import (
    InvalidEmailError,
    get_subscriber,
    list_subscribers,
    normalize_email,
)

if TYPE_CHECKING:
    from newsletter.render import RenderedIssue


def address_key(email: str) -> str:
    """One key per reader, whatever the spelling of the domain."""
    try:
        return normalize_email(email).lower()
    except InvalidEmailError:
        return email.strip().lower()


def merge_readers(listed: Sequence[Subscriber], stored: Sequence[Subscriber]) -> list[Subscriber]:
    """Active readers: the YAML's in their order, then the database's; the database decides
    status and topics for every address it knows."""
    by_key = {address_key(s.email): s for s in stored}
    readers: list[Subscriber] = []
    seen: set[str] = set()
    for reader in listed:
        key = address_key(reader.email)
        if key in seen:
            continue
        seen.add(key)
        known = by_key.get(key)
        if known is None:
            readers.append(reader)
        elif known.status is SubscriberStatus.ACTIVE:
            readers.append(
                Subscriber(
                    email=reader.email,
                    name=known.name or reader.name,
                    topics=known.topics,
                    timezone=known.timezone or reader.timezone,
                )
            )
    for known in stored:
        key = address_key(known.email)
        if key not in seen and known.status is SubscriberStatus.ACTIVE:
            seen.add(key)
            readers.append(known)
    return readers


def mailing_list(database_url: str, listed: Sequence[Subscriber]) -> list[Subscriber]:
    """Everyone who should receive today's issue (see ``merge_readers``)."""
    return merge_readers(listed, list_subscribers(open_database(database_url)))


def find_reader(engine: Engine, listed: Sequence[Subscriber], email: str) -> Subscriber | None:
    """The reader behind an address with their current status and topics, if any."""
    stored = get_subscriber(engine, email)
    if stored is not None:
        return stored
    key = address_key(email)
    return next((s for s in listed if address_key(s.email) == key), None)


def keep_archive(database_url: str, issue: Issue, rendered: RenderedIssue | None) -> None:
    """Store the all-topics rendering of a sent issue for the public archive."""
    if rendered is None:
        return
    engine = open_database(database_url)
    issue_id = get_or_create_issue(engine, issue.newsletter, issue.date)
    save_archive(engine, issue_id, rendered.subject, rendered.html, rendered.text)
