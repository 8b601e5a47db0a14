"""A working setup for the doctor, all on 127.0.0.1: a fake SendGrid, a DNS server made with
dnslib holding the sender domain's records, a web server at base_url, a SQLite database that
has seen one run."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSServer

from tests.fakes.sendgrid_server import FakeSendGrid

DOMAIN = "lab.test"
RECORDS = {
    f"{DOMAIN}.": "v=spf1 include:sendgrid.net ~all",
    f"s1._domainkey.{DOMAIN}.": "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
    f"_dmarc.{DOMAIN}.": "v=DMARC1; p=none; rua=mailto:dmarc@lab.test",
}


class ZoneResolver(BaseResolver):  # type: ignore[misc]
    """TXT answers from a dict; any other name does not exist."""

    def __init__(self, records: dict[str, str]) -> None:
        self.records = records

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        name = str(request.q.qname)
        if name in self.records and request.q.qtype == QTYPE.TXT:
            reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT(self.records[name]), ttl=60))
        elif name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


class QuietLogger:
    def __getattr__(self, _name: str) -> Any:
        return lambda *args, **kwargs: None


@pytest.fixture
def dns_records() -> dict[str, str]:
    return dict(RECORDS)


@pytest.fixture
def nameserver(dns_records: dict[str, str]) -> Iterator[str]:
    server = DNSServer(ZoneResolver(dns_records), port=0, address="127.0.0.1", logger=QuietLogger())
    server.start_thread()
    yield f"127.0.0.1:{server.server.server_address[1]}"
    server.stop()
    server.server.server_close()


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    fake = FakeSendGrid(key="SG.right-key").start()
    yield fake
    fake.stop()


CONFIG = """\
newsletter:
  name: Lab papers
  sender: "Lab papers <papers@lab.test>"
  postal_address: "1 Lab Road, Oslo"
  base_url: "{base_url}"
  dkim_selector: s1
sources:
  - type: local
    name: sample
    path: bundled:sample/hf_daily_papers_2025-10-03.json
{extra_sources}topics:
  - name: Everything
    match: {{regex: ["."]}}
subscribers:
  - email: ada@example.org
delivery:
  backend: sendgrid
  options:
    api_key_env: DOCTOR_SG_KEY
    host: "{sendgrid}"
    max_retries: 0
database: "{database}"
"""


@pytest.fixture
def write_config(
    workdir: Path, base_url: str, sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> Any:
    monkeypatch.setenv("DOCTOR_SG_KEY", "SG.right-key")

    def write(extra_sources: str = "", database: str | None = None) -> Path:
        path = workdir / "newsletter.yaml"
        path.write_text(
            CONFIG.format(
                base_url=base_url,
                sendgrid=sendgrid.url,
                extra_sources=extra_sources,
                database=database or f"sqlite:///{workdir / 'newsletter.db'}",
            )
        )
        return path

    return write
