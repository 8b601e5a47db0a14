"""What templates and the text part share: wording, counts, summaries, links.

Per-recipient values (unsubscribe and preferences URLs) are placeholders here: a segment is
rendered once and ``personalize`` fills them per recipient (or a provider substitutes them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsletter.models import Issue, Paper

# Placeholders survive Jinja escaping, MJML and CSS inlining unchanged (plain ASCII, no
# characters any of them rewrite), so one rendered segment serves many readers.
UNSUBSCRIBE_URL = "%%unsubscribe_url%%"
PREFERENCES_URL = "%%preferences_url%%"
PLACEHOLDERS = (UNSUBSCRIBE_URL, PREFERENCES_URL)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")


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
        titles = [p.title for s in self.issue.sections for p in s.papers[:1]][:3]
        return "; ".join(titles)[:140]

    @property
    def archive_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/archive/{self.issue.date.isoformat()}"

    @property
    def why_line(self) -> str:
        if self.reader_topics is None:
            return f"You receive {self.newsletter_name} with every topic."
        chosen = ", ".join(self.reader_topics)
        return f"You receive {self.newsletter_name} for the topics you chose: {chosen}."

    @staticmethod
    def authors(paper: Paper) -> str:
        names = list(paper.authors[:3])
        return ", ".join(names) + (" et al." if len(paper.authors) > 3 else "")

    @staticmethod
    def badges(paper: Paper) -> list[str]:
        badges = []
        if paper.upvotes is not None:
            badges.append(f"▲ {paper.upvotes} upvotes")
        if paper.comments:
            badges.append(f"{paper.comments} comments")
        if paper.github_stars is not None:
            badges.append(f"★ {paper.github_stars} stars")
        return badges

    def summary(self, paper: Paper) -> str:
        return paper.ai_summary or cut_at_sentence(paper.abstract, self.summary_chars)

    @staticmethod
    def links(paper: Paper) -> list[tuple[str, str]]:
        candidates = [
            ("Paper page", paper.page_url),
            ("arXiv", paper.arxiv_url),
            ("PDF", paper.pdf_url),
            ("Code", paper.github_repo),
            ("Project", paper.project_page),
        ]
        return [(label, url) for label, url in candidates if url]


def cut_at_sentence(text: str, limit: int) -> str:
    """The longest run of whole sentences within ``limit``; a hard cut with … otherwise."""
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
    subject = template.format(
        name=name,
        date=issue.date,
        papers=issue.paper_count,
        topics=len(issue.sections),
    )
    return " ".join(subject.split())
