"""Write the archive as static files with relative links, for GitHub Pages or any web server:
``index.html``, one ``YYYY-MM-DD.html`` per issue, and ``feed.atom``.

The issues are the all-topics renderings the pipeline kept, as ``newsletter web`` serves them;
per-reader links are replaced by public ones, so no file carries anyone's token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from newsletter.config import LoadedConfig
from newsletter.render.context import PREFERENCES_URL, UNSUBSCRIBE_URL
from newsletter.store.db import IssueRow
from newsletter.web.archive import archived_issues
from newsletter.web.feed import atom_feed
from newsletter.web.links import STATIC_LINKS
from newsletter.web.pages import Pages

FEED_ENTRIES = 50


@dataclass(frozen=True)
class ArchiveReport:
    """What ``build_archive`` wrote."""

    out: Path
    issues: int
    files: list[Path]


def build_archive(
    loaded: LoadedConfig, engine: Engine, out: Path, site_url: str | None = None
) -> ArchiveReport:
    """``site_url``: where the folder will be published (absolute links in the feed only);
    default ``newsletter.base_url`` + ``/archive``."""
    section = loaded.model.newsletter
    base_url = section.base_url.rstrip("/")
    site = (site_url or f"{base_url}/archive").rstrip("/")
    issues = archived_issues(engine, section.name)
    out.mkdir(parents=True, exist_ok=True)
    pages = Pages(loaded)
    written = [
        _write(out / "index.html", pages.text("archive.html", issues=issues, links=STATIC_LINKS))
    ]
    for row in issues:
        written.append(_write(out / STATIC_LINKS.issue(row.date), _public_issue(row, base_url)))
    feed = atom_feed(issues[:FEED_ENTRIES], name=section.name, base_url=site, links=STATIC_LINKS)
    from newsletter.web.assets import FAVICON  # the pages link it; Pages serves no app

    icon = out / STATIC_LINKS.favicon
    icon.write_bytes(FAVICON)
    written.append(icon)
    feed_path = out / STATIC_LINKS.feed
    feed_path.write_bytes(feed)
    written.append(feed_path)
    return ArchiveReport(out=out, issues=len(issues), files=written)


def _public_issue(row: IssueRow, base_url: str) -> str:
    """The kept rendering, its own archive link made relative, reader links made public."""
    html = row.html or ""
    html = html.replace(f"{base_url}/archive/{row.date.isoformat()}", STATIC_LINKS.issue(row.date))
    return html.replace(PREFERENCES_URL, STATIC_LINKS.home).replace(
        UNSUBSCRIBE_URL, STATIC_LINKS.home
    )


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
