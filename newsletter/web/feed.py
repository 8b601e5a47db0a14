"""The Atom feed (RFC 4287) of archived issues, built with ElementTree so every value is
escaped by the serializer, not by hand."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from urllib.parse import urlsplit

from newsletter.render.context import PREFERENCES_URL, UNSUBSCRIBE_URL
from newsletter.store.db import IssueRow
from newsletter.web.public_issue import public_issue_body

ATOM = "http://www.w3.org/2005/Atom"
SUMMARY_CHARS = 280
ET.register_namespace("", ATOM)  # serialize as the default namespace, not "ns0:"


def _rfc3339(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _updated(row: IssueRow) -> dt.datetime:
    return row.finished_at or row.started_at


def _tag(base_url: str, what: str) -> str:
    """A stable ``tag:`` URI (RFC 4151) that survives a change of scheme or port."""
    host = urlsplit(base_url).hostname or "localhost"
    return f"tag:{host},2025:{what}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(issues: Sequence[IssueRow], *, name: str, base_url: str) -> bytes:
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", _tag(base_url, "archive"))
    _add(feed, "title", name)
    newest = max((_updated(r) for r in issues), default=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    _add(feed, "updated", _rfc3339(newest))
    _add(feed, "link", rel="self", href=f"{base_url}/archive/feed.atom")
    _add(feed, "link", rel="alternate", type="text/html", href=f"{base_url}/archive")
    _add(_add(feed, "author"), "name", name)
    for row in issues:
        _entry(feed, row, base_url)
    body: bytes = ET.tostring(feed, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _entry(feed: ET.Element, row: IssueRow, base_url: str) -> None:
    day = row.date.isoformat()
    entry = _add(feed, "entry")
    _add(entry, "id", _tag(base_url, f"issue:{day}"))
    _add(entry, "title", row.subject or f"Issue of {day}")
    _add(entry, "updated", _rfc3339(_updated(row)))
    _add(entry, "published", f"{day}T00:00:00Z")
    _add(entry, "link", rel="alternate", type="text/html", href=f"{base_url}/archive/{day}")
    _add(entry, "summary", short_summary(row.text or ""))
    if row.html:
        # The issue itself, as the archive shows it: feed readers render HTML, not our
        # 72-column text part with its ==== rules and [1] link numbers.
        _add(entry, "content", public_issue_body(row.html, base_url), type="html")


_DECORATION = re.compile(r"^\s*(?:[=\-_*]{3,}|\[\d+\]\s+\S+)\s*$")
_REFERENCE = re.compile(r"\s*\[\d+\]")


def short_summary(text: str) -> str:
    """A few lines of the text part, without its rules, link numbers and link list."""
    text = text.replace(PREFERENCES_URL, "").replace(UNSUBSCRIBE_URL, "")
    lines = [line for line in text.splitlines() if not _DECORATION.match(line)]
    summary = " ".join(_REFERENCE.sub("", " ".join(lines)).split())
    if len(summary) > SUMMARY_CHARS:
        summary = summary[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return summary
