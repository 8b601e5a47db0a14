"""Delivery benchmark: prints figures, asserts nothing.

1. CSV import of N readers (default 100,000) into a fresh SQLite store.
2. ``newsletter run`` (a subprocess, as a user runs it) delivering the bundled sample day to
   those readers, spread over 32 topic segments, through a local fake SendGrid (another
   process that validates every body against SendGrid's schema): wall time, requests,
   peak memory (max RSS of the run).
3. The naive way on a 2,000-reader slice: one API request per reader; and the ratio.
4. SMTP to a local aiosmtpd: messages per second over one reused connection versus a new
   connection per message.

Run from the repository root:  python bench/bench_delivery.py [--readers 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsletter.compose import IssueComposer  # noqa: E402
from newsletter.config import load_config  # noqa: E402
from newsletter.delivery.sendgrid import SendGridBackend  # noqa: E402
from newsletter.delivery.smtp import SmtpBackend  # noqa: E402
from newsletter.pipeline import collect_and_group  # noqa: E402
from newsletter.store import open_database  # noqa: E402
from newsletter.store.subscriber_csv import import_csv  # noqa: E402
from newsletter.tokens import TokenSigner  # noqa: E402

KEY = "SG.bench-key"
DAY = dt.date(2025, 10, 3)


def topic_sets(with_papers: list[str], count: int) -> list[tuple[str, ...]]:
    """``count`` distinct topic sets that all have papers today; the first is "every topic"
    (an empty cell)."""
    subsets = [
        combo
        for size in range(1, len(with_papers) + 1)
        for combo in itertools.combinations(with_papers, size)
    ]
    return [(), *subsets[: count - 1]]


def write_files(folder: Path, url: str, readers: int, segments: int) -> tuple[Path, Path]:
    data = yaml.safe_load((REPO / "config" / "newsletter.yaml").read_text())
    data["subscribers"] = []
    data["database"] = f"sqlite:///{folder / 'bench.db'}"
    data["delivery"] = {"backend": "sendgrid", "options": {"api_key_env": "BENCH_KEY",
                                                           "host": url, "timeout": 60}}  # fmt: skip
    # The second comparison runs another day on the same sample papers: mail them again.
    data["collect"] = {**data.get("collect", {}), "skip_seen": False}
    config = folder / "bench.yaml"
    config.write_text(yaml.safe_dump(data))
    _, issue = collect_and_group(load_config(config), DAY)
    sets = topic_sets([s.topic.name for s in issue.sections], segments)
    csv_file = folder / "readers.csv"
    with csv_file.open("w") as handle:
        handle.write("email,name,topics\n")
        for i in range(readers):
            handle.write(f"reader{i:06d}@example.org,Reader {i},{';'.join(sets[i % len(sets)])}\n")
    return config, csv_file


def start_fake() -> tuple[subprocess.Popen[str], str]:
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.sendgrid_server", "--key", KEY],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert fake.stdout is not None
    return fake, f"http://127.0.0.1:{fake.stdout.readline().strip()}"


def fake_says(fake: subprocess.Popen[str], line: str = "counts") -> dict[str, float]:
    assert fake.stdin is not None and fake.stdout is not None
    fake.stdin.write(line + "\n")
    fake.stdin.flush()
    return dict(json.loads(fake.stdout.readline()))


# Linux counts the parent's memory into a child's peak RSS when the child is forked from a
# big process, so the measured run is started from this small launcher instead.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)
"""


def timed_run(config: Path, env: dict[str, str], day: dt.date) -> tuple[float, float, int]:
    """(seconds, max RSS in MB, exit code) of one ``newsletter run``."""
    command = [sys.executable, "-m", "newsletter", "run", "--config", str(config), "--date"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command, str(day)],
        cwd=config.parent, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    print("   ", " | ".join(done.stdout.strip().splitlines()[-3:]))
    max_rss_kb, code = done.stderr.split()[-2:]
    return seconds, int(max_rss_kb) / 1024, int(code)


def naive(config: Path, url: str, count: int) -> tuple[float, int]:
    """One API request per reader, as a loop over readers would do it."""
    loaded = load_config(config)
    _, issue = collect_and_group(loaded, DAY)
    composer = IssueComposer(loaded, issue, TokenSigner("bench-secret"))
    rendered = composer.segment(None)
    assert rendered is not None
    from newsletter.models import Subscriber

    readers = [Subscriber(f"naive{i:05d}@example.org") for i in range(count)]
    backend = SendGridBackend(KEY, host=url, timeout=60)
    started = time.perf_counter()
    for start in range(0, count, 100):  # composed as it goes, as a loop over readers would
        chunk = [composer.compose(r, rendered) for r in readers[start : start + 100]]
        assert all(r.status == "sent" for r in backend.send_messages(chunk))
    return time.perf_counter() - started, backend.requests


def smtp_rates(count: int) -> tuple[float, float]:
    from aiosmtpd.controller import Controller

    sys.path.insert(0, str(REPO))
    from tests.delivery.conftest import SmtpSink, free_port
    from tests.delivery.helpers import readers, segment_message

    port = free_port()
    controller = Controller(SmtpSink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        backend = SmtpBackend("127.0.0.1", port, security="none", timeout=30)
        batch = readers(count)
        started = time.perf_counter()
        with backend:
            backend.send_segment(segment_message(), batch)
        reused = count / (time.perf_counter() - started)
        started = time.perf_counter()
        for one in batch:  # not opened: each call opens and closes its own connection
            backend.send_segment(segment_message(), [one])
        fresh = count / (time.perf_counter() - started)
    finally:
        controller.stop()
    return reused, fresh


def compare(
    fake: subprocess.Popen[str], config: Path, env: dict[str, str], args: argparse.Namespace,
    day: dt.date, url: str,
) -> None:  # fmt: skip
    """The batched run and the naive slice at the fake's current latency, and the ratio."""
    before = fake_says(fake)
    seconds, peak_mb, code = timed_run(config, env, day)
    after = fake_says(fake)
    readers = int(after["recipients"] - before["recipients"])
    requests = int(after["requests"] - before["requests"])
    busy = after["busy_seconds"] - before["busy_seconds"]
    rate = readers / seconds
    print(f"  batched: {readers:,} readers in {args.segments} segments, {requests} requests,"
          f" {seconds:.2f} s wall ({busy:.2f} s of it the fake validating bodies),"
          f" {rate:,.0f} readers/s, peak RSS {peak_mb:.0f} MB (exit {code})")  # fmt: skip
    naive_seconds, naive_requests = naive(config, url, args.naive)
    naive_rate = args.naive / naive_seconds
    print(f"  naive:   {args.naive:,} readers, {naive_requests} requests,"
          f" {naive_seconds:.2f} s, {naive_rate:,.0f} readers/s")  # fmt: skip
    print(f"  ratio batched/naive: {rate / naive_rate:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description="Delivery benchmark (prints figures).")
    parser.add_argument("--readers", type=int, default=100_000)
    parser.add_argument("--segments", type=int, default=32)
    parser.add_argument("--naive", type=int, default=2_000)
    parser.add_argument("--smtp", type=int, default=500)
    parser.add_argument(
        "--latency", type=float, default=0.02, help="round trip the fake adds, second comparison"
    )
    args = parser.parse_args()
    env = {**os.environ, "BENCH_KEY": KEY, "NEWSLETTER_SECRET": "bench-secret",
           "PYTHONPATH": str(REPO)}  # fmt: skip
    os.environ.update(BENCH_KEY=KEY)
    fake, url = start_fake()
    try:
        with tempfile.TemporaryDirectory() as folder:
            config, csv_file = write_files(Path(folder), url, args.readers, args.segments)
            engine = open_database(load_config(config).model.database.url)
            started = time.perf_counter()
            report = import_csv(engine, csv_file, None)
            imported = time.perf_counter() - started
            print(f"import: {report.added:,} CSV rows in {imported:.2f} s")
            print("sendgrid, fake on 127.0.0.1 answering at once:")
            compare(fake, config, env, args, DAY, url)
            fake_says(fake, f"latency {args.latency}")
            print(f"sendgrid, fake adding a {args.latency * 1000:.0f} ms round trip per request:")
            compare(fake, config, env, args, DAY + dt.timedelta(days=1), url)
    finally:
        assert fake.stdin is not None
        fake.stdin.write("quit\n")
        fake.stdin.flush()
        fake.wait(timeout=30)
    reused, fresh = smtp_rates(args.smtp)
    print(f"smtp: {reused:,.0f} msg/s over one reused connection, {fresh:,.0f} msg/s with a"
          f" new connection per message ({reused / fresh:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
