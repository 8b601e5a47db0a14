"""The two emails the web app sends: the confirmation link, or (for a reader who is already
subscribed) the link to their preferences. Both go through the configured delivery backend.

They are sent after the response, so the page cannot reveal by its timing which one was
sent, or whether one was sent at all.
"""

from __future__ import annotations

import datetime as dt
import logging

from newsletter.delivery.message import make_message_id, sender_domain
from newsletter.models import OutgoingEmail
from newsletter.store.audience import reader_row_id
from newsletter.web.context import WebContext
from newsletter.web.subscriptions import RequestOutcome

log = logging.getLogger(__name__)


def subscription_email(
    web: WebContext, email: str, reader_id: int, outcome: RequestOutcome
) -> OutgoingEmail:
    n = web.loaded.model.newsletter
    if outcome is RequestOutcome.CONFIRM:
        link = f"{web.base_url}/confirm/{web.signer.sign(reader_id, 'confirm')}"
        name, subject = "confirm_email", f"Confirm your subscription to {n.name}"
    else:
        link = f"{web.base_url}/preferences/{web.signer.sign(reader_id, 'preferences')}"
        name, subject = "already_email", f"You are already subscribed to {n.name}"
    return OutgoingEmail(
        sender=n.sender,
        to=email,
        subject=subject,
        html=web.pages.text(f"{name}.html", link=link),
        text=web.pages.text(f"{name}.txt", link=link),
        message_id=make_message_id(sender_domain(n.sender)),
        date=dt.datetime.now(dt.UTC),
        headers={"Auto-Submitted": "auto-generated"},
        issue_key="subscriptions",
    )


def send_subscription_email(web: WebContext, email: str, outcome: RequestOutcome) -> None:
    """Send and log the outcome; a failure is logged, never shown to the visitor."""
    if outcome is RequestOutcome.SUPPRESSED:
        return
    reader_id = reader_row_id(web.engine, web.listed, email)
    if reader_id is None:  # removed between the page and now: nobody to write to
        return
    message = subscription_email(web, email, reader_id, outcome)
    try:
        with web.backend_factory() as backend:
            results = backend.send_messages([message])
    except Exception:  # the visitor already has their page; the operator needs the log
        log.exception("could not send the %s email", outcome.value)
        return
    for result in results:
        if result.status != "sent":
            log.error("could not send the %s email: %s", outcome.value, result.detail)
