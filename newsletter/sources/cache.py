"""Raw responses on disk, per source and day, so a day can be rerun offline and reproduced.

Layout: ``<root>/<source>/<YYYY-MM-DD>/<part>`` plus a ``COMPLETE`` marker written last: a
day missing the marker (interrupted download) counts as not cached. Sources save only a
complete, usable answer (not a failure, not a stale feed), so a retry later can still see
the real list. ``refresh`` skips reading but still writes the fresh answer.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

MARKER = "COMPLETE"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file-system-safe version of a source or part name (``hf_daily#0`` -> ``hf_daily-0``)."""
    return _UNSAFE.sub("-", name).strip("-.") or "source"


class ResponseCache:
    """Read and write one day's raw bodies for a source. Who calls: the network sources."""

    def __init__(self, root: Path, *, refresh: bool = False) -> None:
        self.root = root
        self.refresh = refresh

    def folder(self, source: str, day: dt.date) -> Path:
        return self.root / safe_name(source) / day.isoformat()

    def load(self, source: str, day: dt.date) -> dict[str, bytes] | None:
        """The parts saved for ``(source, day)`` in name order, or ``None``."""
        folder = self.folder(source, day)
        if self.refresh or not (folder / MARKER).is_file():
            return None
        parts = sorted(p for p in folder.iterdir() if p.is_file() and p.name != MARKER)
        return {p.name: p.read_bytes() for p in parts}

    def save(self, source: str, day: dt.date, parts: dict[str, bytes]) -> str | None:
        """Keep the parts; a cache that cannot be written costs a warning, not the day."""
        folder = self.folder(source, day)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / MARKER).unlink(missing_ok=True)
            for old in folder.iterdir():
                old.unlink()
            for name, body in parts.items():
                _write_atomic(folder / safe_name(name), body)
            _write_atomic(folder / MARKER, b"")
        except OSError as exc:
            return (
                f"cannot write the cache at {folder}: {exc}; fix its permissions or point"
                " collect.cache_dir somewhere writable"
            )
        return None


def _write_atomic(path: Path, body: bytes) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_bytes(body)
    temp.replace(path)
