"""The size budget: under Gmail's clip, pure ASCII, degrading in steps, never losing a paper."""

from __future__ import annotations

import re

import pytest

from newsletter.errors import BudgetError, TemplateError
from newsletter.models import Issue
from newsletter.render import Renderer
from newsletter.render.budget import budgeted_size
from tests.render.htmlread import read_html

MORE_LINK = re.compile(r"(\d+) more papers? in (.+) \(archive\)")


def accounted_titles(html: str, issue: Issue) -> tuple[set[str], dict[str, int]]:
    """Titles shown as headings, and per-topic counts of papers behind "N more" links."""
    page = read_html(html)
    shown = {text for tag, text in page.headings if tag == "h3"}
    folded = {}
    for link in page.links:
        match = MORE_LINK.fullmatch(link.text)
        if match:
            folded[match.group(2)] = int(match.group(1))
    return shown, folded


def test_seed_page_with_summaries_is_under_60k_at_full_detail(render, seed_issue) -> None:
    rendered = render(seed_issue)
    assert seed_issue.paper_count == 63
    assert rendered.step == 0
    assert rendered.budgeted_bytes < 60_000, rendered.budgeted_bytes
    shown, folded = accounted_titles(rendered.html, seed_issue)
    assert len(shown) == 63 and not folded
    # Summaries are there, cut at a sentence end.
    first = seed_issue.sections[0].papers[0]
    assert first.abstract.split(". ")[0] in read_html(rendered.html).text


@pytest.mark.parametrize("fixture", ["sample_issue", "seed_issue", "big_issue"])
def test_html_is_pure_ascii_and_under_the_limit(render, fixture, request) -> None:
    rendered = render(request.getfixturevalue(fixture))
    rendered.html.encode("ascii")  # raises on any non-ASCII character
    assert rendered.budgeted_bytes <= 100_000


def test_500_paper_day_degrades_but_accounts_for_every_paper(render, big_issue) -> None:
    rendered = render(big_issue)
    assert rendered.step == 3
    assert "folded topics" in rendered.step_description
    shown, folded = accounted_titles(rendered.html, big_issue)
    for section in big_issue.sections:
        titles = {p.title for p in section.papers}
        hidden = titles - shown
        assert len(hidden) == folded.get(section.topic.name, 0), section.topic.name
    assert len(shown) + sum(folded.values()) == 500
    # The header still counts every paper, and the text part lists every one.
    assert "500 papers in" in read_html(rendered.html).text
    for section in big_issue.sections:
        for paper in section.papers:
            assert paper.title in " ".join(rendered.text.split())


def test_steps_are_taken_in_order(renderer: Renderer, context_for, seed_issue) -> None:
    sizes = {
        card: budgeted_size(renderer.render_html(context_for(seed_issue, card=card)))
        for card in ("full", "short", "title")
    }
    assert sizes["full"] > sizes["short"] > sizes["title"]
    expected = [
        (sizes["full"], 0),
        (sizes["full"] - 1, 1),
        (sizes["short"] - 1, 2),
        (sizes["title"] - 1, 3),
    ]
    for budget, step in expected:
        rendered = renderer.render(seed_issue, context_for(seed_issue, html_budget_bytes=budget))
        assert rendered.step == step, (budget, rendered.step_description)
        assert rendered.budgeted_bytes <= budget


def test_shorter_summaries_step_cuts_at_sentences(render, seed_issue, context_for) -> None:
    ctx = context_for(seed_issue, card="short")
    paper = seed_issue.sections[0].papers[0]
    summary = ctx.summary(paper)
    assert len(summary) <= ctx.short_summary_chars
    assert summary.endswith((".", "…"))


def test_impossible_budget_fails_instead_of_sending_a_clipped_email(render, big_issue) -> None:
    with pytest.raises(BudgetError, match="html_budget_bytes") as caught:
        render(big_issue, html_budget_bytes=3_000)
    assert isinstance(caught.value, TemplateError)
