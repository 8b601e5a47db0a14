"""HTTP for sources: explicit timeouts, retries with backoff, and errors a user can act on.

``HttpClient.get`` retries 429 and 5xx answers with exponential backoff, honouring a
``Retry-After`` header (seconds or an HTTP date) up to ``max_delay``. Everything httpx can
raise is translated here into ``SourceFetchError`` naming the host and what to do, so no
source handles transport exceptions itself. ``sleep`` and the delays are injected, so tests
exercise real retries against a local server without waiting for real seconds.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from newsletter import __version__
from newsletter.errors import SourceFetchError

log = logging.getLogger(__name__)

USER_AGENT = f"newsletter/{__version__} (research digest; +https://github.com/newsletter)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class FetchRetryPolicy:
    """How hard to try: ``attempts`` in total, waiting ``base_delay * 2**n`` between them."""

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed ``attempt`` (0-based); the server's wish wins."""
        wanted = retry_after if retry_after is not None else self.base_delay * 2**attempt
        return max(0.0, min(wanted, self.max_delay))


class HttpClient:
    """A polite GET with retries. ``min_interval`` spaces calls (arXiv asks for 3 s)."""

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        retry: FetchRetryPolicy | None = None,
        user_agent: str = USER_AGENT,
        min_interval: float = 0.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retry = retry or FetchRetryPolicy()
        self.min_interval = min_interval
        self._last_call: float | None = None
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": user_agent},
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def get(self, url: str, params: Mapping[str, str | int] | None = None) -> bytes:
        """The body of a 2xx answer; ``SourceFetchError`` once retries are exhausted."""
        attempts = max(1, self.retry.attempts)
        for attempt in range(attempts):
            self._wait_turn()
            response = self._send(url, params)
            if response.status_code < 400:
                return response.content
            if response.status_code not in RETRY_STATUSES or attempt == attempts - 1:
                raise _status_error(response, attempt + 1)
            pause = self.retry.delay(attempt, retry_after_seconds(response.headers))
            log.warning(
                "%s answered HTTP %s; retrying in %.1f s (%d/%d)",
                response.url.host,
                response.status_code,
                pause,
                attempt + 1,
                attempts,
            )
            self.retry.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_turn(self) -> None:
        if self._last_call is not None and self.min_interval > 0:
            remaining = self.min_interval - (time.monotonic() - self._last_call)
            if remaining > 0:
                self.retry.sleep(remaining)
        self._last_call = time.monotonic()

    def _send(self, url: str, params: Mapping[str, str | int] | None) -> httpx.Response:
        host = httpx.URL(url).host or url
        try:
            return self._client.get(url, params=dict(params) if params else None)
        except httpx.TimeoutException as exc:
            raise SourceFetchError(
                f"{host}: no answer within {self._client.timeout.read} s ({type(exc).__name__});"
                " the server is slow or unreachable: retry later or raise the source's timeout"
            ) from exc
        except httpx.ConnectError as exc:
            raise SourceFetchError(
                f"cannot connect to {host} ({exc}); check the network, DNS and the source's"
                " base_url, or rerun the day offline from the cache (without --refresh)"
            ) from exc
        except httpx.HTTPError as exc:
            raise SourceFetchError(f"{host}: request failed: {exc}") from exc


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date; ``None`` if absent or bad."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _status_error(response: httpx.Response, tries: int) -> SourceFetchError:
    host = response.url.host
    status = response.status_code
    snippet = response.content[:120]
    if status == 429 or status >= 500:
        advice = f"gave up after {tries} tries; the service is busy or down: retry later"
    elif status == 404:
        advice = "check the source's base_url"
    else:
        advice = "check the source's settings (date, categories, base_url)"
    return SourceFetchError(
        f"{host} answered HTTP {status} for {response.url}: {advice} (body starts {snippet!r})"
    )
