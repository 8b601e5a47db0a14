"""Several ``newsletter run`` processes sending one issue: on PostgreSQL they share the
work (each reader once, the shares add up); on SQLite the second one waits and says why."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from newsletter.store import open_database
from newsletter.store.subscribers import SubscriberInput, upsert_many
from tests.delivery.conftest import API_KEY
from tests.delivery.test_run_delivery import DAY, write_config

READERS = 3000
pytestmark = pytest.mark.slow


def start_run(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "newsletter", "run", "--config", str(config), "--date", DAY]
    return subprocess.Popen(
        command, env=env, cwd=config.parent, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def sent_count(output: str) -> int:
    found = re.search(r"Recipients: ([\d,]+) sent", output)
    assert found, output
    return int(found.group(1).replace(",", ""))


def two_runs(workdir: Path, db_url: str, sendgrid_server, subprocess_env) -> list[str]:
    options = {
        "api_key_env": "SENDERS_KEY",
        "host": sendgrid_server.url,
        "batch_size": 50,
        "concurrency": 2,
    }
    config = write_config(
        workdir, {"backend": "sendgrid", "options": options}, subscribers=[], database=db_url
    )
    engine = open_database(db_url)
    upsert_many(engine, [SubscriberInput(f"r{i:04d}@example.org") for i in range(READERS)], "csv")
    engine.dispose()
    env = {**subprocess_env, "SENDERS_KEY": API_KEY, "NEWSLETTER_SECRET": "s"}
    sendgrid_server.latency = 0.1  # a network's round trip: both runs are busy at once
    runs = [start_run(config, env) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    return outputs


@pytest.mark.postgres
def test_two_runs_on_postgresql_share_one_issue_each_reader_once(
    workdir: Path, db_url: str, sendgrid_server, subprocess_env, monkeypatch
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several senders share an issue on PostgreSQL")
    monkeypatch.setenv("SENDERS_KEY", API_KEY)
    outputs = two_runs(workdir, db_url, sendgrid_server, subprocess_env)
    delivered = Counter(sendgrid_server.delivered())
    assert len(delivered) == READERS and set(delivered.values()) == {1}
    shares = [sent_count(output) for output in outputs]
    assert sum(shares) == READERS, shares  # (on a busy machine one may start after the other)
    for output, share in zip(outputs, shares, strict=True):
        # The other run's readers: sending when this one looked (another run) or done already.
        found = re.findall(
            r"skipped ([\d,]+): (?:sent by another run of this issue|already sent)", output
        )
        assert sum(int(n.replace(",", "")) for n in found) == READERS - share, output


def test_a_second_run_on_sqlite_waits_and_sends_nothing_twice(
    workdir: Path, db_url: str, sendgrid_server, subprocess_env, monkeypatch
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the SQLite case")
    monkeypatch.setenv("SENDERS_KEY", API_KEY)
    outputs = two_runs(workdir, db_url, sendgrid_server, subprocess_env)
    delivered = Counter(sendgrid_server.delivered())
    assert len(delivered) == READERS and set(delivered.values()) == {1}
    assert sorted(sent_count(output) for output in outputs) == [0, READERS]
    waited = [o for o in outputs if "another newsletter run is sending" in o]
    assert len(waited) == 1 and "use PostgreSQL for several senders" in waited[0]
