"""Routes: the public archive of sent issues, its Atom feed and one feed per topic
(``/archive/topics/<slug>.atom``).

An issue lives at ``/archive/YYYY-MM-DD`` (the "read this issue in the archive" link of the
email) as the all-topics rendering the pipeline kept. Per-reader links in it are replaced by
public ones, so the archive never carries anyone's token.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from newsletter.models import Topic
from newsletter.store.db import IssueRow
from newsletter.store.issues import topic_entries, weekly_edition
from newsletter.web.context import WebContext, web_context
from newsletter.web.feed import atom_feed, topic_feed
from newsletter.web.links import WEEKLY_WEB_LINKS
from newsletter.web.public_issue import public_issue_html

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FEED_ENTRIES = 50
# The archived email is our own escaped HTML; still, it may load only images and inline CSS.
ISSUE_CSP = (
    "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline' https:; "
    "font-src https:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def archived_issues(engine: Engine, newsletter: str, limit: int | None = None) -> list[IssueRow]:
    """Issues with a kept rendering, newest first."""
    query = (
        select(IssueRow)
        .where(IssueRow.newsletter == newsletter, IssueRow.html.is_not(None))
        .order_by(IssueRow.date.desc())
        .limit(limit)
    )
    with Session(engine) as session:
        return list(session.scalars(query))


def archived_issue(engine: Engine, newsletter: str, day: dt.date) -> IssueRow | None:
    query = select(IssueRow).where(
        IssueRow.newsletter == newsletter, IssueRow.date == day, IssueRow.html.is_not(None)
    )
    with Session(engine) as session:
        return session.scalar(query)


def _name(web: WebContext) -> str:
    return web.loaded.model.newsletter.name


def feed_topics(web: WebContext) -> list[Topic]:
    """Every topic that has a feed: the configured ones in order, then the catch-all."""
    config = web.loaded.model
    names = [t.name for t in config.topics]
    if config.grouping.catch_all:
        names.append(config.grouping.catch_all)
    return [Topic(name=name) for name in names]


async def archive_index(request: Request) -> Response:
    web = web_context(request)
    issues = await run_in_threadpool(archived_issues, web.engine, _name(web))
    weekly = await run_in_threadpool(archived_issues, web.engine, weekly_edition(_name(web)))
    return web.pages.page(
        "archive.html", issues=issues, weekly_issues=weekly, feed_topics=feed_topics(web)
    )


async def archive_issue(request: Request) -> Response:
    return await _issue_page(request, _name(web_context(request)))


async def archive_weekly_issue(request: Request) -> Response:
    """A weekly issue, at /archive/weekly/YYYY-MM-DD (the day it was sent for)."""
    return await _issue_page(request, weekly_edition(_name(web_context(request))))


async def _issue_page(request: Request, edition: str) -> Response:
    web = web_context(request)
    raw = request.path_params["day"]
    try:
        day = dt.date.fromisoformat(raw) if _DAY.match(raw) else None
    except ValueError:
        day = None
    row = await run_in_threadpool(archived_issue, web.engine, edition, day) if day else None
    if row is None or row.html is None:
        return web.pages.page("message.html", 404, kind="not_found")
    html = public_issue_html(row.html, web.base_url)
    return HTMLResponse(html, headers={"Content-Security-Policy": ISSUE_CSP})


async def archive_feed(request: Request) -> Response:
    web = web_context(request)
    issues = await run_in_threadpool(archived_issues, web.engine, _name(web), FEED_ENTRIES)
    body = atom_feed(issues, name=_name(web), base_url=web.base_url)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


async def archive_weekly_feed(request: Request) -> Response:
    web = web_context(request)
    edition = weekly_edition(_name(web))
    issues = await run_in_threadpool(archived_issues, web.engine, edition, FEED_ENTRIES)
    body = atom_feed(
        issues, name=_name(web), base_url=web.base_url, links=WEEKLY_WEB_LINKS, weekly=True
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


async def archive_topic_feed(request: Request) -> Response:
    web = web_context(request)
    slug = request.path_params["slug"]
    topic = next((t for t in feed_topics(web) if t.slug == slug), None)
    if topic is None:
        return web.pages.page("message.html", 404, kind="not_found")
    entries = await run_in_threadpool(topic_entries, web.engine, _name(web), slug, FEED_ENTRIES)
    body = topic_feed(entries, topic=topic.name, slug=slug, name=_name(web), base_url=web.base_url)
    return Response(body, media_type="application/atom+xml; charset=utf-8")
