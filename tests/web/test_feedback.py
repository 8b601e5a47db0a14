""" "More like this" end to end: real runs to the outbox, the links in the emails followed on
a real uvicorn, the next issue read back from the outbox.

A GET records nothing; the button's POST moves papers like the chosen one up in that
reader's own topics and says why ("like: <title>"); another reader's email does not change;
undo (one choice) and reset (all of them) bring the shared order back; a token of another
purpose, a forged one, or another reader's paper id in a good link record nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import select

import newsletter
from newsletter.config import LoadedConfig, load_config
from newsletter.models import SubscriberStatus
from newsletter.pipeline import run
from newsletter.preview import preview
from newsletter.sources.day import CollectOptions
from newsletter.store import open_database
from newsletter.store.db import IssueRow
from newsletter.store.feedback import reader_choices
from newsletter.store.subscribers import get_subscriber, upsert_subscriber
from newsletter.tokens import TokenSigner
from tests.readers import ReadMessage
from tests.render.htmlread import read_html
from tests.web.conftest import csrf_token, outbox_mail
from tests.web.test_scanner import database_rows

DAY = dt.date(2025, 10, 3)
RL = "Reinforcement learning and reasoning"
_FEEDBACK_LINK = re.compile(r'href="([^"]+/(more|less)/[^"]+)"')


def send_issue(loaded: LoadedConfig, first: bool = False) -> None:
    """The day's issue to every reader; again after the first time (the same papers)."""
    if first:
        run(loaded, DAY)
    else:
        run(loaded, DAY, resend=True, options=CollectOptions(include_seen=True))


def topic_order(message: ReadMessage, topic: str) -> list[str]:
    """The paper titles of one topic of an email, in the order it shows them."""
    return titles_in(message.html, topic)


def titles_in(page: str, topic: str) -> list[str]:
    titles: list[str] = []
    inside = False
    for tag, text in read_html(page).headings:
        if tag == "h2":
            inside = topic in text
        elif tag == "h3" and inside:
            titles.append(text)
    return titles


def feedback_links(message: ReadMessage) -> dict[tuple[str, str], str]:
    """(``more``/``less``, paper id) -> the link, from the HTML part."""
    found = {}
    for url, kind in _FEEDBACK_LINK.findall(message.html):
        url = html.unescape(url)
        found[(kind, url.rsplit("/", 1)[1])] = url
    return found


def choose(client: httpx.Client, url: str) -> httpx.Response:
    """What a reader's browser does: open the link, then press the button."""
    page = client.get(url)
    assert page.status_code == 200, page.text
    return client.post(url, data={"csrf_token": csrf_token(page.text)})


@pytest.fixture
def readers(loaded: LoadedConfig) -> None:
    """Ada (the YAML's reader, every topic) and Bob (every topic, kept in the database)."""
    engine = open_database(loaded.model.database.url)
    upsert_subscriber(engine, "bob@example.org", status=SubscriberStatus.ACTIVE)
    engine.dispose()


def last_paper_of(message: ReadMessage, topic: str) -> tuple[str, str]:
    """(id, title) of the last paper of a topic: the one a like has the most room to lift."""
    titles = topic_order(message, topic)
    links = feedback_links(message)
    ids = [pid for kind, pid in links if kind == "more"]
    page = read_html(message.html)
    by_title = {link.text: link.href for link in page.links}
    title = titles[-1]
    paper_id = next(pid for pid in ids if pid in by_title.get(title, ""))
    return paper_id, title


def next_day_without(loaded: LoadedConfig, paper_id: str) -> LoadedConfig:
    """The config reading a day file of the sample's papers less ``paper_id``: the next
    issue, in which the liked paper itself no longer appears but its kin do."""
    sample = Path(newsletter.__file__).parent / "sample" / "hf_daily_papers_2025-10-03.json"
    papers = [p for p in json.loads(sample.read_text()) if p["paper"]["id"] != paper_id]
    day_file = loaded.path.parent / "next-day.json"
    day_file.write_text(json.dumps(papers))
    data = yaml.safe_load(loaded.path.read_text())
    data["sources"] = [{"type": "local", "path": str(day_file)}]
    path = loaded.path.parent / "next-day.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_config(path)


def test_a_like_lifts_similar_papers_for_that_reader_only_and_undo_restores(
    client: httpx.Client, loaded: LoadedConfig, readers: None
) -> None:
    send_issue(loaded, first=True)
    ada, bob = outbox_mail(loaded, "ada@example.org"), outbox_mail(loaded, "bob@example.org")
    assert topic_order(ada, RL) == topic_order(bob, RL)
    paper_id, title = last_paper_of(ada, RL)
    before = database_rows(loaded.model.database.url)
    page = client.get(feedback_links(ada)[("more", paper_id)])
    assert page.status_code == 200 and title in html.unescape(page.text)
    assert database_rows(loaded.model.database.url) == before  # the GET recorded nothing

    recorded = choose(client, feedback_links(ada)[("more", paper_id)])
    assert recorded.status_code == 200 and 'id="recorded"' in recorded.text
    next_day = next_day_without(loaded, paper_id)
    send_issue(next_day)
    shared = topic_order(outbox_mail(loaded, "bob@example.org"), RL)  # Bob gave no feedback
    assert title not in shared and len(shared) >= 5
    ada_after = outbox_mail(loaded, "ada@example.org")
    mine = topic_order(ada_after, RL)
    assert sorted(mine) == sorted(shared) and mine != shared  # the same papers, Ada's order
    # Kin of the liked paper climb, and their why-line says which paper they are like.
    lifted = [t for t in mine if mine.index(t) < shared.index(t)]
    assert lifted, (mine, shared)
    text = html.unescape(ada_after.html)
    assert f"like: {title[:40]}" in text
    # `newsletter preview --to` shows Ada the order she will get.
    previewed = preview(next_day, DAY, "ada@example.org").email
    assert titles_in(previewed.html, RL) == mine

    # Undo from the preferences page lists and removes the choice: the shared order is back.
    preferences = client.get(_preferences_link(ada_after))
    assert title in html.unescape(preferences.text) and 'id="choices"' in preferences.text
    undone = client.post(
        _preferences_link(ada_after) + "/feedback/undo",
        data={"csrf_token": csrf_token(preferences.text), "paper": paper_id},
    )
    assert undone.status_code == 200 and 'id="no-choices"' in undone.text
    send_issue(next_day)
    assert topic_order(outbox_mail(loaded, "ada@example.org"), RL) == shared


def test_less_like_this_sinks_a_paper_and_reset_forgets_every_choice(
    client: httpx.Client, loaded: LoadedConfig, readers: None
) -> None:
    send_issue(loaded, first=True)
    ada = outbox_mail(loaded, "ada@example.org")
    shared = topic_order(ada, RL)
    links = feedback_links(ada)
    top_title = shared[0]
    top_id = next(
        pid for (kind, pid) in links if kind == "less" and _title_of(ada, pid) == top_title
    )
    last_id, _ = last_paper_of(ada, RL)
    assert choose(client, links[("less", top_id)]).status_code == 200
    assert choose(client, links[("more", last_id)]).status_code == 200
    send_issue(loaded)
    assert topic_order(outbox_mail(loaded, "ada@example.org"), RL).index(top_title) > 0

    preferences = client.get(_preferences_link(ada))
    reset = client.post(
        _preferences_link(ada) + "/feedback/reset",
        data={"csrf_token": csrf_token(preferences.text)},
    )
    assert reset.status_code == 200 and 'id="no-choices"' in reset.text
    engine = open_database(loaded.model.database.url)
    reader = get_subscriber(engine, "ada@example.org")
    assert reader is not None and reader.id is not None
    assert reader_choices(engine, reader.id) == []
    engine.dispose()
    send_issue(loaded)
    assert topic_order(outbox_mail(loaded, "ada@example.org"), RL) == shared


def test_forged_and_cross_purpose_tokens_record_nothing(
    client: httpx.Client, loaded: LoadedConfig, readers: None
) -> None:
    send_issue(loaded, first=True)
    ada = outbox_mail(loaded, "ada@example.org")
    url = next(iter(feedback_links(ada).values()))
    base, token, paper_id = url.rsplit("/", 2)
    unsubscribe = re.search(r"/unsubscribe/([^\s\"<>]+)", ada.text)
    assert unsubscribe
    before = database_rows(loaded.model.database.url)
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (unsubscribe.group(1), forged, token[:10], "not-a-reader"):
        page = client.get(f"{base}/{bad}/{paper_id}")
        assert page.status_code == 400, bad
        assert client.post(f"{base}/{bad}/{paper_id}", data={"csrf_token": "x"}).status_code in (
            400,
            403,
        )
    # A feedback token does not unsubscribe, nor open the preferences page.
    assert client.get(f"/unsubscribe/{token}").status_code == 400
    assert client.get(f"/preferences/{token}").status_code == 400
    # A paper id no issue carried: nothing to record.
    assert client.get(f"{base}/{token}/9999.99999").status_code == 404
    # The button's POST without the page's CSRF token is refused.
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 403
    assert database_rows(loaded.model.database.url) == before


def test_a_token_names_the_reader_by_row_not_address(loaded: LoadedConfig) -> None:
    signer = TokenSigner("s" * 32)
    token = signer.feedback_token(12345)
    assert "example" not in token and len(token) <= 28
    assert signer.feedback_reader(token) == 12345


def _title_of(message: ReadMessage, paper_id: str) -> str:
    page = read_html(message.html)
    return next(link.text for link in page.links if link.href.rstrip("/").endswith(paper_id))


def _preferences_link(message: ReadMessage) -> str:
    found = re.search(r"https?://[^\s\"<>]+/preferences/[^\s\"<>]+", message.text)
    assert found
    return found.group(0)


def test_the_archive_keeps_no_feedback_links(loaded: LoadedConfig, readers: None) -> None:
    send_issue(loaded, first=True)
    engine = open_database(loaded.model.database.url)
    with engine.connect() as connection:
        kept = connection.execute(select(IssueRow.html, IssueRow.text)).one()
    engine.dispose()
    assert "/more/" not in kept.html and "%%fb%%" not in kept.html
    assert "/more/" not in kept.text  # the static archive and the feeds read this same row
