"""collect -> group -> render -> deliver. Returns a ``RunReport``; prints nothing.

Subscribers sharing a topic set form a segment: each segment is assembled once from pieces
rendered once per issue, and only the per-recipient links are filled in for each reader.
Readers are read a page at a time (``readers.reader_pages``) and counted, not kept.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import EllipsisType
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from newsletter.catching_on import Rising, catching_on_sections, rising_papers
from newsletter.compose import IssueComposer
from newsletter.config import LoadedConfig
from newsletter.delivery import EmailBackend, get_backend
from newsletter.dispatch import Delivery, DeliveryProgress, DeliveryTally
from newsletter.errors import NewsletterError
from newsletter.models import (
    Cadence,
    DeliveryReason,
    DeliveryResult,
    Issue,
    Rhythm,
    Section,
    Subscriber,
    Topic,
)
from newsletter.profiles.build import build_profiles
from newsletter.reader_orders import ReaderOrders
from newsletter.readers import count_cadence, reader_pages, readers_for_run
from newsletter.render.archive import archived_sections
from newsletter.sources.collect import Collection
from newsletter.sources.day import CollectOptions, collect_day
from newsletter.store import open_database
from newsletter.store.feedback import choices_for_ranking
from newsletter.store.issues import save_archive, save_sections
from newsletter.store.journal import JOURNAL_NAME, Journal
from newsletter.store.ledger import Ledger
from newsletter.store.papers import filter_unsent, mark_sent
from newsletter.store.privacy import purge_unconfirmed
from newsletter.store.received import save_catching_on
from newsletter.store.runs import RunCounts, RunStatus, begin_run, finish_run
from newsletter.store.settings import signing_secret
from newsletter.tokens import TokenSigner
from newsletter.topics import group_by_topic


@dataclass(slots=True)
class RunReport:
    """Everything a reporter needs to tell what a run did."""

    day: dt.date
    newsletter: str
    collection: Collection
    sections: list[Section]
    destination: str
    tally: DeliveryTally = field(default_factory=DeliveryTally)
    segments: int = 0
    own_orders: int = 0  # messages rendered in one reader's order (their feedback)
    seconds: float = 0.0
    empty_day: str | None = None  # the policy applied to a quiet day: "skip" or "notice"
    marked_sent: int = 0
    cadences: dict[str, int] = field(default_factory=dict)  # active readers: daily, weekly
    purged_unconfirmed: int = 0  # sign-ups never confirmed, deleted by this run (retention)
    retries: dict[str, int] = field(default_factory=dict)  # by cause: "429", "5xx", "dropped"
    store_error: str | None = None  # the database stopped the run (what it said, no SQL)
    waited_seconds: float = 0.0  # spent in backoff before retries

    @property
    def papers(self) -> int:
        return len(self.collection.papers)

    def count(self, status: str) -> int:
        return self.tally.count(status)

    def count_reason(self, reason: DeliveryReason) -> int:
        return self.tally.count_reason(reason)

    @property
    def failures(self) -> list[DeliveryResult]:
        """Failed readers by name (the first ``FAILURES_KEPT``; ``count`` has them all)."""
        return self.tally.failures


def resolve_day(loaded: LoadedConfig, day: dt.date | None) -> dt.date:
    """``--date`` if given, else today in the newsletter's time zone."""
    return day or dt.datetime.now(ZoneInfo(loaded.model.newsletter.timezone)).date()


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
        with open_run_database(loaded, engine) as db:
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


@contextmanager
def open_run_database(loaded: LoadedConfig, engine: Engine | None = None) -> Iterator[Engine]:
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
    engine: Engine | None = None,
    resend: bool = False,
    retry_in_doubt: bool = False,
    progress: DeliveryProgress | None = None,
    only: frozenset[str] | None = None,
) -> RunReport:
    """The main job for one day. A rerun of the same day sends only to readers who have not
    had the issue (the ledger decides); ``resend`` deliberately sends everyone a new copy.
    ``only`` narrows the run to these addresses (local-time delivery). Pass the caller's
    ``engine`` to share it; without one the configured database is opened for the run.

    The run's record on the issue row (``newsletter status``) is begun here and finished
    here, whatever happens: a run that raises is recorded as failed with its error."""
    started = time.perf_counter()
    day = resolve_day(loaded, day)
    sending = SendOptions(resend, retry_in_doubt, progress, only)
    with open_run_database(loaded, engine) as db:
        issue_id = begin_run(db, loaded.model.newsletter.name, day)
        counts = RunCounts(RunStatus.FAILED, detail="the run stopped before it finished")
        finished = False
        try:
            report = _run(loaded, db, issue_id, day, backend, options, sending)
            counts = run_counts(report)
            finished = report.store_error is None  # else the record may fail too: say so below
        except NewsletterError as exc:
            counts = RunCounts(RunStatus.FAILED, detail=str(exc))
            raise
        except KeyboardInterrupt:
            counts = RunCounts(RunStatus.INTERRUPTED, detail="interrupted (Ctrl-C)")
            raise
        except Exception as exc:  # a bug: recorded, then raised for the traceback
            counts = RunCounts(RunStatus.FAILED, detail=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            _finish(db, issue_id, counts, raising=not finished)
    report.seconds = time.perf_counter() - started
    return report


def _finish(engine: Engine, issue_id: int, counts: RunCounts, *, raising: bool) -> None:
    """Record the run's end. While the run's own error is raising, a database that cannot
    take the record (it may be what failed) must not hide that error."""
    try:
        finish_run(engine, issue_id, counts)
    except Exception:
        if not raising:
            raise


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How a run treats the ledger: see ``run``."""

    resend: bool = False
    retry_in_doubt: bool = False
    progress: DeliveryProgress | None = None
    only: frozenset[str] | None = None
    catching_on: int | None = None  # the "Catching on" section these readers' copies carry


def _run(
    loaded: LoadedConfig,
    engine: Engine,
    issue_id: int,
    day: dt.date,
    backend: EmailBackend | None,
    options: CollectOptions | None,
    sending: SendOptions,
) -> RunReport:
    # Retention: a sign-up nobody confirmed is not kept for ever (the readers section).
    purged = purge_unconfirmed(engine, loaded.model.readers.purge_unconfirmed_after_days)
    collection, issue = collect_and_group(loaded, day, options, engine)
    backend = backend or get_backend(loaded)
    report = RunReport(day, issue.newsletter, collection, issue.sections, backend.destination)
    report.purged_unconfirmed = purged
    if collection.quiet and not collection.papers:
        report.empty_day = loaded.model.collect.empty_day
        issue = notice_issue(issue)
    if report.empty_day != "skip":  # a skipped quiet day sends nothing; status still shows it
        ledger = Ledger(engine, issue_id)
        today = {p.id for section in issue.sections for p in section.papers}
        rising = rising_papers(loaded, day, today) if today else None
        if rising is None or not rising.papers:
            _deliver(loaded, ledger, issue, backend, report, sending)
        else:
            _deliver_catching_on(loaded, ledger, issue, backend, report, sending, rising)
    return report


def _deliver_catching_on(
    loaded: LoadedConfig,
    ledger: Ledger,
    issue: Issue,
    backend: EmailBackend,
    report: RunReport,
    sending: SendOptions,
    rising: Rising,
) -> None:
    """The issue plus each reader's own "Catching on" section: readers with the same
    section are sent together; the archive keeps the issue without it."""
    readers = readers_for_run(loaded, ledger.engine, sending.only)
    extra = catching_on_sections(loaded, ledger.engine, rising, readers)
    # Ranked once for every group: the groups differ only in the catching-on section, which
    # keeps its order.
    orders = reader_orders(issue, ledger.engine, [r.id for r in readers if r.id is not None])
    groups: dict[tuple[str, ...], tuple[Section | None, list[Subscriber]]] = {}
    for reader in readers:
        section = extra.get(reader.email)
        key = tuple(p.id for p in section.papers) if section else ()
        groups.setdefault(key, (section, []))[1].append(reader)
    first = True
    for section, members in groups.values():
        part = RunReport(report.day, report.newsletter, report.collection, [], report.destination)
        # Kept before anyone is claimed; each claimed reader's ledger row points at it.
        kept = save_catching_on(ledger.engine, ledger.issue_id, section.papers) if section else None
        own = replace(sending, resend=sending.resend and first, catching_on=kept)
        sections = [*issue.sections, section] if section else issue.sections
        group = replace(issue, sections=sections)
        _deliver(loaded, ledger, group, backend, part, own, orders=orders, readers=members)
        merge_report(report, part)
        first = False
    if report.count("sent"):
        secret = signing_secret(ledger.engine, loaded.secrets.signing_secret)
        composer = IssueComposer(loaded, issue, TokenSigner(secret))
        _keep_archive(ledger, composer)


def merge_report(report: RunReport, part: RunReport) -> None:
    """Add one group's sending (catching-on groups, weekly groups) to the run's report."""
    known = {p.id for p in report.collection.papers}
    if part.collection is not report.collection:
        report.collection.papers += [p for p in part.collection.papers if p.id not in known]
        report.collection.results += part.collection.results
    report.sections = report.sections or part.sections
    report.tally.merge(part.tally)
    report.segments += part.segments
    report.marked_sent += part.marked_sent
    report.own_orders += part.own_orders
    for rhythm, count in part.cadences.items():  # the groups share the readers out
        report.cadences[rhythm] = report.cadences.get(rhythm, 0) + count


def _deliver(
    loaded: LoadedConfig,
    ledger: Ledger,
    issue: Issue,
    backend: EmailBackend,
    report: RunReport,
    sending: SendOptions,
    *,
    orders: ReaderOrders | EllipsisType | None = ...,
    readers: Sequence[Subscriber] | None = None,
) -> None:
    """Send through the ledger, remember the papers sent, keep the public archive.
    ``orders``: the readers' own orders, when the caller ranked them once for several
    groups; by default they are ranked here. ``readers``: one group of readers the caller
    has read already (catching-on and weekly groups); by default every reader of the run,
    a page at a time."""
    engine = ledger.engine
    if readers is None:
        pages, expected = reader_pages(loaded, engine, sending.only)
    else:
        pages, expected = iter([list(readers)]), len(readers)
    if isinstance(orders, EllipsisType):
        orders = reader_orders(issue, engine)
    composer = IssueComposer(
        loaded, issue, TokenSigner(signing_secret(engine, loaded.secrets.signing_secret)), orders
    )
    if sending.resend:
        ledger.reset_for_resend()
    journal = Journal(loaded.resolve_output(JOURNAL_NAME))
    journal.apply(engine)  # answers an earlier run could not record, before anything is sent
    delivery = Delivery(
        backend,
        ledger,
        composer,
        sending.retry_in_doubt,
        sending.progress,
        journal,
        catching_on=sending.catching_on,
    )
    delivery.total = expected
    due = _due_on(pages, issue, loaded.model.newsletter.default_cadence, report.cadences)
    with ledger.senders.sending(), backend:  # other senders see this run as alive
        report.tally = delivery.run(due)
    if delivery.store_error is not None:
        report.store_error = str(delivery.store_error)
    report.retries = dict(backend.retries)
    report.waited_seconds = backend.waited_seconds
    report.segments = composer.rendered_segments
    report.own_orders += composer.own_renderings
    sent = report.count("sent")
    if report.store_error:
        return  # the database is not taking writes: the papers and archive wait for next run
    if sent and report.empty_day is None:
        papers = [p for section in issue.sections for p in section.papers]
        name = loaded.model.newsletter.name  # daily and weekly issues share one record
        report.marked_sent = mark_sent(engine, name, papers, issue.date)
    if sent and not any(section.for_everyone for section in issue.sections):
        _keep_archive(ledger, composer)


def reader_orders(
    issue: Issue, engine: Engine, reader_ids: Iterable[int] | None = None
) -> ReaderOrders | None:
    """The own order of every reader (of ``reader_ids``; ``None``: of every reader) whose
    feedback changes theirs today; ``None`` when nobody gave any: no model is built. Readers
    this issue is not for are ranked too (they are few: only readers who rated papers), and
    never asked for."""
    ranking = choices_for_ranking(engine, reader_ids) if issue.paper_count else None
    if ranking is None or not ranking.choices:
        return None
    return ReaderOrders(issue.sections, ranking, ranking.choices)


def _due_on(
    pages: Iterator[list[Subscriber]], issue: Issue, default: Cadence, counts: dict[str, int]
) -> Iterator[list[Subscriber]]:
    """Each page's readers this issue is for (a weekly issue is for weekly readers),
    counting every reader's rhythm into ``counts`` as the pages go by."""
    counts.clear()
    counts.update({Rhythm.DAILY.value: 0, Rhythm.WEEKLY.value: 0})
    for page in pages:
        for reader in page:
            count_cadence(counts, reader, issue.date, default)
        yield [r for r in page if r.cadence_on(issue.date, default).weekly == issue.weekly]


def _keep_archive(ledger: Ledger, composer: IssueComposer) -> None:
    """The public archive shows every topic (and nobody's own catching-on section), and no
    "more like this" links: they are a reader's own."""
    everything = composer.archive_rendering()
    if everything is not None:
        engine, issue_id = ledger.engine, ledger.issue_id
        save_archive(engine, issue_id, everything.subject, everything.html, everything.text)
        save_sections(engine, issue_id, archived_sections(composer.context(None)))


def run_counts(report: RunReport) -> RunCounts:
    """This run's counts. "Already sent" is no skip a reader cares about, and readers left
    by a shutdown are not failures: the next run sends them."""
    already = report.count_reason(DeliveryReason.ALREADY_SENT)
    already += report.count_reason(DeliveryReason.OTHER_SENDER)
    deferred = report.count_reason(DeliveryReason.SHUTDOWN)
    skipped = report.count("skipped") - already
    failed = report.count("failed") - deferred
    in_doubt = report.count("in_doubt")
    sent = report.count("sent")
    notes = [f"{r.source}: {r.status}" for r in report.collection.results if r.status != "ok"]
    if already:
        notes.append(f"{already} already had it")
    if deferred:
        notes.append(f"{deferred} left for the next run by a shutdown")
    if in_doubt:
        notes.append(f"{in_doubt} in doubt (newsletter deliveries)")
    if report.retries:
        causes = ", ".join(f"{cause} x{n}" for cause, n in sorted(report.retries.items()))
        notes.append(f"retries {causes}, {report.waited_seconds:.0f} s waiting")
    if report.store_error:
        notes.append(report.store_error)
    if deferred:
        status = RunStatus.INTERRUPTED
    elif failed or in_doubt:
        status = RunStatus.PARTIAL if sent or already or in_doubt else RunStatus.FAILED
    elif report.papers == 0:
        status = RunStatus.EMPTY
    else:
        status = RunStatus.SENT
    return RunCounts(status, report.papers, skipped, failed, "; ".join(notes) or None)
