"""``newsletter schedule`` as a real process: it fires on a trigger a few seconds ahead,
catches up after a restart, shares a database with a second scheduler without sending
anything twice, and on SIGTERM finishes its batch, exits 0 and loses nothing."""

from __future__ import annotations

import datetime as dt
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from newsletter.store.db import DeliveryRow
from newsletter.store.runs import get_run
from tests.readers import read_eml
from tests.schedule.conftest import (
    Scheduler,
    WriteConfig,
    readers,
    started_ahead_of_fire,
)

StartScheduler = Callable[..., Scheduler]
# Seconds from writing the config to the fire time: a process must start (imports, database)
# before it, on a shared two-core machine, or the trigger rightly waits until tomorrow (then
# ``started_ahead_of_fire`` starts it again with more time).
STARTUP = 5
RUN_STARTED = re.compile(r"run for \d{4}-\d\d-\d\d started")
RUN_DONE = re.compile(r"run for \d{4}-\d\d-\d\d (sent|partial|interrupted|failed|empty)")


def recipients(outbox: Path) -> list[str]:
    """Who got a message, as read from the .eml files themselves."""
    return sorted(read_eml(p).message["To"].addresses[0].addr_spec for p in outbox.rglob("*.eml"))


def wait_for_done(scheduler: Scheduler, runs: int = 1, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while len(RUN_DONE.findall(scheduler.output())) < runs:
        assert scheduler.process.poll() is None, scheduler.output()
        assert time.monotonic() < deadline, scheduler.output()
        time.sleep(0.05)


def test_fires_a_few_seconds_ahead_and_delivers_to_the_outbox(
    write_config: WriteConfig,
    db_url: str,
    start_scheduler: StartScheduler,
    workdir: Path,
    run_cli: Callable[..., object],
) -> None:
    launched: list[Scheduler] = []

    def launch(at: str) -> list[Scheduler]:
        launched[:] = [start_scheduler(write_config(db=db_url, schedule={"at": at}))]
        return launched

    at, when = started_ahead_of_fire(launch, STARTUP)
    scheduler, config = launched[0], write_config(db=db_url, schedule={"at": at})
    wait_for_done(scheduler)
    fired_at = dt.datetime.now(dt.UTC)
    assert scheduler.stop() == 0
    assert when <= fired_at < when + dt.timedelta(seconds=10)
    assert recipients(workdir / "outbox") == [
        "ada@example.org",
        "alan@example.org",
        "grace@example.org",
    ]
    log = scheduler.output()
    assert len(RUN_STARTED.findall(log)) == 1
    assert "SIGTERM: finishing the current batch" in log and "scheduler stopped" in log

    result = run_cli("status", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert f"Schedule: {at} on * in UTC" in result.output
    tomorrow = when + dt.timedelta(days=1)
    assert f"{tomorrow:%a %Y-%m-%d %H:%M:%S} UTC" in result.output  # the next fire time
    row = re.search(rf"{when:%Y-%m-%d}\s+sent\s+39\s+3\s+0\s+0\s+\d+\.\d s", result.output)
    assert row, result.output


def test_restart_within_the_grace_catches_up_exactly_once(
    write_config: WriteConfig, db_url: str, start_scheduler: StartScheduler, workdir: Path
) -> None:
    configs: list[Path] = []
    launched: list[Scheduler] = []

    def launch(at: str) -> list[Scheduler]:
        configs[:] = [write_config(db=db_url, schedule={"at": at, "misfire_grace_minutes": 5})]
        launched[:] = [start_scheduler(configs[0], log="before.log")]
        return launched

    _, when = started_ahead_of_fire(launch, STARTUP)
    config, before = configs[0], launched[0]
    assert before.stop(sig=signal.SIGINT) == 0  # Ctrl-C before the fire time
    assert not RUN_STARTED.search(before.output())
    assert "SIGINT: finishing the current batch, then exiting" in before.output()
    time.sleep(max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds()) + 1.0)

    after = start_scheduler(config, log="after.log")  # started after it, within the grace
    wait_for_done(after)
    time.sleep(1.0)  # nothing else may fire (coalesce, one instance)
    assert after.stop() == 0
    assert len(RUN_STARTED.findall(after.output())) == 1, after.output()
    assert f"(scheduled at {when:%Y-%m-%d %H:%M:%S}" in after.output()  # the missed fire
    assert len(recipients(workdir / "outbox")) == 3


def test_two_schedulers_on_one_database_send_each_reader_once(
    write_config: WriteConfig,
    db_url: str,
    start_scheduler: StartScheduler,
    workdir: Path,
    engine_for: Callable[[str], Engine],
) -> None:
    launched: list[Scheduler] = []

    def launch(at: str) -> list[Scheduler]:
        common = {
            "db": db_url,
            "schedule": {"at": at, "batch_size": 2, "batch_pause_seconds": 0.05},
            "subscribers": readers(30),
        }
        launched[:] = [
            start_scheduler(
                write_config(**common, outbox=f"outbox_{host}", name=f"{host}.yaml"),
                "--instance",
                f"host_{host}",
                log=f"{host}.log",
            )
            for host in ("a", "b")
        ]
        return launched

    started_ahead_of_fire(launch, STARTUP + 1)  # two processes start on a small machine
    host_a, host_b = launched
    wait_for_done(host_a)
    wait_for_done(host_b)
    assert host_a.stop() == 0 and host_b.stop() == 0
    got_a, got_b = recipients(workdir / "outbox_a"), recipients(workdir / "outbox_b")
    assert sorted(got_a + got_b) == sorted(r["email"] for r in readers(30))  # each exactly once
    assert RUN_STARTED.search(host_a.output()) and RUN_STARTED.search(host_b.output())
    engine = engine_for(db_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
        )
        assert dict(rows.all()) == {"sent": 30}


def test_sigterm_mid_send_finishes_the_batch_exits_0_and_loses_nothing(
    write_config: WriteConfig,
    db_url: str,
    start_scheduler: StartScheduler,
    workdir: Path,
    engine_for: Callable[[str], Engine],
) -> None:
    everyone = sorted(r["email"] for r in readers(40))
    launched: list[Scheduler] = []

    def launch(at: str) -> list[Scheduler]:
        schedule = {"at": at, "batch_size": 4, "batch_pause_seconds": 0.3}
        config = write_config(db=db_url, schedule=schedule, subscribers=readers(40))
        launched[:] = [start_scheduler(config, log="first.log")]
        return launched

    at, when = started_ahead_of_fire(launch, STARTUP)
    first = launched[0]
    schedule = {"at": at, "batch_size": 4, "batch_pause_seconds": 0.3}
    config = write_config(db=db_url, schedule=schedule, subscribers=readers(40))
    deadline = time.monotonic() + 15
    while not list((workdir / "outbox").rglob("*.eml")):
        assert time.monotonic() < deadline, first.output()
        time.sleep(0.02)
    assert first.stop() == 0  # SIGTERM while batches are still going out
    sent_first = recipients(workdir / "outbox")
    assert 0 < len(sent_first) < 40 and len(sent_first) % 4 == 0, first.output()  # whole batches
    engine = engine_for(db_url)
    record = get_run(engine, "Daily Papers", when.date())
    assert record is not None and record.status == "interrupted", record
    assert record.sent == len(sent_first)
    with engine.connect() as connection:
        statuses = dict(
            connection.execute(
                select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
            ).all()
        )
    assert "sending" not in statuses  # nothing in doubt: the ledger was recorded

    write_config(db=db_url, schedule=schedule, subscribers=readers(40), outbox="outbox2")
    second = start_scheduler(config, log="second.log")  # resumes the interrupted day at once
    wait_for_done(second)
    assert second.stop() == 0
    sent_second = recipients(workdir / "outbox2")
    assert sorted(sent_first + sent_second) == everyone  # nobody lost, nobody twice
    record = get_run(engine, "Daily Papers", when.date())
    assert record is not None and (record.status, record.sent) == ("sent", 40)


def test_sigterm_during_start_up_still_exits_0(
    write_config: WriteConfig, db_url: str, start_scheduler: StartScheduler
) -> None:
    scheduler = start_scheduler(write_config(db=db_url, schedule={"at": "07:00"}))
    scheduler.wait_for("scheduler started; stop with SIGTERM")  # logged just before start()
    assert scheduler.stop(timeout=30) == 0  # start-up finishes first; slow on a busy machine
    assert "scheduler stopped" in scheduler.output()
