"""Crash tests: ``newsletter run`` in a subprocess is SIGKILLed at exact points, then run
again; every reader must end with exactly one message.

The servers in this process kill the client at the two points that matter:
*in flight* (the provider has the request but has not accepted it) and *accepted but not
recorded* (the provider accepted; the client dies before its ledger commit). The outbox,
which is idempotent by file name, is killed after a number of files exist.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.store import open_database
from newsletter.store.issues import get_or_create_issue
from newsletter.store.ledger import Ledger
from newsletter.store.subscribers import SubscriberInput, upsert_many
from tests.delivery.conftest import API_KEY, SmtpSink, start_smtp
from tests.delivery.test_run_delivery import DAY, write_config

READERS = 200
BATCH = 20  # SendGrid readers per request: 10 requests
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRASH_KEY", API_KEY)  # the config check runs here too


class Client:
    """``python -m newsletter run`` as a subprocess that a server hook can SIGKILL."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.config, self.env = config, env
        self.process: subprocess.Popen[bytes] | None = None
        self.killed = False
        self.output = ""  # what the last run that was not killed printed

    def run(self, *extra: str) -> int:
        command = [sys.executable, "-m", "newsletter", "run", "--config", str(self.config)]
        self.process = subprocess.Popen(
            [*command, "--date", DAY, *extra],
            env=self.env,
            cwd=self.config.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        out, _ = self.process.communicate(timeout=120)
        self.output = out.decode("utf-8", "replace")
        return self.process.returncode

    def resolve(self, *extra: str) -> str:
        """``newsletter deliveries resolve`` for the day; answers what it printed."""
        command = [sys.executable, "-m", "newsletter", "deliveries", "resolve"]
        done = subprocess.run(
            [*command, "--config", str(self.config), "--date", DAY, *extra],
            env=self.env, cwd=self.config.parent, capture_output=True, text=True,
            timeout=60, check=True,
        )  # fmt: skip
        return done.stdout

    def kill(self) -> None:
        assert self.process is not None
        self.killed = True
        os.kill(self.process.pid, signal.SIGKILL)


def prepare(folder: Path, delivery: dict, subprocess_env: dict[str, str]) -> Client:
    config = write_config(folder, delivery, subscribers=[])
    engine = open_database(load_config(config).model.database.url)
    entries = [SubscriberInput(f"reader{i:03d}@example.org") for i in range(READERS)]
    upsert_many(engine, entries, origin="csv")
    engine.dispose()
    return Client(config, {**subprocess_env, "CRASH_KEY": API_KEY, "NEWSLETTER_SECRET": "s"})


def ledger_counts(config: Path) -> Counter[str]:
    loaded = load_config(config)
    engine = open_database(loaded.model.database.url)
    issue = get_or_create_issue(engine, loaded.model.newsletter.name, dt.date.fromisoformat(DAY))
    counts = Ledger(engine, issue).counts()
    engine.dispose()
    return counts


EVERYONE = Counter({f"reader{i:03d}@example.org": 1 for i in range(READERS)})


def ledger_rows(config: Path) -> dict[str, str]:
    loaded = load_config(config)
    engine = open_database(loaded.model.database.url)
    issue = get_or_create_issue(engine, loaded.model.newsletter.name, dt.date.fromisoformat(DAY))
    statuses = Ledger(engine, issue).statuses()
    engine.dispose()
    return statuses


def assert_once_and_nothing_lost(delivered: list[str], config: Path, in_flight: int) -> None:
    """No reader twice; every reader either delivered or in doubt (reported, not resent);
    at most ``in_flight`` requests' worth of readers in doubt."""
    assert max(Counter(delivered).values()) == 1
    rows = ledger_rows(config)
    in_doubt = {e for e, status in rows.items() if status == "sending"}
    sent = {e for e, status in rows.items() if status == "sent"}
    assert set(rows) == set(EVERYONE) and sent | in_doubt == set(EVERYONE)
    assert sent <= set(delivered) and set(delivered) <= set(EVERYONE)
    assert 0 < len(in_doubt) <= in_flight


@pytest.mark.parametrize(("kill_at", "concurrency"), [(1, 1), (5, 1), (10, 1), (1, 4), (6, 4)])
def test_sendgrid_killed_after_acceptance_rerun_sends_each_at_most_once(
    workdir: Path, sendgrid_server, subprocess_env, kill_at: int, concurrency: int
) -> None:
    options = {
        "api_key_env": "CRASH_KEY",
        "host": sendgrid_server.url,
        "batch_size": BATCH,
        "concurrency": concurrency,
    }
    client = prepare(workdir, {"backend": "sendgrid", "options": options}, subprocess_env)
    sendgrid_server.after_accept = lambda n: client.kill() if n == kill_at else None
    assert client.run() == -signal.SIGKILL
    assert len(sendgrid_server.delivered()) >= BATCH * kill_at  # the killed one was accepted
    if concurrency == 1:
        assert len(sendgrid_server.delivered()) == BATCH * kill_at

    sendgrid_server.after_accept = None
    assert client.run() == 1  # finishes the rest, reports the batches in doubt, resends none
    assert "in doubt" in client.output
    assert_once_and_nothing_lost(sendgrid_server.delivered(), client.config, concurrency * BATCH)
    if concurrency == 1:
        assert Counter(sendgrid_server.delivered()) == EVERYONE
        assert ledger_counts(client.config) == {"sent": READERS - BATCH, "sending": BATCH}
    # SendGrid knows each batch in flight by the key its claim recorded: --check settles them.
    settled = client.resolve("--check", "--missing-after", "0")
    if concurrency == 1:
        assert f"SendGrid had {BATCH} of them: settled as sent" in settled
    assert client.run() == 0
    assert Counter(sendgrid_server.delivered()) == EVERYONE


@pytest.mark.parametrize(("kill_at", "concurrency"), [(1, 1), (7, 1), (3, 4)])
def test_sendgrid_killed_in_flight_in_doubt_readers_are_never_resent_by_default(
    workdir: Path, sendgrid_server, subprocess_env, kill_at: int, concurrency: int
) -> None:
    options = {
        "api_key_env": "CRASH_KEY",
        "host": sendgrid_server.url,
        "batch_size": BATCH,
        "concurrency": concurrency,
    }
    client = prepare(workdir, {"backend": "sendgrid", "options": options}, subprocess_env)

    def kill_and_drop(number: int) -> bool:
        if number != kill_at:
            return False
        client.kill()
        return True

    sendgrid_server.before_accept = kill_and_drop
    assert client.run() == -signal.SIGKILL
    sendgrid_server.before_accept = None
    assert client.run() == 1  # the batches in flight are in doubt: never sent twice by default
    assert "in doubt" in client.output
    assert_once_and_nothing_lost(sendgrid_server.delivered(), client.config, concurrency * BATCH)
    if concurrency == 1:
        assert len(sendgrid_server.delivered()) == READERS - BATCH
    if kill_at == 1 or concurrency > 1:  # SendGrid says which batches in flight it took
        settled = client.resolve("--check", "--missing-after", "0")
        if concurrency == 1:
            assert f"{BATCH} it does not know: settled as unsent" in settled
        assert client.run() == 0
    else:
        assert client.run("--retry-in-doubt") == 0  # the operator checked: they never arrived
    assert Counter(sendgrid_server.delivered()) == EVERYONE
    assert ledger_counts(client.config) == {"sent": READERS}


@pytest.mark.parametrize(("kill_at", "concurrency"), [(1, 1), (100, 1), (1, 4), (60, 4)])
def test_smtp_killed_after_the_server_kept_a_message(
    workdir: Path, subprocess_env, kill_at: int, concurrency: int
) -> None:
    sink = SmtpSink()
    controller, port = start_smtp(sink)
    try:
        options = {"host": "127.0.0.1", "port": port, "security": "none"}
        options["concurrency"] = concurrency
        client = prepare(workdir, {"backend": "smtp", "options": options}, subprocess_env)
        sink.on_data = lambda n: client.kill() if n == kill_at else None
        assert client.run() == -signal.SIGKILL
        sink.on_data = None
        assert client.run() == 1  # the messages in doubt are reported, not sent again
        assert "in doubt" in client.output
    finally:
        controller.stop()
    assert_once_and_nothing_lost(sink.recipients(), client.config, concurrency)
    if concurrency == 1:
        assert Counter(sink.recipients()) == EVERYONE
        assert ledger_counts(client.config) == {"sent": READERS - 1, "sending": 1}


@pytest.mark.parametrize("files_before_kill", [1, 80, 199])
def test_outbox_killed_anywhere_rerun_leaves_exactly_one_file_each(
    workdir: Path, subprocess_env, files_before_kill: int
) -> None:
    client = prepare(workdir, {"backend": "outbox", "options": {"dir": "outbox"}}, subprocess_env)
    command = [sys.executable, "-m", "newsletter", "run", "--config", str(client.config)]
    process = subprocess.Popen(
        [*command, "--date", DAY], env=client.env, cwd=workdir,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(list(workdir.glob("outbox/*/*.eml"))) < files_before_kill:
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert client.run() == 0  # in-doubt rows are simply written again: same file name
    files = sorted(p.name for p in workdir.glob("outbox/*/*"))
    assert files == sorted(f"{address}.eml" for address in EVERYONE)  # no .tmp left over
    assert ledger_counts(client.config) == {"sent": READERS}
