"""The size budget: degrade a big day in steps until the HTML fits, never dropping a paper.

The plain-text part is rendered from the context of the step that fitted (``Fitted.ctx``), so
it is shortened and folded the same way: a 500-paper day's text no longer carries every
summary while its HTML shows titles.

Steps, tried in order until one fits:
    0 full            summaries at ``summary_chars``
    1 short           summaries cut to ``short_summary_chars``
    2 title-only      cards show only the linked title
    3 folded          title-only, and each topic shows its first N papers plus a link
                      "M more papers in <topic>" (``Section.hidden``); N is the largest that fits
If even N = 0 does not fit, rendering fails: a clipped email must never be sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from newsletter.errors import BudgetError
from newsletter.models import Issue
from newsletter.render.context import FEEDBACK_TOKEN, PLACEHOLDERS, CardStyle, RenderContext

# A per-recipient URL replaces each placeholder after rendering; budget for the longest
# we make (signed tokens) with room to spare. The feedback placeholder holds a token only,
# of a fixed largest size (tests/test_tokens.py checks the two agree).
URL_RESERVE = 300
FEEDBACK_TOKEN_RESERVE = 28
RESERVE = {p: FEEDBACK_TOKEN_RESERVE if p == FEEDBACK_TOKEN else URL_RESERVE for p in PLACEHOLDERS}


@dataclass(frozen=True, slots=True)
class Step:
    number: int
    name: str
    card: CardStyle
    folded: bool = False

    def describe(self, per_topic: int | None) -> str:
        if self.folded:
            return f"step {self.number} ({self.name}: at most {per_topic} papers per topic)"
        return f"step {self.number} ({self.name})"


STEPS = (
    Step(0, "full", "full"),
    Step(1, "shorter summaries", "short"),
    Step(2, "title-only cards", "title"),
    Step(3, "folded topics", "title", folded=True),
)


@dataclass(frozen=True, slots=True)
class Fitted:
    html: str
    step: Step
    per_topic: int | None  # for the folded step: papers shown per topic
    budget_bytes: int
    ctx: RenderContext  # the context this step rendered (card style, folded issue)

    @property
    def description(self) -> str:
        return self.step.describe(self.per_topic)


def budgeted_size(html: str) -> int:
    """Bytes the HTML will have once every placeholder holds a real URL (it is ASCII)."""
    extra = sum(html.count(p) * (RESERVE[p] - len(p)) for p in PLACEHOLDERS)
    return len(html.encode("utf-8")) + extra


def fold(issue: Issue, per_topic: int) -> Issue:
    """Each section keeps its first ``per_topic`` papers; the rest are counted as hidden."""
    sections = [
        replace(s, papers=s.papers[:per_topic], hidden=s.hidden + max(0, len(s.papers) - per_topic))
        for s in issue.sections
    ]
    return replace(issue, sections=sections)


def fit(ctx: RenderContext, render: Callable[[RenderContext], str]) -> Fitted:
    """The first step whose HTML is within ``ctx.html_budget_bytes``."""
    limit = ctx.html_budget_bytes
    for step in STEPS[:-1]:
        stepped = replace(ctx, card=step.card)
        html = render(stepped)
        if budgeted_size(html) <= limit:
            return Fitted(html, step, None, limit, stepped)
    return _fit_folded(ctx, render, STEPS[-1], limit)


def _fit_folded(
    ctx: RenderContext, render: Callable[[RenderContext], str], step: Step, limit: int
) -> Fitted:
    def folded(per_topic: int) -> RenderContext:
        return replace(ctx, issue=fold(ctx.issue, per_topic), card=step.card)

    def attempt(per_topic: int) -> str:
        return render(folded(per_topic))

    low, high = 0, max((len(s.papers) for s in ctx.issue.sections), default=0)
    best = attempt(low)
    size = budgeted_size(best)
    if size > limit:
        raise BudgetError(
            f"the issue is {size:,} bytes even with every topic folded, over the "
            f"html_budget_bytes limit of {limit:,}: use fewer topics or a shorter template"
        )
    while low < high:  # largest per_topic that fits: binary search, ~log2(papers) renders
        middle = (low + high + 1) // 2
        html = attempt(middle)
        if budgeted_size(html) <= limit:
            low, best = middle, html
        else:
            high = middle - 1
    return Fitted(best, step, low, limit, folded(low))
