"""The source interface: each backend turns "the papers of day D" into ``Paper``s.

A source never raises for one bad record: it skips it and adds a warning naming it. It
raises ``SourceError`` only when it cannot answer at all (network, unreadable body).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Literal

from newsletter.models import Paper

SourceStatus = Literal["ok", "empty", "stale", "failed"]


@dataclass(slots=True)
class SourceResult:
    """What one source gave for one day, and how honest that answer is."""

    source: str
    papers: list[Paper] = field(default_factory=list)
    status: SourceStatus = "ok"
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    from_cache: bool = False


class Source(ABC):
    """One configured place papers come from. Subclasses set ``kind``."""

    kind: str = ""

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def fetch(self, day: dt.date) -> SourceResult:
        """Return the papers listed on ``day``; raise ``SourceError`` if impossible."""

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release network connections; the collector calls it after ``fetch``."""
