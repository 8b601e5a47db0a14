"""The doctor's SMTP check against a real aiosmtpd server with STARTTLS and AUTH: it logs in
and quits, sends nothing, and names a refused login."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from newsletter.cli import cli
from tests.delivery.conftest import SmtpSink, start_smtp
from tests.delivery.test_smtp import certificate, server_context

__all__ = ["certificate"]  # the fixture, used by name below

CONFIG = """\
newsletter:
  sender: "Lab papers <papers@lab.test>"
  postal_address: "1 Lab Road, Oslo"
  base_url: "{base_url}"
sources: [{{type: local, name: sample, path: "bundled:sample/hf_daily_papers_2025-10-03.json"}}]
topics: [{{name: Everything, match: {{regex: ["."]}}}}]
delivery:
  backend: smtp
  options:
    host: 127.0.0.1
    port: {port}
    security: starttls
    username_env: DOCTOR_SMTP_USER
    password_env: DOCTOR_SMTP_PASSWORD
    ca_file: "{ca_file}"
    timeout: 5
"""


@pytest.fixture
def smtp(certificate) -> Any:
    sink = SmtpSink()

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        return AuthResult(success=data.password == b"right-password", handled=False)

    controller, port = start_smtp(
        sink,
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    yield sink, port
    controller.stop()


def _smtp_line(workdir: Path, base_url: str, nameserver: str, port: int, ca: Path) -> str:
    config = workdir / "newsletter.yaml"
    config.write_text(CONFIG.format(base_url=base_url, port=port, ca_file=ca))
    result = CliRunner().invoke(
        cli, ["doctor", "--config", str(config), "--nameserver", nameserver], catch_exceptions=False
    )
    (line,) = [line for line in result.output.splitlines() if "delivery smtp" in line]
    return line


def test_smtp_connects_starts_tls_and_logs_in_without_sending(
    workdir: Path, smtp, certificate, base_url: str, nameserver: str, monkeypatch
) -> None:
    sink, port = smtp
    monkeypatch.setenv("DOCTOR_SMTP_USER", "papers")
    monkeypatch.setenv("DOCTOR_SMTP_PASSWORD", "right-password")
    line = _smtp_line(workdir, base_url, nameserver, port, certificate[0])
    assert line == (
        f"ok       delivery smtp 127.0.0.1:{port}: connected, STARTTLS, logged in (nothing sent)"
    )
    assert sink.received == []


def test_a_refused_smtp_login(
    workdir: Path, smtp, certificate, base_url: str, nameserver: str, monkeypatch
) -> None:
    _, port = smtp
    monkeypatch.setenv("DOCTOR_SMTP_USER", "papers")
    monkeypatch.setenv("DOCTOR_SMTP_PASSWORD", "wrong-password")
    line = _smtp_line(workdir, base_url, nameserver, port, certificate[0])
    assert line.startswith(
        f"failure  delivery smtp 127.0.0.1:{port}: SMTP 127.0.0.1:{port} (STARTTLS) refused the "
        "login for 'papers': 535"
    )
    assert line.endswith("; fix delivery.options or the credentials")
    assert "wrong-password" not in line
