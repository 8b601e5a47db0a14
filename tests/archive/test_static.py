"""The static archive: built from a real run, served by a plain HTTP server on 127.0.0.1, and
every link followed in headless Chromium."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser
import pytest

SITE_URL = "https://papers.example.org/archive"


@pytest.fixture
def site(config_file: Path, run_cli) -> Path:
    assert "3 sent" in run_cli("run", "--config", str(config_file), "--date", "2025-10-03").output
    out = config_file.parent.parent / "site"
    result = run_cli(
        "archive", "build", "--config", str(config_file), "--out", str(out), "--site-url", SITE_URL
    )
    assert (
        result.output.strip() == f"Archive: 1 issue, 4 files in {out}"
    )  # index, issue, feed, icon
    return out


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _crawl(browser, start: str) -> tuple[dict[str, int], set[str]]:
    """Status of every page reached by a same-origin link, and every link leaving the site."""
    context = browser.new_context()
    origin = urlsplit(start).netloc
    # Nothing may leave the machine: requests for other hosts are refused, not sent.
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if urlsplit(route.request.url).netloc == origin else route.abort()
        ),
    )
    page = context.new_page()
    statuses: dict[str, int] = {}
    external: set[str] = set()
    queue = [start]
    while queue:
        url = queue.pop()
        if url in statuses:
            continue
        if not url.endswith((".html", "/")):  # a feed or the icon: fetched, not opened
            statuses[url] = context.request.get(url).status
            continue
        response = page.goto(url)
        statuses[url] = response.status if response else 0
        hrefs = page.eval_on_selector_all(
            "a[href], link[href]", "els => els.map(e => e.getAttribute('href'))"
        )
        for href in hrefs:
            target = urldefrag(urljoin(url, href)).url
            if urlsplit(target).netloc == origin:
                queue.append(target)
            else:
                external.add(target)
    context.close()
    return statuses, external


@pytest.mark.browser
def test_every_link_of_the_static_archive_answers(browser, served: str) -> None:
    statuses, external = _crawl(browser, served)
    assert statuses == {
        served: 200,
        f"{served}index.html": 200,
        f"{served}2025-10-03.html": 200,
        f"{served}feed.atom": 200,
        f"{served}favicon.ico": 200,
    }
    # Links out of the site are the papers' own, never the web app nor a reader's token.
    assert external and all(url.startswith("https://") for url in external)
    assert not any("127.0.0.1:8000" in url or "unsubscribe" in url for url in external)


def test_the_feed_points_at_the_published_files(site: Path) -> None:
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert not feed.bozo
    assert [entry.link for entry in feed.entries] == [f"{SITE_URL}/2025-10-03.html"]
    for entry in feed.entries:
        assert (site / entry.link.removeprefix(SITE_URL + "/")).is_file()


def test_the_archive_opens_from_disk_with_relative_links(site: Path) -> None:
    index = (site / "index.html").read_text()
    assert 'href="2025-10-03.html"' in index and 'href="feed.atom"' in index
    assert "/archive/" not in index  # no absolute path that only the web app answers
