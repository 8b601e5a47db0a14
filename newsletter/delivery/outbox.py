"""``outbox`` backend: one ``.eml`` file per message in a folder (the default)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from newsletter.delivery.base import EmailBackend
from newsletter.delivery.message import build_mime
from newsletter.errors import DeliveryError
from newsletter.models import DeliveryResult, OutgoingEmail

_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]")


class OutboxBackend(EmailBackend):
    """Writes ``<issue>/<recipient>.eml``; a rerun of the same issue overwrites, never doubles."""

    name = "outbox"
    idempotent = True  # the file name is the (issue, recipient): a second write replaces

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def destination(self) -> str:
        return str(self.directory)

    def open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeliveryError(f"cannot create outbox folder {self.directory}: {exc}") from exc

    def path_for(self, message: OutgoingEmail) -> Path:
        folder = _UNSAFE.sub("_", message.issue_key or "issue")
        return self.directory / folder / f"{_UNSAFE.sub('_', message.to)}.eml"

    def send_messages(self, messages: Sequence[OutgoingEmail]) -> list[DeliveryResult]:
        results = []
        for message in messages:
            path = self.path_for(message)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary = path.with_suffix(".eml.tmp")
                temporary.write_bytes(build_mime(message).as_bytes())
                temporary.replace(path)  # atomic: a crash never leaves half a message
            except OSError as exc:
                results.append(DeliveryResult(message.to, "failed", detail=str(exc)))
                continue
            results.append(DeliveryResult(message.to, "sent", provider_id=str(path)))
        return results
