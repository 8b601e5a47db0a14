"""SIGTERM and SIGINT on `newsletter run` (systemd and cron stop it with SIGTERM): the batch
with SendGrid finishes and is recorded, the summary is printed, nothing is left in doubt,
and a plain rerun sends the rest, every reader exactly once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.store import open_database
from newsletter.store.doubt import in_doubt
from tests.delivery.conftest import API_KEY
from tests.delivery.test_run_delivery import DAY, add_readers, write_config

READERS = 600  # 453 mailed (a quarter have no papers that day): 5+ requests of 100


def start_run(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsletter", "run", "--config", str(config), "--date", DAY],
        env={**env, "TEST_SENDGRID_KEY": API_KEY},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def slow_config(workdir: Path, sendgrid_server, monkeypatch) -> Path:
    monkeypatch.setenv("TEST_SENDGRID_KEY", API_KEY)
    sendgrid_server.latency = 0.3  # each request takes a while, so a signal lands mid-run
    # One request at a time, so the figures below are exact (the test after it has 4).
    options = {"api_key_env": "TEST_SENDGRID_KEY", "host": sendgrid_server.url,
               "timeout": 10, "batch_size": 100, "concurrency": 1}  # fmt: skip
    config = write_config(workdir, {"backend": "sendgrid", "options": options})
    add_readers(config, READERS)
    return config


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_finishes_the_batch_in_flight_and_leaves_nothing_in_doubt(
    slow_config: Path, sendgrid_server, subprocess_env, signum: signal.Signals
) -> None:
    process: list[subprocess.Popen[str]] = []
    # Signalled while SendGrid holds request 2: that batch must be answered and recorded.
    sendgrid_server.after_accept = lambda n: n == 2 and os.kill(process[0].pid, signum)
    process.append(start_run(slow_config, subprocess_env))
    out, err = process[0].communicate(timeout=60)
    assert process[0].returncode == 0, out + err
    assert f"Stopped by {signum.name}" in err
    # Requests 1 and 2 (the first two topic sets to fill a batch of 100); nothing after.
    assert "Recipients: 200 sent, 150 skipped, 0 failed, 253 left for the next run" in out
    assert len(sendgrid_server.delivered()) == 200
    engine = open_database(load_config(slow_config).model.database.url)
    assert in_doubt(engine, "Daily Papers") == []
    engine.dispose()

    sendgrid_server.after_accept = None
    rerun = start_run(slow_config, subprocess_env)
    out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, out + err
    delivered = Counter(sendgrid_server.delivered())
    assert len(delivered) == 453 and set(delivered.values()) == {1}


def test_a_second_signal_stops_at_once(slow_config: Path, sendgrid_server, subprocess_env) -> None:
    process: list[subprocess.Popen[str]] = []
    release = threading.Event()

    def twice(number: int) -> None:
        if number == 2:
            os.kill(process[0].pid, signal.SIGTERM)
            time.sleep(0.5)  # two signals at once would arrive as one
            os.kill(process[0].pid, signal.SIGTERM)
            release.wait(5)  # hold the answer: the process must not wait for it

    sendgrid_server.after_accept = twice
    process.append(start_run(slow_config, subprocess_env))
    try:
        process[0].communicate(timeout=30)
    finally:
        release.set()
    assert process[0].returncode == 128 + signal.SIGTERM


def test_with_requests_in_flight_together_a_signal_lets_each_finish_and_none_is_in_doubt(
    slow_config: Path, sendgrid_server, subprocess_env
) -> None:
    """Four requests in flight when SIGTERM comes: every one is answered and recorded, the
    rest wait for the rerun, and nobody is mailed twice."""
    text = slow_config.read_text().replace("concurrency: 1", "concurrency: 4")
    assert "concurrency: 4" in text
    slow_config.write_text(text)
    process: list[subprocess.Popen[str]] = []
    sendgrid_server.after_accept = lambda n: n == 2 and os.kill(process[0].pid, signal.SIGTERM)
    process.append(start_run(slow_config, subprocess_env))
    out, err = process[0].communicate(timeout=60)
    assert process[0].returncode == 0, out + err
    found = re.search(r"Recipients: ([\d,]+) sent, 150 skipped, 0 failed, ([\d,]+) left", out)
    assert found, out
    sent, left = (int(n.replace(",", "")) for n in found.groups())
    assert sent == len(sendgrid_server.delivered()) and sent + left == 453 and left > 0
    engine = open_database(load_config(slow_config).model.database.url)
    assert in_doubt(engine, "Daily Papers") == []
    engine.dispose()

    sendgrid_server.after_accept = None
    rerun = start_run(slow_config, subprocess_env)
    out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, out + err
    delivered = Counter(sendgrid_server.delivered())
    assert len(delivered) == 453 and set(delivered.values()) == {1}
