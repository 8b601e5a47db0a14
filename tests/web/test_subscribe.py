"""Double opt-in through the real server: the form, the confirmation email, the link."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import httpx
import pytest

from newsletter.delivery import MemoryBackend
from newsletter.models import SubscriberStatus
from newsletter.store.subscribers import get_subscriber, set_status, upsert_subscriber
from newsletter.web import create_app
from tests.web.conftest import csrf_token, link_in, outbox_files, outbox_mail

AGENTS = "Agents and tool use"


def test_form_lists_every_topic_with_its_description(client, loaded) -> None:
    page = client.get("/subscribe")
    assert page.status_code == 200
    for topic in loaded.model.topics:
        assert f'value="{topic.name}"' in page.text
        assert topic.description in page.text
    assert 'value="More papers"' in page.text  # the catch-all can be chosen too
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "nl_csrf=" in page.headers["set-cookie"]


def test_subscribe_then_confirm_activates_with_chosen_topics(
    client, loaded, engine, subscribe
) -> None:
    answer = subscribe("new@example.org", [AGENTS])
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    pending = get_subscriber(engine, "new@example.org")
    assert pending is not None and pending.status is SubscriberStatus.PENDING

    mail = outbox_mail(loaded, "new@example.org")
    assert mail.message["Subject"] == "Confirm your subscription to Daily Papers"
    link = link_in(mail, "confirm")
    assert link in mail.html
    page = client.get(urlsplit(link).path)  # a mail scanner's GET changes nothing
    assert page.status_code == 200 and "Confirm your subscription" in page.text
    still = get_subscriber(engine, "new@example.org")
    assert still is not None and still.status is SubscriberStatus.PENDING
    confirmed = client.post(urlsplit(link).path, data={"csrf_token": csrf_token(page.text)})
    assert confirmed.status_code == 200 and "You are subscribed" in confirmed.text
    assert confirmed.headers["cache-control"] == "no-store"
    active = get_subscriber(engine, "new@example.org")
    assert active is not None and active.status is SubscriberStatus.ACTIVE
    assert active.topics == frozenset({AGENTS})


def test_same_page_whatever_the_address_history(client, loaded, engine, subscribe) -> None:
    upsert_subscriber(engine, "active@example.org", topics=[AGENTS])
    upsert_subscriber(engine, "bounced@example.org")
    set_status(engine, "bounced@example.org", SubscriberStatus.BOUNCED)
    pages = {
        email: subscribe(email, [AGENTS]).text
        for email in (
            "unknown@example.org",
            "active@example.org",
            "bounced@example.org",
            "ada@example.org",
        )
    }
    assert len(set(pages.values())) == 1, "the answer reveals whether an address is known"
    # An active reader is not changed by a stranger, only sent their preferences link.
    active = get_subscriber(engine, "active@example.org")
    assert active is not None and active.status is SubscriberStatus.ACTIVE
    assert "preferences" in link_in(outbox_mail(loaded, "active@example.org"), "preferences")
    assert "already subscribed" in outbox_mail(loaded, "ada@example.org").text
    outbox_mail(loaded, "unknown@example.org")
    assert not outbox_files(loaded, "bounced@example.org"), "a bounced address was mailed"


def test_invalid_input_is_refused_with_a_reason_and_escaped(client, subscribe) -> None:
    bad = subscribe("<script>alert(1)</script>", [AGENTS])
    assert bad.status_code == 400
    assert "not a valid email address" in bad.text
    assert "<script>alert" not in bad.text and "&lt;script&gt;" in bad.text
    assert subscribe("a@example.org", ["No such topic"]).status_code == 400
    none = subscribe("a@example.org", [])
    assert none.status_code == 400 and "at least one topic" in none.text


def test_post_without_a_valid_csrf_token_is_refused(client, engine) -> None:
    client.get("/subscribe")
    missing = client.post("/subscribe", data={"email": "x@example.org", "topics": [AGENTS]})
    forged = client.post(
        "/subscribe", data={"email": "x@example.org", "topics": [AGENTS], "csrf_token": "abc"}
    )
    assert missing.status_code == forged.status_code == 403
    token = csrf_token(client.get("/subscribe").text)
    foreign = client.post(
        "/subscribe",
        data={"email": "x@example.org", "topics": [AGENTS], "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    cross_site = client.post(
        "/subscribe",
        data={"email": "x@example.org", "topics": [AGENTS], "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "null"},
    )
    assert cross_site.status_code == 403
    assert get_subscriber(engine, "x@example.org") is None


@pytest.fixture
def web_settings():
    return {"rate_limit": {"subscribe_per_ip": 4, "subscribe_per_address": 2}}


def test_rate_limits_per_client_and_per_address(loaded, live) -> None:
    sent = MemoryBackend()
    live.start(create_app(loaded, backend_factory=lambda: sent))
    with httpx.Client(base_url=live.url) as client:

        def post(email: str) -> httpx.Response:
            token = csrf_token(client.get("/subscribe").text)
            return client.post(
                "/subscribe", data={"csrf_token": token, "email": email, "topics": [AGENTS]}
            )

        answers = [post("victim@example.org") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert answers[2].text == answers[0].text  # the limit is invisible to the sender
        assert post("other@example.org").status_code == 200
        limited = post("more@example.org")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    deadline = time.monotonic() + 10
    while len(sent.outbox) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    recipients = [m.to for m in sent.outbox]
    assert recipients.count("victim@example.org") == 2  # per-address limit, not 3
    assert "more@example.org" not in recipients


def test_expired_or_tampered_confirmation_link_is_refused(client, loaded, engine, subscribe):
    from tests.web.tokens import expired_token

    subscribe("late@example.org", [AGENTS])
    link = link_in(outbox_mail(loaded, "late@example.org"), "confirm")
    path = urlsplit(link).path
    tampered = client.get(path[:-3] + ("xyz" if not path.endswith("xyz") else "abc"))
    assert tampered.status_code == 400 and "not valid" in tampered.text
    expired = client.get(f"/confirm/{expired_token(engine, 'late@example.org', 'confirm')}")
    assert expired.status_code == 400 and "expired" in expired.text
    pending = get_subscriber(engine, "late@example.org")
    assert pending is not None and pending.status is SubscriberStatus.PENDING
