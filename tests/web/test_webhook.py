"""SendGrid's Event Webhook: SendGrid's published example bodies, signed with a test key."""

from __future__ import annotations

import base64
import copy
import json
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from newsletter.models import SubscriberStatus
from newsletter.readers import config_subscribers
from newsletter.store.audience import mailing_list
from newsletter.store.events import judge_event
from newsletter.store.subscribers import get_subscriber, set_status, upsert_subscriber

EXAMPLES = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "sendgrid" / "events_example.json").read_text()
)
KEY_ENV = "SENDGRID_WEBHOOK_PUBLIC_KEY"
URL = "/webhooks/sendgrid"


class Signer:
    """Signs bodies the way SendGrid does: ECDSA P-256 over timestamp + body, base64 DER."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())

    @property
    def public_key(self) -> str:
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()

    def headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
            "Content-Type": "application/json",
        }


@pytest.fixture(autouse=True)
def signer(monkeypatch) -> Signer:
    made = Signer()
    monkeypatch.setenv(KEY_ENV, made.public_key)  # before the app starts (autouse runs first)
    return made


def post(client, signer: Signer, events, timestamp: int | None = None):
    body = json.dumps(events).encode()
    return client.post(URL, content=body, headers=signer.headers(body, timestamp))


def status_of(engine, email: str) -> SubscriberStatus:
    reader = get_subscriber(engine, email)
    assert reader is not None, email
    return reader.status


def test_all_event_types_example_is_accepted_and_applied(client, engine, signer) -> None:
    answer = post(client, signer, EXAMPLES["all_event_types"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "received": 12,
        "stops": 5,  # dropped, bounce, spamreport, unsubscribe, group_unsubscribe
        "changed": 2,  # dropped -> bounced, then spamreport -> complained
        "duplicates": 1,  # the blocked bounce repeats the bounce's sg_event_id
        "soft_bounces": 1,  # deferred: counted, not a stop
        "ignored": 5,  # processed, delivered, open, click, group_resubscribe
        "malformed": 0,
    }
    # The strongest stop wins: a later unsubscribe does not soften a spam complaint.
    assert status_of(engine, "example@test.com") is SubscriberStatus.COMPLAINED


def test_each_event_type_maps_to_the_right_status(client, engine, signer) -> None:
    events = copy.deepcopy(EXAMPLES["all_event_types"])
    for index, event in enumerate(events):
        event["email"] = f"r{index}@example.org"
        upsert_subscriber(engine, event["email"])
    assert post(client, signer, events).status_code == 200
    got = {e["event"] + "/" + e.get("type", ""): status_of(engine, e["email"]) for e in events}
    stopped = {k: v.value for k, v in got.items() if v is not SubscriberStatus.ACTIVE}
    assert stopped == {
        "dropped/": "bounced",
        "bounce/bounce": "bounced",
        "spamreport/": "complained",
        "unsubscribe/": "unsubscribed",
        "group_unsubscribe/": "unsubscribed",
    }


def test_suppressed_yaml_reader_is_never_mailed_again(client, engine, loaded, signer) -> None:
    event = dict(EXAMPLES["all_event_types"][4], email="ada@example.org")  # a hard bounce
    assert post(client, signer, [event]).json()["changed"] == 1
    assert mailing_list(loaded.model.database.url, config_subscribers(loaded)) == []


def test_other_examples_are_accepted_and_change_nothing(client, engine, signer) -> None:
    for name in (
        "click_with_unique_arg_url_offset_newsletter",
        "categories_array_and_string",
        "processed_with_ip_pool",
    ):
        answer = post(client, signer, EXAMPLES[name])
        assert answer.status_code == 200
        assert answer.json()["changed"] == 0
    assert get_subscriber(engine, "john.doe@sendgrid.com") is None


def test_wrong_signature_stale_timestamp_and_unsigned_are_rejected(client, engine, signer):
    events = EXAMPLES["all_event_types"]
    body = json.dumps(events).encode()
    stranger = Signer()
    now = int(time.time())
    attempts = {
        "other key": (body, stranger.headers(body)),
        "body changed after signing": (
            body.replace(b"example@test.com", b"x@test.com"),
            signer.headers(body),
        ),
        "stale": (body, signer.headers(body, now - 3600)),
        "from the future": (body, signer.headers(body, now + 3600)),
        "garbage signature": (
            body,
            {**signer.headers(body), "X-Twilio-Email-Event-Webhook-Signature": "%%%"},
        ),
    }
    for what, (content, headers) in attempts.items():
        answer = client.post(URL, content=content, headers=headers)
        assert answer.status_code == 403, what
    assert client.post(URL, content=body).status_code == 401
    assert get_subscriber(engine, "example@test.com") is None  # nothing was applied
    assert get_subscriber(engine, "x@test.com") is None


def test_replayed_request_changes_nothing(client, engine, signer) -> None:
    body = json.dumps(EXAMPLES["all_event_types"]).encode()
    headers = signer.headers(body)
    assert client.post(URL, content=body, headers=headers).json()["changed"] == 2
    set_status(engine, "example@test.com", SubscriberStatus.ACTIVE)  # say, support re-enabled
    replay = client.post(URL, content=body, headers=headers)
    assert replay.status_code == 200
    assert replay.json()["changed"] == 0 and replay.json()["duplicates"] == 12
    assert status_of(engine, "example@test.com") is SubscriberStatus.ACTIVE


def test_signed_body_that_is_not_an_event_array_is_refused(client, signer) -> None:
    for body in (b"not json", b'{"event": "bounce"}'):
        assert client.post(URL, content=body, headers=signer.headers(body)).status_code == 400


def stops(event: dict[str, str]) -> SubscriberStatus | None:
    verdict = judge_event(event)
    return None if verdict is None else verdict.status


def test_dropped_reasons_say_what_happened() -> None:
    assert stops({"event": "dropped", "reason": "Unsubscribed Address"}) == (
        SubscriberStatus.UNSUBSCRIBED
    )
    assert stops({"event": "dropped", "reason": "Spam Reporting Address"}) == (
        SubscriberStatus.COMPLAINED
    )
    assert stops({"event": "dropped", "reason": "Bounced Address"}) == SubscriberStatus.BOUNCED
    assert stops({"event": "dropped", "reason": "Invalid"}) == SubscriberStatus.BOUNCED
    assert stops({"event": "bounce", "type": "bounce", "status": "5.1.1"}) == (
        SubscriberStatus.BOUNCED
    )
    for soft in (
        {"event": "bounce", "type": "blocked"},
        {"event": "deferred"},
        {"event": "bounce", "type": "bounce", "status": "5.2.2", "reason": "mailbox full"},
        {"event": "bounce", "type": "bounce", "status": "4.2.2"},
    ):
        verdict = judge_event(soft)
        assert verdict is not None and verdict.soft and verdict.status is None, soft
    assert judge_event({"event": "open"}) is None
