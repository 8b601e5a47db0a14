"""One Atom feed per topic (``/archive/topics/<slug>.atom``), after real pipeline runs: linked
from the archive, discoverable, each entry the topic's papers of one issue as HTML; and the
weekly issues' own pages and feed."""

from __future__ import annotations

import datetime as dt
import html
from html.parser import HTMLParser

import feedparser

from newsletter import pipeline
from newsletter.models import ArchivedPaper, ArchivedSection, Cadence
from newsletter.sources.day import CollectOptions
from newsletter.store.issues import (
    get_or_create_issue,
    save_archive,
    save_sections,
    weekly_edition,
)
from newsletter.store.ledger import Ledger
from newsletter.store.subscribers import SubscriberInput, upsert_many
from newsletter.weekly import run_week

DAYS = (dt.date(2025, 10, 3), dt.date(2025, 10, 6))
FRIDAYS = Cadence.parse("weekly:friday")


class _Alternates(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") == "alternate":
            self.found.append(found)


def alternates(page: str) -> list[dict[str, str | None]]:
    parser = _Alternates()
    parser.feed(page)
    return parser.found


def sent_to(engine, edition: str, day: dt.date) -> list[str]:
    """Who the ledger says got that edition's issue of the day."""
    statuses = Ledger(engine, get_or_create_issue(engine, edition, day)).statuses()
    return sorted(email for email, status in statuses.items() if status == "sent")


def run_days(loaded) -> dict[str, list[str]]:
    """Send the sample on two days; the titles of each topic, as the issue had them."""
    topics: dict[str, list[str]] = {}
    for day in DAYS:
        options = CollectOptions(include_seen=True)
        report = pipeline.run(loaded, day, options=options)
        assert report.count("sent") == 1
        topics = {s.topic.slug: [p.title for p in s.papers] for s in report.sections}
    return topics


def test_archive_links_and_announces_a_feed_per_topic(client, loaded, live) -> None:
    run_days(loaded)
    page = client.get("/archive").text
    names = [t.name for t in loaded.model.topics] + [loaded.model.grouping.catch_all]
    announced = [
        a for a in alternates(page) if (a.get("href") or "").startswith("/archive/topics/")
    ]
    assert all(a.get("type") == "application/atom+xml" for a in announced)
    assert [a["title"] for a in announced] == [f"Daily Papers: {n}" for n in names]
    for link in announced:
        href = link["href"] or ""
        assert href.startswith("/archive/topics/") and href.endswith(".atom")
        assert f'<a href="{href}">' in page  # linked in the page, not only announced
        assert client.get(href).status_code == 200


def test_each_entry_is_one_issue_of_the_topic_with_its_papers_as_html(client, loaded, live) -> None:
    papers_of = run_days(loaded)
    video = "video-and-3d-4d-generation"
    response = client.get(f"/archive/topics/{video}.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.bozo_exception
    assert feed.feed.title == "Daily Papers: Video and 3D/4D generation"
    assert [e.link for e in feed.entries] == [
        f"{live.url}/archive/{day.isoformat()}#topic-{video}" for day in reversed(DAYS)
    ]
    assert len({e.id for e in feed.entries}) == 2
    for entry in feed.entries:
        assert entry.content[0].type == "text/html"
        content = entry.content[0].value
        shown = html.unescape(content)
        assert all(title in shown for title in papers_of[video])
        assert content.count("<h3>") == len(papers_of[video])  # this topic's papers only
        assert "matched: " in shown  # the why-this-paper line travels with the paper
        assert entry.title.endswith(f": {len(papers_of[video])} papers")


def test_unknown_topic_is_404_and_a_topic_without_issues_an_empty_feed(client) -> None:
    assert client.get("/archive/topics/no-such-topic.atom").status_code == 404
    assert client.get("/archive/topics/..%2Fetc.atom").status_code == 404
    feed = feedparser.parse(client.get("/archive/topics/applications.atom").content)
    assert feed.bozo == 0 and feed.entries == []


def test_paper_text_is_escaped_in_the_entry(client, engine, loaded) -> None:
    name = loaded.model.newsletter.name
    issue_id = get_or_create_issue(engine, name, dt.date(2025, 10, 3))
    save_archive(engine, issue_id, "subject", "<p>x</p>", "text")
    evil = ArchivedPaper("1", "<script>alert(1)</script> & co", "https://x.org/?a=1&b=2", "<b>", "")
    save_sections(engine, issue_id, [ArchivedSection("Applications", "applications", (evil,))])
    body = client.get("/archive/topics/applications.atom").text
    assert "<script>" not in body
    content = feedparser.parse(body).entries[0].content[0].value
    assert "<script>" not in content and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in content
    assert "&lt;b&gt;" in content


def test_weekly_issues_have_their_own_pages_feed_and_index_entries(
    client, loaded, engine, live
) -> None:
    upsert_many(engine, [SubscriberInput("weekly@example.org", cadence=FRIDAYS)], "csv")
    friday = dt.date(2025, 10, 3)
    name = loaded.model.newsletter.name
    pipeline.run(loaded, friday)
    assert "weekly@example.org" not in sent_to(engine, name, friday)
    run_week(loaded, friday)
    assert sent_to(engine, weekly_edition(name), friday) == ["weekly@example.org"]

    page = client.get("/archive/weekly/2025-10-03")
    assert page.status_code == 200 and "weekly" in page.text
    assert client.get("/archive/weekly/2025-10-02").status_code == 404
    index = client.get("/archive").text
    assert 'href="/archive/weekly/2025-10-03"' in index
    assert 'href="/archive/2025-10-03"' in index  # the daily issue stays where it was
    feed = feedparser.parse(client.get("/archive/weekly/feed.atom").content)
    assert feed.bozo == 0 and feed.feed.title == "Daily Papers (weekly)"
    assert [e.link for e in feed.entries] == [f"{live.url}/archive/weekly/2025-10-03"]
    daily_feed = feedparser.parse(client.get("/archive/feed.atom").content)
    assert [e.link for e in daily_feed.entries] == [f"{live.url}/archive/2025-10-03"]
