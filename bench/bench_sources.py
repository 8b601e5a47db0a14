"""Normalize and de-duplicate 10,000 papers built from the recorded fixtures.

6,000 Hugging Face items (the 85 recorded ones, re-numbered) and 4,000 arXiv RSS items (the
152 recorded ones, re-numbered, all `new`), overlapping in 2,000 ids, go through the real
parsers (JSON + ``parse_hf_item``, defused XML + ``parse_rss``: LaTeX clean-up included) and
``merge_papers``. Prints time per stage, throughput, input bytes and peak memory.

    .venv/bin/python bench/bench_sources.py [--papers 10000]
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.sources.arxiv_formats import parse_rss  # noqa: E402
from newsletter.sources.collect import merge_papers  # noqa: E402
from newsletter.sources.formats import parse_hf_item  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def build_inputs(total: int) -> tuple[bytes, bytes]:
    """An HF body with 60% of ``total`` items and an RSS body with 40%, overlapping by 20%."""
    hf_count, rss_count = total * 6 // 10, total * 4 // 10
    templates = []
    for name in ("daily_papers_2025-10-03.json", "daily_papers_2024-10-10.json"):
        templates += json.loads((FIXTURES / "hf" / name).read_text(encoding="utf-8"))
    items = []
    for n in range(hf_count):
        item = copy.deepcopy(templates[n % len(templates)])
        item["paper"]["id"] = f"2601.{n:05d}"
        items.append(item)
    feed = (FIXTURES / "arxiv" / "rss_cs.CV_2026-08-21.xml").read_text(encoding="utf-8")
    head, rest = feed.split("<item>", 1)
    raw_items = ["<item>" + chunk.split("</item>")[0] + "</item>" for chunk in rest.split("<item>")]
    start = hf_count - total * 2 // 10  # the last 20% of HF ids reappear on arXiv
    out = []
    for n in range(rss_count):
        text = raw_items[n % len(raw_items)]
        old = re.search(r"oai:arXiv.org:([\w./-]+?)v\d+<", text)
        assert old is not None
        text = text.replace(old.group(1), f"2601.{start + n:05d}")
        text = re.sub(r"<arxiv:announce_type>[^<]+<", "<arxiv:announce_type>new<", text)
        out.append(text)
    rss = head + "\n".join(out) + "\n  </channel>\n</rss>\n"
    return json.dumps(items).encode(), rss.encode()


def run(hf_body: bytes, rss_body: bytes) -> tuple[dict[str, float], int, int]:
    times: dict[str, float] = {}
    started = time.perf_counter()
    hf = [parse_hf_item(item, f"item {i}") for i, item in enumerate(json.loads(hf_body))]
    times["normalize HF JSON"] = time.perf_counter() - started
    started = time.perf_counter()
    feed = parse_rss(rss_body, "bench")
    arxiv = [i.paper for i in feed.items if i.announce_type == "new"]
    times["normalize arXiv RSS"] = time.perf_counter() - started
    started = time.perf_counter()
    merged = merge_papers([hf, arxiv])
    times["de-duplicate (merge)"] = time.perf_counter() - started
    return times, len(hf) + len(arxiv), len(merged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    args = parser.parse_args()
    hf_body, rss_body = build_inputs(args.papers)
    times, seen, unique = run(hf_body, rss_body)
    total = sum(times.values())
    print(f"input: {seen:,} papers ({len(hf_body) + len(rss_body):,} bytes of JSON and XML)")
    for stage, seconds in times.items():
        print(f"  {stage:<22} {seconds:7.3f} s")
    print(f"total: {total:.3f} s, {seen / total:,.0f} papers/s -> {unique:,} unique papers")
    tracemalloc.start()
    run(hf_body, rss_body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak / 2**20:.1f} MiB traced (Python heap), {rss_max:.0f} MiB max RSS")


if __name__ == "__main__":
    main()
