"""A real Chromium renders the email at phone and desktop widths, with and without <style>."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.render.test_escaping import HOSTILE_TITLE, hostile_issue

pytestmark = pytest.mark.browser

STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)


def strip_styles(html: str) -> str:
    """What a client that drops every <style> block shows (inline styles stay)."""
    return STYLE_BLOCK.sub("", html)


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    pages = []

    def load(html: str, width: int, color_scheme: str = "light") -> Any:
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.emulate_media(color_scheme=color_scheme)
        # Never touch the network: links are not followed and nothing may be fetched.
        page.route("**/*", lambda route: route.abort())
        page.set_content(html, wait_until="load")
        pages.append(page)
        return page

    yield load
    for page in pages:
        page.close()


def assert_fits_and_titles_visible(page: Any, width: int, titles: list[str]) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"horizontal scrolling at {width}px: content is {scroll}px wide"
    headings = page.locator("h3")
    assert headings.count() == len(titles)
    boxes = headings.evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.innerText.trim(), r.left, r.right, r.height,"
        " e.scrollWidth <= e.clientWidth]; })"
    )
    shown = []
    for text, left, right, height, not_clipped in boxes:
        assert left >= 0 and right <= width and height > 0 and not_clipped, (text, width)
        shown.append(" ".join(text.split()))
    assert sorted(shown) == sorted(titles)


@pytest.mark.parametrize("width", [375, 600])
@pytest.mark.parametrize("styles", ["kept", "removed"])
@pytest.mark.parametrize("day", ["sample_issue", "seed_issue"])
def test_no_horizontal_scroll_and_every_title_visible(
    open_page, render, request, width: int, styles: str, day: str
) -> None:
    issue = request.getfixturevalue(day)
    html = render(issue).html
    page = open_page(strip_styles(html) if styles == "removed" else html, width)
    titles = [p.title for s in issue.sections for p in s.papers]
    assert_fits_and_titles_visible(page, width, titles)


@pytest.mark.parametrize("styles", ["kept", "removed"])
def test_folded_500_paper_day_fits_a_phone(open_page, render, big_issue, styles: str) -> None:
    html = render(big_issue, html_budget_bytes=40_000).html  # folded
    page = open_page(strip_styles(html) if styles == "removed" else html, 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    more = page.get_by_text(re.compile(r"\d+ more papers? in .+ \(archive\)"))
    assert more.count() >= 1 and more.first.is_visible()


def test_hostile_title_is_shown_as_text(open_page, render) -> None:
    page = open_page(render(hostile_issue()).html, 375)
    assert page.locator("h3").inner_text().strip() == HOSTILE_TITLE
    assert page.locator("script, think, answer").count() == 0


def test_dark_mode_recolours_and_light_mode_does_not(open_page, render, sample_issue) -> None:
    html = render(sample_issue).html
    script = (
        "() => [getComputedStyle(document.querySelector('.card')).backgroundColor,"
        " getComputedStyle(document.querySelector('h3 a')).color]"
    )
    light = open_page(html, 600, "light").evaluate(script)
    dark = open_page(html, 600, "dark").evaluate(script)
    assert light == ["rgb(255, 255, 255)", "rgb(5, 80, 174)"]
    assert dark == ["rgb(22, 27, 34)", "rgb(108, 182, 255)"]


@pytest.mark.parametrize("styles", ["kept", "removed"])
def test_unbreakable_title_wraps_on_a_phone(open_page, render, styles: str) -> None:
    issue = hostile_issue()
    paper = issue.sections[0].papers[0]
    paper.title = "Supercalifragilistic" * 8 + " and " + "https://example.org/" + "x" * 80
    html = render(issue).html
    page = open_page(strip_styles(html) if styles == "removed" else html, 375)
    assert_fits_and_titles_visible(page, 375, [paper.title])


@pytest.mark.parametrize("width", [375, 600])
@pytest.mark.parametrize("styles", ["kept", "removed"])
def test_thumbnails_blocked_leave_the_email_readable(
    open_page, render, sample_issue, width: int, styles: str
) -> None:
    """As a client that blocks remote images shows it: every fetch is refused."""
    html = render(sample_issue, thumbnails=1).html
    page = open_page(strip_styles(html) if styles == "removed" else html, width)
    images = page.locator("img")
    assert images.count() >= 5
    boxes = images.evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.naturalWidth, e.alt, r.left, r.right, r.top, r.bottom]; })"
    )
    for natural, alt, left, right, top, bottom in boxes:
        assert natural == 0  # blocked: nothing was loaded
        assert alt.startswith("Figure from: ")
        assert left >= 0 and right <= width and bottom - top <= 105
        # The box keeps the thumbnail's fixed 200x105 shape: the layout does not jump when
        # images are allowed.
        assert abs((bottom - top) - (right - left) * 105 / 200) <= 2
    titles = [p.title for s in sample_issue.sections for p in s.papers]
    assert_fits_and_titles_visible(page, width, titles)
    # Nothing an image would have held is needed to read a card: each summary is shown in
    # full, below its (empty) image box, not under it.
    first = sample_issue.sections[0].papers[0]
    summary = page.get_by_text(first.ai_summary or "", exact=False).first
    assert summary.is_visible()
    image_bottom = boxes[0][5]
    assert summary.bounding_box()["y"] >= image_bottom
