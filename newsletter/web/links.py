"""Where the archive's pages point: absolute paths of ``newsletter web``, or relative files of
the static archive (``newsletter archive build``), so the same templates serve both."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class SiteLinks:
    """``subscribe`` is None where no web app answers (a static archive on Pages)."""

    home: str
    feed: str
    issue_prefix: str
    issue_suffix: str
    subscribe: str | None
    favicon: str = "/favicon.ico"

    def issue(self, day: dt.date) -> str:
        return f"{self.issue_prefix}{day.isoformat()}{self.issue_suffix}"


WEB_LINKS = SiteLinks(
    home="/archive",
    feed="/archive/feed.atom",
    issue_prefix="/archive/",
    issue_suffix="",
    subscribe="/subscribe",
)
# The weekly issues live beside the daily ones; only their feed and pages move.
WEEKLY_WEB_LINKS = replace(
    WEB_LINKS, feed="/archive/weekly/feed.atom", issue_prefix="/archive/weekly/"
)
STATIC_LINKS = SiteLinks(
    home="index.html",
    feed="feed.atom",
    issue_prefix="",
    issue_suffix=".html",
    subscribe=None,
    favicon="favicon.ico",
)
