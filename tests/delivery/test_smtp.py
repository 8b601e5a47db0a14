"""The SMTP backend against a real aiosmtpd server: plain, STARTTLS and implicit TLS."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from newsletter.delivery.message import expand
from newsletter.delivery.smtp import SmtpBackend
from newsletter.errors import DeliveryError
from tests.delivery.conftest import SmtpSink, free_port, start_smtp
from tests.delivery.helpers import reader, readers, segment_message, unsubscribe_url


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def test_one_connection_serves_the_whole_batch(smtp_server) -> None:
    sink, port = smtp_server
    backend = SmtpBackend("127.0.0.1", port, security="none", timeout=5)
    with backend:
        for _ in range(3):  # the pipeline's batches
            results = backend.send_segment(segment_message(), readers(10))
            assert {r.status for r in results} == {"sent"}
    assert backend.connections_opened == 1
    assert len(sink.received) == 30
    rcpts, message = sink.received[0]
    assert rcpts == ["reader00000@example.org"]
    assert message["List-Unsubscribe"] == f"<{unsubscribe_url('reader00000@example.org')}>"


def test_a_refused_recipient_fails_alone(smtp_server) -> None:
    sink, port = smtp_server
    sink.refuse.add("gone@example.org")
    backend = SmtpBackend("127.0.0.1", port, security="none", timeout=5)
    batch = [reader("a@example.org"), reader("gone@example.org"), reader("b@example.org")]
    results = backend.send_segment(segment_message(), batch)
    assert [r.status for r in results] == ["sent", "failed", "sent"]
    assert results[1].detail.startswith("550 5.1.1")
    assert sink.recipients() == ["a@example.org", "b@example.org"]


def test_a_dropped_connection_is_reopened() -> None:
    sink = SmtpSink()
    controller, port = start_smtp(sink)
    backend = SmtpBackend("127.0.0.1", port, security="none", timeout=5)
    try:
        with backend:
            backend.send_segment(segment_message(), [reader("a@example.org")])
            controller.stop()  # the server goes away and comes back on the same port
            controller = _restart(sink, port)
            result = backend.send_segment(segment_message(), [reader("b@example.org")])
    finally:
        controller.stop()
    assert result[0].status == "sent"
    assert sink.recipients() == ["a@example.org", "b@example.org"]
    assert backend.connections_opened == 2


def _restart(sink: SmtpSink, port: int) -> Controller:
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def test_starttls_with_login(certificate) -> None:
    sink = SmtpSink()
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"right-password", handled=False)

    controller, port = start_smtp(
        sink,
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    try:
        good = SmtpBackend(
            "127.0.0.1", port, security="starttls", username="papers",
            password="right-password", ca_file=certificate[0], timeout=5,
        )  # fmt: skip
        assert good.send_segment(segment_message(), [reader("a@example.org")])[0].status == "sent"
        bad = SmtpBackend(
            "127.0.0.1", port, security="starttls", username="papers",
            password="wrong-password", ca_file=certificate[0], timeout=5,
        )  # fmt: skip
        with pytest.raises(DeliveryError, match="refused the login for 'papers'") as caught:
            bad.send_segment(segment_message(), [reader("b@example.org")])
        assert "wrong-password" not in str(caught.value)
    finally:
        controller.stop()
    assert logins[0] == (b"papers", b"right-password")
    assert sink.recipients() == ["a@example.org"]


def test_implicit_tls(certificate) -> None:
    sink = SmtpSink()
    controller, port = start_smtp(sink, ssl_context=server_context(certificate))
    try:
        backend = SmtpBackend("127.0.0.1", port, security="tls", ca_file=certificate[0], timeout=5)
        message = expand(segment_message(), reader("a@example.org"))
        assert backend.send_messages([message])[0].status == "sent"
    finally:
        controller.stop()
    assert sink.recipients() == ["a@example.org"]


def test_nothing_listening_is_an_error_naming_host_and_port() -> None:
    port = free_port()
    backend = SmtpBackend("127.0.0.1", port, security="none", timeout=2)
    with pytest.raises(DeliveryError, match=f"cannot connect to SMTP 127.0.0.1:{port}"):
        backend.send_segment(segment_message(), [reader("a@example.org")])


def test_a_reply_lost_after_data_is_in_doubt_and_never_resent(smtp_server) -> None:
    # The server kept message 2, then hung up before its 250: a retry would mail it twice.
    sink, port = smtp_server
    sink.lose_reply = lambda number: number == 2
    backend = SmtpBackend("127.0.0.1", port, security="none", timeout=5)
    with backend:
        results = backend.send_segment(segment_message(), readers(4))
    assert [r.status for r in results] == ["sent", "in_doubt", "sent", "sent"]
    assert "newsletter deliveries resolve" in results[1].detail
    assert sorted(sink.recipients()) == sorted(r.email for r in readers(4))  # once each
    assert backend.connections_opened == 2  # a new connection after the lost one
