"""Routes: the subscribe form, its answer, and the confirmation link (double opt-in).

The confirmation link opens a page with a button; only its POST (CSRF-protected) activates.

The answer to a valid request is the same page whatever the address's history (new,
pending, active, unsubscribed, bounced): the emails differ, the page does not.
"""

from __future__ import annotations

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import FormInputError, TokenError
from newsletter.models import SubscriberStatus
from newsletter.store.audience import find_reader, holder_email, reader_row_id
from newsletter.store.privacy import unforget
from newsletter.web.context import WebContext, web_context
from newsletter.web.emails import send_subscription_email
from newsletter.web.forms import parse_email, parse_topics, read_form
from newsletter.web.subscriptions import confirm_subscription, request_subscription

# A second click on the link (already active) shows the page again and changes nothing.
CONFIRMABLE = frozenset({SubscriberStatus.PENDING, SubscriberStatus.ACTIVE})


def _form_page(
    web: WebContext,
    request: Request,
    status: int = 200,
    *,
    error: str = "",
    email: str = "",
    chosen: frozenset[str] | None = None,
) -> Response:
    token, fresh = web.csrf.token_for(request)
    response = web.pages.page(
        "subscribe.html",
        status,
        topics=web.topics,
        chosen=chosen if chosen is not None else frozenset(web.topic_names),
        csrf_token=token,
        error=error,
        email=email,
    )
    web.csrf.set_cookie(response, fresh)
    return response


async def subscribe_form(request: Request) -> Response:
    return _form_page(web_context(request), request)


async def subscribe(request: Request) -> Response:
    web = web_context(request)
    client = request.client.host if request.client else "unknown"
    if not web.per_ip.hit(client):
        retry = web.per_ip.retry_after(client)
        response = web.pages.page("message.html", 429, kind="too_many", retry_after=retry)
        response.headers["Retry-After"] = str(retry)
        return response
    try:
        form = await read_form(request)
    except FormInputError as problem:
        return _form_page(web, request, 413, error=str(problem))
    if not web.csrf.check(request, form):
        return web.pages.page("message.html", 403, kind="csrf")
    raw_email = form.get("email")
    shown = raw_email[:254] if isinstance(raw_email, str) else ""
    try:
        email = parse_email(form)
        topics = parse_topics(form, web.topic_names)
    except FormInputError as problem:
        chosen = frozenset(v for v in form.getlist("topics") if isinstance(v, str))
        return _form_page(web, request, 400, error=str(problem), email=shown, chosen=chosen)
    if not web.per_address.hit(email.lower()):
        # Same page as always: the address's owner is not mailed again for a while.
        return web.pages.page("check_inbox.html")
    outcome = await run_in_threadpool(request_subscription, web.engine, web.listed, email, topics)
    task = BackgroundTask(send_subscription_email, web, email, outcome)
    return web.pages.page("check_inbox.html", background=task)


async def confirm(request: Request) -> Response:
    """GET shows a button, POST (CSRF-checked) activates: mail scanners open every link in a
    message, and a GET that confirmed would sign up addresses nobody confirmed."""
    web = web_context(request)
    try:
        holder = web.signer.verify(request.path_params["token"], "confirm")
    except TokenError as problem:
        return web.pages.page("message.html", 400, kind="bad_link", reason=str(problem))
    email = await run_in_threadpool(holder_email, web.engine, holder)
    reader = (
        None
        if email is None
        else await run_in_threadpool(find_reader, web.engine, web.listed, email)
    )
    if email is None or reader is None or reader.status not in CONFIRMABLE:
        return web.pages.page("message.html", 400, kind="bad_link", reason="this link is not valid")
    if request.method == "GET":
        return _confirm_page(web, request, email)
    try:
        form = await read_form(request)
    except FormInputError as problem:
        return web.pages.page("message.html", 400, kind="bad_link", reason=str(problem))
    if not web.csrf.check(request, form):
        return web.pages.page("message.html", 403, kind="csrf")
    if not await run_in_threadpool(confirm_subscription, web.engine, web.listed, email):
        return web.pages.page("message.html", 400, kind="bad_link", reason="this link is not valid")
    # Their own new consent: an earlier erasure no longer keeps them out of imports.
    await run_in_threadpool(unforget, web.engine, [email])
    reader_id = await run_in_threadpool(reader_row_id, web.engine, web.listed, email)
    if reader_id is None:
        return web.pages.page("message.html", 400, kind="bad_link", reason="this link is not valid")
    preferences = web.signer.sign(reader_id, "preferences")
    return web.pages.page("confirmed.html", private=True, preferences_token=preferences)


def _confirm_page(web: WebContext, request: Request, email: str) -> Response:
    token, fresh = web.csrf.token_for(request)
    response = web.pages.page(
        "confirm.html", private=True, email=email, csrf_token=token, action=request.url.path
    )
    web.csrf.set_cookie(response, fresh)
    return response
