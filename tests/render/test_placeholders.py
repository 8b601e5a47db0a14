"""Per-recipient placeholders survive MJML, CSS inlining and entity encoding unchanged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from newsletter.delivery.message import Recipient, expand
from newsletter.models import OutgoingEmail
from newsletter.render.context import (
    FEEDBACK_TOKEN,
    PLACEHOLDERS,
    PREFERENCES_URL,
    UNSUBSCRIBE_URL,
)
from tests.readers import read_eml
from tests.render.htmlread import read_html


def test_placeholders_survive_every_html_stage(render, sample_issue) -> None:
    rendered = render(sample_issue)
    hrefs = [link.href for link in read_html(rendered.html).links]
    assert UNSUBSCRIBE_URL in hrefs and PREFERENCES_URL in hrefs
    for placeholder in PLACEHOLDERS:
        assert placeholder in rendered.text


def for_reader(rendered, unsubscribe_url: str, preferences_url: str) -> OutgoingEmail:
    """The rendered issue as one reader's message, filled the way every backend fills it."""
    shared = OutgoingEmail(
        sender="Papers <papers@example.org>",
        to="",
        subject="s",
        html=rendered.html,
        text=rendered.text,
        message_id="",
        date=dt.datetime.now(dt.UTC),
    )
    values = {
        UNSUBSCRIBE_URL: unsubscribe_url,
        PREFERENCES_URL: preferences_url,
        FEEDBACK_TOKEN: "Qk3x_token",
    }
    return expand(shared, Recipient("ada@example.org", values=values))


def test_each_reader_url_is_filled_in(render, sample_issue) -> None:
    unsubscribe = "https://news.example.org/unsubscribe/abc.DEF-123_x"
    preferences = "https://news.example.org/preferences/abc.DEF-123_x"
    message = for_reader(render(sample_issue), unsubscribe, preferences)
    hrefs = {link.text: link.href for link in read_html(message.html).links}
    assert hrefs["Unsubscribe"] == unsubscribe
    assert hrefs["Manage your topics"] == preferences
    first = sample_issue.sections[0].papers[0].id
    every = {link.href for link in read_html(message.html).links}
    assert f"http://127.0.0.1:8000/more/Qk3x_token/{first}" in every
    assert f"http://127.0.0.1:8000/less/Qk3x_token/{first}" in message.text
    assert "%%" not in message.html and "%%" not in message.text


def test_sent_email_links_match_its_list_unsubscribe_header(config_file: Path, run_cli) -> None:
    assert run_cli("run", "--date", "2025-10-03").exit_code == 0
    for eml in (config_file.parent.parent / "outbox").rglob("*.eml"):
        read = read_eml(eml)
        header_url = read.message["List-Unsubscribe"].strip("<>")
        hrefs = {link.text: link.href for link in read_html(read.html).links}
        assert hrefs["Unsubscribe"] == header_url


def test_paper_text_cannot_forge_a_reader_placeholder(render, sample_issue) -> None:
    """A title spelling the placeholder shows as written; only the footer gets the link."""
    import dataclasses

    first = sample_issue.sections[0]
    forged = dataclasses.replace(first.papers[0], title=f"Free prizes at {UNSUBSCRIBE_URL}")
    section = dataclasses.replace(first, papers=[forged, *first.papers[1:]])
    issue = dataclasses.replace(sample_issue, sections=[section, *sample_issue.sections[1:]])
    rendered = render(issue)
    url = "https://news.example.org/unsubscribe/secret-token"
    message = for_reader(rendered, url, url)
    html, text = message.html, message.text
    page = read_html(html)
    title = next(t for tag, t in page.headings if tag == "h3" and t.startswith("Free prizes"))
    assert url not in title and "unsubscribe_url" in title
    assert [link.href for link in page.links].count(url) == 2  # Unsubscribe, Manage topics
    assert text.count(url) == 2  # the footer's two lines, not the title
