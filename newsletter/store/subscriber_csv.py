"""Subscribers from and to CSV: ``email`` plus optional ``name``, ``topics`` (``;``-separated)
and ``cadence`` (``daily``, ``weekly`` or ``weekly:<weekday>``; empty: the operator's default).

Import checks every row, reports each bad one with its line number, and stores the rest in
bulk statements of ``CHUNK_ROWS`` rows as it reads (100,000 rows take seconds; a million
need no more memory than a thousand). An address listed twice: the later row updates it.
Export streams rows from the database in the same way. Export writes what import reads, plus
``status`` and ``created_at`` (which import ignores, so an export can be imported again
without re-activating anyone).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.engine import Engine

from newsletter.errors import CsvFormatError, InvalidEmailError
from newsletter.models import Cadence
from newsletter.store.db import SubscriberRow
from newsletter.store.failures import translated
from newsletter.store.privacy import forgotten_among, unforget
from newsletter.store.subscribers import (
    SubscriberInput,
    normalize_email,
    upsert_many,
)
from newsletter.topics.names import match_topic, unknown_topic_message

COLUMNS = ("email", "name", "topics", "cadence")
CHUNK_ROWS = 5000  # rows read before they are stored: bounds the memory of an import
PROBLEMS_KEPT = 1000  # bad rows reported by line; all are counted
EXPORT_ONLY = ("status", "created_at")


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    forgotten: int = 0  # rows left out: the reader asked to be erased (``force`` adds them)
    problems: list[str] = field(default_factory=list)  # "file.csv:17: why" (the first ones)
    problem_count: int = 0

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(text)


@translated("import the readers")
def import_csv(
    engine: Engine, path: Path, known_topics: Sequence[str] | None, *, force: bool = False
) -> ImportReport:
    """Import readers from ``path``; rows with a bad address or unknown topic are reported
    and skipped, the others are added (or updated: name, topics; never status). Readers who
    asked to be erased are left out and counted, unless ``force``."""
    report = ImportReport()
    entries: list[SubscriberInput] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            _check_header(path, reader.fieldnames)
            first_line: dict[str, int] = {}
            for row in reader:
                where = f"{path}:{reader.line_num}"
                entry = _parse_row(row, known_topics, where, report)
                if entry is None:
                    continue
                # Any case: mail servers treat Kim@ and kim@ as one mailbox.
                key = entry.email.casefold()
                if key in first_line:
                    report.problem(
                        f"{where}: {entry.email} is already on line {first_line[key]}; "
                        "this row is skipped (keep one row per address)"
                    )
                    continue
                first_line[key] = reader.line_num
                entries.append(entry)
                if len(entries) >= CHUNK_ROWS:
                    _store(engine, entries, report, force)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CsvFormatError(f"cannot read {path}: {exc}") from exc
    _store(engine, entries, report, force)
    return report


def _store(
    engine: Engine, entries: list[SubscriberInput], report: ImportReport, force: bool
) -> None:
    """Store the rows read so far and forget them; readers who asked to be erased are left
    out and counted, unless ``force``."""
    erased = forgotten_among(engine, [e.email for e in entries]) if entries else set()
    if force:
        unforget(engine, erased)
    else:
        report.forgotten += len({e.email for e in entries if e.email in erased})
        entries[:] = [e for e in entries if e.email not in erased]
    if entries:
        added, updated = upsert_many(engine, entries, origin="csv")
        report.added += added
        report.updated += updated
    entries.clear()


def _check_header(path: Path, fieldnames: Sequence[str] | None) -> None:
    columns = [c.strip().lower() for c in fieldnames or []]
    if "email" not in columns:
        raise CsvFormatError(
            f"{path}:1: the header row needs an 'email' column (optional: name, topics, "
            "cadence); "
            f"found: {', '.join(columns) or 'nothing'}"
        )
    unknown = [c for c in columns if c not in COLUMNS + EXPORT_ONLY]
    if unknown:
        raise CsvFormatError(
            f"{path}:1: unknown column {', '.join(map(repr, unknown))} "
            f"(allowed: {', '.join(COLUMNS)})"
        )


def _parse_row(
    row: dict[str | None, str | list[str] | None],
    known_topics: Sequence[str] | None,
    where: str,
    report: ImportReport,
) -> SubscriberInput | None:
    values = {str(k).strip().lower(): v for k, v in row.items() if isinstance(v, str)}
    try:
        address = normalize_email(values.get("email") or "")
    except InvalidEmailError as exc:
        report.problem(f"{where}: {exc}")
        return None
    topics = _topics(values.get("topics"))
    if topics and known_topics is not None:
        named = [match_topic(t, known_topics) for t in topics]
        unknown = [t for t, name in zip(topics, named, strict=True) if name is None]
        if unknown:
            report.problem(f"{where}: {unknown_topic_message(unknown[0], known_topics)}")
            return None
        topics = tuple(dict.fromkeys(name for name in named if name is not None))
    name = (values.get("name") or "").strip() or None
    cell = (values.get("cadence") or "").strip()
    try:
        cadence = Cadence.parse(cell) if cell else None
    except ValueError as exc:
        report.problem(f"{where}: {exc}")
        return None
    return SubscriberInput(email=address, name=name, topics=topics, cadence=cadence)


def _topics(cell: str | None) -> tuple[str, ...] | None:
    """``None`` when the column is absent or empty (keep / every topic)."""
    if not cell or not cell.strip():
        return None
    return tuple(sorted({t.strip() for t in cell.split(";") if t.strip()}))


@translated("export the readers")
def export_csv(engine: Engine, stream: TextIO) -> int:
    """Write every reader as CSV; answers how many."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS + EXPORT_ONLY)
    table = SubscriberRow.__table__
    c = table.c
    query = select(c.email, c.name, c.topics, c.cadence, c.status, c.created_at).order_by(c.id)
    count = 0
    with engine.connect() as connection:  # yield_per: a server-side cursor, read in chunks
        for row in connection.execution_options(yield_per=CHUNK_ROWS).execute(query):
            topics = ";".join(row.topics or [])
            created = row.created_at.isoformat() if row.created_at else ""
            cadence = row.cadence or ""
            writer.writerow([row.email, row.name or "", topics, cadence, row.status, created])
            count += 1
    return count
