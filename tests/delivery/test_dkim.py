"""DKIM: messages the smtp backend sends, as aiosmtpd received them, verify with dkimpy
against the public key a DNS TXT record would publish."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import dkim
import pytest
import yaml

from newsletter.config import load_config
from newsletter.delivery import get_backend
from newsletter.delivery.dkim_signing import DkimSigner
from newsletter.delivery.smtp import SmtpBackend
from newsletter.errors import ConfigError
from tests.conftest import SHIPPED_CONFIG
from tests.delivery.helpers import readers, segment_message

SELECTOR, DOMAIN = "news2026", "example.org"


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    """A 2048-bit RSA key made with openssl, and its DNS TXT record value."""
    folder = tmp_path_factory.mktemp("dkim")
    private = folder / "private.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(private), "2048"], check=True,
                   capture_output=True)  # fmt: skip
    der = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    record = f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"
    return private.read_bytes(), record


def dns_with(record: str):  # type: ignore[no-untyped-def]
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record.encode() if name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode() else None

    return lookup


def test_received_messages_verify_and_sign_the_unsubscribe_headers(smtp_server, key_pair) -> None:
    sink, port = smtp_server
    private, record = key_pair
    signer = DkimSigner(DOMAIN, SELECTOR, private)
    with SmtpBackend("127.0.0.1", port, security="none", timeout=5, dkim=signer) as backend:
        results = backend.send_segment(segment_message(), readers(3))
    assert [r.status for r in results] == ["sent"] * 3
    assert len(sink.raw) == 3
    for raw in sink.raw:
        assert dkim.verify(raw, dnsfunc=dns_with(record))
        signature = dkim.DKIM(raw)
        signature.verify(dnsfunc=dns_with(record))
        tags = dict(
            part.strip().split("=", 1)
            for part in raw.split(b"DKIM-Signature:", 1)[1].split(b"\r\n\r\n")[0]
            .decode().replace("\r\n", "").split(";") if "=" in part
        )  # fmt: skip
        assert tags["c"] == "relaxed/relaxed"
        assert tags["d"] == DOMAIN and tags["s"] == SELECTOR
        signed = {h.strip().lower() for h in tags["h"].split(":")}
        assert {"from", "to", "subject", "date", "message-id", "list-id"} <= signed
        assert {"list-unsubscribe", "list-unsubscribe-post"} <= signed


def test_a_changed_message_no_longer_verifies(smtp_server, key_pair) -> None:
    sink, port = smtp_server
    private, record = key_pair
    signer = DkimSigner(DOMAIN, SELECTOR, private)
    with SmtpBackend("127.0.0.1", port, security="none", timeout=5, dkim=signer) as backend:
        backend.send_segment(segment_message(), readers(1))
    raw = sink.raw[0]
    assert dkim.verify(raw, dnsfunc=dns_with(record))
    forged = raw.replace(b"unsubscribe/token-for-", b"unsubscribe/forged-for-", 1)
    assert forged != raw
    assert not dkim.verify(forged, dnsfunc=dns_with(record))
    other_key = dns_with(record.replace(record[-40:-20], "A" * 20))
    assert not dkim.verify(raw, dnsfunc=other_key)


def test_unsigned_without_dkim_config(smtp_server) -> None:
    sink, port = smtp_server
    with SmtpBackend("127.0.0.1", port, security="none", timeout=5) as backend:
        backend.send_segment(segment_message(), readers(1))
    assert b"DKIM-Signature" not in sink.raw[0]


def smtp_config(folder: Path, port: int) -> Path:
    """The shipped config, delivering by SMTP to ``port`` with DKIM on."""
    raw = yaml.safe_load(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    raw["delivery"] = {
        "backend": "smtp",
        "options": {
            "host": "127.0.0.1", "port": port, "security": "none",
            "dkim": {"domain": DOMAIN, "selector": SELECTOR, "private_key_env": "TEST_DKIM_KEY"},
        },
    }  # fmt: skip
    config = folder / "newsletter.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return config


def test_the_config_turns_signing_on(smtp_server, key_pair, tmp_path, monkeypatch) -> None:
    sink, port = smtp_server
    private, record = key_pair
    monkeypatch.setenv("TEST_DKIM_KEY", private.decode())
    with get_backend(load_config(smtp_config(tmp_path, port))) as backend:
        backend.send_segment(segment_message(), readers(1))
    assert dkim.verify(sink.raw[0], dnsfunc=dns_with(record))


def test_a_missing_key_is_a_config_error_naming_the_variable(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TEST_DKIM_KEY", raising=False)
    with pytest.raises(ConfigError) as caught:
        load_config(smtp_config(tmp_path, 2525))
    message = str(caught.value)
    assert "delivery.options.dkim.private_key_env" in message
    assert "TEST_DKIM_KEY" in message
