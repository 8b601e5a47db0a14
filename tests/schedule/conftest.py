"""Configs for scheduler tests, written as a user would write them, and the databases they
run on: a real SQLite file, and PostgreSQL when ``NEWSLETTER_TEST_PG_URL`` is set (a fresh
schema per test, reached through the URL so subprocesses can use it too)."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine

from newsletter.store import open_database
from tests.conftest import SHIPPED_CONFIG

WriteConfig = Callable[..., Path]


@pytest.fixture
def engine_for() -> Iterator[Callable[[str], Engine]]:
    engines: list[Engine] = []

    def make(url: str) -> Engine:
        engines.append(open_database(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


def readers(count: int, timezone: str | None = None) -> list[dict[str, Any]]:
    return [
        {"email": f"reader{i:03d}@example.org", **({"timezone": timezone} if timezone else {})}
        for i in range(count)
    ]


@pytest.fixture
def write_config(workdir: Path) -> WriteConfig:
    """Write ``config/newsletter.yaml`` from the shipped one with the given changes."""

    def write(
        *,
        db: str,
        schedule: dict[str, Any] | None = None,
        subscribers: list[dict[str, Any]] | None = None,
        outbox: str = "outbox",
        sources: list[dict[str, Any]] | None = None,
        name: str = "newsletter.yaml",
    ) -> Path:
        data = yaml.safe_load(SHIPPED_CONFIG.read_text(encoding="utf-8"))
        data["database"] = db
        data["delivery"] = {"backend": "outbox", "options": {"dir": outbox}}
        data["schedule"] = {"timezone": "UTC", "days": "*", **(schedule or {})}
        # The sample file holds the same papers on every day these tests run.
        data["collect"] = {**data.get("collect", {}), "skip_seen": False}
        if subscribers is not None:
            data["subscribers"] = subscribers
        if sources is not None:
            data["sources"] = sources
        path = workdir / "config" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write


def seconds_ahead(seconds: float) -> tuple[str, dt.datetime]:
    """An ``at`` (UTC, with seconds) this far ahead, and the instant it names."""
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).replace(microsecond=0)
    return when.strftime("%H:%M:%S"), when


READY = "scheduler started; stop with SIGTERM"  # logged as the daily job is added


class Scheduler:
    """``newsletter schedule`` in a real subprocess; its log goes to a file."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log = log
        self._handle = log.open("ab")
        self.process = subprocess.Popen(
            args, env=env, cwd=cwd, stdout=self._handle, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"never logged {needle!r}:\n{self.output()}")
            time.sleep(0.05)

    def stop(self, timeout: float = 20.0, sig: signal.Signals = signal.SIGTERM) -> int:
        """SIGTERM (or ``sig``), then wait: the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout)
        self._handle.close()
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._handle.close()


def started_ahead_of_fire(
    launch: Callable[[str], list[Scheduler]], lead: float, attempts: int = 3
) -> tuple[str, dt.datetime]:
    """Start schedulers (``launch(at)``) whose fire time ``at`` is ``lead`` seconds ahead, and
    make sure every one was up a second before it. On a machine too busy for that the
    trigger rightly waits until tomorrow, which would test nothing: start again afresh with
    twice the lead. Returns the ``at`` and the instant it names."""
    for _ in range(attempts):
        at, when = seconds_ahead(lead)
        schedulers = launch(at)
        for scheduler in schedulers:
            scheduler.wait_for(READY, timeout=lead + 30)
        if dt.datetime.now(dt.UTC) < when - dt.timedelta(seconds=1):
            return at, when
        for scheduler in schedulers:
            scheduler.kill()
            scheduler.log.unlink()  # the next attempt's log starts empty
        lead *= 2
    raise AssertionError(f"no scheduler came up within {lead / 2:.0f} s, {attempts} times")


@pytest.fixture
def start_scheduler(
    python: str, subprocess_env: dict[str, str], workdir: Path
) -> Iterator[Callable[..., Scheduler]]:
    started: list[Scheduler] = []

    def start(config: Path, *extra: str, log: str = "scheduler.log") -> Scheduler:
        args = [python, "-m", "newsletter", "schedule", "--config", str(config), *extra]
        started.append(Scheduler(args, subprocess_env, workdir, workdir / log))
        return started[-1]

    yield start
    for scheduler in started:
        scheduler.kill()
