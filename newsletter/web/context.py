"""What every route needs, built once by ``create_app`` and kept on ``app.state.web``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.engine import Engine
from starlette.requests import Request

from newsletter.config import LoadedConfig
from newsletter.delivery import EmailBackend
from newsletter.models import Subscriber
from newsletter.tokens import TokenSigner
from newsletter.web.csrf import CsrfGuard
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

    @property
    def base_url(self) -> str:
        return self.loaded.model.newsletter.base_url.rstrip("/")

    @property
    def topic_names(self) -> list[str]:
        return [t.name for t in self.topics]


def web_context(request: Request) -> WebContext:
    return cast(WebContext, request.app.state.web)
