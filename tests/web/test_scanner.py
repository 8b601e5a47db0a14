"""Mail scanners open every link in a message with GET. Every email this project sends (the
confirmation, the "already subscribed" note, the daily issue) is read from the outbox, every
link in it followed with GET, and the database must be exactly as it was."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import MetaData, select

from newsletter.pipeline import run
from newsletter.store import open_database
from tests.readers import read_eml
from tests.web.conftest import outbox_mail

_HREF = re.compile(r'href="([^"]+)"')
_URL = re.compile(r"https?://[^\s\"<>]+")


def database_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: what "nothing changed" is measured on."""
    engine = open_database(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
                for name, table in meta.tables.items()
            }
    finally:
        engine.dispose()


def links_of(path: Path) -> set[str]:
    mail = read_eml(path)
    found = {html.unescape(h) for h in _HREF.findall(mail.html)}
    found |= set(_URL.findall(mail.text))
    header = mail.message.get("List-Unsubscribe", "")
    found |= {u.strip("<> ") for u in str(header).split(",") if u.strip()}
    return found


def test_following_every_link_of_every_email_changes_nothing(
    client: httpx.Client, loaded, subscribe, live
) -> None:
    subscribe("new@example.org", ["Agents and tool use"])
    outbox_mail(loaded, "new@example.org")  # the confirmation
    subscribe(
        "ada@example.org", ["Agents and tool use"]
    )  # a YAML reader: the "already subscribed" note
    outbox_mail(loaded, "ada@example.org")
    run(loaded, dt.date(2025, 10, 3))  # the daily issue to every active reader
    outbox = Path(loaded.model.delivery.options.dir)  # type: ignore[union-attr]
    emails = sorted(outbox.rglob("*.eml"))
    assert len(emails) >= 3
    before = database_rows(loaded.model.database.url)
    ours = sorted({u for path in emails for u in links_of(path) if u.startswith(live.url)})
    kinds = {u.removeprefix(live.url).split("/")[1] for u in ours}
    assert {"confirm", "preferences", "unsubscribe", "archive", "more", "less"} <= kinds, kinds
    with httpx.Client(timeout=30) as scanner:  # a fresh client each time: no cookies kept
        for url in ours:
            answer = scanner.get(url)
            assert answer.status_code < 500, (url, answer.status_code)
            if url.removeprefix(live.url).split("/")[1] in ("more", "less"):
                # The page with its button really opened (the paper was found), and yet
                # nothing below was recorded.
                assert answer.status_code == 200 and 'id="record"' in answer.text, url
    assert database_rows(loaded.model.database.url) == before
