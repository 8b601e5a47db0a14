"""One issue, rendered once per topic set and personalized per reader: the shared message
(List-Id, Reply-To) and each reader's own links and List-Unsubscribe headers (RFC 8058).

A reader whose "more like this" choices reorder their topics today (``ReaderOrders``) gets a
rendering of their own, made when their batch is sent and not kept; everyone else shares
their topic set's. Built by ``pipeline.run`` for delivery and by ``preview`` for one reader;
renders nothing until a segment is asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from newsletter.config import LoadedConfig
from newsletter.delivery.message import Recipient, expand, make_message_id, sender_domain
from newsletter.dispatch import Audience, TopicSet
from newsletter.models import Issue, OutgoingEmail, Section, Subscriber
from newsletter.reader_orders import ReaderOrders
from newsletter.render import RenderedIssue, Renderer, build_context
from newsletter.render.context import (
    FEEDBACK_TOKEN,
    PREFERENCES_URL,
    UNSUBSCRIBE_URL,
    RenderContext,
)
from newsletter.tokens import TokenSigner
from newsletter.topics import filter_sections

NOT_A_READER = "not-a-reader"  # the feedback token of a preview for an address not stored


class IssueComposer:
    """Renders segments and turns them into personalized ``OutgoingEmail``s."""

    def __init__(
        self,
        loaded: LoadedConfig,
        issue: Issue,
        signer: TokenSigner,
        orders: ReaderOrders | None = None,
    ) -> None:
        self.loaded = loaded
        self.issue = issue
        self.signer = signer
        self.orders = orders
        self.own_renderings = 0  # messages rendered for one reader's order
        templates_dir = loaded.model.newsletter.templates_dir
        self.renderer = Renderer(loaded.resolve_input(templates_dir) if templates_dir else None)
        self._cache: dict[TopicSet, RenderedIssue | None] = {}
        self._messages: dict[TopicSet, OutgoingEmail | None] = {}

    @property
    def rendered_segments(self) -> int:
        return sum(1 for r in self._cache.values() if r is not None)

    def segment(self, topics: TopicSet) -> RenderedIssue | None:
        """The rendering for one topic set; ``None`` when those topics have no papers."""
        if topics not in self._cache:
            self._cache[topics] = self._render(topics)
        return self._cache[topics]

    def _render(self, topics: TopicSet, *, feedback: bool = True) -> RenderedIssue | None:
        # A quiet day's notice goes to every reader, whatever topics they chose.
        notice = self.issue.paper_count == 0
        sections = self.issue.sections if notice else filter_sections(self.issue.sections, topics)
        if not sections:
            return None
        ctx = replace(self.context(topics, sections), feedback=feedback)
        return self.renderer.render(ctx.issue, ctx)

    def archive_rendering(self) -> RenderedIssue | None:
        """Every topic, as the public archive keeps it: without the readers' feedback links."""
        return self._render(None, feedback=False)

    def context(self, topics: TopicSet, sections: list[Section] | None = None) -> RenderContext:
        """The render context of one topic set (its sections, unless given)."""
        if sections is None:
            sections = filter_sections(self.issue.sections, topics)
        issue = replace(self.issue, sections=sections)
        return build_context(issue, self.loaded.model.newsletter, self._chosen(topics))

    def _chosen(self, topics: TopicSet) -> tuple[str, ...] | None:
        """The reader's topics in display order, for "why you get this"."""
        if topics is None:
            return None
        order = [t.name for t in self.loaded.model.topics]
        return tuple(sorted(topics, key=lambda n: order.index(n) if n in order else len(order)))

    def audience(self, subscriber: Subscriber) -> Audience:
        """The message a reader gets: their topic set's, in their own order if they have one."""
        key = self.orders.key_of(subscriber) if self.orders is not None else None
        return (subscriber.topics, key)

    def audience_rendering(self, audience: Audience) -> RenderedIssue | None:
        """An audience's rendering; one in a reader's own order is made now and not kept
        (a list of readers who all gave feedback must not hold all their messages)."""
        topics, key = audience
        if key is None or self.orders is None:
            return self.segment(topics)
        sections = filter_sections(self.orders.sections(self.issue.sections, key), topics)
        if not sections:
            return None
        ctx = self.context(topics, sections)
        self.own_renderings += 1
        return self.renderer.render(ctx.issue, ctx)

    def audience_message(self, audience: Audience) -> OutgoingEmail | None:
        """The shared message of an audience (see ``audience_rendering``)."""
        topics, key = audience
        if key is None or self.orders is None:
            return self.segment_message(topics)
        rendered = self.audience_rendering(audience)
        return None if rendered is None else self._shared(rendered)

    def segment_message(self, topics: TopicSet) -> OutgoingEmail | None:
        """The segment's shared message, placeholders in place; ``None`` without papers."""
        if topics not in self._messages:
            rendered = self.segment(topics)
            self._messages[topics] = None if rendered is None else self._shared(rendered)
        return self._messages[topics]

    def _shared(self, rendered: RenderedIssue) -> OutgoingEmail:
        n = self.loaded.model.newsletter
        headers = {"List-Id": f"{n.name} <{list_id(n.name, n.sender)}>"}
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
                FEEDBACK_TOKEN: feedback_token(self.signer, subscriber),
            },
            headers={
                "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )

    def compose(self, subscriber: Subscriber, rendered: RenderedIssue) -> OutgoingEmail:
        """One reader's complete message (previews and per-message backends)."""
        return expand(self._shared(rendered), self.recipient(subscriber))


def feedback_token(signer: TokenSigner, subscriber: Subscriber) -> str:
    """What follows ``/more/`` and ``/less/`` in the reader's links: a token naming their
    row, never their address (a preview for an address not stored gets a dead one)."""
    if subscriber.id is None:
        return NOT_A_READER
    return signer.feedback_token(subscriber.id)


def list_id(name: str, sender: str) -> str:
    """The List-Id (RFC 2919) of a newsletter: its name as a slug at the sender's domain."""
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return f"{slug}.{sender_domain(sender)}"
