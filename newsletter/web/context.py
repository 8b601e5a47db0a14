"""What every route needs, built once by ``create_app`` and kept on ``app.state.web``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.engine import Engine
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from newsletter.config import LoadedConfig
from newsletter.delivery import EmailBackend
from newsletter.errors import FormInputError
from newsletter.models import Subscriber
from newsletter.tokens import TokenSigner
from newsletter.web.csrf import CsrfGuard
from newsletter.web.forms import read_form
from newsletter.web.pages import Pages
from newsletter.web.ratelimit import RateLimiter


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """A topic as the forms show it."""

    name: str
    description: str
    emoji: str = ""


@dataclass(slots=True)
class WebContext:
    loaded: LoadedConfig
    engine: Engine
    signer: TokenSigner
    pages: Pages
    csrf: CsrfGuard
    per_ip: RateLimiter
    per_address: RateLimiter
    backend_factory: Callable[[], EmailBackend]
    listed: list[Subscriber]  # readers named in the YAML
    topics: list[TopicChoice]
    webhook_key: ec.EllipticCurvePublicKey | None = None  # None: webhook disabled
    clock: Callable[[], float] = field(default=time.time)
    pruned_at: float = 0.0  # when the webhook last forgot old event ids

    def bad_link(self, reason: str = "this link is not valid") -> Response:
        """The page for a link that cannot be followed (forged, expired, a form gone wrong)."""
        return self.pages.page("message.html", 400, kind="bad_link", reason=reason)

    async def link_form(self, request: Request) -> FormData | Response:
        """The form POSTed from a page a link token opened, CSRF-checked; else the page to
        answer instead."""
        try:
            form = await read_form(request)
        except FormInputError as problem:
            return self.bad_link(str(problem))
        if not self.csrf.check(request, form):
            return self.pages.page("message.html", 403, kind="csrf")
        return form

    @property
    def base_url(self) -> str:
        return self.loaded.model.newsletter.base_url.rstrip("/")

    @property
    def topic_names(self) -> list[str]:
        return [t.name for t in self.topics]


def web_context(request: Request) -> WebContext:
    return cast(WebContext, request.app.state.web)
