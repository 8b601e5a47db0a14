"""The SendGrid backend against a fake SendGrid on 127.0.0.1 that validates every body
against SendGrid's published schema and limits."""

from __future__ import annotations

import logging

import pytest

from newsletter.delivery.sendgrid import (
    BATCH_ARG,
    SendGridBackend,
    SendGridRetryPolicy,
    find_accepted,
)
from newsletter.errors import DeliveryError
from newsletter.render.context import UNSUBSCRIBE_URL
from tests.delivery.conftest import API_KEY, free_port
from tests.delivery.helpers import ISSUE_KEY, reader, readers, segment_message, unsubscribe_url
from tests.fakes.sendgrid_server import FakeSendGrid


def backend_for(fake: FakeSendGrid, **kwargs) -> tuple[SendGridBackend, list[float]]:
    waits: list[float] = []
    key = kwargs.pop("api_key", fake.key)
    options = {"retry": SendGridRetryPolicy(max_retries=3, backoff_seconds=0.01), **kwargs}
    options.setdefault("timeout", 5)
    backend = SendGridBackend(
        key, host=fake.url, sleep=waits.append, categories=["daily-papers"], **options
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
    assert body["custom_args"]["issue"] == ISSUE_KEY
    keys = {a.custom_args[BATCH_ARG] for a in sendgrid_server.accepted}
    assert len(keys) == 3  # each request carries its own key, for the activity API
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


def test_5xx_and_429_back_off_with_jitter_then_succeed(sendgrid_server) -> None:
    sendgrid_server.faults += ["500", "500-html", "503", "429:1"]
    backend, waits = backend_for(sendgrid_server, retry=SendGridRetryPolicy(5, 1.0, 60))
    results = backend.send_segment(segment_message(), readers(2))
    assert [r.status for r in results] == ["sent", "sent"]
    assert len(waits) == 4
    for attempt, wait in enumerate(waits[:3]):  # bounded, growing, jittered
        assert 2**attempt / 2 <= wait <= 2**attempt
    assert waits[3] == 1  # as Retry-After said
    assert sendgrid_server.delivered() == [r.email for r in readers(2)]
    assert backend.retries == {"5xx": 3, "429": 1}
    assert backend.waited_seconds == pytest.approx(sum(waits))


@pytest.mark.parametrize("fault", ["accept-drop", "accept-late:1.5", "drop"])
def test_a_lost_answer_is_in_doubt_and_never_resent(sendgrid_server, fault: str) -> None:
    # SendGrid may have accepted the batch: a retry could mail every reader in it twice.
    sendgrid_server.faults += [fault]
    backend, waits = backend_for(sendgrid_server, timeout=0.5, batch_size=2)
    results = backend.send_segment(segment_message(), readers(4))
    assert [r.status for r in results] == ["in_doubt", "in_doubt", "sent", "sent"]
    assert waits == [] and backend.requests == 2  # not retried
    accepted_first = 0 if fault == "drop" else 2
    assert len(sendgrid_server.delivered()) == accepted_first + 2
    assert len(set(sendgrid_server.delivered())) == len(sendgrid_server.delivered())
    assert "newsletter deliveries resolve" in results[0].detail
    key = results[0].provider_id
    assert key is not None and key.startswith("batch:")
    found = find_accepted(backend, key.removeprefix("batch:"))
    assert found == ({r.email for r in readers(2)} if accepted_first else set())


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


def test_a_timeout_waiting_for_the_answer_is_in_doubt_naming_the_cause() -> None:
    fake = FakeSendGrid(key=API_KEY).start()
    fake.faults += ["slow:1.5"]
    try:
        backend = SendGridBackend(
            API_KEY, host=fake.url, timeout=0.3, retry=SendGridRetryPolicy(max_retries=0)
        )
        [result] = backend.send_segment(segment_message(), readers(1))
        assert result.status == "in_doubt"
        assert "TimeoutError" in result.detail
    finally:
        fake.stop()


def test_the_activity_api_missing_from_the_account_says_so(sendgrid_server) -> None:
    sendgrid_server.activity_api = False
    backend, _ = backend_for(sendgrid_server)
    with pytest.raises(DeliveryError, match=r"answered 403.*Email Activity add-on"):
        find_accepted(backend, "some-batch")


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
