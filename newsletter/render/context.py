"""What templates and the text part share: wording, counts, summaries, links.

Per-recipient values (unsubscribe and preferences URLs) are placeholders here: a segment is
rendered once and ``delivery.message.expand`` fills them per recipient (or a provider
substitutes them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from newsletter.models import Issue, Paper
from newsletter.render.palette import DARK, LIGHT, Palette

if TYPE_CHECKING:
    from newsletter.config.models import NewsletterSection

# Placeholders survive Jinja escaping, MJML, CSS inlining and entity encoding unchanged
# (plain ASCII, no characters any of them rewrite), so one rendered segment serves many
# readers. tests/render/test_placeholders.py proves it.
UNSUBSCRIBE_URL = "%%unsubscribe_url%%"
PREFERENCES_URL = "%%preferences_url%%"
PLACEHOLDERS = (UNSUBSCRIBE_URL, PREFERENCES_URL)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")

# How much a card shows; the size budget steps down from "full".
CardStyle = Literal["full", "short", "title"]


@dataclass(frozen=True, slots=True)
class RenderContext:
    issue: Issue
    newsletter_name: str
    postal_address: str
    base_url: str
    subject: str
    summary_chars: int
    reader_topics: tuple[str, ...] | None  # None: every topic
    unsubscribe_url: str = UNSUBSCRIBE_URL
    preferences_url: str = PREFERENCES_URL
    language: str = "en"
    short_summary_chars: int = 140
    card: CardStyle = "full"
    images: bool = False
    web_font_url: str | None = None
    web_font_family: str | None = None
    html_budget_bytes: int = 100_000
    light: Palette = LIGHT
    dark: Palette = DARK

    @property
    def date_label(self) -> str:
        return f"{self.issue.date:%A, %d %B %Y}"

    @property
    def heading(self) -> str:
        return f"{self.newsletter_name}: {self.date_label}"

    @property
    def counts_line(self) -> str:
        papers, topics = self.issue.paper_count, len(self.issue.sections)
        return f"{papers} paper{'s' * (papers != 1)} in {topics} topic{'s' * (topics != 1)}"

    @property
    def preheader(self) -> str:
        """The top titles: the most upvoted papers of the day, best first."""
        papers = [p for s in self.issue.sections for p in s.papers]
        top = sorted(papers, key=lambda p: -(p.upvotes or 0))[:3]
        return "; ".join(p.title for p in top)[:140]

    @property
    def archive_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/archive/{self.issue.date.isoformat()}"

    @property
    def why_line(self) -> str:
        if self.reader_topics is None:
            return f"You receive {self.newsletter_name} with every topic."
        chosen = ", ".join(self.reader_topics)
        return f"You receive {self.newsletter_name} for the topics you chose: {chosen}."

    @property
    def font_stack(self) -> str:
        stack = "Helvetica,Arial,sans-serif"
        return f"{self.web_font_family},{stack}" if self.web_font_family else stack

    @staticmethod
    def authors(paper: Paper) -> str:
        names = list(paper.authors[:3])
        return ", ".join(names) + (" et al." if len(paper.authors) > 3 else "")

    @staticmethod
    def badges(paper: Paper) -> list[str]:
        badges = []
        if paper.upvotes is not None:
            badges.append(f"▲ {paper.upvotes} upvote{'s' * (paper.upvotes != 1)}")
        if paper.comments:
            badges.append(f"{paper.comments} comment{'s' * (paper.comments != 1)}")
        if paper.github_stars is not None:
            stars = paper.github_stars
            badges.append(f"★ {stars} star{'s' * (stars != 1)}")  # next to "Code on GitHub"
        return badges

    def summary(self, paper: Paper) -> str:
        """The AI summary when there is one, else the abstract; cut to this step's length."""
        if self.card == "title":
            return ""
        limit = self.summary_chars
        if self.card == "short":
            limit = min(self.short_summary_chars, self.summary_chars)
        return cut_at_sentence(paper.ai_summary or paper.abstract, limit)

    def thumbnail(self, paper: Paper) -> str | None:
        return paper.thumbnail if self.images and self.card == "full" else None

    @staticmethod
    def links(paper: Paper) -> list[tuple[str, str]]:
        """(link text, URL); the text says where the link goes, even read out of context.
        The page the title already links to is not repeated (63 cards x ~75 bytes)."""
        page = None if paper.page_url == paper.url else paper.page_url
        candidates = [
            (_page_label(page), page),
            ("arXiv abstract", paper.arxiv_url),
            ("PDF", paper.pdf_url),
            (_code_label(paper.github_repo), paper.github_repo),
            ("Project page", paper.project_page),
        ]
        return [(label, url) for label, url in candidates if url]


def _host(url: str | None) -> str:
    return (urlsplit(url).hostname or "") if url else ""


def _page_label(url: str | None) -> str:
    return "Hugging Face page" if _host(url).endswith("huggingface.co") else "Paper page"


def _code_label(url: str | None) -> str:
    return "Code on GitHub" if _host(url).endswith("github.com") else "Code"


def cut_at_sentence(text: str, limit: int) -> str:
    """The longest run of whole sentences within ``limit``; a cut at a word with … otherwise."""
    if len(text) <= limit:
        return text
    cut = ""
    for match in _SENTENCE_END.finditer(text):
        if match.start() > limit:
            break
        cut = text[: match.start()]
    if cut:
        return cut
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def format_subject(template: str, issue: Issue, name: str) -> str:
    """The subject line; never contains CR/LF whatever the paper text or template hold."""
    if issue.paper_count == 0:  # the empty-day notice: "0 papers in 1 topics" reads broken
        return f"{name}, {issue.date:%a %d %b}: no new papers today"
    subject = template.format(
        name=name,
        date=issue.date,
        papers=issue.paper_count,
        topics=len(issue.sections),
    )
    return " ".join(subject.split())


# "%%" in a paper's text could spell a per-reader placeholder; a word joiner between the two
# signs keeps the text as it reads but no longer as a placeholder.
_DISARMED = "%\u2060%"
# C0 control characters (a NUL or an ESC in a source's text) are invalid in HTML and make the
# MJML parser fail the whole issue; they carry nothing a reader could see, so they go.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _needs_disarming(text: str) -> bool:
    return "%%" in text or _CONTROL.search(text) is not None


def _disarm(text: str) -> str:
    return _CONTROL.sub("", text).replace("%%", _DISARMED)


def disarm_placeholders(issue: Issue) -> Issue:
    """The issue with every piece of paper text unable to forge a per-reader placeholder or
    to break the markup (only papers that hold "%%" or a control character are copied)."""

    def safe(paper: Paper) -> Paper:
        texts = (paper.title, paper.abstract, paper.ai_summary or "", *paper.authors)
        if not any(_needs_disarming(t) for t in texts):
            return paper
        return replace(
            paper,
            title=_disarm(paper.title),
            abstract=_disarm(paper.abstract),
            ai_summary=_disarm(paper.ai_summary) if paper.ai_summary else paper.ai_summary,
            authors=tuple(_disarm(a) for a in paper.authors),
        )

    sections = [replace(s, papers=[safe(p) for p in s.papers]) for s in issue.sections]
    return replace(issue, sections=sections)


def build_context(
    issue: Issue, settings: NewsletterSection, reader_topics: tuple[str, ...] | None
) -> RenderContext:
    """The context for one segment from the ``newsletter:`` section of the config."""
    return RenderContext(
        issue=disarm_placeholders(issue),
        newsletter_name=settings.name,
        postal_address=settings.postal_address,
        base_url=settings.base_url,
        subject=format_subject(settings.subject, issue, settings.name),
        summary_chars=settings.summary_chars,
        reader_topics=reader_topics,
        language=settings.language,
        short_summary_chars=settings.short_summary_chars,
        images=settings.images,
        web_font_url=settings.web_font_url,
        web_font_family=settings.web_font_family,
        html_budget_bytes=settings.html_budget_bytes,
    )
