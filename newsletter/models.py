"""The data the pipeline passes between stages. Plain data, no I/O.

Sources produce ``Paper``s; ``topics`` groups them into ``Section``s of an ``Issue``;
``render`` turns an ``Issue`` into an ``OutgoingEmail`` per recipient; delivery backends
answer each with a ``DeliveryResult``.
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
    def anchor(self) -> str:
        """A stable HTML id for links from the table of contents."""
        slug = "".join(c if c.isalnum() else "-" for c in self.name.lower())
        return "topic-" + "-".join(part for part in slug.split("-") if part)


@dataclass(slots=True)
class Section:
    """One topic's papers in display order; ``hidden`` counts papers cut by a size limit."""

    topic: Topic
    papers: list[Paper] = field(default_factory=list)
    hidden: int = 0

    @property
    def total(self) -> int:
        return len(self.papers) + self.hidden


@dataclass(slots=True)
class Issue:
    """One day's digest for one set of topics: what the renderer turns into an email."""

    newsletter: str
    date: dt.date
    sections: list[Section]

    @property
    def paper_count(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def key(self) -> str:
        """Issue identity: the newsletter name plus the date."""
        return f"{self.newsletter}:{self.date.isoformat()}"


class SubscriberStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    PAUSED = "paused"  # chose "pause" on the preferences page; resumes from there
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A reader. ``topics`` of ``None`` means every topic."""

    email: str
    name: str | None = None
    topics: frozenset[str] | None = None
    status: SubscriberStatus = SubscriberStatus.ACTIVE
    timezone: str | None = None

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
    to_name: str | None = None


DeliveryStatus = Literal["sent", "failed", "skipped"]


class DeliveryReason(StrEnum):
    """Why a reader was skipped or not sent, for programs to count; people read ``detail``."""

    ALREADY_SENT = "already_sent"  # the ledger says this reader has the issue
    NOTHING_TODAY = "nothing_today"  # no papers in the reader's topics
    INACTIVE = "inactive"  # paused, unsubscribed, bounced, ...
    IN_DOUBT = "in_doubt"  # a killed run left the message with the provider
    SHUTDOWN = "shutdown"  # left for the next run by a shutdown
    NOT_ATTEMPTED = "not_attempted"  # an earlier batch failed so that nothing could be sent


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What a backend did with one message: ``sent`` with the provider id, or why not."""

    recipient: str
    status: DeliveryStatus
    provider_id: str | None = None
    detail: str = ""
    reason: DeliveryReason | None = None  # None: the backend's own answer
