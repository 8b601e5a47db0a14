"""arXiv's two formats, parsed with a real (defused) XML parser.

* the announcement feed, RSS 2.0 (``rss.arxiv.org/rss/<cats>``): one ``item`` per paper with
  ``arxiv:announce_type`` (new, cross, replace, replace-cross), ``dc:creator`` as one
  comma-separated string, ``guid`` ``oai:arXiv.org:<id>v<n>``; the channel's ``pubDate`` is
  the announcement day (midnight US Eastern).
* the API, Atom (``export.arxiv.org/api/query``): versioned entry ids
  (``http://arxiv.org/abs/2202.12139v1``, old style ``cs/0503050v1``), one ``author`` each.

A record without an id or a title is skipped with a warning; a body that is not XML, or is
XML of another shape, raises ``SourceDataError`` quoting its first bytes.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from newsletter.errors import SourceDataError
from newsletter.models import Paper
from newsletter.sources.formats import strip_version
from newsletter.sources.text import clean_abstract, clean_title

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
# New style 2608.18184 (4 or 5 digits after the dot), old style cs/0503050 or math.GT/0309136.
ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(v\d+)?")


@dataclass(slots=True)
class FeedItem:
    announce_type: str
    paper: Paper


@dataclass(slots=True)
class Feed:
    """One announcement feed: its own day (``None`` if it carries no date) and its items."""

    day: dt.date | None
    items: list[FeedItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def find_arxiv_id(text: str) -> str | None:
    """The version-less id inside a guid, URL or description, or ``None``."""
    match = ARXIV_ID.search(text)
    return strip_version(match.group(0)) if match else None


def _parse_xml(body: bytes, where: str) -> ET.Element:
    try:
        root: ET.Element = SafeET.fromstring(body)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise SourceDataError(
            f"{where}: the answer is not XML ({exc}); it starts with {body[:80]!r}"
        ) from exc
    return root


def parse_rss(body: bytes, where: str, source: str = "arxiv") -> Feed:
    root = _parse_xml(body, where)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        shape = "the pre-2024 RSS 1.0 (rdf:RDF) format" if root.tag.endswith("RDF") else root.tag
        raise SourceDataError(
            f"{where}: expected an RSS 2.0 feed, got {shape}; it starts with {body[:80]!r}"
        )
    feed = Feed(day=_feed_day(channel))
    for index, item in enumerate(channel.findall("item")):
        try:
            feed.items.append(_rss_item(item, feed.day, source))
        except ValueError as exc:
            feed.warnings.append(f"skipped {where} item {index}: {exc}")
    return feed


def _feed_day(channel: ET.Element) -> dt.date | None:
    """The announcement day as arXiv writes it (its own, US Eastern, calendar date)."""
    stamp = _parse_rfc822(channel.findtext("pubDate") or channel.findtext("lastBuildDate"))
    return stamp.date() if stamp else None


def _parse_rfc822(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None


def _rss_item(item: ET.Element, day: dt.date | None, source: str) -> FeedItem:
    guid = item.findtext("guid") or ""
    link = item.findtext("link") or ""
    description = item.findtext("description") or ""
    arxiv_id = find_arxiv_id(guid) or find_arxiv_id(link) or find_arxiv_id(description[:80])
    title = item.findtext("title") or ""
    if not arxiv_id or not title.strip():
        raise ValueError(f"{(guid or title)[:100]!r} lacks an arXiv id or a title")
    abstract = description.split("Abstract:", 1)[1] if "Abstract:" in description else ""
    creators = item.findtext(f"{DC}creator") or ""
    announce = (item.findtext(f"{ARXIV}announce_type") or "new").strip()
    paper = Paper(
        id=arxiv_id,
        arxiv_id=arxiv_id,
        title=clean_title(title),
        title_raw=title,
        abstract=clean_abstract(abstract),
        abstract_raw=abstract.strip(),
        authors=tuple(a.strip() for a in creators.split(",") if a.strip()),
        categories=tuple(c.text.strip() for c in item.findall("category") if c.text),
        listed_on=day,
        published_at=_parse_rfc822(item.findtext("pubDate")),
        page_url=f"https://arxiv.org/abs/{arxiv_id}",
        sources=(source,),
    )
    return FeedItem(announce_type=announce, paper=paper)


def parse_atom(body: bytes, where: str, source: str = "arxiv") -> tuple[list[Paper], list[str]]:
    """Entries of an API answer; zero results is an empty list, not an error."""
    root = _parse_xml(body, where)
    if root.tag != f"{ATOM}feed":
        raise SourceDataError(
            f"{where}: expected an Atom feed, got {root.tag}; it starts with {body[:80]!r}"
        )
    papers, warnings = [], []
    for index, entry in enumerate(root.findall(f"{ATOM}entry")):
        try:
            papers.append(_atom_entry(entry, source))
        except ValueError as exc:
            warnings.append(f"skipped {where} entry {index}: {exc}")
    return papers, warnings


def _atom_entry(entry: ET.Element, source: str) -> Paper:
    raw_id = entry.findtext(f"{ATOM}id") or ""
    title = entry.findtext(f"{ATOM}title") or ""
    arxiv_id = find_arxiv_id(raw_id.split("/abs/", 1)[-1])
    if not arxiv_id or not title.strip():
        # arXiv reports a bad id_list as an entry titled "Error" with no paper id.
        raise ValueError(f"{(raw_id or title)[:100]!r} lacks an arXiv id or a title")
    summary = entry.findtext(f"{ATOM}summary") or ""
    published = entry.findtext(f"{ATOM}published")
    primary = entry.find(f"{ARXIV}primary_category")
    categories = [c.get("term", "") for c in entry.findall(f"{ATOM}category")]
    if primary is not None and primary.get("term") in categories:
        categories.remove(primary.get("term", ""))
        categories.insert(0, primary.get("term", ""))
    return Paper(
        id=arxiv_id,
        arxiv_id=arxiv_id,
        title=clean_title(title),
        title_raw=title,
        abstract=clean_abstract(summary),
        abstract_raw=summary.strip(),
        authors=tuple(
            name.strip()
            for a in entry.findall(f"{ATOM}author")
            if (name := a.findtext(f"{ATOM}name") or "").strip()
        ),
        categories=tuple(c for c in categories if c),
        published_at=dt.datetime.fromisoformat(published.replace("Z", "+00:00"))
        if published
        else None,
        page_url=f"https://arxiv.org/abs/{arxiv_id}",
        sources=(source,),
    )
