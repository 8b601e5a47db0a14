"""The plain-text part, built from the issue model (not from the HTML).

Wrapped at 72 columns; links are numbered references listed at the end of each section.
"""

from __future__ import annotations

import functools
import textwrap

from newsletter.models import Issue, Paper
from newsletter.render.context import RenderContext

WIDTH = 72


def _wrap(text: str, indent: str = "", subsequent: str | None = None) -> list[str]:
    return list(_wrapped(text, indent, indent if subsequent is None else subsequent))


@functools.lru_cache(maxsize=16_384)
def _wrapped(text: str, indent: str, subsequent: str) -> tuple[str, ...]:
    """Kept: every topic set of an issue wraps the same summaries and author lines again."""
    # Never split "Vision-Language" or a URL across lines: readers search and click them.
    return tuple(
        textwrap.wrap(
            text,
            WIDTH,
            initial_indent=indent,
            subsequent_indent=subsequent,
            break_on_hyphens=False,
            break_long_words=False,
        )
    )


def render_text(issue: Issue, ctx: RenderContext) -> str:
    refs: list[str] = []
    out: list[str] = [ctx.heading, ctx.counts_line, ""]
    for section in issue.sections:
        out += _section_heading(
            f"{section.topic.emoji} {section.topic.name}".strip(), section.total
        )
        for paper in section.papers:
            out += _paper(paper, ctx, refs, ctx.reason(section, paper))
        if section.hidden:
            more = f"{section.hidden} more in this topic: {ctx.archive_url}#{section.topic.anchor}"
            out += [*_wrap(more, "  ... and "), ""]
    out += ["-" * WIDTH, "Links:"]
    out += [f"[{n}] {url}" for n, url in enumerate(refs, start=1)]
    out += ["", *_footer(ctx)]
    return "\n".join(out).rstrip() + "\n"


def _section_heading(title: str, count: int) -> list[str]:
    line = f"{title} ({count})"
    return [line, "=" * min(len(line), WIDTH), ""]


def _ref(refs: list[str], url: str) -> str:
    """The reference number of ``url``; a URL used twice (title and page link) keeps one."""
    if url not in refs:
        refs.append(url)
    return f"[{refs.index(url) + 1}]"


def _paper(paper: Paper, ctx: RenderContext, refs: list[str], reason: str) -> list[str]:
    title = paper.title + (f" {_ref(refs, paper.url)}" if paper.url else "")
    lines = _wrap(title, "* ", "  ")
    if ctx.card == "title":  # the size budget's title-only cards, as in the HTML
        return lines
    if paper.authors:
        lines += _wrap(ctx.authors(paper), "  ")
    badges = ctx.badges(paper)
    if badges:
        lines.append("  " + " | ".join(badges))
    if reason:
        lines += _wrap(reason, "  ")
    summary = ctx.summary(paper)
    if summary:
        lines += _wrap(summary, "  ")
    for group in (ctx.links(paper), ctx.feedback_links(paper)):  # feedback on its own line
        links = [f"{label} {_ref(refs, url)}" for label, url in group]
        if links:
            lines += _pack(links, "  ")
    return [*lines, ""]


def _pack(items: list[str], indent: str) -> list[str]:
    """Items on as few lines as fit, never breaking one ("Code on GitHub [11]") in two."""
    lines: list[str] = []
    current = ""
    for item in items:
        candidate = f"{current}  {item}" if current else item
        if current and len(indent + candidate) > WIDTH:
            lines.append(indent + current)
            candidate = item
        current = candidate
    return [*lines, indent + current] if current else lines


def _footer(ctx: RenderContext) -> list[str]:
    lines = [*_wrap(ctx.why_line), ""]
    lines.append(f"Manage your topics: {ctx.preferences_url}")
    lines.append(f"Unsubscribe: {ctx.unsubscribe_url}")
    lines.append(f"Archive: {ctx.archive_url}")
    lines.append("")
    lines += _wrap(ctx.postal_address)
    return lines
