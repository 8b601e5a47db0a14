"""Run every check in order; a broken config stops the rest (they all read it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from newsletter.doctor.findings import Finding, failure, ok, warning


@dataclass(frozen=True)
class DoctorOptions:
    config_path: str | Path | None = None
    reader: str | None = None
    nameserver: str | None = None  # HOST[:PORT]; None: the system's resolver
    day: dt.date | None = None  # the sources' day; default today in the newsletter's zone


def run_checks(options: DoctorOptions) -> Iterator[Finding]:
    """Findings one by one, so the CLI prints each as soon as it is known."""
    from newsletter.config import load_config
    from newsletter.errors import ConfigError

    try:
        loaded = load_config(options.config_path)
    except ConfigError as exc:
        yield failure(
            "config", str(exc), "fix the lines named above; `newsletter config check` shows them"
        )
        return
    yield ok("config", f"{loaded.path}: valid")
    yield from _installation(loaded, options)


def _installation(loaded: object, options: DoctorOptions) -> Iterator[Finding]:
    from zoneinfo import ZoneInfo

    from newsletter.config import LoadedConfig
    from newsletter.doctor.checks import (
        check_base_url,
        check_database,
        check_last_runs,
        check_reader,
        check_sources,
    )
    from newsletter.doctor.dns_records import check_domain, make_resolver
    from newsletter.doctor.findings import Status
    from newsletter.doctor.provider import check_provider
    from newsletter.store.db import connect_database

    assert isinstance(loaded, LoadedConfig)
    model = loaded.model
    engine = connect_database(model.database.url)
    try:
        database = check_database(engine)
        yield database
        day = options.day or dt.datetime.now(ZoneInfo(model.newsletter.timezone)).date()
        yield from check_sources(loaded, day)
        yield check_provider(loaded)
        domain = _domain(model.newsletter.sender)
        yield from check_domain(
            make_resolver(options.nameserver), domain, model.newsletter.dkim_selector
        )
        yield check_base_url(loaded)
        if database.status is Status.FAILURE and "unreachable" in database.message:
            return
        try:
            yield check_last_runs(loaded, engine)
            if options.reader:
                yield from check_reader(engine, options.reader)
        except SQLAlchemyError:  # a database with no schema yet has no runs and no readers
            yield warning("last runs", "none yet (no schema)", "run `newsletter run` once")
    finally:
        engine.dispose()


def _domain(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rpartition("@")[2].lower()
