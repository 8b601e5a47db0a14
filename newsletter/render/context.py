"""What templates and the text part share: wording, counts, summaries, links.

Per-recipient values (unsubscribe and preferences URLs, the token of the "more like this"
links) are placeholders here: a segment is rendered once and ``delivery.message.expand``
fills them per recipient (or a provider substitutes them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, urlsplit

from newsletter.models import Issue, Paper, Section
from newsletter.render.palette import DARK, LIGHT, Palette
from newsletter.words import plural

if TYPE_CHECKING:
    from newsletter.config.models import NewsletterSection

# Placeholders survive Jinja escaping, MJML, CSS inlining and entity encoding unchanged
# (plain ASCII, no characters any of them rewrite), so one rendered segment serves many
# readers. tests/render/test_placeholders.py proves it.
UNSUBSCRIBE_URL = "%%unsubscribe_url%%"
PREFERENCES_URL = "%%preferences_url%%"
# Twice in every card: the reader's feedback token only (``TokenSigner.feedback_token``, at
# most ``FEEDBACK_TOKEN_CHARS``), so the budget reserves a token's length, not a URL's.
FEEDBACK_TOKEN = "%%fb%%"
PLACEHOLDERS = (UNSUBSCRIBE_URL, PREFERENCES_URL, FEEDBACK_TOKEN)

# The why-this-paper line names at most this many terms; the rest are counted ("+2").
REASON_TERMS = 3

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
    thumbnails: int = 0  # the first N papers of each topic show their thumbnail
    reasons: bool = True  # the "matched: ..." line under each paper (``show_reasons``)
    feedback: bool = True  # "More like this · Less like this" under each paper
    web_font_url: str | None = None
    web_font_family: str | None = None
    html_budget_bytes: int = 100_000
    light: Palette = LIGHT
    dark: Palette = DARK

    @property
    def date_label(self) -> str:
        first = self.issue.first_day
        if first is not None:
            return f"the week of {first:%d %B} to {self.issue.date:%A, %d %B %Y}"
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
        weekly = "weekly/" if self.issue.weekly else ""
        return f"{self.base_url.rstrip('/')}/archive/{weekly}{self.issue.date.isoformat()}"

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

    def reason(self, section: Section, paper: Paper) -> str:
        """ "matched: video generation, 3D": what placed the paper under this topic; empty
        when turned off, for the catch-all, and on title-only cards (the budget's step 2)."""
        if self.card == "title":
            return ""
        if paper.id in section.notes:
            return section.notes[paper.id]
        terms = section.reasons.get(paper.id, ()) if self.reasons else ()
        return reason_line(terms) if terms else ""

    def feedback_links(self, paper: Paper) -> list[tuple[str, str]]:
        """ "More like this" and "Less like this": each opens a page whose button records
        the choice (a GET records nothing: scanners open every link). Not on title-only
        cards, like the why-line: the budget's step 2 is for days too big to rate."""
        if not self.feedback or self.card == "title":
            return []
        base, paper_id = self.base_url.rstrip("/"), quote(paper.id, safe="/")
        return [
            ("More like this", f"{base}/more/{FEEDBACK_TOKEN}/{paper_id}"),
            ("Less like this", f"{base}/less/{FEEDBACK_TOKEN}/{paper_id}"),
        ]

    def thumbnail(self, section: Section, paper: Paper) -> str | None:
        """The paper's thumbnail when it is among its topic's first ``thumbnails`` papers,
        on full cards only (the budget's first step drops images)."""
        if self.card != "full" or not paper.thumbnail:
            return None
        first = section.papers[: self.thumbnails]
        return paper.thumbnail if any(p is paper for p in first) else None

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


def reason_line(terms: tuple[str, ...]) -> str:
    shown = ", ".join(terms[:REASON_TERMS])
    more = len(terms) - REASON_TERMS
    return f"matched: {shown}" + (f" +{more}" if more > 0 else "")


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
    # {n_papers} and {n_topics} say their noun in the right number ("1 paper", "3 topics");
    # the old default's "{papers} papers in {topics} topics" is read as them, not "1 papers".
    wording = template.replace("{papers} papers", "{n_papers}").replace(
        "{topics} topics", "{n_topics}"
    )
    subject = wording.format(
        name=name,
        date=issue.date,
        first=issue.first_day or issue.date,
        papers=issue.paper_count,
        topics=len(issue.sections),
        n_papers=plural(issue.paper_count, "paper"),
        n_topics=plural(len(issue.sections), "topic"),
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

    sections = [
        replace(
            s,
            papers=[safe(p) for p in s.papers],
            reasons={k: tuple(_disarm(t) for t in v) for k, v in s.reasons.items()},
        )
        for s in issue.sections
    ]
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
        subject=format_subject(
            settings.weekly_subject if issue.weekly else settings.subject, issue, settings.name
        ),
        summary_chars=settings.summary_chars,
        reader_topics=reader_topics,
        language=settings.language,
        short_summary_chars=settings.short_summary_chars,
        thumbnails=settings.show_thumbnails,
        reasons=settings.show_reasons,
        feedback=settings.show_feedback,
        web_font_url=settings.web_font_url,
        web_font_family=settings.web_font_family,
        html_budget_bytes=settings.html_budget_bytes,
    )
