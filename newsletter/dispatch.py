"""Deliver one issue: readers -> segments -> ledger claims -> backend -> ledger records.

Called by ``pipeline.run``; prints nothing. Each batch is claimed in the ledger just before
the backend gets it and recorded right after it answers (see ``store.ledger`` for why this
gives exactly one copy per reader across crashes, and for the one window that remains).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
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
DeliveryProgress = Callable[[int, int], None]  # (readers done, readers in total)

ALREADY_SENT = "already sent"
NOTHING_TODAY = "no papers in their topics today"
IN_DOUBT = (
    "in doubt: an earlier run lost the provider's answer for this message (or was killed "
    "while it was with the provider); not sent again so nobody gets two copies. Check the "
    "provider's activity log, then `newsletter deliveries resolve`"
)


Audience = tuple[TopicSet, bytes | None]  # a topic set, and a reader's own order or None


class SegmentSource(Protocol):
    """What the pipeline's composer offers: one shared message per segment (a topic set, or
    a reader's own order of it), per-reader parts."""

    def segment_message(self, topics: TopicSet) -> OutgoingEmail | None: ...

    def audience(self, subscriber: Subscriber) -> Audience: ...

    def audience_message(self, audience: Audience) -> OutgoingEmail | None: ...

    def recipient(self, subscriber: Subscriber) -> Recipient: ...


@dataclass(slots=True)
class Delivery:
    backend: EmailBackend
    ledger: Ledger
    composer: SegmentSource
    retry_in_doubt: bool = False
    progress: DeliveryProgress | None = None
    journal: Journal | None = None  # where answers go when the database cannot take them
    store_error: StoreError | None = None  # set when the database stopped the run

    def run(self, subscribers: Sequence[Subscriber]) -> list[DeliveryResult]:
        """Send to every active reader who has not had this issue; one result per reader."""
        results, segments = self._plan(subscribers)
        statuses = self.ledger.prepare(e for group in segments.values() for e in group)
        in_doubt_too = self.retry_in_doubt or self.backend.idempotent
        todo: dict[Audience, list[Subscriber]] = {}
        for audience, readers in segments.items():
            for reader in readers.values():
                status = statuses[reader.email]
                if status == RowStatus.SENT:
                    results.append(
                        _skipped(reader.email, DeliveryReason.ALREADY_SENT, ALREADY_SENT)
                    )
                elif status == RowStatus.SENDING and not in_doubt_too:
                    results.append(
                        DeliveryResult(
                            reader.email,
                            "in_doubt",
                            detail=IN_DOUBT,
                            reason=DeliveryReason.IN_DOUBT,
                        )
                    )
                else:
                    todo.setdefault(audience, []).append(reader)
        total = sum(len(readers) for readers in todo.values())
        self._report(0, total)
        results += self._send(todo, in_doubt_too, total)
        return results

    def _plan(
        self, subscribers: Sequence[Subscriber]
    ) -> tuple[list[DeliveryResult], dict[Audience, dict[str, Subscriber]]]:
        """Skip readers who are not active or have nothing today; group the rest (a reader's
        own order has papers exactly when their topic set's shared message has)."""
        skipped: list[DeliveryResult] = []
        segments: dict[Audience, dict[str, Subscriber]] = {}
        for reader in subscribers:
            if reader.status is not SubscriberStatus.ACTIVE:
                skipped.append(_skipped(reader.email, DeliveryReason.INACTIVE, reader.status.value))
            elif self.composer.segment_message(reader.topics) is None:
                skipped.append(_skipped(reader.email, DeliveryReason.NOTHING_TODAY, NOTHING_TODAY))
            else:
                segments.setdefault(self.composer.audience(reader), {})[reader.email] = reader
        return skipped, segments

    def _send(
        self, todo: dict[Audience, list[Subscriber]], in_doubt_too: bool, total: int
    ) -> list[DeliveryResult]:
        """Batches go to the backend one at a time, on a worker thread, so that the next
        batch's links are signed while the current one is with the provider. The worker
        claims, sends and records each batch, so only one batch is ever claimed and unsent."""
        results: list[DeliveryResult] = []
        stopped: NewsletterError | None = None
        pending: tuple[list[Subscriber], Future[list[DeliveryResult]]] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="deliver") as worker:
            for template, batch in self._batches(todo):
                prepared = {} if stopped else {r.email: self.composer.recipient(r) for r in batch}
                if pending is not None:
                    stopped = self._collect(*pending, results) or stopped
                    pending = None
                    self._report(len(results), total)
                if stopped is not None:
                    results += [_not_attempted(r.email, stopped) for r in batch]
                    continue
                future = worker.submit(self._send_batch, template, prepared, in_doubt_too)
                pending = (batch, future)
            if pending is not None:
                self._collect(*pending, results)
        self._report(len(results), total)
        return results

    def _batches(
        self, todo: dict[Audience, list[Subscriber]]
    ) -> Iterator[tuple[OutgoingEmail, list[Subscriber]]]:
        size = max(1, self.backend.batch_size)
        for audience, readers in todo.items():
            template = self.composer.audience_message(audience)
            assert template is not None  # segments without papers were skipped in _plan
            for start in range(0, len(readers), size):
                yield template, readers[start : start + size]

    def _send_batch(
        self, template: OutgoingEmail, prepared: dict[str, Recipient], in_doubt_too: bool
    ) -> list[DeliveryResult]:
        key = f"{template.issue_key or 'issue'}.{secrets.token_hex(8)}"
        template = dataclasses.replace(template, batch_key=key)
        claimed = self.ledger.claim(list(prepared), in_doubt_too=in_doubt_too, batch=key)
        lost = [  # another run claimed these between prepare and now: it sends them
            _skipped(e, DeliveryReason.ALREADY_SENT, ALREADY_SENT)
            for e in prepared
            if e not in claimed
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

    def _collect(
        self,
        batch: list[Subscriber],
        future: Future[list[DeliveryResult]],
        results: list[DeliveryResult],
    ) -> NewsletterError | None:
        """Add a finished batch's results; answer the error that stops the run, if any."""
        try:
            results += future.result()
        except _UnrecordedError as exc:  # sent, but the database could not say so
            results += exc.results
            journal = self.journal.path if self.journal and exc.kept else None
            where = f"kept in {journal} for the next run" if journal else "in doubt"
            self.store_error = StoreError(f"{exc.error}; the batch the provider took is {where}")
            return self.store_error
        except StoreError as exc:  # the claim failed: nothing of this batch was sent
            results += [_not_attempted(r.email, exc) for r in batch]
            self.store_error = exc
            return exc
        except DeliveryError as exc:  # nothing can be sent at all (bad key, server gone)
            results += [_not_attempted(r.email, exc) for r in batch]
            return exc
        return None

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


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
