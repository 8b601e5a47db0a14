"""The size budget: under Gmail's clip, pure ASCII, degrading in steps, never losing a paper."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from newsletter.delivery.message import build_mime
from newsletter.errors import BudgetError, TemplateError
from newsletter.models import Issue, OutgoingEmail
from newsletter.render import Renderer
from newsletter.render.budget import FEEDBACK_TOKEN_RESERVE, budgeted_size
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


def filled(issue: Issue) -> Issue:
    """The seed with its links filled in as a real day has them: code on GitHub with its
    stars (the page itself has only ids, upvotes and the HF page)."""
    sections = [
        dataclasses.replace(section, papers=[
            dataclasses.replace(
                paper, github_repo=f"https://github.com/example-lab/{paper.id}",
                github_stars=1234,
            ) for paper in section.papers
        ]) for section in issue.sections
    ]  # fmt: skip
    return dataclasses.replace(issue, sections=sections)


@pytest.mark.parametrize("fill", [False, True], ids=["seed", "seed-filled"])
def test_seed_page_is_under_50k_at_full_detail(render, seed_issue, fill: bool) -> None:
    issue = filled(seed_issue) if fill else seed_issue
    rendered = render(issue, reasons=False, feedback=False)
    assert seed_issue.paper_count == 63
    assert rendered.step == 0
    assert rendered.budgeted_bytes <= 50_000, rendered.budgeted_bytes
    # The why-this-paper line (on by default) costs at most 40 bytes a paper and keeps the
    # full step: 63 lines cannot fit in the 152 bytes the filled page leaves under 50,000.
    with_reasons = render(issue, feedback=False)
    assert with_reasons.step == 0
    assert with_reasons.budgeted_bytes - rendered.budgeted_bytes <= 40 * 63
    # "More like this · Less like this" (on by default): two links of the base URL, the
    # reader's token (budgeted at its largest) and the paper id, about 100 bytes of markup.
    with_feedback = render(issue)
    assert with_feedback.step == 0
    base = len(with_feedback.html.split("/more/")[0].rsplit('href="', 1)[1])
    per_paper = 100 + 2 * (base + FEEDBACK_TOKEN_RESERVE + len("/more//2408.10038"))
    cost = with_feedback.budgeted_bytes - with_reasons.budgeted_bytes
    assert cost <= per_paper * 63, (cost, per_paper)
    assert with_feedback.budgeted_bytes <= 70_000
    shown, folded = accounted_titles(rendered.html, seed_issue)
    assert len(shown) == 63 and not folded
    # Summaries are there, cut at a sentence end.
    first = seed_issue.sections[0].papers[0]
    page = read_html(rendered.html)
    assert first.abstract.split(". ")[0] in page.text
    hrefs = {link.href for link in page.links}
    for section in issue.sections:  # every link a card had is still there
        for paper in section.papers:
            wanted = {paper.url, paper.arxiv_url, paper.pdf_url, paper.github_repo}
            assert {u for u in wanted if u} <= hrefs, paper.id


@pytest.mark.parametrize("fixture", ["sample_issue", "seed_issue", "big_issue"])
def test_html_is_pure_ascii_and_under_the_limit(render, fixture, request) -> None:
    rendered = render(request.getfixturevalue(fixture))
    rendered.html.encode("ascii")  # raises on any non-ASCII character
    assert rendered.budgeted_bytes <= 100_000


def test_500_paper_day_degrades_and_the_text_part_follows(render, big_issue) -> None:
    rendered = render(big_issue)
    assert rendered.step == 2 and "title-only" in rendered.step_description
    shown, folded = accounted_titles(rendered.html, big_issue)
    assert len(shown) == 500 and not folded
    text = " ".join(rendered.text.split())
    for section in big_issue.sections:
        for paper in section.papers:
            assert paper.title in text
            assert paper.abstract[:60] not in text  # title-only, as in the HTML
    assert len(rendered.text.encode()) < 100_000
    message = build_mime(OutgoingEmail(
        sender="Daily Papers <papers@example.org>", to="reader@example.org",
        subject=rendered.subject, html=rendered.html, text=rendered.text,
        message_id="<big@example.org>", date=dt.datetime(2024, 8, 6, tzinfo=dt.UTC),
    ))  # fmt: skip
    assert len(message.as_bytes()) < 200_000


def test_a_folded_day_accounts_for_every_paper(render, big_issue) -> None:
    rendered = render(big_issue, html_budget_bytes=40_000)
    assert rendered.step == 3
    assert "folded topics" in rendered.step_description
    shown, folded = accounted_titles(rendered.html, big_issue)
    for section in big_issue.sections:
        titles = {p.title for p in section.papers}
        hidden = titles - shown
        assert len(hidden) == folded.get(section.topic.name, 0), section.topic.name
    assert len(shown) + sum(folded.values()) == 500
    # The header still counts every paper; the text part folds the same way as the HTML.
    assert "500 papers in" in read_html(rendered.html).text
    text = " ".join(rendered.text.split())
    assert {p.title for s in big_issue.sections for p in s.papers if p.title in text} == shown
    for name, hidden in folded.items():
        anchor = next(s.topic.anchor for s in big_issue.sections if s.topic.name == name)
        assert f"... and {hidden} more in this topic: " in text
        assert f"/archive/2024-08-06#{anchor}" in text


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
