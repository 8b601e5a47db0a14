"""Routes a reader reaches from the signed links in every email: preferences (with the
"more like this" choices, each undoable) and unsubscribe.

Only a valid token shows anything about an address, and a valid token for an address we do
not know gets exactly the page a forged token gets.

One-click unsubscribe (RFC 8058): a POST with ``List-Unsubscribe=One-Click`` (urlencoded or
multipart) unsubscribes at once and answers 200 with a short page; no cookie, no CSRF token,
no confirmation, no redirect. The GET shows a button that sends that same POST.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from newsletter.errors import FormInputError, TokenError
from newsletter.models import WEEKDAYS, Cadence, Subscriber, SubscriberStatus
from newsletter.store.audience import address_key, find_reader, holder_email
from newsletter.store.feedback import FeedbackChoice
from newsletter.store.privacy import forget_reader, reader_data
from newsletter.tokens import Purpose
from newsletter.web.context import WebContext, web_context
from newsletter.web.feedback import choices_of, reset, undo
from newsletter.web.forms import parse_topics, read_form
from newsletter.web.subscriptions import (
    CHOOSABLE,
    STOPPED,
    CadenceChoice,
    save_preferences,
    unsubscribe,
)


async def _verify(web: WebContext, request: Request, purpose: Purpose) -> str | Response:
    """The address behind the link, or the bad-link page (an unknown reader gets the page a
    forged token gets)."""
    try:
        holder = web.signer.verify(request.path_params["token"], purpose)
    except TokenError as problem:
        return web.bad_link(str(problem))
    email = await run_in_threadpool(holder_email, web.engine, holder)
    return web.bad_link() if email is None else email


async def _preferences_reader(web: WebContext, request: Request) -> Subscriber | Response:
    """The reader a preferences link names, or the bad-link page."""
    email = await _verify(web, request, "preferences")
    if isinstance(email, Response):
        return email
    reader = await run_in_threadpool(find_reader, web.engine, web.listed, email)
    return web.bad_link() if reader is None else reader


async def preferences(request: Request) -> Response:
    web = web_context(request)
    reader = await _preferences_reader(web, request)
    if isinstance(reader, Response):
        return reader
    email = reader.email
    if reader.status in STOPPED:
        return web.pages.page("message.html", kind="stopped", private=True)
    if request.method == "GET":
        status = reader.status if reader.status in CHOOSABLE else SubscriberStatus.ACTIVE
        choices = await choices_of(web, reader)
        return _preferences_page(
            web, request, email, reader.topics, status, reader=reader, choices=choices
        )
    return await _save(web, request, email)


async def feedback_choice(request: Request) -> Response:
    """POST ``/preferences/<token>/feedback/undo`` (one choice, ``paper`` in the form) or
    ``.../feedback/reset`` (every choice): CSRF-checked, then the preferences page again."""
    web = web_context(request)
    reader = await _preferences_reader(web, request)
    if isinstance(reader, Response):
        return reader
    email = reader.email
    form = await web.link_form(request)
    if isinstance(form, Response):
        return form
    if request.path_params["action"] == "reset":
        await reset(web, reader)
    else:
        await undo(web, reader, str(form.get("paper", "")))
    status = reader.status if reader.status in CHOOSABLE else SubscriberStatus.ACTIVE
    choices = await choices_of(web, reader)
    path = request.url.path.rsplit("/feedback/", 1)[0]
    return _preferences_page(
        web, request, email, reader.topics, status, reader=reader, choices=choices,
        undone=True, action=path,
    )  # fmt: skip


def _today(web: WebContext) -> dt.date:
    return dt.datetime.now(ZoneInfo(web.loaded.model.newsletter.timezone)).date()


def _cadence_choice(web: WebContext, form: Mapping[str, object]) -> CadenceChoice | None:
    """daily, or weekly on the chosen weekday; ``None`` (keep) for a form without it."""
    if "cadence" not in form:
        return None
    rhythm = str(form.get("cadence"))
    weekday = str(form.get("weekday", "friday"))
    text = f"weekly:{weekday}" if rhythm == "weekly" else rhythm
    try:
        cadence = Cadence.parse(text)
    except ValueError as exc:
        raise FormInputError("Please choose daily, or weekly and a weekday.") from exc
    return CadenceChoice(cadence, _today(web), web.loaded.model.newsletter.default_cadence)


async def _save(web: WebContext, request: Request, email: str) -> Response:
    form = await web.link_form(request)
    if isinstance(form, Response):
        return form
    try:
        topics = parse_topics(form, web.topic_names)
        rhythm = _cadence_choice(web, form)
        status = SubscriberStatus(str(form.get("status", "")))
        if status not in CHOOSABLE:
            raise ValueError(status)
    except FormInputError as problem:
        return _preferences_page(
            web, request, email, None, SubscriberStatus.ACTIVE, 400, error=str(problem)
        )
    except ValueError:
        return _preferences_page(
            web, request, email, None, SubscriberStatus.ACTIVE, 400, error="Please choose one."
        )
    saved = await run_in_threadpool(save_preferences, web.engine, email, topics, status, rhythm)
    choices = await choices_of(web, saved)
    return _preferences_page(
        web, request, email, saved.topics, saved.status, saved=True, reader=saved, choices=choices
    )


def _preferences_page(
    web: WebContext,
    request: Request,
    email: str,
    topics: frozenset[str] | None,
    status: SubscriberStatus,
    code: int = 200,
    *,
    error: str = "",
    saved: bool = False,
    reader: Subscriber | None = None,
    choices: Sequence[FeedbackChoice] = (),
    undone: bool = False,
    action: str | None = None,
) -> Response:
    token, fresh = web.csrf.token_for(request)
    default = web.loaded.model.newsletter.default_cadence
    today = _today(web)
    now = reader.cadence_on(today, default) if reader else default
    chosen = (reader.cadence or default) if reader else default
    pending = reader.cadence_since if reader and reader.cadence_since else None
    response = web.pages.page(
        "preferences.html",
        code,
        private=True,
        email=email,
        topics=web.topics,
        chosen=topics if topics is not None else frozenset(web.topic_names),
        status=status.value,
        cadence=chosen,
        cadence_now=now,
        cadence_from=pending if pending and pending > today else None,
        weekdays=WEEKDAYS,
        csrf_token=token,
        error=error,
        saved=saved,
        choices=choices,
        undone=undone,
        action=action or request.url.path,
    )
    web.csrf.set_cookie(response, fresh)
    return response


async def reader_data_download(request: Request) -> Response:
    """Everything held about the reader, as a JSON download (read-only, like every GET)."""
    web = web_context(request)
    email = await _verify(web, request, "preferences")
    if isinstance(email, Response):
        return email
    data = await run_in_threadpool(reader_data, web.engine, email)
    if data is None:
        return web.bad_link()
    headers = {
        "Cache-Control": "no-store",
        "Content-Disposition": 'attachment; filename="my-newsletter-data.json"',
    }
    return JSONResponse(data, headers=headers)


async def forget_me(request: Request) -> Response:
    """The reader's own erasure request: a CSRF-checked POST from the preferences page."""
    web = web_context(request)
    email = await _verify(web, request, "preferences")
    if isinstance(email, Response):
        return email
    form = await web.link_form(request)
    if isinstance(form, Response):
        return form
    await run_in_threadpool(forget_reader, web.engine, email)
    # A reader listed in the YAML would be synced back: keep them stopped on the list too.
    if any(address_key(s.email) == address_key(email) for s in web.listed):
        await run_in_threadpool(unsubscribe, web.engine, web.listed, email)
    return web.pages.page("message.html", kind="forgotten", private=True)


async def unsubscribe_page(request: Request) -> Response:
    web = web_context(request)
    email = await _verify(web, request, "unsubscribe")
    if isinstance(email, Response):
        return email
    return web.pages.page("unsubscribe.html", private=True, email=email, action=request.url.path)


async def unsubscribe_now(request: Request) -> Response:
    web = web_context(request)
    try:
        one_click = await _one_click_value(request)
    except FormInputError as problem:
        return web.bad_link(str(problem))
    if one_click != "One-Click":
        return web.pages.page("message.html", 400, kind="one_click_missing")
    email = await _verify(web, request, "unsubscribe")
    if isinstance(email, Response):
        return email
    await run_in_threadpool(unsubscribe, web.engine, web.listed, email)
    return web.pages.page("message.html", kind="unsubscribed", private=True)


async def _one_click_value(request: Request) -> str | None:
    """``List-Unsubscribe`` from a form body; a bare body without a form content type is
    accepted too, as some mailbox providers send it that way."""
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await read_form(request)).get("List-Unsubscribe")
        return value if isinstance(value, str) else None
    body = await request.body()
    return "One-Click" if body.strip() == b"List-Unsubscribe=One-Click" else None


async def unsubscribe_help(request: Request) -> Response:
    """``/unsubscribe`` without a token: the archive's footer links here."""
    return web_context(request).pages.page("message.html", kind="unsubscribe_help")
