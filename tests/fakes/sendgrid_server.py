"""A fake SendGrid v3 Mail Send: a real HTTP server on 127.0.0.1 for tests and benches.

It checks ``Authorization: Bearer <key>``, validates every body against SendGrid's published
schema (tests/fixtures/sendgrid_mail_send.schema.json, Draft 2020-12 with a format checker)
plus the limits the schema cannot express (1,000 recipients per request, unique addresses
per personalization, 30 MB, custom_args and substitutions sizes, reserved headers, ``;``/``,``
in names), answers 202 with an ``X-Message-Id`` and records what it accepted.
``GET /v3/scopes`` lists ``scopes`` for the right key (401 otherwise).

Faults, queued for the next requests: ``"429:<seconds>"`` (Retry-After), ``"429-reset:<s>"``
(only X-RateLimit-Reset), ``"401"``, ``"500"`` / ``"502"`` / ``"503"``, ``"500-html"`` (a
non-JSON body),
``"slow:<seconds>"`` (answers normally after a pause), ``"drop"`` (closes the connection
without an answer, nothing recorded), ``"accept-drop"`` (accepts and records the request,
then closes the connection before the status line: the lost answer), ``"accept-late:<s>"``
(accepts and records it, then answers only after a pause longer than the client waits);
any other word (``"ok"``) answers normally.

The Email Activity API, ``GET /v3/messages?query=...&limit=N``, answers ``{"messages": [...]}``
with ``msg_id``, ``to_email``, ``from_email``, ``subject``, ``status`` ("processed") and
``last_event_time`` for every accepted recipient; the queries it understands are the ones
SendGrid documents for our use: ``unique_args['KEY']="VALUE"`` (a custom_args value),
``to_email="ADDRESS"`` and ``msg_id LIKE 'X-MESSAGE-ID%'``, joined with ``AND``. With
``activity_api=False`` it answers 403 as for an account without the add-on.
Hooks ``before_accept`` / ``after_accept`` get the request number (from 1) and may, for
example, SIGKILL the client, to test crashes at exact points; ``before_accept`` returning
True drops the request unaccepted. ``latency`` adds a fixed pause to every answer.

Run standalone (benches): ``python -m tests.fakes.sendgrid_server --key KEY`` prints the port.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).resolve().parent.parent / "fixtures" / "sendgrid_mail_send.schema.json"
MAX_BYTES = 30 * 1024 * 1024
RESERVED_HEADERS = {
    "x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type",
    "content-transfer-encoding", "to", "from", "subject", "reply-to", "cc", "bcc",
}  # fmt: skip


@dataclass
class Accepted:
    message_id: str
    recipients: list[str]
    body: dict[str, Any] | None  # None when the server keeps only recipients (benches)
    sandbox: bool = False
    custom_args: dict[str, str] = field(default_factory=dict)
    subject: str = ""
    sender: str = ""
    at: float = field(default_factory=time.time)


@dataclass
class FakeSendGrid:
    key: str = "SG.test-key"
    keep_bodies: bool = True
    accepted: list[Accepted] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    requests: int = 0
    latency: float = 0.0  # seconds added to every answer: a stand-in for the network round trip
    busy_seconds: float = 0.0  # time spent answering, latency excluded
    slept_seconds: float = 0.0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    scopes: list[str] = field(default_factory=lambda: ["mail.send", "user.profile.read"])
    before_accept: Callable[[int], bool] | None = None  # True: drop it, not accepted
    after_accept: Callable[[int], None] | None = None
    activity_api: bool = True  # the Email Activity add-on is bought on this account
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        schema = json.loads(SCHEMA.read_text())
        Draft202012Validator.check_schema(schema)
        self.validator = Draft202012Validator(
            schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        # The same schema compiled by a Rust validator: a 1,000-reader body is checked in a
        # fraction of the time, so the benchmark measures our client rather than this fake.
        # Only a body it rejects goes through the Python validator, for SendGrid-like messages.
        self.fast_validator = jsonschema_rs.validator_for(schema, validate_formats=True)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        # A short poll: shutdown() waits for serve_forever to notice (0.5 s by default).
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeSendGrid:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[str]:
        """Every recipient of every accepted (non-sandbox) request, duplicates included."""
        return [r for a in self.accepted if not a.sandbox for r in a.recipients]

    def next_fault(self) -> str | None:
        with self._lock:
            self.requests += 1
            return self.faults.pop(0) if self.faults else None

    def record(self, body: dict[str, Any]) -> str:
        """Keep an accepted request; answers its X-Message-Id."""
        sandbox = bool(body.get("mail_settings", {}).get("sandbox_mode", {}).get("enable"))
        recipients = [a["email"] for p in body["personalizations"] for a in p["to"]]
        message_id = secrets.token_urlsafe(16)
        accepted = Accepted(
            message_id,
            recipients,
            body if self.keep_bodies else None,
            sandbox,
            custom_args=dict(body.get("custom_args", {})),
            subject=str(body.get("subject", "")),
            sender=str(body.get("from", {}).get("email", "")),
        )
        with self._lock:
            self.accepted.append(accepted)
        return message_id

    def activity(self, query: str) -> list[dict[str, Any]]:
        """Email Activity rows (one per accepted recipient) matching a documented query."""
        tests = [_activity_test(part.strip()) for part in query.split(" AND ") if part.strip()]
        with self._lock:
            accepted = [a for a in self.accepted if not a.sandbox]
        return [
            {
                "from_email": a.sender,
                "msg_id": f"{a.message_id}.filter0001p1las1-{index}",
                "subject": a.subject,
                "to_email": to,
                "status": "processed",
                "opens_count": 0,
                "clicks_count": 0,
                "last_event_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(a.at)),
            }
            for a in accepted
            for index, to in enumerate(a.recipients)
            if all(test(a, to) for test in tests)
        ]

    def problems(self, body: Any, size: int) -> tuple[int, list[dict[str, Any]]]:
        """(status, SendGrid-style errors) for a body; (202, []) when it is acceptable."""
        if size >= MAX_BYTES:
            return 413, [{"message": "content too large", "field": None}]
        if self.fast_validator.is_valid(body):
            return (400, limit_errors(body))
        errors = [
            {"message": e.message, "field": ".".join(str(p) for p in e.absolute_path) or None}
            for e in self.validator.iter_errors(body)
        ] or [{"message": "the body does not match the Mail Send schema", "field": None}]
        return (400, errors) if errors else (400, limit_errors(body))


def limit_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The documented rules the JSON schema cannot express."""
    found: list[dict[str, Any]] = []
    personalizations = body["personalizations"]
    total = sum(len(p.get(k, [])) for p in personalizations for k in ("to", "cc", "bcc"))
    if total > 1000:
        found.append({"message": "There is a limit of 1000 total recipients (to + cc + bcc) "
                      "per request.", "field": "personalizations"})  # fmt: skip
    if len(json.dumps(body.get("custom_args", {}))) >= 10_000:
        found.append({"message": "custom_args too large", "field": "custom_args"})
    for index, p in enumerate(personalizations):
        field_ = f"personalizations.{index}"
        addresses = [a["email"].lower() for k in ("to", "cc", "bcc") for a in p.get(k, [])]
        if len(addresses) != len(set(addresses)):
            found.append({"message": "Each email address in the personalization block should "
                          "be unique between to, cc, and bcc.", "field": field_})  # fmt: skip
        if len(json.dumps(p.get("substitutions", {}))) > 10_000:
            found.append({"message": "substitutions too large", "field": field_})
        names = [a.get("name", "") for k in ("to", "cc", "bcc") for a in p.get(k, [])]
        if any(";" in n or "," in n for n in names):
            found.append({"message": "names may not contain ; or ,", "field": field_})
        for header in [*p.get("headers", {}), *body.get("headers", {})]:
            if header.lower() in RESERVED_HEADERS:
                found.append({"message": f"header {header} is reserved", "field": field_})
    return found


_UNIQUE_ARG = re.compile(r"""^unique_args\['([^']+)'\]\s*=\s*"([^"]*)"$""")
_TO_EMAIL = re.compile(r'^to_email\s*=\s*"([^"]*)"$')
_MSG_ID = re.compile(r"^msg_id\s+LIKE\s+'([^'%]*)%'$")


def _activity_test(part: str) -> Callable[[Accepted, str], bool]:
    if match := _UNIQUE_ARG.match(part):
        key, value = match.groups()
        return lambda a, _to: a.custom_args.get(key) == value
    if match := _TO_EMAIL.match(part):
        address = match.group(1).lower()
        return lambda _a, to: to.lower() == address
    if match := _MSG_ID.match(part):
        prefix = match.group(1)
        return lambda a, _to: a.message_id.startswith(prefix)
    raise ValueError(f"invalid query: {part}")


def _handler(fake: FakeSendGrid) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            """``GET /v3/scopes`` (the doctor's check) and ``GET /v3/messages`` (Email Activity)."""
            url = urllib.parse.urlsplit(self.path)
            if url.path not in ("/v3/messages", "/v3/scopes"):
                self._json(404, [{"message": "not found", "field": None}])
            elif self.headers.get("Authorization") != f"Bearer {fake.key}":
                message = "The provided authorization grant is invalid, expired, or revoked"
                self._json(401, [{"message": message, "field": None}])
            elif url.path == "/v3/scopes":
                body = json.dumps({"scopes": fake.scopes}).encode()
                self._send(200, body, {"Content-Type": "application/json"})
            elif not fake.activity_api:
                message = "access forbidden: the Email Activity add-on is not on this account"
                self._json(403, [{"message": message, "field": None}])
            else:
                params = urllib.parse.parse_qs(url.query)
                try:
                    found = fake.activity(params.get("query", [""])[0])
                except ValueError as exc:
                    self._json(400, [{"message": str(exc), "field": "query"}])
                    return
                limit = min(int(params.get("limit", ["10"])[0]), 1000)
                body = json.dumps({"messages": found[:limit]}).encode()
                self._send(200, body, {"Content-Type": "application/json"})

        def do_POST(self) -> None:
            started = time.perf_counter()
            try:
                self._handle()
            finally:
                with fake._lock:
                    fake.busy_seconds += time.perf_counter() - started

        def _handle(self) -> None:
            number = fake.requests + 1
            fault = fake.next_fault()
            size = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(size)
            if fault == "drop":
                self._hang_up()
                return
            if fault and fault.startswith("slow:"):
                time.sleep(float(fault.split(":")[1]))
            if fault and self._answer_fault(fault):
                return
            if self.path != "/v3/mail/send":
                self._json(404, [{"message": "not found", "field": None}])
            elif self.headers.get("Authorization") != f"Bearer {fake.key}":
                message = "The provided authorization grant is invalid, expired, or revoked"
                self._json(401, [{"message": message, "field": None}])
            else:
                self._accept(number, raw, size, fault)

        def _accept(self, number: int, raw: bytes, size: int, fault: str | None) -> None:
            try:
                body = json.loads(raw)
            except ValueError:
                self._json(400, [{"message": "Bad Request", "field": None}])
                return
            status, errors = fake.problems(body, size)
            if errors:
                fake.rejected.append({"status": status, "errors": errors})
                self._json(status, errors)
                return
            if fake.before_accept and fake.before_accept(number):
                self._hang_up()  # the hook asked to drop it unaccepted
                return
            message_id = fake.record(body)
            if fake.after_accept:
                fake.after_accept(number)
            if fault == "accept-drop":
                self._hang_up()  # accepted, and the answer is lost
                return
            if fault and fault.startswith("accept-late:"):
                time.sleep(float(fault.split(":")[1]))  # accepted; the answer comes too late
            if fake.latency:
                time.sleep(fake.latency)
                with fake._lock:
                    fake.slept_seconds += fake.latency
            sandbox = bool(body.get("mail_settings", {}).get("sandbox_mode", {}).get("enable"))
            self._send(200 if sandbox else 202, b"", {"X-Message-Id": message_id})

        def _hang_up(self) -> None:
            self.close_connection = True
            self.connection.close()

        def _answer_fault(self, fault: str) -> bool:
            kind, _, arg = fault.partition(":")
            if kind == "429":
                self._json(429, [{"message": "too many requests", "field": None}],
                           {"Retry-After": arg})  # fmt: skip
            elif kind == "429-reset":
                reset = str(int(time.time() + float(arg)))
                self._json(429, [{"message": "too many requests", "field": None}],
                           {"X-RateLimit-Reset": reset})  # fmt: skip
            elif kind == "401":
                self._json(401, [{"message": "authorization required", "field": None}])
            elif kind in ("500", "502", "503"):
                self._json(int(kind), [{"message": "internal server error"}])
            elif kind == "500-html":
                self._send(500, b"<html><body>Bad gateway</body></html>", {})
            else:
                return False
            return True

        def _json(
            self, status: int, errors: list[dict[str, Any]], extra: dict[str, str] | None = None
        ) -> None:
            body = json.dumps({"errors": errors}).encode()
            self._send(status, body, {"Content-Type": "application/json", **(extra or {})})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key", default="SG.test-key")
    args = parser.parse_args()
    fake = FakeSendGrid(key=args.key, keep_bodies=False).start()
    print(fake.server.server_address[1], flush=True)
    try:
        # The parent sends "latency <seconds>" or "counts" (answered with figures), then "quit".
        for line in iter(input, "quit"):
            if line.startswith("latency "):
                fake.latency = float(line.split()[1])
            busy = round(fake.busy_seconds - fake.slept_seconds, 2)
            delivered = fake.delivered()
            figures = {
                "requests": fake.requests,
                "recipients": len(delivered),
                "unique_recipients": len(set(delivered)),
            }
            print(json.dumps({**figures, "busy_seconds": busy}), flush=True)
    except EOFError:
        pass
    fake.stop()


if __name__ == "__main__":
    main()
