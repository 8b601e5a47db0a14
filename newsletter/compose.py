"""One issue, rendered per topic set and personalized per reader: the shared message
(List-Id, Reply-To) and each reader's own links and List-Unsubscribe headers (RFC 8058).

Built by ``pipeline.run`` for delivery and by ``preview`` for one reader; renders nothing
until a topic set is asked for. Topic sets are assembled from pieces rendered once per
issue (``render.assembly``), so thousands of sets cost string joins, not template passes;
only the latest ``KEPT_RENDERINGS`` sets are kept, so a list of thousands of sets never
holds thousands of messages.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from dataclasses import replace

from newsletter.config import LoadedConfig
from newsletter.delivery.message import Recipient, expand, make_message_id, sender_domain
from newsletter.dispatch import TopicSet
from newsletter.models import Issue, OutgoingEmail, Section, Subscriber
from newsletter.render import RenderedIssue, Renderer, build_context
from newsletter.render.assembly import AssembledRenderer, AssemblyError
from newsletter.render.context import PREFERENCES_URL, UNSUBSCRIBE_URL, RenderContext
from newsletter.tokens import TokenSigner
from newsletter.topics import filter_sections

log = logging.getLogger(__name__)

KEPT_RENDERINGS = 64  # topic sets whose message is kept between batches


class IssueComposer:
    """Renders segments and turns them into personalized ``OutgoingEmail``s."""

    def __init__(self, loaded: LoadedConfig, issue: Issue, signer: TokenSigner) -> None:
        self.loaded = loaded
        self.issue = issue
        self.signer = signer
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
            },
            headers={
                "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )

    def compose(self, subscriber: Subscriber, rendered: RenderedIssue) -> OutgoingEmail:
        """One reader's complete message (previews and per-message backends)."""
        return expand(self._shared(rendered), self.recipient(subscriber))


def list_id(name: str, sender: str) -> str:
    """The List-Id (RFC 2919) of a newsletter: its name as a slug at the sender's domain."""
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return f"{slug}.{sender_domain(sender)}"
