"""One issue, rendered per topic set and personalized per reader: the shared message
(List-Id, Reply-To) and each reader's own links and List-Unsubscribe headers (RFC 8058).

Built by ``pipeline.run`` for delivery and by ``preview`` for one reader; renders nothing
until a topic set is asked for. Topic sets are assembled from pieces rendered once per
issue (``render.assembly``), so thousands of sets cost string joins, not template passes;
only the latest ``KEPT_RENDERINGS`` sets are kept, so a list of thousands of sets never
holds thousands of messages. A reader whose "more like this" choices reorder their topics
today (``ReaderOrders``) gets a rendering of their own, in full (pieces are cut in the
shared order), made when their batch is sent and not kept.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from dataclasses import replace

from newsletter.config import LoadedConfig
from newsletter.delivery.message import Recipient, expand, make_message_id, sender_domain
from newsletter.dispatch import Audience, TopicSet
from newsletter.models import Issue, OutgoingEmail, Section, Subscriber
from newsletter.reader_orders import ReaderOrders
from newsletter.render import RenderedIssue, Renderer, build_context
from newsletter.render.assembly import AssembledRenderer, AssemblyError
from newsletter.render.context import (
    FEEDBACK_TOKEN,
    PREFERENCES_URL,
    UNSUBSCRIBE_URL,
    RenderContext,
)
from newsletter.tokens import TokenSigner
from newsletter.topics import filter_sections

log = logging.getLogger(__name__)

KEPT_RENDERINGS = 64  # topic sets whose message is kept between batches
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
        # Topic sets are assembled from pieces rendered once (render.assembly).
        self._assembly: AssembledRenderer | None = AssembledRenderer(
            self.renderer, issue, loaded.model.newsletter
        )
        self._checked = False
        # Only the latest renderings are kept: a set's message is needed while its batches
        # go, and a list with thousands of sets must not keep thousands of messages.
        self._cache: OrderedDict[TopicSet, RenderedIssue | None] = OrderedDict()
        self._messages: OrderedDict[TopicSet, OutgoingEmail] = OrderedDict()
        self._rendered: set[TopicSet] = set()
        self._has_papers: dict[TopicSet, bool] = {}

    @property
    def rendered_segments(self) -> int:
        return len(self._rendered)

    def has_papers(self, topics: TopicSet) -> bool:
        """Whether a reader of these topics gets anything today (a quiet day's notice goes
        to everyone)."""
        if topics not in self._has_papers:  # asked once per reader: answered once per set
            self._has_papers[topics] = bool(self._sections(topics))
        return self._has_papers[topics]

    def _sections(self, topics: TopicSet) -> list[Section]:
        # A quiet day's notice goes to every reader, whatever topics they chose.
        if self.issue.paper_count == 0:
            return list(self.issue.sections)
        return filter_sections(self.issue.sections, topics)

    def segment(self, topics: TopicSet) -> RenderedIssue | None:
        """The rendering for one topic set; ``None`` when those topics have no papers."""
        if topics in self._cache:
            self._cache.move_to_end(topics)
            return self._cache[topics]
        rendered = self._cache[topics] = self._render(topics)
        if rendered is not None:
            self._rendered.add(topics)
        if len(self._cache) > KEPT_RENDERINGS:
            self._cache.popitem(last=False)
        return rendered

    def _render(self, topics: TopicSet) -> RenderedIssue | None:
        sections = self._sections(topics)
        if not sections:
            return None
        ctx = self.context(topics, sections)
        if self._assembly is None:
            return self.renderer.render(ctx.issue, ctx)
        try:
            assembled = self._assembly.render(ctx.issue, ctx)
        except AssemblyError:
            assembled = None
        if not self._checked:  # the first set is rendered in full too, as a check
            self._checked = True
            real = self.renderer.render(ctx.issue, ctx)
            if assembled != real:
                log.warning(
                    "the templates cannot be assembled from pieces: every topic set "
                    "is rendered in full (slower for many topic sets)"
                )
                self._assembly = None
                return real
        return assembled if assembled is not None else self.renderer.render(ctx.issue, ctx)

    def archive_rendering(self) -> RenderedIssue | None:
        """Every topic, as the public archive keeps it: without the readers' feedback links
        (rendered in full: the pieces carry them)."""
        sections = self._sections(None)
        if not sections:
            return None
        ctx = replace(self.context(None, sections), feedback=False)
        return self.renderer.render(ctx.issue, ctx)

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

    def audience_message(self, audience: Audience) -> OutgoingEmail:
        """The shared message of an audience (``has_papers`` first)."""
        topics, key = audience
        if key is None or self.orders is None:
            return self.segment_message(topics)
        rendered = self.audience_rendering(audience)
        if rendered is None:
            raise ValueError(f"no papers for the topics {sorted(topics or ())}")
        return self._shared(rendered)

    def segment_message(self, topics: TopicSet) -> OutgoingEmail:
        """The topic set's shared message, placeholders in place (``has_papers`` first)."""
        if topics in self._messages:
            self._messages.move_to_end(topics)
            return self._messages[topics]
        rendered = self.segment(topics)
        if rendered is None:
            raise ValueError(f"no papers for the topics {sorted(topics or ())}")
        message = self._messages[topics] = self._shared(rendered)
        if len(self._messages) > KEPT_RENDERINGS:
            self._messages.popitem(last=False)
        return message

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
        # A preview for an address the database does not know gets links that open nothing.
        reader_id = subscriber.id if subscriber.id is not None else 0
        links = self.signer.links(self.loaded.model.newsletter.base_url, reader_id)
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
