"""The SendGrid backend against a fake SendGrid on 127.0.0.1 that validates every body
against SendGrid's published schema and limits."""

from __future__ import annotations

import logging

import pytest

from newsletter.delivery.sendgrid import SendGridBackend, SendGridRetryPolicy
from newsletter.errors import DeliveryError
from newsletter.render.context import UNSUBSCRIBE_URL
from tests.delivery.conftest import API_KEY, free_port
from tests.delivery.helpers import ISSUE_KEY, reader, readers, segment_message, unsubscribe_url
from tests.fakes.sendgrid_server import FakeSendGrid


def backend_for(fake: FakeSendGrid, **kwargs) -> tuple[SendGridBackend, list[float]]:
    waits: list[float] = []
    key = kwargs.pop("api_key", fake.key)
    options = {"retry": SendGridRetryPolicy(max_retries=3, backoff_seconds=0.01), **kwargs}
    backend = SendGridBackend(
        key,
        host=fake.url,
        timeout=5,
        sleep=waits.append,
        categories=["daily-papers"],
        **options,
    )
    return backend, waits


def test_one_request_carries_up_to_1000_readers_each_with_own_links(sendgrid_server) -> None:
    backend, _ = backend_for(sendgrid_server)
    results = backend.send_segment(segment_message(), readers(2500))
    assert [r.status for r in results] == ["sent"] * 2500
    assert [len(a.recipients) for a in sendgrid_server.accepted] == [1000, 1000, 500]
    assert sendgrid_server.rejected == []  # every body passed the schema and the limits
    body = sendgrid_server.accepted[0].body
    assert body is not None
    assert body["custom_args"] == {"issue": ISSUE_KEY}
    assert body["categories"] == ["daily-papers"]
    assert body["content"][1]["value"].count(UNSUBSCRIBE_URL) == 1  # shared HTML, sent once
    first = body["personalizations"][0]
    url = unsubscribe_url("reader00000@example.org")
    assert first["to"] == [{"email": "reader00000@example.org"}]
    assert first["substitutions"][UNSUBSCRIBE_URL] == url
    assert first["headers"]["List-Unsubscribe"] == f"<{url}>"
    assert first["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    ids = {r.provider_id for r in results}
    assert ids == {a.message_id for a in sendgrid_server.accepted}  # X-Message-Id recorded


def test_names_with_separators_are_cleaned_so_sendgrid_accepts_them(sendgrid_server) -> None:
    backend, _ = backend_for(sendgrid_server)
    results = backend.send_segment(segment_message(), [reader("ada@example.org", "Lovelace, Ada")])
    assert results[0].status == "sent"
    body = sendgrid_server.accepted[0].body
    assert body is not None
    assert body["personalizations"][0]["to"][0]["name"] == "Lovelace Ada"


def test_429_waits_as_retry_after_says_then_sends(sendgrid_server) -> None:
    sendgrid_server.faults += ["429:7", "429-reset:30"]
    backend, waits = backend_for(sendgrid_server)
    results = backend.send_segment(segment_message(), readers(3))
    assert [r.status for r in results] == ["sent"] * 3
    assert waits[0] == 7.0
    assert 28 <= waits[1] <= 30  # from X-RateLimit-Reset, a Unix time
    assert backend.requests == 3 and len(sendgrid_server.accepted) == 1


def test_5xx_and_dropped_connections_back_off_with_jitter_then_succeed(sendgrid_server) -> None:
    sendgrid_server.faults += ["500", "drop", "500-html"]
    backend, waits = backend_for(sendgrid_server, retry=SendGridRetryPolicy(5, 1.0, 60))
    results = backend.send_segment(segment_message(), readers(2))
    assert [r.status for r in results] == ["sent", "sent"]
    assert len(waits) == 3
    for attempt, wait in enumerate(waits):  # bounded, growing, jittered
        assert 2**attempt / 2 <= wait <= 2**attempt
    assert sendgrid_server.delivered() == [r.email for r in readers(2)]


def test_retries_are_bounded_and_a_non_json_error_body_is_quoted(sendgrid_server) -> None:
    sendgrid_server.faults += ["500-html"] * 4
    backend, waits = backend_for(sendgrid_server)
    with pytest.raises(DeliveryError, match="answered 500: <html><body>Bad gateway") as caught:
        backend.send_segment(segment_message(), readers(1))
    assert "after 3 retries" in str(caught.value)
    assert len(waits) == 3 and sendgrid_server.accepted == []


def test_wrong_key_stops_with_sendgrids_message_and_never_the_key(sendgrid_server) -> None:
    backend, waits = backend_for(sendgrid_server, api_key="SG.wrong-secret-key")
    with pytest.raises(DeliveryError) as caught:
        backend.send_segment(segment_message(), readers(1))
    message = str(caught.value)
    assert "answered 401: The provided authorization grant is invalid" in message
    assert "SG.wrong-secret-key" not in message and waits == []  # 401 is not retried


def test_a_rejected_batch_fails_alone_quoting_the_field(sendgrid_server) -> None:
    backend, _ = backend_for(sendgrid_server, batch_size=2)
    batch = [reader("ok1@example.org"), reader("not-an-address"), reader("ok2@example.org")]
    results = backend.send_segment(segment_message(), batch)
    assert [r.status for r in results] == ["failed", "failed", "sent"]
    assert "answered 400" in results[0].detail
    assert "personalizations.1.to.0.email" in results[0].detail
    assert sendgrid_server.delivered() == ["ok2@example.org"]


def test_slow_answers_within_the_timeout_are_waited_for(sendgrid_server) -> None:
    sendgrid_server.faults += ["slow:0.3"]
    backend, waits = backend_for(sendgrid_server)
    assert backend.send_segment(segment_message(), readers(1))[0].status == "sent"
    assert waits == []


def test_a_timeout_is_an_error_naming_the_host() -> None:
    fake = FakeSendGrid(key=API_KEY).start()
    fake.faults += ["slow:1.5"]
    try:
        backend = SendGridBackend(
            API_KEY, host=fake.url, timeout=0.3, retry=SendGridRetryPolicy(max_retries=0)
        )
        with pytest.raises(DeliveryError, match=r"cannot reach SendGrid at http://127\.0\.0\.1"):
            backend.send_segment(segment_message(), readers(1))
    finally:
        fake.stop()


def test_refused_connection_is_translated_after_bounded_retries() -> None:
    port = free_port()  # nothing listens here
    waits: list[float] = []
    backend = SendGridBackend(
        API_KEY,
        host=f"http://127.0.0.1:{port}",
        retry=SendGridRetryPolicy(2, 0.01),
        sleep=waits.append,
    )
    with pytest.raises(DeliveryError, match=f"cannot reach SendGrid at http://127.0.0.1:{port}"):
        backend.send_segment(segment_message(), readers(1))
    assert len(waits) == 2


def test_sandbox_mode_is_sent_and_nothing_is_delivered(sendgrid_server) -> None:
    backend, _ = backend_for(sendgrid_server, sandbox_mode=True)
    assert backend.send_segment(segment_message(), readers(2))[0].status == "sent"
    body = sendgrid_server.accepted[0].body
    assert body is not None and body["mail_settings"] == {"sandbox_mode": {"enable": True}}
    assert sendgrid_server.delivered() == []


def test_debug_logging_never_shows_the_key(sendgrid_server, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    backend, _ = backend_for(sendgrid_server)
    backend.send_segment(segment_message(), readers(1))
    assert API_KEY not in caplog.text
