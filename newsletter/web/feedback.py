""" "More like this" / "Less like this": the pages behind the two links under every paper.

The link names the reader by a feedback token (their row id, signed for this purpose only:
an unsubscribe token does nothing here, a feedback token nothing there) and the paper by its
id. A GET shows the paper and a button and changes nothing (mail scanners open every link);
only the button's POST, CSRF-checked like every form, records the choice. The preferences
page lists the choices, each with an undo, and a reset of them all (``undo``, ``reset``).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import TokenError
from newsletter.models import Subscriber
from newsletter.store.audience import find_reader
from newsletter.store.feedback import (
    FeedbackChoice,
    archived_paper,
    reader_choices,
    record_choice,
    reset_choices,
    undo_choice,
)
from newsletter.store.subscribers import email_of
from newsletter.tokens import link_path
from newsletter.web.context import WebContext, web_context
from newsletter.web.subscriptions import STOPPED


async def _reader(web: WebContext, token: str) -> Subscriber | Response:
    """The reader a feedback token names, or the page to answer instead."""
    try:
        reader_id = web.signer.feedback_reader(token)
    except TokenError as problem:
        return web.bad_link(str(problem))
    email = await run_in_threadpool(email_of, web.engine, reader_id)
    reader = await run_in_threadpool(find_reader, web.engine, web.listed, email) if email else None
    if reader is None or reader.id != reader_id:
        return web.bad_link()
    if reader.status in STOPPED:
        return web.pages.page("message.html", kind="stopped", private=True)
    return reader


def preferences_path(web: WebContext, reader_id: int) -> str:
    """The reader's preferences page (where every choice can be seen and undone)."""
    return link_path("preferences", web.signer.sign(reader_id, "preferences"))


async def feedback_page(request: Request) -> Response:
    """``/more/<token>/<paper>`` and ``/less/<token>/<paper>``: GET asks, POST records."""
    web = web_context(request)
    reader = await _reader(web, request.path_params["token"])
    if isinstance(reader, Response):
        return reader
    assert reader.id is not None  # _reader found the row the token names
    liked = request.url.path.startswith("/more/")
    paper_id = request.path_params["paper"]
    name = web.loaded.model.newsletter.name
    paper = await run_in_threadpool(archived_paper, web.engine, name, paper_id)
    if paper is None:
        return web.pages.page("message.html", 404, kind="paper_gone")
    recorded = False
    if request.method == "POST":
        form = await web.link_form(request)
        if isinstance(form, Response):
            return form
        await run_in_threadpool(record_choice, web.engine, reader.id, paper, liked)
        recorded = True
    token, fresh = web.csrf.token_for(request)
    response = web.pages.page(
        "feedback.html",
        private=True,
        liked=liked,
        title=paper.title,
        paper_id=paper.id,
        recorded=recorded,
        csrf_token=token,
        action=request.url.path,
        preferences=preferences_path(web, reader.id),
    )
    web.csrf.set_cookie(response, fresh)
    return response


async def choices_of(web: WebContext, reader: Subscriber | None) -> list[FeedbackChoice]:
    """What the preferences page lists: the reader's choices, newest first."""
    if reader is None or reader.id is None:
        return []
    return await run_in_threadpool(reader_choices, web.engine, reader.id)


async def undo(web: WebContext, reader: Subscriber, paper_id: str) -> None:
    if reader.id is not None:
        await run_in_threadpool(undo_choice, web.engine, reader.id, paper_id)


async def reset(web: WebContext, reader: Subscriber) -> None:
    if reader.id is not None:
        await run_in_threadpool(reset_choices, web.engine, reader.id)
