"""collect -> group -> render -> deliver. Returns a ``RunReport``; prints nothing.

Subscribers sharing a topic set form a segment: each segment is rendered once and only the
per-recipient links are filled in for each reader.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from newsletter.config import LoadedConfig
from newsletter.delivery import EmailBackend, get_backend
from newsletter.delivery.message import Recipient, expand, make_message_id, sender_domain
from newsletter.errors import NewsletterError
from newsletter.models import DeliveryResult, Issue, OutgoingEmail, Section, Subscriber, Topic
from newsletter.profiles import build_profiles
from newsletter.render import RenderedIssue, Renderer, build_context
from newsletter.render.context import PREFERENCES_URL, UNSUBSCRIBE_URL
from newsletter.sending import ALREADY_SENT, SHUTTING_DOWN, Delivery, Progress
from newsletter.sources import SourceOptions, build_sources
from newsletter.sources.collect import Collection, collect_papers
from newsletter.sources.collect import Progress as SourceProgress
from newsletter.store import open_database
from newsletter.store.audience import find_reader
from newsletter.store.issues import save_archive
from newsletter.store.ledger import Ledger
from newsletter.store.papers import filter_unsent, mark_sent
from newsletter.store.runs import (
    EMPTY,
    FAILED,
    INTERRUPTED,
    PARTIAL,
    SENT,
    RunCounts,
    begin_run,
    finish_run,
)
from newsletter.store.settings import signing_secret
from newsletter.store.subscribers import all_subscribers, sync_config_subscribers
from newsletter.tokens import TokenSigner
from newsletter.topics import filter_sections, group_by_topic

Segment = frozenset[str] | None


class NoPapersError(NewsletterError):
    """Every source failed, so nothing was built and nothing sent."""


@dataclass(frozen=True, slots=True)
class CollectOptions:
    """``refresh``: bypass the cache; ``include_seen``: keep papers an earlier issue sent."""

    refresh: bool = False
    include_seen: bool = False
    sources: SourceOptions | None = None
    progress: SourceProgress | None = None


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
    empty_day: str | None = None  # the policy applied to a quiet day: "skip" or "notice"
    marked_sent: int = 0

    @property
    def papers(self) -> int:
        return len(self.collection.papers)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def skipped_by_reason(self) -> dict[str, int]:
        """Why readers were skipped (already sent, unsubscribed, nothing today), with counts."""
        reasons: dict[str, int] = {}
        for result in self.results:
            if result.status == "skipped":
                reasons[result.detail] = reasons.get(result.detail, 0) + 1
        return reasons


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


def collect_day(
    loaded: LoadedConfig,
    day: dt.date,
    options: CollectOptions | None = None,
    only: str | None = None,
) -> Collection:
    """Run the configured sources (or the one named ``only``); fail if every one failed."""
    options = options or CollectOptions()
    source_options = replace(options.sources or SourceOptions(), refresh=options.refresh)
    sources = build_sources(loaded, source_options)
    if only is not None:
        known = ", ".join(s.name for s in sources)
        sources = [s for s in sources if s.name == only]
        if not sources:
            raise NewsletterError(f"no source named {only!r} in the config (known: {known})")
    collection = collect_papers(sources, day, options.progress)
    if collection.all_failed:
        errors = "; ".join(f"{r.source}: {r.error}" for r in collection.failed)
        raise NoPapersError(f"every source failed, nothing was sent: {errors}")
    return collection


def collect_and_group(
    loaded: LoadedConfig,
    day: dt.date,
    options: CollectOptions | None = None,
    engine: Engine | None = None,
) -> tuple[Collection, Issue]:
    """The day's papers, less those an earlier issue sent, grouped into sections. Pass the
    run's ``engine`` to reuse it; without one a connection is opened only if needed."""
    options = options or CollectOptions()
    collection = collect_day(loaded, day, options)
    config = loaded.model
    if config.collect.skip_seen and not options.include_seen and collection.papers:
        with _database(loaded, engine) as db:
            window = config.collect.seen_window_days
            collection.papers, collection.seen = filter_unsent(
                db, config.newsletter.name, collection.papers, day, window
            )
    profiles = build_profiles(loaded, refresh=options.refresh)
    sections = group_by_topic(collection.papers, config.topics, config.grouping, profiles)
    return collection, Issue(newsletter=config.newsletter.name, date=day, sections=sections)


NOTICE_TOPIC = Topic(
    name="No new papers today",
    description="The sources list no new papers for this day (a weekend or a holiday).",
    emoji="📭",
)


def notice_issue(issue: Issue) -> Issue:
    """The ``notice`` policy's issue for a quiet day: one empty section saying so."""
    return Issue(issue.newsletter, issue.date, [Section(topic=NOTICE_TOPIC)])


class IssueComposer:
    """Renders segments and turns them into personalized ``OutgoingEmail``s."""

    def __init__(self, loaded: LoadedConfig, issue: Issue, signer: TokenSigner) -> None:
        self.loaded = loaded
        self.issue = issue
        self.signer = signer
        templates_dir = loaded.model.newsletter.templates_dir
        self.renderer = Renderer(loaded.resolve_input(templates_dir) if templates_dir else None)
        self._cache: dict[Segment, RenderedIssue | None] = {}
        self._messages: dict[Segment, OutgoingEmail | None] = {}

    @property
    def rendered_segments(self) -> int:
        return sum(1 for r in self._cache.values() if r is not None)

    def segment(self, topics: Segment) -> RenderedIssue | None:
        """The rendering for one topic set; ``None`` when those topics have no papers."""
        if topics not in self._cache:
            self._cache[topics] = self._render(topics)
        return self._cache[topics]

    def _render(self, topics: Segment) -> RenderedIssue | None:
        # A quiet day's notice goes to every reader, whatever topics they chose.
        notice = self.issue.paper_count == 0
        sections = self.issue.sections if notice else filter_sections(self.issue.sections, topics)
        if not sections:
            return None
        issue = Issue(self.issue.newsletter, self.issue.date, sections)
        ctx = build_context(issue, self.loaded.model.newsletter, self._chosen(topics))
        return self.renderer.render(issue, ctx)

    def _chosen(self, topics: Segment) -> tuple[str, ...] | None:
        """The reader's topics in display order, for "why you get this"."""
        if topics is None:
            return None
        order = [t.name for t in self.loaded.model.topics]
        return tuple(sorted(topics, key=lambda n: order.index(n) if n in order else len(order)))

    def segment_message(self, topics: Segment) -> OutgoingEmail | None:
        """The segment's shared message, placeholders in place; ``None`` without papers."""
        if topics not in self._messages:
            rendered = self.segment(topics)
            self._messages[topics] = None if rendered is None else self._shared(rendered)
        return self._messages[topics]

    def _shared(self, rendered: RenderedIssue) -> OutgoingEmail:
        n = self.loaded.model.newsletter
        headers = {"List-Id": f"{n.name} <{_list_id(n.name, n.sender)}>"}
        if n.reply_to:
            headers["Reply-To"] = n.reply_to
        return OutgoingEmail(
            sender=n.sender,
            to="",
            subject=rendered.subject,
            html=rendered.html,
            text=rendered.text,
            message_id=make_message_id(sender_domain(n.sender)),
            date=dt.datetime.now(dt.UTC),
            headers=headers,
            issue_key=self.issue.key,
        )

    def recipient(self, subscriber: Subscriber) -> Recipient:
        """The reader's own links (signed tokens) and List-Unsubscribe headers (RFC 8058)."""
        links = self.signer.links(self.loaded.model.newsletter.base_url, subscriber.email)
        return Recipient(
            email=subscriber.email,
            name=subscriber.name,
            values={
                UNSUBSCRIBE_URL: links["unsubscribe_url"],
                PREFERENCES_URL: links["preferences_url"],
            },
            headers={
                "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )

    def compose(self, subscriber: Subscriber, rendered: RenderedIssue) -> OutgoingEmail:
        """One reader's complete message (previews and per-message backends)."""
        return expand(self._shared(rendered), self.recipient(subscriber))


def _list_id(name: str, sender: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return f"{slug}.{sender_domain(sender)}"


@contextmanager
def _database(loaded: LoadedConfig, engine: Engine | None = None) -> Iterator[Engine]:
    """``engine`` as given, or the configured database opened for this block only."""
    if engine is not None:
        yield engine
        return
    opened = open_database(loaded.model.database.url)
    try:
        yield opened
    finally:
        opened.dispose()


def run(
    loaded: LoadedConfig,
    day: dt.date | None = None,
    backend: EmailBackend | None = None,
    options: CollectOptions | None = None,
    *,
    resend: bool = False,
    retry_in_doubt: bool = False,
    progress: Progress | None = None,
    only: frozenset[str] | None = None,
) -> RunReport:
    """The main job for one day. A rerun of the same day sends only to readers who have not
    had the issue (the ledger decides); ``resend`` deliberately sends everyone a new copy.
    ``only`` narrows the run to these addresses (local-time delivery)."""
    started = time.perf_counter()
    day = resolve_day(loaded, day)
    with _database(loaded) as engine:
        collection, issue = collect_and_group(loaded, day, options, engine)
        backend = backend or get_backend(loaded)
        report = RunReport(day, issue.newsletter, collection, issue.sections, backend.destination)
        if collection.quiet and not collection.papers:
            report.empty_day = loaded.model.collect.empty_day
            issue = notice_issue(issue)
        if report.empty_day == "skip":  # nothing to send, but `newsletter status` shows the day
            finish_run(engine, begin_run(engine, issue.newsletter, day), run_counts(report))
        else:
            sending = SendOptions(resend, retry_in_doubt, progress, only)
            _deliver(loaded, engine, issue, backend, report, sending)
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How a run treats the ledger: see ``run``."""

    resend: bool = False
    retry_in_doubt: bool = False
    progress: Progress | None = None
    only: frozenset[str] | None = None


def _deliver(
    loaded: LoadedConfig,
    engine: Engine,
    issue: Issue,
    backend: EmailBackend,
    report: RunReport,
    sending: SendOptions,
) -> None:
    """Send through the ledger, record the issue's counts, remember the papers sent."""
    sync_config_subscribers(engine, config_subscribers(loaded))
    readers = all_subscribers(engine)
    if sending.only is not None:
        readers = [r for r in readers if r.email in sending.only]
    composer = IssueComposer(loaded, issue, TokenSigner(signing_secret(engine)))
    ledger = Ledger(engine, begin_run(engine, issue.newsletter, issue.date))
    if sending.resend:
        ledger.reset_for_resend()
    delivery = Delivery(backend, ledger, composer, sending.retry_in_doubt, sending.progress)
    with backend:
        report.results = delivery.run(readers)
    report.segments = composer.rendered_segments
    finish_run(engine, ledger.issue_id, run_counts(report))  # what `newsletter status` shows
    sent = report.count("sent")
    if sent and report.empty_day is None:
        papers = [p for section in issue.sections for p in section.papers]
        report.marked_sent = mark_sent(engine, issue.newsletter, papers, issue.date)
    everything = composer.segment(None)  # the public archive shows every topic
    if sent and everything is not None:
        save_archive(engine, ledger.issue_id, everything.subject, everything.html, everything.text)


def run_counts(report: RunReport) -> RunCounts:
    """This run's counts. "Already sent" is no skip a reader cares about, and readers left
    by a shutdown are not failures: the next run sends them."""
    already = sum(1 for r in report.results if r.detail == ALREADY_SENT)
    deferred = sum(1 for r in report.results if SHUTTING_DOWN in r.detail)
    skipped = report.count("skipped") - already
    failed = report.count("failed") - deferred
    sent = report.count("sent")
    notes = [f"{r.source}: {r.status}" for r in report.collection.results if r.status != "ok"]
    if already:
        notes.append(f"{already} already had it")
    if deferred:
        notes.append(f"{deferred} left for the next run by a shutdown")
    if deferred:
        status = INTERRUPTED
    elif failed:
        status = PARTIAL if sent or already else FAILED
    elif report.papers == 0:
        status = EMPTY
    else:
        status = SENT
    return RunCounts(status, report.papers, skipped, failed, "; ".join(notes) or None)


def preview(loaded: LoadedConfig, day: dt.date | None = None, email: str | None = None) -> Preview:
    """Render the issue for one subscriber (the first, or ``email``) without sending."""
    day = resolve_day(loaded, day)
    with _database(loaded) as engine:
        _, issue = collect_and_group(loaded, day, engine=engine)
        subscriber = _pick_subscriber(loaded, engine, email)
        composer = IssueComposer(loaded, issue, TokenSigner(signing_secret(engine)))
    rendered = composer.segment(subscriber.topics)
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
