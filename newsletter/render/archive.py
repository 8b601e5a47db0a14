"""What the archive keeps of each topic of an issue for its Atom feed: per paper the title,
link, summary and why-this-paper line, as the email's full card shows them."""

from __future__ import annotations

from newsletter.models import ArchivedPaper, ArchivedSection, Section
from newsletter.render.context import RenderContext


def archived_sections(ctx: RenderContext) -> list[ArchivedSection]:
    """Every section of the context's issue (full cards: the feed has no size budget)."""
    return [_section(ctx, s) for s in ctx.issue.sections if s.papers and not s.for_everyone]


def _section(ctx: RenderContext, section: Section) -> ArchivedSection:
    papers = tuple(
        ArchivedPaper(
            id=paper.id,
            title=paper.title,
            url=paper.url,
            summary=ctx.summary(paper),
            reason=ctx.reason(section, paper),
            github_repo=paper.github_repo,
            upvotes=paper.upvotes,
        )
        for paper in section.papers
    )
    return ArchivedSection(section.topic.name, section.topic.slug, papers, section.hidden)
