"""Route: SendGrid's Event Webhook, signed with ECDSA (P-256, SHA-256).

Order matters: the signature over timestamp + raw body is checked with sendgrid's
``EventWebhook`` helper before the body is parsed, and the timestamp must be recent, so a
captured request cannot be replayed later; within the window, repeated ``sg_event_id``s are
ignored by the store. Answers: 200 with counts; 401 unsigned; 403 bad signature or stale;
400 not a JSON array; 413 too large; 503 when no public key is configured.
"""

from __future__ import annotations

import binascii
import json
import logging

from cryptography.hazmat.primitives.asymmetric import ec
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from newsletter.errors import ConfigError
from newsletter.store.events import BouncePolicy, apply_events, prune_events
from newsletter.web.context import WebContext, web_context

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 8 * 1024 * 1024  # SendGrid batches up to about 1 MB; leave room
PRUNE_EVERY_SECONDS = 3600


def load_public_key(value: str, env_name: str) -> ec.EllipticCurvePublicKey:
    """The key as SendGrid shows it (base64 DER, no PEM armour), checked at startup."""
    problem = (
        f"${env_name} is not a valid SendGrid webhook public key (copy the verification key "
        "from Settings > Mail Settings > Event Webhook > Signature Verification)"
    )
    try:
        key = EventWebhook().convert_public_key_to_ecdsa(value.strip())
    except (ValueError, TypeError) as exc:
        raise ConfigError(problem) from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigError(problem + ": it is not an elliptic-curve key")
    return key


def _refuse(status: int, reason: str) -> Response:
    log.warning("webhook request refused: %s", reason)
    return JSONResponse({"error": reason}, status)


def signature_problem(web: WebContext, request: Request, body: bytes) -> Response | None:
    signature = request.headers.get(EventWebhookHeader.SIGNATURE)
    timestamp = request.headers.get(EventWebhookHeader.TIMESTAMP)
    if not signature or not timestamp:
        return _refuse(401, "unsigned request")
    if not timestamp.isdigit() or len(timestamp) > 12:
        return _refuse(403, "bad timestamp")
    age = web.clock() - int(timestamp)
    if abs(age) > web.loaded.model.web.webhook_max_age_seconds:
        return _refuse(403, "stale timestamp")
    try:
        payload = body.decode("utf-8")
        valid = EventWebhook().verify_signature(payload, signature, timestamp, web.webhook_key)
    except (UnicodeDecodeError, binascii.Error, ValueError, TypeError):
        valid = False
    return None if valid else _refuse(403, "bad signature")


async def _bounded_body(request: Request) -> bytes | None:
    """The raw body, or ``None`` as soon as it passes ``MAX_BODY_BYTES``."""
    length = request.headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def sendgrid_events(request: Request) -> Response:
    web = web_context(request)
    if web.webhook_key is None:
        env = web.loaded.model.web.sendgrid_webhook_key_env
        return _refuse(503, f"webhook not configured: set ${env} to the verification key")
    body = await _bounded_body(request)
    if body is None:
        return _refuse(413, "body too large")
    problem = signature_problem(web, request, body)
    if problem is not None:
        return problem
    try:
        events = json.loads(body)
    except ValueError:
        return _refuse(400, "body is not JSON")
    if not isinstance(events, list):
        return _refuse(400, "body is not a JSON array of events")
    readers = web.loaded.model.readers
    policy = BouncePolicy(readers.soft_bounce_limit, readers.soft_bounce_window_days)
    report = await run_in_threadpool(apply_events, web.engine, events, policy)
    if web.clock() - web.pruned_at > PRUNE_EVERY_SECONDS:
        web.pruned_at = web.clock()
        await run_in_threadpool(prune_events, web.engine)
    log.info("webhook: %s", report.as_dict())
    return JSONResponse(report.as_dict())
