"""CSRF protection for the forms (subscribe, preferences): a signed double-submit token.

The browser holds a random nonce in a ``SameSite=Strict``, ``HttpOnly`` cookie; each form
carries the nonce signed with the app secret. A POST passes only when the signed field matches
the cookie and, when the browser says where it comes from (``Origin``, ``Sec-Fetch-Site``),
that is this site.
The one-click unsubscribe POST is deliberately outside this: RFC 8058 forbids needing a cookie.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Collection

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "nl_csrf"
FIELD = "csrf_token"
MAX_AGE = 24 * 3600  # a form left open for a day must be reloaded
_NONCE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class CsrfGuard:
    def __init__(self, secret: str, *, secure: bool, origins: Collection[str]) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="newsletter-csrf")
        self._secure = secure
        self._origins = {o.rstrip("/") for o in origins}

    def token_for(self, request: Request) -> tuple[str, str | None]:
        """(form field value, nonce to set as the cookie or ``None`` if already set)."""
        nonce = request.cookies.get(COOKIE, "")
        fresh = None
        if not _NONCE.match(nonce):
            nonce = fresh = secrets.token_urlsafe(24)
        return str(self._serializer.dumps(nonce)), fresh

    def set_cookie(self, response: Response, nonce: str | None) -> None:
        if nonce:
            response.set_cookie(
                COOKIE, nonce, httponly=True, samesite="strict", secure=self._secure, path="/"
            )

    def check(self, request: Request, form: FormData) -> bool:
        if not self._same_origin(request):
            return False
        nonce = request.cookies.get(COOKIE, "")
        field = form.get(FIELD)
        if not nonce or not isinstance(field, str):
            return False
        try:
            signed = self._serializer.loads(field, max_age=MAX_AGE)
        except BadSignature:
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed, nonce)

    def _same_origin(self, request: Request) -> bool:
        # Browsers say where a request comes from: Sec-Fetch-Site, and Origin (which is
        # "null" on our pages, as they send Referrer-Policy: no-referrer). Clients that say
        # neither are judged by the token alone.
        if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
            return False
        origin = request.headers.get("origin")
        if origin is None or origin == "null":
            return True
        own = f"{request.url.scheme}://{request.url.netloc}"
        return origin.rstrip("/") in self._origins | {own}
