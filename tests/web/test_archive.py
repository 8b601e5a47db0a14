"""The archive and its Atom feed, after real pipeline runs on the bundled sample."""

from __future__ import annotations

import datetime as dt
import html

import feedparser

from newsletter import pipeline
from newsletter.sources.day import CollectOptions
from newsletter.store.issues import get_or_create_issue, save_archive
from tests.cli.test_run import sample_titles


def test_every_sent_issue_has_a_page_an_index_entry_and_a_feed_entry(client, loaded, live) -> None:
    for day in (dt.date(2025, 10, 3), dt.date(2025, 10, 6)):
        # The sample is the same papers every day: keep them although an earlier day sent them.
        report = pipeline.run(loaded, day, options=CollectOptions(include_seen=True))
        assert report.count("sent") == 1

    index = client.get("/archive")
    assert index.status_code == 200
    assert index.text.index("/archive/2025-10-06") < index.text.index("/archive/2025-10-03")

    issue = client.get("/archive/2025-10-03")
    assert issue.status_code == 200
    assert "frame-ancestors 'none'" in issue.headers["content-security-policy"]
    shown = " ".join(html.unescape(issue.text).split())
    for title in sample_titles():  # the archive holds every topic
        assert title in shown
    assert "%%" not in issue.text  # no reader's link placeholders
    assert "/unsubscribe/" not in issue.text and "/preferences/" not in issue.text
    # The web's footer, not the reader's: no "You receive", no "Manage your topics".
    assert f'<a href="{live.url}/archive">All issues</a>' in issue.text
    assert "You receive" not in issue.text and "Manage your topics" not in issue.text

    feed = feedparser.parse(client.get("/archive/feed.atom").content)
    assert feed.bozo == 0, feed.bozo_exception
    assert feed.feed.title == "Daily Papers"
    links = [e.link for e in feed.entries]
    assert links == [f"{live.url}/archive/2025-10-06", f"{live.url}/archive/2025-10-03"]
    assert all(e.title.startswith("Daily Papers, ") for e in feed.entries)
    assert len({e.id for e in feed.entries}) == 2
    # Each entry carries the issue as HTML, and a short summary without the text part's
    # rules and link numbers.
    content = feed.entries[1].content[0]
    assert content.type == "text/html" and "<table" in content.value
    assert all(title in html.unescape(content.value) for title in sample_titles()[:5])
    assert "You receive" not in content.value and "%%" not in content.value
    summary = feed.entries[1].summary
    assert len(summary) <= 280 and "====" not in summary and "[1]" not in summary


def test_unknown_or_malformed_days_are_404(client) -> None:
    for path in ("/archive/2025-10-03", "/archive/2025-13-45", "/archive/../etc", "/archive/x"):
        assert client.get(path).status_code == 404


def test_subjects_are_escaped_in_index_and_feed(client, engine, loaded) -> None:
    name = loaded.model.newsletter.name
    issue_id = get_or_create_issue(engine, name, dt.date(2025, 10, 3))
    save_archive(engine, issue_id, "<script>alert(1)</script> & more", "<p>x</p>", "text")
    index = client.get("/archive").text
    assert (
        "<script>alert" not in index and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in index
    )
    feed = feedparser.parse(client.get("/archive/feed.atom").content)
    assert feed.entries[0].title == "<script>alert(1)</script> & more"
    assert "<script>" not in client.get("/archive/feed.atom").text
