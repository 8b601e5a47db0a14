"""The data the pipeline passes between stages. Plain data, no I/O.

Sources produce ``Paper``s; ``topics`` groups them into ``Section``s of an ``Issue``;
``render`` turns an ``Issue`` into a ``RenderedIssue`` per topic set, ``compose`` makes it
an ``OutgoingEmail`` per recipient; delivery backends answer each with a ``DeliveryResult``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


@dataclass(slots=True)
class Paper:
    """One paper as every later stage sees it, whatever source it came from.

    ``id`` is the stable key used for de-duplication: the version-less arXiv id when there
    is one (``2510.02283``, ``cs/0503050``), otherwise an id the source guarantees stable.
    ``title`` and ``abstract`` are display text (whitespace collapsed, LaTeX turned into
    Unicode); the ``*_raw`` fields keep what the source sent. Nothing here is escaped yet:
    the renderer escapes everything.
    """

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    arxiv_id: str | None = None
    listed_on: dt.date | None = None
    published_at: dt.datetime | None = None
    upvotes: int | None = None
    comments: int | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    thumbnail: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    submitter: str | None = None
    organization: str | None = None
    page_url: str | None = None
    title_raw: str | None = None
    abstract_raw: str | None = None
    sources: tuple[str, ...] = ()

    @property
    def arxiv_url(self) -> str | None:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else None

    @property
    def pdf_url(self) -> str | None:
        return f"https://arxiv.org/pdf/{self.arxiv_id}" if self.arxiv_id else None

    @property
    def url(self) -> str | None:
        """The page a reader lands on from the title: the source's page, else arXiv."""
        return self.page_url or self.arxiv_url or self.project_page


@dataclass(frozen=True, slots=True)
class Topic:
    """A section heading of the digest, as configured (rules live in ``topics``)."""

    name: str
    description: str = ""
    emoji: str = ""

    @property
    def slug(self) -> str:
        """The topic's name for URLs: ``/archive/topics/<slug>.atom``."""
        slug = "".join(c if c.isalnum() else "-" for c in self.name.lower())
        return "-".join(part for part in slug.split("-") if part)

    @property
    def anchor(self) -> str:
        """A stable HTML id for links from the table of contents."""
        return "topic-" + self.slug


@dataclass(slots=True)
class Section:
    """One topic's papers in display order; ``hidden`` counts papers cut by a size limit.

    ``reasons`` holds, per paper id, the configured terms that placed the paper under this
    topic (the data ``topics explain`` shows); the email's "matched: ..." line reads it.
    """

    topic: Topic
    papers: list[Paper] = field(default_factory=list)
    hidden: int = 0
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A note shown instead of the "matched" line ("code released since we sent it").
    notes: dict[str, str] = field(default_factory=dict)
    for_everyone: bool = False  # shown whatever topics the reader chose (catching on)

    @property
    def total(self) -> int:
        return len(self.papers) + self.hidden


@dataclass(slots=True)
class Issue:
    """One day's digest for one set of topics: what the renderer turns into an email."""

    newsletter: str
    date: dt.date
    sections: list[Section]
    first_day: dt.date | None = None  # a weekly issue: the first day it covers

    @property
    def weekly(self) -> bool:
        return self.first_day is not None

    @property
    def paper_count(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def key(self) -> str:
        """Issue identity: the newsletter name plus the date."""
        return f"{self.newsletter}:{self.date.isoformat()}"


@dataclass(frozen=True, slots=True)
class ArchivedPaper:
    """One paper as a topic's feed entry shows it (text as the email's card shows it)."""

    id: str
    title: str
    url: str | None
    summary: str
    reason: str
    github_repo: str | None = None  # as sent: "code released" compares it with today's
    upvotes: int | None = None  # as sent: "catching on" means crossing the threshold since


@dataclass(frozen=True, slots=True)
class ArchivedSection:
    """One topic of a sent issue, kept for the topic's Atom feed."""

    topic: str
    slug: str
    papers: tuple[ArchivedPaper, ...]
    hidden: int = 0


class SubscriberStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    PAUSED = "paused"  # chose "pause" on the preferences page; resumes from there
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class Rhythm(StrEnum):
    """How often a reader gets the digest."""

    DAILY = "daily"
    WEEKLY = "weekly"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Cadence:
    """A reader's rhythm: every issue day, or once a week on ``weekday`` (0 = Monday) with
    the week's papers merged. Kept as one string: ``daily`` or ``weekly:friday``."""

    rhythm: Rhythm = Rhythm.DAILY
    weekday: int = 4

    @property
    def weekly(self) -> bool:
        return self.rhythm is Rhythm.WEEKLY

    def __str__(self) -> str:
        return f"weekly:{WEEKDAYS[self.weekday]}" if self.weekly else "daily"

    @classmethod
    def parse(cls, text: str) -> Cadence:
        """``daily``, ``weekly`` (Friday) or ``weekly:<weekday>`` (``weekly:mon`` too)."""
        rhythm, _, day = text.strip().lower().partition(":")
        if rhythm == Rhythm.DAILY and not day:
            return cls()
        if rhythm == Rhythm.WEEKLY:
            if not day:
                return cls(Rhythm.WEEKLY)
            found = [i for i, name in enumerate(WEEKDAYS) if len(day) >= 3 and name.startswith(day)]
            if len(found) == 1:
                return cls(Rhythm.WEEKLY, found[0])
        raise ValueError(
            f"cadence {text!r}: use daily, weekly or weekly:<weekday> (e.g. weekly:friday)"
        )


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A reader. ``topics`` of ``None`` means every topic; ``cadence`` of ``None`` means the
    operator's default (``newsletter.cadence``)."""

    email: str
    name: str | None = None
    topics: frozenset[str] | None = None
    status: SubscriberStatus = SubscriberStatus.ACTIVE
    timezone: str | None = None
    cadence: Cadence | None = None
    # A switch from weekly to daily waits for the week's issue (no gap): until
    # ``cadence_since`` the reader keeps ``cadence_before``.
    cadence_since: dt.date | None = None
    cadence_before: Cadence | None = None
    id: int | None = None  # the database row; links name the reader by it, never by address

    def cadence_on(self, day: dt.date, default: Cadence) -> Cadence:
        """The rhythm that holds for the issue day ``day``."""
        if self.cadence_since is not None and day < self.cadence_since:
            return self.cadence_before or default
        return self.cadence or default

    @property
    def display(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(slots=True)
class OutgoingEmail:
    """A fully rendered message for one recipient, ready for any backend.

    ``headers`` holds extra headers (List-Unsubscribe, ...); From/To/Subject/Date/Message-ID
    are built by ``delivery.message.build_mime`` from the fields here.
    """

    sender: str
    to: str
    subject: str
    html: str
    text: str
    message_id: str
    date: dt.datetime
    headers: dict[str, str] = field(default_factory=dict)
    issue_key: str = ""
    # Names one request to the provider (SendGrid custom_args), written to the ledger when
    # the batch is claimed, so even a batch a killed run left in doubt can be looked up.
    batch_key: str = ""
    to_name: str | None = None


# in_doubt: the request may have reached the provider (its answer was lost): never resent
# automatically; the operator settles it (``newsletter deliveries resolve``).
DeliveryStatus = Literal["sent", "failed", "skipped", "in_doubt"]


class DeliveryReason(StrEnum):
    """Why a reader was skipped or not sent, for programs to count; people read ``detail``."""

    ALREADY_SENT = "already_sent"  # the ledger says this reader has the issue
    NOTHING_TODAY = "nothing_today"  # no papers in the reader's topics
    INACTIVE = "inactive"  # paused, unsubscribed, bounced, ...
    IN_DOUBT = "in_doubt"  # a killed run left the message with the provider
    SHUTDOWN = "shutdown"  # left for the next run by a shutdown
    NOT_ATTEMPTED = "not_attempted"  # an earlier batch failed so that nothing could be sent
    OTHER_SENDER = "other_sender"  # another run sending the same issue has this reader


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What a backend did with one message: ``sent`` with the provider id, or why not."""

    recipient: str
    status: DeliveryStatus
    provider_id: str | None = None
    detail: str = ""
    reason: DeliveryReason | None = None  # None: the backend's own answer
