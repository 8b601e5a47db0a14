"""Outcomes the database could not take, kept in a small file until it can.

When the provider has accepted a batch and the database refuses to record it (locked for
longer than the ledger waits, a disk I/O error), the answer must not be lost: it goes to a
JSON-lines file beside the run, and the next run applies it before sending anything. Until
then those rows stay ``sending`` in the database, that is in doubt: nobody is mailed twice
even if the file is lost too.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Engine

from newsletter.models import DeliveryReason, DeliveryResult
from newsletter.store.ledger import Ledger

JOURNAL_NAME = "newsletter-unrecorded.jsonl"


class Journal:
    """Appends batches the ledger could not record; ``apply`` records them and empties it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Delivery workers answer at once; one line at a time keeps each batch's line whole.
        self._writing = threading.Lock()

    def append(self, ledger: Ledger, results: Sequence[DeliveryResult]) -> bool:
        """Keep one batch's answers; False when the file cannot be written either."""
        entry = {
            "issue_id": ledger.issue_id,
            "token": ledger.token,
            "results": [
                [r.recipient, r.status, r.provider_id, r.detail, r.reason and r.reason.value]
                for r in results
            ],
        }
        try:
            with self._writing, self.path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(entry) + "\n")
                file.flush()
                os.fsync(file.fileno())
        except OSError:
            return False
        return True

    def apply(self, engine: Engine) -> int:
        """Record every kept batch (only rows still claimed by the run that sent them);
        answers how many results were applied. Raises ``StoreError`` if the database still
        cannot take them (the file is kept)."""
        if not self.path.exists():
            return 0
        applied = 0
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            results = [
                DeliveryResult(
                    email,
                    status,
                    provider_id,
                    detail or "",
                    DeliveryReason(reason) if reason else None,
                )
                for email, status, provider_id, detail, reason in entry["results"]
            ]
            Ledger(engine, entry["issue_id"], entry["token"]).record(results)
            applied += len(results)
        self.path.unlink()
        return applied
