"""Render time and bytes for the seed page (63 papers) and a 500-paper day.

    .venv/bin/python bench/bench_render.py [--repeat 5]

Where the official MJML CLI is installed (``npm install mjml`` in bench/.mjml, git-ignored;
or ``mjml`` on PATH) the same MJML source is compiled with it in the same run and the
time and size ratios to mjml-python are printed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mjml import mjml2html  # noqa: E402

from newsletter.config import load_config  # noqa: E402
from newsletter.models import Issue, Paper  # noqa: E402
from newsletter.render import Renderer, build_context  # noqa: E402
from newsletter.topics import group_by_topic  # noqa: E402
from tests.render.seed import SEED_DAY, big_day, seed_papers  # noqa: E402

CONFIG = REPO / "config" / "newsletter.yaml"
EMPTY_MJML = b"<mjml><mj-body><mj-text>x</mj-text></mj-body></mjml>"


def issue_of(papers: list[Paper]) -> Issue:
    model = load_config(CONFIG).model
    sections = group_by_topic(papers, model.topics, model.grouping)
    return Issue(model.newsletter.name, SEED_DAY, sections)


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def official_mjml() -> list[str] | None:
    local = REPO / "bench" / ".mjml" / "node_modules" / ".bin" / "mjml"
    if local.exists():
        return [str(local)]
    found = shutil.which("mjml")
    return [found] if found else None


def bench_day(label: str, papers: list[Paper], repeat: int, official: list[str] | None) -> None:
    issue = issue_of(papers)
    ctx = build_context(issue, load_config(CONFIG).model.newsletter, None)
    renderer = Renderer()
    tracemalloc.start()
    rendered = renderer.render(issue, ctx)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    seconds = timed(lambda: renderer.render(issue, ctx), repeat)
    print(f"{label}: {len(papers)} papers")
    print(f"  render (budget included): {seconds * 1000:.1f} ms median of {repeat}")
    print(f"  HTML: {rendered.html_bytes:,} bytes, {rendered.step_description}")
    print(f"  text part: {len(rendered.text.encode()):,} bytes; peak memory {peak / 1e6:.1f} MB")
    source = renderer.render_mjml(ctx)  # the full-detail MJML, same input for both compilers
    ours = timed(lambda: mjml2html(source, disable_comments=True, fonts={}), repeat)
    ours_bytes = len(mjml2html(source, disable_comments=True, fonts={}).encode())
    print(
        f"  full-detail MJML ({len(source.encode()):,} bytes) with mjml-python: "
        f"{ours * 1000:.1f} ms -> {ours_bytes:,} bytes"
    )
    if official is None:
        print("  official MJML CLI: not installed (npm install mjml in bench/.mjml)")
        return
    command = [*official, "-i", "-s", "--noStdoutFileComment"]

    def run_official() -> bytes:
        return subprocess.run(
            command, input=source.encode(), capture_output=True, check=True
        ).stdout

    def run_empty() -> bytes:
        return subprocess.run(command, input=EMPTY_MJML, capture_output=True, check=True).stdout

    runs = max(1, repeat)
    theirs, startup = timed(run_official, runs), timed(run_empty, runs)
    theirs_bytes = len(run_official())
    print(
        f"  same MJML with the official CLI: {theirs * 1000:.1f} ms -> {theirs_bytes:,} bytes "
        f"(node start-up alone, an empty document: {startup * 1000:.1f} ms)"
    )
    net = max(theirs - startup, 0.0)
    print(
        f"  ratio official/mjml-python: time {theirs / ours:.0f}x "
        f"({net / ours:.0f}x without start-up), bytes {theirs_bytes / ours_bytes:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    official = official_mjml()
    if official:
        version = subprocess.run([*official, "--version"], capture_output=True, text=True)
        print(f"official MJML CLI: {' '.join(version.stdout.split())}")
    bench_day("seed page", seed_papers(), args.repeat, official)
    bench_day("500-paper day", big_day(500), args.repeat, official)


if __name__ == "__main__":
    main()
