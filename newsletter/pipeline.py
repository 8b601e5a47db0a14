"""collect -> group -> render -> deliver. Returns a ``RunReport``; prints nothing.

Subscribers sharing a topic set form a segment: each segment is rendered once and only the
per-recipient links are filled in for each reader.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from newsletter.config import LoadedConfig
from newsletter.delivery import EmailBackend, get_backend
from newsletter.delivery.message import make_message_id, sender_domain
from newsletter.errors import NewsletterError
from newsletter.models import DeliveryResult, Issue, OutgoingEmail, Section, Subscriber
from newsletter.render import RenderContext, RenderedIssue, Renderer, format_subject, personalize
from newsletter.sources import build_sources
from newsletter.sources.collect import Collection, collect_papers
from newsletter.store import open_database
from newsletter.store.settings import signing_secret
from newsletter.tokens import TokenSigner
from newsletter.topics import filter_sections, group_by_topic

Segment = frozenset[str] | None


class NoPapersError(NewsletterError):
    """Every source failed, so nothing was built and nothing sent."""


@dataclass(slots=True)
class RunReport:
    """Everything a reporter needs to tell what a run did."""

    day: dt.date
    newsletter: str
    collection: Collection
    sections: list[Section]
    destination: str
    results: list[DeliveryResult] = field(default_factory=list)
    segments: int = 0
    seconds: float = 0.0

    @property
    def papers(self) -> int:
        return len(self.collection.papers)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


@dataclass(frozen=True, slots=True)
class Preview:
    subscriber: Subscriber
    rendered: RenderedIssue
    email: OutgoingEmail


def resolve_day(loaded: LoadedConfig, day: dt.date | None) -> dt.date:
    """``--date`` if given, else today in the newsletter's time zone."""
    return day or dt.datetime.now(ZoneInfo(loaded.model.newsletter.timezone)).date()


def config_subscribers(loaded: LoadedConfig) -> list[Subscriber]:
    return [
        Subscriber(
            email=s.email,
            name=s.name,
            topics=frozenset(s.topics) if s.topics else None,
            timezone=s.timezone,
        )
        for s in loaded.model.subscribers
    ]


def collect_and_group(loaded: LoadedConfig, day: dt.date) -> tuple[Collection, Issue]:
    collection = collect_papers(build_sources(loaded), day)
    if collection.results and len(collection.failed) == len(collection.results):
        errors = "; ".join(f"{r.source}: {r.error}" for r in collection.failed)
        raise NoPapersError(f"every source failed, nothing was sent: {errors}")
    config = loaded.model
    sections = group_by_topic(collection.papers, config.topics, config.grouping)
    return collection, Issue(newsletter=config.newsletter.name, date=day, sections=sections)


class IssueComposer:
    """Renders segments and turns them into personalized ``OutgoingEmail``s."""

    def __init__(self, loaded: LoadedConfig, issue: Issue, signer: TokenSigner) -> None:
        self.loaded = loaded
        self.issue = issue
        self.signer = signer
        templates_dir = loaded.model.newsletter.templates_dir
        self.renderer = Renderer(loaded.resolve_input(templates_dir) if templates_dir else None)
        self._cache: dict[Segment, RenderedIssue | None] = {}

    @property
    def rendered_segments(self) -> int:
        return sum(1 for r in self._cache.values() if r is not None)

    def segment(self, topics: Segment) -> RenderedIssue | None:
        """The rendering for one topic set; ``None`` when those topics have no papers."""
        if topics not in self._cache:
            self._cache[topics] = self._render(topics)
        return self._cache[topics]

    def _render(self, topics: Segment) -> RenderedIssue | None:
        sections = filter_sections(self.issue.sections, topics)
        if not sections:
            return None
        issue = Issue(self.issue.newsletter, self.issue.date, sections)
        n = self.loaded.model.newsletter
        ctx = RenderContext(
            issue=issue,
            newsletter_name=n.name,
            postal_address=n.postal_address,
            base_url=n.base_url,
            subject=format_subject(n.subject, issue, n.name),
            summary_chars=n.summary_chars,
            reader_topics=tuple(s.topic.name for s in sections) if topics else None,
            language=n.language,
        )
        return self.renderer.render(issue, ctx)

    def compose(self, subscriber: Subscriber, rendered: RenderedIssue) -> OutgoingEmail:
        n = self.loaded.model.newsletter
        links = self.signer.links(n.base_url, subscriber.email)
        headers = {
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{n.name} <{_list_id(n.name, n.sender)}>",
        }
        if n.reply_to:
            headers["Reply-To"] = n.reply_to
        return OutgoingEmail(
            sender=n.sender,
            to=subscriber.email,
            to_name=subscriber.name,
            subject=rendered.subject,
            html=personalize(rendered.html, links),
            text=personalize(rendered.text, links),
            message_id=make_message_id(sender_domain(n.sender)),
            date=dt.datetime.now(dt.UTC),
            headers=headers,
            issue_key=self.issue.key,
        )


def _list_id(name: str, sender: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return f"{slug}.{sender_domain(sender)}"


def make_signer(loaded: LoadedConfig) -> TokenSigner:
    return TokenSigner(signing_secret(open_database(loaded.model.database.url)))


def compose_all(
    composer: IssueComposer, subscribers: Sequence[Subscriber]
) -> tuple[list[OutgoingEmail], list[DeliveryResult]]:
    """Messages to send, plus a ``skipped`` result for readers with nothing today."""
    messages, skipped = [], []
    for subscriber in subscribers:
        rendered = composer.segment(subscriber.topics)
        if rendered is None:
            skipped.append(
                DeliveryResult(subscriber.email, "skipped", detail="no papers in their topics")
            )
        else:
            messages.append(composer.compose(subscriber, rendered))
    return messages, skipped


def run(
    loaded: LoadedConfig,
    day: dt.date | None = None,
    backend: EmailBackend | None = None,
    *,
    subscribers: Sequence[Subscriber] | None = None,
) -> RunReport:
    """The main job for one day; ``subscribers`` narrows it (local-time delivery)."""
    started = time.perf_counter()
    day = resolve_day(loaded, day)
    collection, issue = collect_and_group(loaded, day)
    backend = backend or get_backend(loaded)
    report = RunReport(day, issue.newsletter, collection, issue.sections, backend.destination)
    composer = IssueComposer(loaded, issue, make_signer(loaded))
    readers = config_subscribers(loaded) if subscribers is None else subscribers
    messages, skipped = compose_all(composer, readers)
    with backend:
        report.results = backend.send_messages(messages) + skipped
    report.segments = composer.rendered_segments
    report.seconds = time.perf_counter() - started
    return report


def preview(loaded: LoadedConfig, day: dt.date | None = None, email: str | None = None) -> Preview:
    """Render the issue for one subscriber (the first, or ``email``) without sending."""
    day = resolve_day(loaded, day)
    _, issue = collect_and_group(loaded, day)
    subscriber = _pick_subscriber(loaded, email)
    composer = IssueComposer(loaded, issue, make_signer(loaded))
    rendered = composer.segment(subscriber.topics)
    if rendered is None:
        raise NewsletterError(f"{subscriber.email} has no papers on {day}: nothing to preview")
    return Preview(subscriber, rendered, composer.compose(subscriber, rendered))


def _pick_subscriber(loaded: LoadedConfig, email: str | None) -> Subscriber:
    subscribers = config_subscribers(loaded)
    if email is None:
        return subscribers[0] if subscribers else Subscriber(email="preview@example.org")
    for subscriber in subscribers:
        if subscriber.email.lower() == email.lower():
            return subscriber
    known = ", ".join(s.email for s in subscribers) or "none"
    raise NewsletterError(f"no subscriber {email!r} in the config (known: {known})")
