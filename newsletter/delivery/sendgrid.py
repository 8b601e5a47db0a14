"""``sendgrid`` backend: SendGrid v3 Mail Send through the official ``sendgrid`` package.

One request carries up to 1,000 readers of a segment: one personalization each, with the
reader's links as ``substitutions`` and their own ``List-Unsubscribe`` headers; the shared
HTML and text go once. Every third-party error is translated here into a ``DeliveryError``
(or a failed result for the batch), and the API key never appears in one.

Up to ``concurrency`` requests are in flight at once (one per delivery worker; the official
client opens a connection per request, so workers share nothing but the throttle and the
counters). A 429 slows the whole run down (``Throttle``: fewer in flight, nobody starts before
the wait is over).

Retries: 429 waits as ``Retry-After`` / ``X-RateLimit-Reset`` say; 5xx with an answer, refused
connections, DNS failures and resets while the request was still being sent back off
exponentially with full jitter, up to ``max_retries`` times. 400 and 413 fail that batch
only; 401 and 403 stop the run (no batch can succeed).

A request whose answer is lost *after* the whole body was sent (a timeout waiting for the
answer, the connection closed before the status line, a reset while reading it) may have
been accepted. SendGrid has no idempotency key, so it is never sent again: the batch is
answered ``in_doubt``. Each request carries a unique ``custom_args`` key
(``BATCH_ARG``), which ``find_accepted`` looks up in the Email Activity API to settle it.
urllib draws the line for us: an error while sending the request comes wrapped in
``URLError``; one raised while waiting for the answer does not.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import random
import secrets
import threading
import time
import urllib.error
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from python_http_client import exceptions as http_errors
from sendgrid import SendGridAPIClient

from newsletter.delivery.base import EmailBackend
from newsletter.delivery.message import Recipient, header_safe
from newsletter.delivery.throttle import Throttle
from newsletter.errors import DeliveryError
from newsletter.models import DeliveryReason, DeliveryResult, OutgoingEmail

MAX_RECIPIENTS = 1000  # SendGrid: at most 1,000 recipients (to+cc+bcc) per request
BATCH_ARG = "newsletter_batch"  # custom_args key naming one request, for the activity API
LOST_ANSWER_DETAIL = (
    "in doubt: SendGrid may have accepted this batch ({what}); not sent again so nobody gets "
    "two copies. Settle it with `newsletter deliveries resolve` (--check asks SendGrid)"
)
# python_http_client logs request headers, the Authorization header included, at DEBUG.
logging.getLogger("python_http_client").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class SendGridRetryPolicy:
    max_retries: int = 5
    backoff_seconds: float = 1.0  # first backoff cap; doubles each attempt
    max_wait_seconds: float = 60.0  # no single wait longer than this


@dataclass(frozen=True, slots=True)
class _Wait:
    """How long to wait before the next attempt; a 429's wait holds every worker."""

    seconds: float
    rate_limited: bool = False


class _BatchRejected(Exception):
    """400/413: this request cannot succeed as it is; the batch fails, the run goes on."""


class _AnswerLost(Exception):
    """The whole request was sent and its answer lost: SendGrid may have accepted it."""


class SendGridBackend(EmailBackend):
    name = "sendgrid"
    batch_size = MAX_RECIPIENTS

    def __init__(
        self,
        api_key: str,
        *,
        host: str = "https://api.sendgrid.com",
        timeout: float = 30.0,
        sandbox_mode: bool = False,
        categories: Sequence[str] = (),
        batch_size: int = MAX_RECIPIENTS,
        concurrency: int = 8,
        retry: SendGridRetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.host = host.rstrip("/")
        self.timeout = timeout
        self.sandbox_mode = sandbox_mode
        self.categories = list(categories)
        self.batch_size = max(1, min(batch_size, MAX_RECIPIENTS))
        self.concurrency = max(1, concurrency)
        self.throttle = Throttle(self.concurrency)
        self.retry = retry or SendGridRetryPolicy()
        self.sleep = sleep
        self.requests = 0  # HTTP requests made, retries included (for reports and benches)
        self.retries: Counter[str] = Counter()  # by cause: "429", "5xx", "dropped"
        self.waited_seconds = 0.0  # time spent in backoff before retries, every worker's
        self._counting = threading.Lock()  # the counters above are shared by the workers
        self._key = api_key
        self._client = SendGridAPIClient(api_key=api_key, host=self.host)

    @property
    def destination(self) -> str:
        return f"SendGrid at {self.host}" + (" (sandbox mode)" if self.sandbox_mode else "")

    def send_messages(self, messages: Sequence[OutgoingEmail]) -> list[DeliveryResult]:
        results = []
        for message in messages:
            recipient = Recipient(message.to, message.to_name)
            results += self.send_segment(message, [recipient])
        return results

    def send_segment(
        self, template: OutgoingEmail, recipients: Sequence[Recipient]
    ) -> list[DeliveryResult]:
        results: list[DeliveryResult] = []
        for start in range(0, len(recipients), self.batch_size):
            batch = recipients[start : start + self.batch_size]
            # The ledger's key when the pipeline sends (it was recorded with the claim).
            key = template.batch_key or f"{template.issue_key or 'issue'}.{secrets.token_hex(8)}"
            try:
                message_id = self._post(mail_send_body(template, batch, self, key))
            except _BatchRejected as exc:
                results += [DeliveryResult(r.email, "failed", detail=str(exc)) for r in batch]
                continue
            except _AnswerLost as exc:
                detail = LOST_ANSWER_DETAIL.format(what=exc)
                results += [
                    DeliveryResult(
                        r.email,
                        "in_doubt",
                        provider_id=f"batch:{key}",
                        detail=detail,
                        reason=DeliveryReason.IN_DOUBT,
                    )
                    for r in batch
                ]
                continue
            results += [DeliveryResult(r.email, "sent", provider_id=message_id) for r in batch]
        return results

    def _post(self, body: dict[str, Any]) -> str:
        """POST /v3/mail/send with retries; answers SendGrid's X-Message-Id."""
        attempt = 0
        while True:
            with self._counting:
                self.requests += 1
            self.throttle.acquire()
            ok = False
            try:
                response = self._client.client.mail.send.post(
                    request_body=body, timeout=self.timeout
                )
                ok = True
                return str(response.headers.get("X-Message-Id") or "")
            except http_errors.HTTPError as exc:
                wait = self._after_http_error(exc, attempt)
            except urllib.error.URLError as exc:  # raised while sending: nothing accepted
                wait = self._after_network_error(exc, attempt)
            except (http.client.HTTPException, OSError) as exc:  # raised awaiting the answer
                raise _AnswerLost(f"{type(exc).__name__}: {self._scrub(str(exc))}") from None
            finally:
                self.throttle.release(ok=ok)
            attempt += 1
            with self._counting:
                self.waited_seconds += wait.seconds
            if wait.rate_limited:  # the account's limit: every worker waits, not this one
                with self.throttle.paused():
                    self.sleep(wait.seconds)
            else:
                self.sleep(wait.seconds)

    def _after_http_error(self, exc: http_errors.HTTPError, attempt: int) -> _Wait:
        status = int(exc.status_code)
        what = f"SendGrid at {self.host} answered {status}: {self._messages(exc.body)}"
        if status in (401, 403):
            raise DeliveryError(
                f"{what}. Check the API key (its environment variable) and that it has the "
                "Mail Send permission; nothing was sent."
            ) from None
        if status == 429 or status >= 500:
            if attempt >= self.retry.max_retries:
                raise DeliveryError(
                    f"{what}, still after {attempt} retries; rerun later: readers already "
                    "sent are not sent again."
                ) from None
            with self._counting:
                self.retries["429" if status == 429 else "5xx"] += 1
            hinted = retry_after_seconds(exc.headers) if status == 429 else None
            wait = min(hinted, self.retry.max_wait_seconds) if hinted else self._backoff(attempt)
            return _Wait(wait, rate_limited=status == 429)
        raise _BatchRejected(what) from None  # 400, 413 and other 4xx: this batch only

    def _after_network_error(self, exc: BaseException, attempt: int) -> _Wait:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        what = f"cannot reach SendGrid at {self.host}: {type(reason).__name__}: {reason}"
        if attempt >= self.retry.max_retries:
            raise DeliveryError(
                f"{self._scrub(what)} (after {attempt} retries). Check the host option and "
                "the network; rerun later: readers already sent are not sent again."
            ) from None
        with self._counting:
            self.retries["dropped"] += 1
        return _Wait(self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        cap = min(self.retry.max_wait_seconds, self.retry.backoff_seconds * 2**attempt)
        return random.uniform(cap / 2, cap)  # jitter keeps parallel senders apart

    def _messages(self, body: bytes | str | None) -> str:
        return self._scrub(error_messages(body))

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "[API key]") if self._key else text


def find_accepted(backend: SendGridBackend, batch_key: str) -> set[str]:
    """The readers of one request SendGrid's Email Activity API knows (so it accepted them).

    Needs the Email Activity add-on and an API key allowed to read it; raises
    ``DeliveryError`` saying so otherwise."""
    query = f"unique_args['{BATCH_ARG}']=\"{batch_key}\""
    try:
        response = backend._client.client.messages.get(
            query_params={"query": query, "limit": MAX_RECIPIENTS}, timeout=backend.timeout
        )
    except http_errors.HTTPError as exc:
        raise DeliveryError(
            f"SendGrid's Email Activity API at {backend.host} answered {exc.status_code}: "
            f"{backend._messages(exc.body)}. It needs the Email Activity add-on and an API key "
            "with Email Activity access; otherwise settle by hand with --as sent|unsent"
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        raise DeliveryError(f"cannot reach SendGrid at {backend.host}: {exc}") from None
    data = json.loads(response.body or b"{}")
    return {str(m.get("to_email", "")).lower() for m in data.get("messages", [])}


def error_messages(body: bytes | str | None) -> str:
    """SendGrid's error messages from a body that may be JSON, HTML or empty."""
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    try:
        data = json.loads(raw)
        errors = (data.get("errors") or []) if isinstance(data, dict) else []
        parts = [
            f"{e.get('message')}" + (f" (field {e['field']})" if e.get("field") else "")
            for e in errors
            if isinstance(e, dict)
        ]
        if parts:
            return "; ".join(parts)
    except ValueError:
        pass
    text = " ".join(raw.split())
    return text[:300] or "(no body)"


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date) or
    ``X-RateLimit-Reset`` (a Unix time); ``None`` when neither is usable."""
    value = headers.get("Retry-After") if headers is not None else None
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            if when is not None:
                return max(0.0, when.timestamp() - time.time())
    reset = headers.get("X-RateLimit-Reset") if headers is not None else None
    if reset:
        try:
            return max(0.0, float(reset) - time.time())
        except ValueError:
            return None
    return None


def mail_send_body(
    template: OutgoingEmail,
    batch: Sequence[Recipient],
    backend: SendGridBackend,
    batch_key: str = "",
) -> dict[str, Any]:
    """The v3 Mail Send JSON for one batch of one segment; ``batch_key`` names the request."""
    name, address = email.utils.parseaddr(template.sender)
    headers = {k: header_safe(v) for k, v in template.headers.items() if k != "Reply-To"}
    body: dict[str, Any] = {
        "personalizations": [_personalization(r) for r in batch],
        "from": _address(address, name),
        "subject": header_safe(template.subject),
        "content": [
            {"type": "text/plain", "value": template.text},
            {"type": "text/html", "value": template.html},
        ],
        "custom_args": {"issue": template.issue_key or "issue", BATCH_ARG: batch_key or "-"},
    }
    if headers:
        body["headers"] = headers
    if "Reply-To" in template.headers:
        reply_name, reply_address = email.utils.parseaddr(template.headers["Reply-To"])
        body["reply_to"] = _address(reply_address, reply_name)
    if backend.categories:
        body["categories"] = backend.categories[:10]
    if backend.sandbox_mode:
        body["mail_settings"] = {"sandbox_mode": {"enable": True}}
    return body


def _personalization(recipient: Recipient) -> dict[str, Any]:
    entry: dict[str, Any] = {"to": [_address(recipient.email, recipient.name)]}
    if recipient.values:
        entry["substitutions"] = dict(recipient.values)
    if recipient.headers:
        entry["headers"] = {k: header_safe(v) for k, v in recipient.headers.items()}
    return entry


def _address(address: str, name: str | None) -> dict[str, str]:
    found = {"email": address}
    # SendGrid refuses ";" and "," in names; they are separators in its parser.
    clean = header_safe((name or "").replace(";", " ").replace(",", " "))
    if clean:
        found["name"] = clean
    return found
