"""Deliver one issue: pages of readers -> ledger -> batches per topic set -> backend -> ledger.

Called by ``pipeline.run``; prints nothing. Readers come a page at a time (keyset pages from
the store); each page's ledger rows are prepared in bulk, and its readers join a buffer per
topic set. A buffer that reaches the backend's batch size goes at once; the rest go when
the audience is exhausted, or earlier, largest first, when the buffers together pass
``BUFFERED_READERS`` (so a list with thousands of topic sets is never held whole).

Up to ``backend.concurrency`` batches are with the provider at once, each on a worker
thread that claims it in the ledger just before sending and records the answer right after
(see ``store.ledger`` for why this gives one copy per reader across crashes). After a crash
at most ``concurrency`` batches are in doubt. The main thread meanwhile signs the next
batches' links.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol

from newsletter.delivery.base import EmailBackend
from newsletter.delivery.message import Recipient
from newsletter.errors import DeliveryError, NewsletterError, ShutdownRequestedError, StoreError
from newsletter.models import (
    DeliveryReason,
    DeliveryResult,
    OutgoingEmail,
    Subscriber,
    SubscriberStatus,
)
from newsletter.store.journal import Journal
from newsletter.store.ledger import Ledger, RowStatus

TopicSet = frozenset[str] | None  # a reader's chosen topics; None: every topic
Audience = tuple[TopicSet, bytes | None]  # a topic set, and a reader's own order or None
DeliveryProgress = Callable[[int, int], None]  # (readers done, readers in total)

ALREADY_SENT = "already sent"
OTHER_SENDER = "sent by another run of this issue"  # several senders share one issue
NOTHING_TODAY = "no papers in their topics today"
IN_DOUBT = (
    "in doubt: an earlier run lost the provider's answer for this message (or was killed "
    "while it was with the provider); not sent again so nobody gets two copies. Check the "
    "provider's activity log, then `newsletter deliveries resolve`"
)
BUFFERED_READERS = 200_000  # readers waiting in per-set buffers before the largest go early
FAILURES_KEPT = 1_000  # failed readers kept by name for the report; all are counted


class TopicSetSource(Protocol):
    """What the pipeline's composer offers: one shared message per topic set (or per
    reader's own order of it: an ``Audience``), per-reader parts, and whether a topic set
    has any papers today (a reader's own order has them exactly when their set has)."""

    def has_papers(self, topics: TopicSet) -> bool: ...

    def segment_message(self, topics: TopicSet) -> OutgoingEmail: ...

    def audience(self, subscriber: Subscriber) -> Audience: ...

    def audience_message(self, audience: Audience) -> OutgoingEmail: ...

    def recipient(self, subscriber: Subscriber) -> Recipient: ...


@dataclass(slots=True)
class DeliveryTally:
    """What happened to every reader, counted by (status, reason, detail); failed readers are kept
    by name (the first ``FAILURES_KEPT``), sent ones only counted: a million results would
    not fit the memory a run is allowed."""

    counts: Counter[tuple[str, DeliveryReason | None, str]] = field(default_factory=Counter)
    failures: list[DeliveryResult] = field(default_factory=list)

    def add(self, result: DeliveryResult) -> None:
        self.extend((result,))

    def extend(self, results: Iterable[DeliveryResult]) -> None:
        """Count a batch's results (one C-level Counter update: a million readers go by)."""
        kept = list(results)
        self.counts.update(
            (r.status, r.reason, r.detail if r.status != "sent" else "") for r in kept
        )
        if len(self.failures) < FAILURES_KEPT:
            failed = [r for r in kept if r.status == "failed"]
            self.failures += failed[: FAILURES_KEPT - len(self.failures)]

    def merge(self, other: DeliveryTally) -> None:
        """Add another sending's counts (catching-on groups, weekly groups) to these."""
        self.counts.update(other.counts)
        room = FAILURES_KEPT - len(self.failures)
        self.failures += other.failures[: max(0, room)]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, status: str) -> int:
        return sum(n for (s, _, _), n in self.counts.items() if s == status)

    def count_reason(self, reason: DeliveryReason) -> int:
        return sum(n for (_, r, _), n in self.counts.items() if r is reason)


@dataclass(slots=True)
class _Batch:
    template: OutgoingEmail
    recipients: dict[str, Recipient]


@dataclass(slots=True)
class Delivery:
    backend: EmailBackend
    ledger: Ledger
    composer: TopicSetSource
    retry_in_doubt: bool = False
    progress: DeliveryProgress | None = None
    journal: Journal | None = None  # where answers go when the database cannot take them
    catching_on: int | None = None  # the "Catching on" section these copies carry (row id)
    store_error: StoreError | None = None  # set when the database stopped the run
    total: int = 0  # readers expected, for the progress bar only
    tally: DeliveryTally = field(default_factory=DeliveryTally)
    _buffers: dict[Audience, list[Subscriber]] = field(default_factory=dict)
    _buffered: int = 0
    _stopped: NewsletterError | None = None
    _in_flight: dict[Future[list[DeliveryResult]], list[str]] = field(default_factory=dict)

    @property
    def in_doubt_too(self) -> bool:
        return self.retry_in_doubt or self.backend.idempotent

    def run(self, pages: Iterable[Sequence[Subscriber]]) -> DeliveryTally:
        """Send to every active reader who has not had this issue; count every reader."""
        concurrency = max(1, self.backend.concurrency)
        self._report()
        with ThreadPoolExecutor(concurrency, thread_name_prefix="deliver") as workers:
            for page in pages:
                for batch in self._take(page):
                    self._submit(workers, batch, concurrency)
            for audience in list(self._buffers):
                for batch in self._flush(audience):
                    self._submit(workers, batch, concurrency)
            self._drain(len(self._in_flight))
        self._report()
        return self.tally

    def _take(self, page: Sequence[Subscriber]) -> Iterable[list[Subscriber]]:
        """Sort one page: skips are counted, the rest join their set's buffer; answers the
        batches that are ready to go."""
        by_set: dict[TopicSet, dict[str, Subscriber]] = {}
        for reader in page:
            if reader.status is not SubscriberStatus.ACTIVE:
                self.tally.add(_skipped(reader.email, DeliveryReason.INACTIVE, reader.status.value))
            elif not self.composer.has_papers(reader.topics):
                self.tally.add(_skipped(reader.email, DeliveryReason.NOTHING_TODAY, NOTHING_TODAY))
            else:
                by_set.setdefault(reader.topics, {})[reader.email] = reader
        # Ledger rows are written in this order, so one batch (one topic set) finds its rows
        # side by side: a claim or record rewrites a few database pages, not one per reader.
        due = {email: r for readers in by_set.values() for email, r in readers.items()}
        if not due:
            return []
        if self._stopped is not None:  # nothing more goes out: count the rest as not sent
            self.tally.extend(_not_attempted(e, self._stopped) for e in due)
            return []
        ready: list[list[Subscriber]] = []
        for email, status in self.ledger.prepare(due).items():
            reader = due[email]
            if status == RowStatus.SENT:
                self.tally.add(_skipped(email, DeliveryReason.ALREADY_SENT, ALREADY_SENT))
            elif status == RowStatus.ELSEWHERE:
                self.tally.add(_skipped(email, DeliveryReason.OTHER_SENDER, OTHER_SENDER))
            elif status == RowStatus.SENDING and not self.in_doubt_too:
                in_doubt = DeliveryResult(
                    email, "in_doubt", detail=IN_DOUBT, reason=DeliveryReason.IN_DOUBT
                )
                self.tally.add(in_doubt)
            else:
                ready += self._buffer(reader)
        while self._buffered > BUFFERED_READERS:
            largest = max(self._buffers, key=lambda t: len(self._buffers[t]))
            ready += self._flush(largest)
        return ready

    def _buffer(self, reader: Subscriber) -> list[list[Subscriber]]:
        audience = self.composer.audience(reader)
        waiting = self._buffers.setdefault(audience, [])
        waiting.append(reader)
        self._buffered += 1
        # A reader's own order goes at once: another reader sharing it is rare.
        if len(waiting) >= max(1, self.backend.batch_size) or audience[1] is not None:
            return self._flush(audience)
        return []

    def _flush(self, audience: Audience) -> list[list[Subscriber]]:
        readers = self._buffers.pop(audience, [])
        self._buffered -= len(readers)
        size = max(1, self.backend.batch_size)
        return [readers[i : i + size] for i in range(0, len(readers), size)]

    def _submit(
        self, workers: ThreadPoolExecutor, readers: list[Subscriber], concurrency: int
    ) -> None:
        if self._stopped is None:
            template = self.composer.audience_message(self.composer.audience(readers[0]))
            batch = _Batch(template, {r.email: self.composer.recipient(r) for r in readers})
            self._drain(len(self._in_flight) - concurrency + 1)  # a free worker for it
        if self._stopped is not None:
            self.tally.extend(_not_attempted(r.email, self._stopped) for r in readers)
            return
        future = workers.submit(self._send_batch, batch)
        self._in_flight[future] = [r.email for r in readers]

    def _drain(self, at_least: int) -> None:
        """Wait until ``at_least`` batches in flight have answered; count their results."""
        while at_least > 0 and self._in_flight:
            done, _ = wait(self._in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                emails = self._in_flight.pop(future)
                self._stopped = self._collect(future, emails) or self._stopped
                at_least -= 1
            self._report()

    def _collect(
        self, future: Future[list[DeliveryResult]], emails: list[str]
    ) -> NewsletterError | None:
        """Count a finished batch's results; answer the error that stops the run, if any."""
        try:
            self.tally.extend(future.result())
        except _UnrecordedError as exc:  # sent, but the database could not say so
            self.tally.extend(exc.results)
            journal = self.journal.path if self.journal and exc.kept else None
            where = f"kept in {journal} for the next run" if journal else "in doubt"
            self.store_error = StoreError(f"{exc.error}; the batch the provider took is {where}")
            return self.store_error
        except StoreError as exc:  # the claim failed: nothing of this batch was sent
            self.tally.extend(_not_attempted(e, exc) for e in emails)
            self.store_error = self.store_error or exc
            return exc
        except DeliveryError as exc:  # nothing can be sent at all (bad key, server gone)
            self.tally.extend(_not_attempted(e, exc) for e in emails)
            return exc
        return None

    def _send_batch(self, batch: _Batch) -> list[DeliveryResult]:
        """On a worker: claim, send, record. A batch claimed is sent right away, so at most
        one batch per worker is ever claimed and unrecorded. Each request gets its own key
        (kept with the claim), so a batch whose answer is lost can be looked up later."""
        if self._stopped is not None:
            raise self._stopped
        prepared = batch.recipients
        key = f"{batch.template.issue_key or 'issue'}.{secrets.token_hex(8)}"
        template = dataclasses.replace(batch.template, batch_key=key)
        claimed = self.ledger.claim(
            list(prepared), in_doubt_too=self.in_doubt_too, batch=key, catching_on=self.catching_on
        )
        mine = set(claimed)
        lost = [  # another run claimed these between prepare and now: it sends them
            _skipped(e, DeliveryReason.OTHER_SENDER, OTHER_SENDER)
            for e in prepared
            if e not in mine
        ]
        if not claimed:
            return lost
        try:
            answered = self.backend.send_segment(template, [prepared[e] for e in claimed])
        except DeliveryError as exc:
            self.ledger.record([DeliveryResult(e, "failed", detail=str(exc)) for e in claimed])
            raise
        try:
            self.ledger.record(answered)  # right away: this commit closes the in-doubt window
        except StoreError as exc:
            kept = self.journal is not None and self.journal.append(self.ledger, answered)
            raise _UnrecordedError(answered + lost, exc, kept) from None
        return answered + lost

    def _report(self) -> None:
        if self.progress is not None:
            done = self.tally.total
            self.progress(done, max(done, self.total))


class _UnrecordedError(Exception):
    """A batch the provider answered whose outcome the database would not take."""

    def __init__(self, results: list[DeliveryResult], error: StoreError, kept: bool) -> None:
        super().__init__(str(error))
        self.results, self.error, self.kept = results, error, kept


def _not_attempted(email: str, error: NewsletterError) -> DeliveryResult:
    shutdown = isinstance(error, ShutdownRequestedError)
    reason = DeliveryReason.SHUTDOWN if shutdown else DeliveryReason.NOT_ATTEMPTED
    return DeliveryResult(email, "failed", detail=f"not sent: {error}", reason=reason)


def _skipped(email: str, reason: DeliveryReason, detail: str) -> DeliveryResult:
    return DeliveryResult(email, "skipped", detail=detail, reason=reason)
