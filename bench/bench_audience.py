"""Delivery at the real shape of an audience: prints figures, asserts nothing.

Sections (all by default; pick with --only):
  personalised  100,000 readers with 1-6 random shipped topics each (thousands of distinct
                topic sets), ``newsletter run`` to a fake SendGrid that takes 100 ms per
                request: wall time, peak RSS, requests, each due reader exactly once.
  million       1,000,000 readers in 32 topic sets: ``subscribers import`` and ``run`` (fake
                answering at once), each with its wall time and peak RSS.
  local         local cost per reader (links, personalization, ledger row) and the batched
                run against one request per reader, the fake answering at once, same run.
  smtp          20,000 messages to aiosmtpd with 1 and 4 connections.
  senders       two ``newsletter run`` processes on PostgreSQL sending one 50,000-reader
                issue ($NEWSLETTER_BENCH_PG_URL or $NEWSLETTER_TEST_PG_URL): duplicates,
                missing readers, each one's share.

Every ``newsletter run`` is a subprocess started from a small launcher, as a user runs it,
so its peak RSS is its own. Run from the repository root:
    .venv/bin/python bench/bench_audience.py [--only personalised,local]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsletter.config import load_config  # noqa: E402
from newsletter.pipeline import collect_and_group  # noqa: E402

KEY = "SG.bench-key"
DAY = dt.date(2025, 10, 3)
SECTIONS = ("personalised", "million", "local", "smtp", "senders")
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
out = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
print(out)
print("RUSAGE", usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def shipped_topics() -> list[str]:
    data = yaml.safe_load((REPO / "config" / "newsletter.yaml").read_text())
    return [t["name"] for t in data["topics"]]


def write_config(folder: Path, delivery: dict[str, object], database: str | None = None) -> Path:
    data = yaml.safe_load((REPO / "config" / "newsletter.yaml").read_text())
    data["subscribers"] = []
    data["database"] = database or f"sqlite:///{folder / 'bench.db'}"
    data["delivery"] = delivery
    data["collect"] = {**data.get("collect", {}), "skip_seen": False}
    config = folder / "bench.yaml"
    config.write_text(yaml.safe_dump(data))
    return config


def sendgrid(url: str, **options: object) -> dict[str, object]:
    return {"backend": "sendgrid", "options": {"api_key_env": "BENCH_KEY", "host": url,
                                               "timeout": 60, **options}}  # fmt: skip


def write_readers(path: Path, count: int, topic_of: list[str]) -> None:
    with path.open("w") as handle:
        handle.write("email,name,topics\n")
        for i in range(count):
            handle.write(f"reader{i:07d}@example.org,Reader {i},{topic_of[i % len(topic_of)]}\n")


def random_sets(count: int, seed: int = 13) -> list[str]:
    """``count`` readers' topic cells: 1-6 shipped topics each, chosen at random."""
    pick = random.Random(seed)
    names = shipped_topics()
    return [";".join(pick.sample(names, pick.randint(1, 6))) for _ in range(count)]


def fixed_sets(count: int) -> list[str]:
    """``count`` distinct topic sets that all have papers on the sample day."""
    config = load_config(REPO / "config" / "newsletter.yaml")
    _, issue = collect_and_group(config, DAY)
    names = [s.topic.name for s in issue.sections]
    subsets = [c for k in range(1, len(names) + 1) for c in itertools.combinations(names, k)]
    return ["", *(";".join(c) for c in subsets[: count - 1])]


def newsletter(config: Path, env: dict[str, str], *args: str) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit code, output) of one ``newsletter`` command."""
    command = [sys.executable, "-m", "newsletter", *args, "--config", str(config)]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *command], cwd=config.parent,
                          env=env, capture_output=True, text=True, check=False)  # fmt: skip
    seconds = time.perf_counter() - started
    found = re.search(r"RUSAGE (\d+) (-?\d+)", done.stdout)
    assert found, done.stdout + done.stderr
    return seconds, int(found.group(1)) / 1024, int(found.group(2)), done.stdout


class Fake:
    """The fake SendGrid in a process of its own (it validates every body)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.sendgrid_server", "--key", KEY],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{self.process.stdout.readline().strip()}"

    def say(self, line: str = "counts") -> dict[str, float]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return dict(json.loads(self.process.stdout.readline()))

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        self.process.wait(timeout=60)


def summary(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(("Recipients", "  skipped"))]
    return " | ".join(lines)


def bench_run(folder: Path, env: dict[str, str], readers: int, cells: list[str],
              latency: float, label: str) -> None:  # fmt: skip
    fake = Fake()
    try:
        config = write_config(folder, sendgrid(fake.url))
        csv_file = folder / "readers.csv"
        write_readers(csv_file, readers, cells)
        distinct = len({frozenset(c.split(";")) if c else None for c in cells})
        seconds, peak, code, out = newsletter(config, env, "subscribers", "import", str(csv_file))
        print(f"  subscribers import: {readers:,} rows in {seconds:.1f} s, peak RSS {peak:.0f} MB"
              f" (exit {code})")  # fmt: skip
        fake.say(f"latency {latency}")
        seconds, peak, code, out = newsletter(config, env, "run", "--date", str(DAY))
        counts = fake.say()
        dupes = counts["recipients"] - counts["unique_recipients"]
        sent = int(re.search(r"Recipients: ([\d,]+) sent", out).group(1).replace(",", ""))  # type: ignore[union-attr]
        print(
            f"  run ({label}, {distinct:,} distinct topic sets): {seconds:.1f} s wall,"
            f" peak RSS {peak:.0f} MB, {counts['requests']:,.0f} requests, exit {code}"
        )
        print(f"    {summary(out)}")
        print(f"    delivered {counts['recipients']:,.0f} to {counts['unique_recipients']:,.0f}"
              f" readers: {dupes:,.0f} duplicates, reported sent {sent:,}")  # fmt: skip
    finally:
        fake.close()


def personalised(env: dict[str, str], args: argparse.Namespace) -> None:
    print(f"personalised: {args.readers:,} readers, 1-6 random shipped topics each,"
          f" fake SendGrid with a {args.latency * 1000:.0f} ms round trip")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        cells = random_sets(args.readers)
        bench_run(Path(folder), env, args.readers, cells, args.latency, "100 ms round trip")


def million(env: dict[str, str], args: argparse.Namespace) -> None:
    print(f"million: {args.million:,} readers in 32 topic sets, fake answering at once")
    with tempfile.TemporaryDirectory() as folder:
        bench_run(Path(folder), env, args.million, fixed_sets(32), 0.0, "fake at once")


def local_cost(count: int) -> dict[str, float]:
    """CPU microseconds per reader for what a run does per reader, in batches of 1,000:
    sign the two links, build the SendGrid personalization (JSON), the ledger row (prepare,
    claim, record) in a fresh SQLite file."""
    from newsletter.compose import IssueComposer
    from newsletter.delivery.sendgrid import _personalization
    from newsletter.models import DeliveryResult, Subscriber
    from newsletter.store import open_database
    from newsletter.store.issues import get_or_create_issue
    from newsletter.store.ledger import Ledger
    from newsletter.tokens import TokenSigner

    loaded = load_config(REPO / "config" / "newsletter.yaml")
    _, issue = collect_and_group(loaded, DAY)
    composer = IssueComposer(loaded, issue, TokenSigner("bench-secret"))
    readers = [Subscriber(f"local{i:07d}@example.org", id=i + 1) for i in range(count)]
    cpu: dict[str, float] = {"links": 0.0, "personalization": 0.0, "ledger": 0.0}
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{folder}/local.db")
        ledger = Ledger(engine, get_or_create_issue(engine, "bench", DAY))
        for start in range(0, count, 1000):
            batch = readers[start : start + 1000]
            t0 = time.process_time()
            recipients = [composer.recipient(r) for r in batch]
            t1 = time.process_time()
            json.dumps([_personalization(r) for r in recipients])
            t2 = time.process_time()
            emails = [r.email for r in batch]
            ledger.prepare(emails)
            claimed = ledger.claim(emails)
            ledger.record([DeliveryResult(e, "sent", provider_id="x") for e in claimed])
            t3 = time.process_time()
            cpu["links"] += t1 - t0
            cpu["personalization"] += t2 - t1
            cpu["ledger"] += t3 - t2
        engine.dispose()
    return {k: v / count * 1e6 for k, v in cpu.items()}


def naive_rate(url: str, count: int) -> float:
    """Readers per second when every reader is one API request (composed as it goes)."""
    from newsletter.compose import IssueComposer
    from newsletter.delivery.sendgrid import SendGridBackend
    from newsletter.models import Subscriber
    from newsletter.tokens import TokenSigner

    loaded = load_config(REPO / "config" / "newsletter.yaml")
    _, issue = collect_and_group(loaded, DAY)
    composer = IssueComposer(loaded, issue, TokenSigner("bench-secret"))
    rendered = composer.segment(None)
    assert rendered is not None
    readers = [Subscriber(f"naive{i:05d}@example.org", id=i + 1) for i in range(count)]
    backend = SendGridBackend(KEY, host=url, timeout=60, concurrency=1)
    started = time.perf_counter()
    for start in range(0, count, 100):
        chunk = [composer.compose(r, rendered) for r in readers[start : start + 100]]
        assert all(r.status == "sent" for r in backend.send_messages(chunk))
    return count / (time.perf_counter() - started)


def local(env: dict[str, str], args: argparse.Namespace) -> None:
    costs = local_cost(args.local)
    print(f"local: cost per reader over {args.local:,} readers (CPU): "
          + ", ".join(f"{k} {v:.1f} us" for k, v in costs.items())
          + f"; total {sum(costs.values()):.1f} us")  # fmt: skip
    fake = Fake()
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            config = write_config(folder, sendgrid(fake.url))
            csv_file = folder / "readers.csv"
            write_readers(csv_file, args.readers, fixed_sets(32))
            newsletter(config, env, "subscribers", "import", str(csv_file))
            seconds, peak, code, _ = newsletter(config, env, "run", "--date", str(DAY))
            batched = args.readers / seconds
            naive = naive_rate(fake.url, args.naive)
    finally:
        fake.close()
    print(f"  batched: `newsletter run`, {args.readers:,} readers in 32 sets, fake at once:"
          f" {seconds:.1f} s wall (process start included), {batched:,.0f} readers/s,"
          f" peak RSS {peak:.0f} MB, exit {code}")  # fmt: skip
    print(f"  one request per reader ({args.naive:,} readers): {naive:,.0f} readers/s;"
          f" batched/naive {batched / naive:.0f}x")  # fmt: skip


SENDER = """
import subprocess, sys
runs = [subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True) for _ in range(2)]
for run in runs:
    print(run.communicate()[0])
    print("EXIT", run.returncode)
"""


def senders(env: dict[str, str], args: argparse.Namespace) -> None:
    import sqlalchemy

    url = os.environ.get("NEWSLETTER_BENCH_PG_URL") or os.environ.get("NEWSLETTER_TEST_PG_URL")
    if not url:
        print("senders: skipped (set NEWSLETTER_BENCH_PG_URL or NEWSLETTER_TEST_PG_URL)")
        return
    schema = f"bench_{secrets.token_hex(4)}"
    admin = sqlalchemy.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    database = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    fake = Fake()
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            config = write_config(folder, sendgrid(fake.url, batch_size=500), database)
            csv_file = folder / "readers.csv"
            write_readers(csv_file, args.senders, [""])
            newsletter(config, env, "subscribers", "import", str(csv_file))
            fake.say("latency 0.05")
            command = [sys.executable, "-m", "newsletter", "run", "--config", str(config),
                       "--date", str(DAY)]  # fmt: skip
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", SENDER, *command], env=env, cwd=folder,
                                  capture_output=True, text=True, check=False)  # fmt: skip
            seconds = time.perf_counter() - started
            counts = fake.say()
    finally:
        fake.close()
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    shares = [
        int(m.replace(",", "")) for m in re.findall(r"Recipients: ([\d,]+) sent", done.stdout)
    ]
    codes = re.findall(r"EXIT (-?\d+)", done.stdout)
    dupes = counts["recipients"] - counts["unique_recipients"]
    missing = args.senders - counts["unique_recipients"]
    print(
        f"senders: two `newsletter run` on PostgreSQL, one {args.senders:,}-reader issue,"
        f" fake with a 50 ms round trip: {seconds:.1f} s; shares {shares} (sum"
        f" {sum(shares):,}), {dupes:,.0f} duplicates, {missing:,.0f} missing, exits {codes}"
    )


SMTP_SERVER = """
import asyncio, sys
from aiosmtpd.controller import Controller
class Count:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Count.n += 1
        return "250 OK"
port = int(sys.argv[1])
c = Controller(Count(), hostname="127.0.0.1", port=port)
c.start()
print(port, flush=True)
for line in sys.stdin:
    print(Count.n, flush=True)
"""


def smtp_rate(port: int, count: int, connections: int) -> float:
    """Messages per second through the smtp backend, ``connections`` workers sending one
    message per call as the delivery workers do."""
    from concurrent.futures import ThreadPoolExecutor

    from newsletter.delivery.smtp import SmtpBackend
    from tests.delivery.helpers import readers, segment_message

    backend = SmtpBackend("127.0.0.1", port, security="none", timeout=30,
                          concurrency=connections)  # fmt: skip
    template = segment_message()
    batch = readers(count)
    started, cpu = time.perf_counter(), time.process_time()
    with backend, ThreadPoolExecutor(connections) as workers:
        results = workers.map(lambda r: backend.send_segment(template, [r]), batch)
        assert all(r[0].status == "sent" for r in results)
    seconds = time.perf_counter() - started
    per_message = (time.process_time() - cpu) / count * 1e6
    print(f"    {connections} connection(s): client CPU {per_message:.0f} us per message,"
          f" {backend.connections_opened} connections opened")  # fmt: skip
    return count / seconds


def smtp(env: dict[str, str], args: argparse.Namespace) -> None:
    from tests.delivery.conftest import free_port

    server = subprocess.Popen([sys.executable, "-c", SMTP_SERVER, str(free_port())],
                              stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert server.stdout is not None and server.stdin is not None
    port = int(server.stdout.readline())
    try:
        one = smtp_rate(port, args.smtp, 1)
        four = smtp_rate(port, args.smtp, 4)
        server.stdin.write("count\n")
        server.stdin.flush()
        received = int(server.stdout.readline())
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"smtp: {args.smtp:,} messages to aiosmtpd (its own process): {one:,.0f} msg/s on one"
          f" connection, {four:,.0f} msg/s on 4 ({four / one:.1f}x; {four / 304:.1f}x the"
          f" 304 msg/s of the previous release); the server received {received:,}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description="Delivery at audience scale (prints figures).")
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--readers", type=int, default=100_000)
    parser.add_argument("--million", type=int, default=1_000_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--naive", type=int, default=2_000)
    parser.add_argument("--smtp", type=int, default=20_000)
    parser.add_argument("--senders", type=int, default=50_000)
    parser.add_argument("--local", type=int, default=20_000)
    args = parser.parse_args()
    env = {**os.environ, "BENCH_KEY": KEY, "NEWSLETTER_SECRET": "bench-secret",
           "PYTHONPATH": str(REPO)}  # fmt: skip
    os.environ.update(BENCH_KEY=KEY)
    chosen = args.only.split(",")
    for name in SECTIONS:
        if name in chosen:
            globals()[name](env, args)


if __name__ == "__main__":
    main()
