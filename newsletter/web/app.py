"""``create_app``: the Starlette application behind ``newsletter web``.

Routes (the links in every email point at these, under ``newsletter.base_url``):

    GET  /  /subscribe          the form: address and topics
    POST /subscribe             ask for a subscription (sends the confirmation email)
    GET  /confirm/{token}       a page with a button; POST (CSRF): activate (the link lives 3 days)
    GET|POST /preferences/{token}  choose topics, pause, unsubscribe; lists feedback choices
    POST /preferences/{token}/feedback/undo|reset   undo one choice (CSRF), or every one
    GET  /more/{token}/{paper}  a page with a button; POST (CSRF): "more like this" (also /less)
    GET  /preferences/{token}/data    everything held about the reader (JSON)
    POST /preferences/{token}/forget  erase it (CSRF-protected)
    GET  /unsubscribe/{token}   a page with a button; POST: RFC 8058 one-click unsubscribe
    GET  /archive               past issues;  /archive/YYYY-MM-DD one issue;  /archive/feed.atom
    GET  /archive/topics/<slug>.atom   one topic's feed (its papers of each issue)
    GET  /archive/weekly/YYYY-MM-DD    one weekly issue;  /archive/weekly/feed.atom
    POST /webhooks/sendgrid     SendGrid's signed Event Webhook
    GET  /healthz               "ok", for load balancers
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsletter.config import LoadedConfig
from newsletter.delivery import EmailBackend, get_backend
from newsletter.readers import config_subscribers
from newsletter.store import open_database
from newsletter.store.settings import signing_secret
from newsletter.store.subscribers import sync_config_subscribers
from newsletter.tokens import TokenSigner
from newsletter.web.archive import (
    archive_feed,
    archive_index,
    archive_issue,
    archive_topic_feed,
    archive_weekly_feed,
    archive_weekly_issue,
)
from newsletter.web.assets import favicon, topics_script
from newsletter.web.context import TopicChoice, WebContext, web_context
from newsletter.web.csrf import CsrfGuard
from newsletter.web.feedback import feedback_page
from newsletter.web.pages import Pages
from newsletter.web.ratelimit import RateLimiter
from newsletter.web.reader import (
    feedback_choice,
    forget_me,
    preferences,
    reader_data_download,
    unsubscribe_help,
    unsubscribe_now,
    unsubscribe_page,
)
from newsletter.web.subscribe import confirm, subscribe, subscribe_form
from newsletter.web.webhook import load_public_key, sendgrid_events

log = logging.getLogger(__name__)
access_log = logging.getLogger("newsletter.web.access")
_TOKEN_PATH = re.compile(r"^(/(?:confirm|preferences|unsubscribe|more|less)/).+$")

# Our pages need nothing from elsewhere; token URLs must not leak through Referer.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}

ROUTES = [
    Route("/", subscribe_form, methods=["GET"]),
    Route("/subscribe", subscribe_form, methods=["GET"]),
    Route("/subscribe", subscribe, methods=["POST"]),
    Route("/confirm/{token}", confirm, methods=["GET", "POST"]),
    Route("/preferences/{token}", preferences, methods=["GET", "POST"]),
    Route("/preferences/{token}/data", reader_data_download, methods=["GET"]),
    Route("/preferences/{token}/forget", forget_me, methods=["POST"]),
    Route("/preferences/{token}/feedback/{action:str}", feedback_choice, methods=["POST"]),
    Route("/more/{token}/{paper:path}", feedback_page, methods=["GET", "POST"]),
    Route("/less/{token}/{paper:path}", feedback_page, methods=["GET", "POST"]),
    Route("/unsubscribe", unsubscribe_help, methods=["GET"]),
    Route("/unsubscribe/{token}", unsubscribe_page, methods=["GET"]),
    Route("/unsubscribe/{token}", unsubscribe_now, methods=["POST"]),
    Route("/archive", archive_index, methods=["GET"]),
    Route("/archive/feed.atom", archive_feed, methods=["GET"]),
    Route("/archive/topics/{slug}.atom", archive_topic_feed, methods=["GET"]),
    Route("/archive/weekly/feed.atom", archive_weekly_feed, methods=["GET"]),
    Route("/archive/weekly/{day}", archive_weekly_issue, methods=["GET"]),
    Route("/archive/{day}", archive_issue, methods=["GET"]),
    Route("/webhooks/sendgrid", sendgrid_events, methods=["POST"]),
    Route("/healthz", lambda _: PlainTextResponse("ok"), methods=["GET"]),
    Route("/favicon.ico", favicon, methods=["GET"]),
    Route("/topics.js", topics_script, methods=["GET"]),
]


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode("latin-1").lower() for k, _ in headers}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers + [h for h in extra if h[0].decode() not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLog:
    """One log line per request, with the signed tokens in paths cut out: a token lets anyone
    holding it change that reader's subscription, so it must not land in log files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [500]

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            client = scope.get("client") or ("-", 0)
            access_log.info(
                '%s "%s %s" %d', client[0], scope["method"], redact(scope["path"]), status[0]
            )


def redact(path: str) -> str:
    """``/preferences/<token>`` -> ``/preferences/…``."""
    return _TOKEN_PATH.sub(r"\1…", path)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    kind = {404: "not_found", 405: "not_allowed"}.get(status, "bad_request")
    return web_context(request).pages.page("message.html", status, kind=kind)


def topic_choices(loaded: LoadedConfig) -> list[TopicChoice]:
    config = loaded.model
    choices = [TopicChoice(t.name, t.description, t.emoji) for t in config.topics]
    if config.grouping.catch_all:
        choices.append(TopicChoice(config.grouping.catch_all, "Papers no topic above matched."))
    return choices


def create_app(
    loaded: LoadedConfig,
    *,
    backend_factory: Callable[[], EmailBackend] | None = None,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The app for one config. ``backend_factory`` makes the backend for each confirmation
    email (default: the configured one); ``clock`` gives the time for webhook freshness."""
    engine = open_database(loaded.model.database.url)
    secret = signing_secret(engine, loaded.secrets.signing_secret)
    listed = config_subscribers(loaded)
    sync_config_subscribers(engine, listed)  # links name readers by row id: YAML ones too
    web_config = loaded.model.web
    limits = web_config.rate_limit
    base_url = loaded.model.newsletter.base_url.rstrip("/")
    key_text = (loaded.secrets.get(web_config.sendgrid_webhook_key_env) or "").strip()
    if not key_text:
        log.info("SendGrid webhook off: $%s is not set", web_config.sendgrid_webhook_key_env)
    app = Starlette(routes=ROUTES, exception_handlers={HTTPException: _http_error})
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    app.state.web = WebContext(
        loaded=loaded,
        engine=engine,
        signer=TokenSigner(secret),
        pages=Pages(loaded),
        csrf=CsrfGuard(secret, secure=base_url.startswith("https:"), origins=[base_url]),
        per_ip=RateLimiter(limits.subscribe_per_ip, limits.window_seconds),
        per_address=RateLimiter(limits.subscribe_per_address, limits.window_seconds),
        backend_factory=backend_factory or (lambda: get_backend(loaded)),
        listed=listed,
        topics=topic_choices(loaded),
        webhook_key=load_public_key(key_text, web_config.sendgrid_webhook_key_env)
        if key_text
        else None,
        clock=clock,
    )
    return app
