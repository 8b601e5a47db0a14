"""Segments and readers for the delivery tests, built as the pipeline builds them."""

from __future__ import annotations

import datetime as dt

from newsletter.delivery.message import Recipient
from newsletter.models import OutgoingEmail
from newsletter.render.context import PREFERENCES_URL, UNSUBSCRIBE_URL

ISSUE_KEY = "Daily Papers:2025-10-03"


def segment_message(subject: str = "Daily Papers, Fri 03 Oct: 5 papers") -> OutgoingEmail:
    return OutgoingEmail(
        sender="Daily Papers <papers@example.org>",
        to="",
        subject=subject,
        html=(
            "<html><body><h1>Daily Papers</h1><p>Five papers.</p>"
            f'<a href="{UNSUBSCRIBE_URL}">Unsubscribe</a> '
            f'<a href="{PREFERENCES_URL}">Preferences</a></body></html>'
        ),
        text=f"Daily Papers\nFive papers.\nUnsubscribe: {UNSUBSCRIBE_URL}\n",
        message_id="<segment@example.org>",
        date=dt.datetime(2025, 10, 3, 7, 0, tzinfo=dt.UTC),
        headers={"List-Id": "Daily Papers <daily-papers.example.org>"},
        issue_key=ISSUE_KEY,
    )


def unsubscribe_url(email: str) -> str:
    return f"https://papers.example.org/unsubscribe/token-for-{email}"


def reader(email: str, name: str | None = None) -> Recipient:
    url = unsubscribe_url(email)
    return Recipient(
        email=email,
        name=name,
        values={UNSUBSCRIBE_URL: url, PREFERENCES_URL: url.replace("unsubscribe", "prefs")},
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def readers(count: int, domain: str = "example.org") -> list[Recipient]:
    return [reader(f"reader{i:05d}@{domain}") for i in range(count)]
