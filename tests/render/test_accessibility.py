"""Accessibility and robustness checks on the rendered HTML and the colours it uses."""

from __future__ import annotations

import itertools
import re

import pytest

from newsletter.render.palette import DARK, LIGHT, contrast_ratio, inverted, text_pairs
from tests.render.htmlread import read_html

GENERIC_LINK_TEXT = {"here", "click here", "link", "more", "read more", "this", "pdf here"}


def test_language_is_set(render, sample_issue) -> None:
    page = read_html(render(sample_issue).html)
    assert page.all("html")[0].get("lang") == "en"


def test_every_layout_table_is_presentational(render, sample_issue) -> None:
    tables = read_html(render(sample_issue).html).all("table")
    assert tables
    assert all(t.get("role") == "presentation" for t in tables)


def test_headings_form_an_outline(render, sample_issue) -> None:
    headings = read_html(render(sample_issue).html).headings
    levels = [int(tag[1]) for tag, _ in headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    topics = [text for tag, text in headings if tag == "h2"]
    assert topics[0] == "In this issue"
    assert {s.topic.name for s in sample_issue.sections} <= {
        re.sub(r"^\W+", "", t.split(" (")[0]) for t in topics
    }


def test_link_text_says_where_it_goes(render, sample_issue) -> None:
    links = read_html(render(sample_issue).html).links
    for link in links:
        assert link.text, link.href
        assert link.text.lower() not in GENERIC_LINK_TEXT, link
        assert not link.text.startswith(("http://", "https://")), link
    texts = {link.text for link in links}
    assert {"arXiv abstract", "PDF", "Code on GitHub"} <= texts
    # The title links to the paper's page; a second "Hugging Face page" link would repeat it.
    for section in sample_issue.sections:
        for paper in section.papers:
            title_links = [link for link in links if link.text == paper.title]
            assert [link.href for link in title_links] == [paper.url], paper.title
            assert sum(1 for link in links if link.href == paper.url) == 1, paper.title
    assert {"Unsubscribe", "Manage your topics", "This issue in the archive"} <= texts


def test_table_of_contents_links_to_each_section(render, sample_issue) -> None:
    page = read_html(render(sample_issue).html)
    ids = {attrs.get("id") for _, attrs in page.tags if attrs.get("id")}
    toc = [link for link in page.links if link.href.startswith("#")]
    assert len(toc) == len(sample_issue.sections)
    assert all(link.href[1:] in ids for link in toc)


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_text_contrast_is_at_least_4_5(palette) -> None:
    for what, foreground, background in text_pairs(palette):
        assert contrast_ratio(foreground, background) >= 4.5, what
        # A client that inverts colours (rather than using our dark palette) stays legible.
        assert contrast_ratio(inverted(foreground), inverted(background)) >= 4.5, what


def test_contrast_checker_is_right_on_known_pairs() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_html_uses_only_checked_colours(render, sample_issue) -> None:
    html = render(sample_issue).html
    used = {c.lower() for c in re.findall(r"(?<!&)#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", html)}
    checked = {c for p in (LIGHT, DARK) for c in (p.page, p.card, p.text, p.muted, p.link)}
    assert used <= checked, used - checked


def test_dark_mode_is_declared(render, sample_issue) -> None:
    html = render(sample_issue).html
    page = read_html(html)
    metas = {m.get("name"): m.get("content") for m in page.all("meta")}
    assert metas["color-scheme"] == "light dark"
    assert "@media (prefers-color-scheme:dark)" in html


def test_no_web_font_unless_configured(render, sample_issue) -> None:
    html = render(sample_issue).html
    assert "@import" not in html and "fonts.googleapis" not in html
    assert not list(read_html(html).all("link"))
    styled = render(
        sample_issue, web_font_url="https://fonts.example.org/inter.css", web_font_family="Inter"
    ).html
    assert "https://fonts.example.org/inter.css" in styled
    assert "font-family:Inter," in styled


def test_thumbnails_are_optional_for_the_first_n_papers_of_each_topic(render, sample_issue) -> None:
    assert not read_html(render(sample_issue).html).all("img")
    images = read_html(render(sample_issue, thumbnails=2).html).all("img")
    first_two = [p for s in sample_issue.sections for p in s.papers[:2] if p.thumbnail]
    assert first_two and [i.get("src") for i in images] == [p.thumbnail for p in first_two]
    for image in images:
        assert (image.get("alt") or "").startswith("Figure from: ")
        assert image.get("width") == "200" and image.get("height") == "105"
