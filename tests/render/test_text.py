"""The plain-text part: built from the issue model, 72 columns, numbered link references."""

from __future__ import annotations

import re

from newsletter.render.text import WIDTH


def test_lines_fit_72_columns_except_bare_urls(render, sample_issue) -> None:
    for line in render(sample_issue).text.splitlines():
        if len(line) > WIDTH:
            assert re.search(r"https?://\S{20,}|%%\w+%%", line), line


def test_links_are_numbered_references(render, sample_issue) -> None:
    text = render(sample_issue).text
    body, _, tail = text.partition("\nLinks:\n")
    refs = dict(re.findall(r"^\[(\d+)\] (\S+)$", tail, re.MULTILINE))
    used = set(re.findall(r"\[(\d+)\]", body))
    assert used and used == set(refs)
    assert list(map(int, refs)) == list(range(1, len(refs) + 1))
    paper = sample_issue.sections[0].papers[0]
    number = next(n for n, url in refs.items() if url == paper.url)
    assert f"[{number}]" in " ".join(body.split()).split(paper.title, 1)[1][:8]


def test_text_has_every_paper_header_and_footer(render, sample_issue) -> None:
    text = render(sample_issue).text
    flat = " ".join(text.split())
    topics = len(sample_issue.sections)
    assert flat.startswith(f"Daily Papers: Friday, 03 October 2025 39 papers in {topics} topics")
    for section in sample_issue.sections:
        assert f"{section.topic.name} ({section.total})" in flat
        for paper in section.papers:
            assert paper.title in flat
    assert "You receive Daily Papers with every topic." in flat
    assert "Unsubscribe: %%unsubscribe_url%%" in text
    assert "Example Lab, 1 Research Way" in flat
    assert "<" not in text.replace("<think>", "")  # no HTML leaked into the text part
