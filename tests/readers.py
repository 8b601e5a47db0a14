"""What a reader sees: parse produced emails with the ``email`` package."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class ReadMessage:
    message: EmailMessage
    text: str
    html: str

    @property
    def headings(self) -> list[tuple[str, str]]:
        """(tag, text) for every h1/h2/h3 of the HTML part, in order."""
        parser = _Headings()
        parser.feed(self.html)
        return parser.found


def read_eml(path: Path) -> ReadMessage:
    with path.open("rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return read_message(message)


def read_message(message: EmailMessage) -> ReadMessage:
    """A message as parsed elsewhere (an SMTP server's copy)."""
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return ReadMessage(message, plain.get_content(), html.get_content())


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"h1", "h2", "h3"}:
            self._open, self._buffer = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self.found.append((tag, " ".join("".join(self._buffer).split())))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self._buffer.append(data)
