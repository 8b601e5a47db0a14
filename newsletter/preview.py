"""One reader's issue, rendered and composed but not sent (``newsletter preview``, the live
preview in ``web/``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from newsletter.compose import IssueComposer
from newsletter.config import LoadedConfig
from newsletter.errors import NewsletterError
from newsletter.models import OutgoingEmail, Subscriber
from newsletter.pipeline import collect_and_group, open_run_database, reader_orders, resolve_day
from newsletter.readers import config_subscribers
from newsletter.render import RenderedIssue
from newsletter.store.audience import find_reader
from newsletter.store.settings import signing_secret
from newsletter.tokens import TokenSigner


@dataclass(frozen=True, slots=True)
class Preview:
    subscriber: Subscriber
    rendered: RenderedIssue
    email: OutgoingEmail


def preview(loaded: LoadedConfig, day: dt.date | None = None, email: str | None = None) -> Preview:
    """Render the issue for one subscriber (the first, or ``email``) without sending."""
    day = resolve_day(loaded, day)
    with open_run_database(loaded) as engine:
        _, issue = collect_and_group(loaded, day, engine=engine)
        subscriber = _pick_subscriber(loaded, engine, email)
        signer = TokenSigner(signing_secret(engine, loaded.secrets.signing_secret))
        # The reader's own order when their "more like this" choices change it.
        orders = reader_orders(issue, engine, [subscriber.id] if subscriber.id else [])
        composer = IssueComposer(loaded, issue, signer, orders)
    rendered = composer.audience_rendering(composer.audience(subscriber))
    if rendered is None:
        raise NewsletterError(f"{subscriber.email} has no papers on {day}: nothing to preview")
    return Preview(subscriber, rendered, composer.compose(subscriber, rendered))


def _pick_subscriber(loaded: LoadedConfig, engine: Engine, email: str | None) -> Subscriber:
    """The first reader of the YAML, or the one named: as the database knows them (their own
    topic choices), readers who subscribed on the web included."""
    subscribers = config_subscribers(loaded)
    if email is None:
        return subscribers[0] if subscribers else Subscriber(email="preview@example.org")
    found = find_reader(engine, subscribers, email)
    if found is not None:
        return found
    known = ", ".join(s.email for s in subscribers) or "none"
    raise NewsletterError(
        f"no subscriber {email!r} in the config or the database (in the config: {known})"
    )
