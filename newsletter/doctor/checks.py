"""The doctor's checks of this installation: database, sources, public URL, last runs, and
why one reader got nothing."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from newsletter.config import LoadedConfig
from newsletter.doctor.findings import Finding, failure, ok, warning
from newsletter.store.db import safe_url


def check_database(engine: Engine) -> Finding:
    from newsletter.store.schema import schema_state

    subject = f"database {safe_url(engine)}"
    try:
        state = schema_state(engine)
    except SQLAlchemyError as exc:
        return failure(
            subject, f"unreachable ({_reason(exc)})", "check database.url and that the server runs"
        )
    try:
        _try_a_write(engine)
    except SQLAlchemyError as exc:
        return failure(
            subject,
            f"not writable ({_reason(exc)})",
            "give this user write access to the database (and its folder, for SQLite)",
        )
    if not state.has_tables:
        return ok(subject, "reachable, writable; the first run creates the schema")
    if not state.is_current:
        return warning(
            subject,
            f"reachable, writable, {state.label}, newest is {state.head}",
            "run `newsletter db upgrade` (run, schedule and web do it on start)",
        )
    return ok(subject, f"reachable, writable, {state.label} (newest)")


def _try_a_write(engine: Engine) -> None:
    """A write that is rolled back: a read-only file or role fails here, nothing changes."""
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE doctor_write_probe (x INTEGER)"))
        connection.rollback()


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0]


def check_sources(loaded: LoadedConfig, day: dt.date) -> list[Finding]:
    from newsletter.sources import SourceOptions, build_sources
    from newsletter.sources.collect import collect_papers

    sources = build_sources(loaded, SourceOptions(refresh=True))
    findings = []
    for result in collect_papers(sources, day).results:
        subject = f"source {result.source}"
        if result.status == "failed":
            findings.append(
                failure(
                    subject,
                    f"no answer for {day}: {result.error}",
                    f"`newsletter fetch --source {result.source} --date {day}` shows more",
                )
            )
        elif result.status == "empty":
            findings.append(
                warning(
                    subject,
                    f"no papers for {day}",
                    "normal on weekends and holidays; if it lasts, the source may have changed",
                )
            )
        elif result.status == "stale":
            findings.append(
                warning(
                    subject,
                    f"answered with an older day than {day}",
                    "; ".join(result.warnings) or "the source has not published today yet",
                )
            )
        else:
            findings.append(ok(subject, f"{len(result.papers)} papers for {day}"))
    return findings


def check_base_url(loaded: LoadedConfig) -> Finding:
    url = loaded.model.newsletter.base_url
    subject = f"base_url {url}"
    try:
        answer = httpx.get(url, timeout=10, follow_redirects=True)
    except httpx.HTTPError as exc:
        return failure(
            subject,
            f"no answer ({type(exc).__name__})",
            "start `newsletter web` there, or fix newsletter.base_url "
            "(unsubscribe links point to it)",
        )
    if answer.status_code >= 400:
        return failure(
            subject,
            f"answered {answer.status_code}",
            "point newsletter.base_url at `newsletter web` (or its proxy)",
        )
    return ok(subject, f"answers ({answer.status_code})")


def check_last_runs(loaded: LoadedConfig, engine: Engine, count: int = 3) -> Finding:
    from newsletter.store.runs import RunStatus, recent_runs

    runs = recent_runs(engine, loaded.model.newsletter.name, count)
    if not runs:
        return warning("last runs", "none yet", "run `newsletter run` (or wait for the schedule)")
    last = runs[0]
    summary = ", ".join(f"{r.date} {r.status}" for r in runs)
    if last.status in (RunStatus.FAILED, RunStatus.PARTIAL):
        why = f": {last.detail}" if last.detail else ""
        return failure(
            "last runs",
            f"{summary}{why}",
            f"see `newsletter status`; `newsletter run --date {last.date}` sends to "
            "readers who lack it",
        )
    return ok("last runs", summary)


def check_reader(engine: Engine, email: str, count: int = 5) -> list[Finding]:
    from newsletter.store.subscribers import get_subscriber, normalize_email

    address = normalize_email(email)
    subject = f"reader {address}"
    reader = get_subscriber(engine, address)
    if reader is None:
        return [
            failure(
                subject,
                "not a subscriber",
                "add them with `newsletter subscribers add ADDRESS` "
                "or under subscribers: in the config",
            )
        ]
    if reader.status != "active":
        return [
            failure(
                subject,
                f"status {reader.status}: gets nothing",
                "only they can subscribe again (the subscribe page), "
                "or `newsletter subscribers add` with their consent",
            )
        ]
    topics = "every topic" if reader.topics is None else ", ".join(sorted(reader.topics))
    findings = [ok(subject, f"active, topics: {topics}")]
    findings += [_delivery_finding(subject, *row) for row in _deliveries(engine, address, count)]
    if len(findings) == 1:
        findings.append(
            warning(
                subject,
                "no issue recorded for them yet",
                "they get the next run (or their topics matched no paper)",
            )
        )
    return findings


def _deliveries(engine: Engine, email: str, count: int) -> list[tuple[dt.date, str, str | None]]:
    from sqlalchemy import select

    from newsletter.store.db import DeliveryRow, IssueRow

    query = (
        select(IssueRow.date, DeliveryRow.status, DeliveryRow.detail)
        .join(DeliveryRow, DeliveryRow.issue_id == IssueRow.id)
        .where(DeliveryRow.email == email)
        .order_by(IssueRow.date.desc())
        .limit(count)
    )
    with engine.connect() as connection:
        return [(row[0], row[1], row[2]) for row in connection.execute(query)]


def _delivery_finding(subject: str, day: dt.date, status: str, detail: str | None) -> Finding:
    where = f"{subject} {day}"
    if status == "sent":
        return ok(
            where,
            "sent (accepted by the provider; look in their spam folder "
            "and the provider's activity log)",
        )
    if status == "sending":
        return warning(
            where,
            "in doubt: a run was killed while sending",
            f"check the provider's log, then `newsletter run --date {day} --retry-in-doubt`",
        )
    reason = f": {detail}" if detail else ""
    return failure(
        where, f"{status}{reason}", f"`newsletter run --date {day}` sends to readers who lack it"
    )
