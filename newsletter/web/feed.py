"""The Atom feeds (RFC 4287) of archived issues, one for every issue and one per topic, built
with ElementTree so every value is escaped by the serializer, not by hand."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from urllib.parse import quote, urlsplit

from newsletter.models import ArchivedSection
from newsletter.render.context import PREFERENCES_URL, UNSUBSCRIBE_URL
from newsletter.store.db import IssueRow
from newsletter.store.issues import TopicEntry
from newsletter.web.links import WEB_LINKS, SiteLinks
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


def _absolute(base_url: str, link: str) -> str:
    return f"{base_url.rstrip('/')}/{link.lstrip('/')}"


def atom_feed(
    issues: Sequence[IssueRow],
    *,
    name: str,
    base_url: str,
    links: SiteLinks = WEB_LINKS,
    weekly: bool = False,
) -> bytes:
    """The feed of the daily issues, or (``weekly``) of the weekly ones; ``base_url`` is where
    ``links`` are rooted: the web app, or the static archive."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", _tag(base_url, "archive:weekly" if weekly else "archive"))
    _add(feed, "title", f"{name} (weekly)" if weekly else name)
    newest = max((_updated(r) for r in issues), default=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    _add(feed, "updated", _rfc3339(newest))
    _add(feed, "link", rel="self", href=_absolute(base_url, links.feed))
    _add(feed, "link", rel="alternate", type="text/html", href=_absolute(base_url, links.home))
    _add(_add(feed, "author"), "name", name)
    for row in issues:
        _entry(feed, row, _absolute(base_url, links.issue(row.date)), base_url, weekly)
    body: bytes = ET.tostring(feed, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _entry(feed: ET.Element, row: IssueRow, href: str, base_url: str, weekly: bool) -> None:
    day = row.date.isoformat()
    entry = _add(feed, "entry")
    kind = "weekly" if weekly else "issue"
    _add(entry, "id", _tag(base_url, f"{kind}:{day}"))
    _add(entry, "title", row.subject or f"Issue of {day}")
    _add(entry, "updated", _rfc3339(_updated(row)))
    _add(entry, "published", f"{day}T00:00:00Z")
    _add(entry, "link", rel="alternate", type="text/html", href=href)
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


def topic_feed(
    entries: Sequence[TopicEntry], *, topic: str, slug: str, name: str, base_url: str
) -> bytes:
    """One topic's feed: an entry per archived issue that had papers under the topic, its
    content the topic's papers as HTML (title link, why-this-paper line, summary)."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", _tag(base_url, f"topic:{slug}"))
    _add(feed, "title", f"{name}: {topic}")
    newest = max((e.updated for e in entries), default=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    _add(feed, "updated", _rfc3339(newest))
    _add(feed, "link", rel="self", href=f"{base_url}/archive/topics/{quote(slug)}.atom")
    _add(feed, "link", rel="alternate", type="text/html", href=f"{base_url}/archive")
    _add(_add(feed, "author"), "name", name)
    for entry in entries:
        _topic_entry(feed, entry, base_url)
    body: bytes = ET.tostring(feed, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _topic_entry(feed: ET.Element, entry: TopicEntry, base_url: str) -> None:
    day, section = entry.date.isoformat(), entry.section
    count = len(section.papers) + section.hidden
    element = _add(feed, "entry")
    _add(element, "id", _tag(base_url, f"topic:{section.slug}:{day}"))
    title = f"{section.topic}, {entry.date:%a %d %b %Y}: {count} paper{'s' * (count != 1)}"
    _add(element, "title", title)
    _add(element, "updated", _rfc3339(entry.updated))
    _add(element, "published", f"{day}T00:00:00Z")
    link = f"{base_url}/archive/{day}#topic-{quote(section.slug)}"
    _add(element, "link", rel="alternate", type="text/html", href=link)
    _add(element, "content", section_html(section, link), type="html")


def section_html(section: ArchivedSection, archive_link: str) -> str:
    """The entry's HTML, built as elements so the serializer escapes every paper's text."""
    root = ET.Element("div")
    for paper in section.papers:
        heading = ET.SubElement(root, "h3")
        target = ET.SubElement(heading, "a", href=paper.url) if paper.url else heading
        target.text = paper.title
        if paper.reason:
            ET.SubElement(ET.SubElement(root, "p"), "small").text = paper.reason
        if paper.summary:
            ET.SubElement(root, "p").text = paper.summary
    if section.hidden:
        more = ET.SubElement(ET.SubElement(root, "p"), "a", href=archive_link)
        more.text = f"{section.hidden} more in the archive"
    html: str = ET.tostring(root, encoding="unicode", method="html")
    return html
