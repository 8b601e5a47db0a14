"""Benchmark: group 10,000 papers into 50 topics. Target: at most 1 s on the project machine.

Papers: the 63 seed-page papers (tests/fixtures/) and the 39 papers of the bundled sample day,
repeated with fresh ids, varied upvotes, authors and arXiv categories until there are 10,000
(real titles and abstracts of realistic length, about 1,400 characters). Topics: the 12 shipped
in config/newsletter.yaml, after 38 generated ones built from real phrases of those abstracts
(keywords and phrases in every topic; an author-or-category branch in every 4th, a regex in
every 5th, a `none` exclusion in every 3rd), so each paper is checked against most topics.
Rules are compiled once; grouping is timed alone.

Run from the repository root:

    .venv/bin/python bench/bench_topics.py [--papers 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import itertools
import re
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsletter.config import load_config  # noqa: E402
from newsletter.config.models import GroupingConfig, TopicConfig  # noqa: E402
from newsletter.models import Paper  # noqa: E402
from newsletter.sources import build_sources  # noqa: E402
from newsletter.sources.collect import collect_papers  # noqa: E402
from newsletter.topics import compile_topics, group_compiled  # noqa: E402
from tests.seed_page import seed_papers  # noqa: E402

CATEGORIES = ["cs.CV", "cs.LG", "cs.CL", "cs.AI", "stat.ML", "eess.IV", "q-bio.BM", "cs.RO"]
TARGET_SECONDS = 1.0


def base_papers() -> list[Paper]:
    loaded = load_config(REPO / "config" / "newsletter.yaml")
    sample = collect_papers(build_sources(loaded), dt.date(2025, 10, 3)).papers
    return seed_papers() + sample


def make_papers(count: int) -> list[Paper]:
    base = base_papers()
    papers = []
    for i in range(count):
        paper = base[i % len(base)]
        papers.append(
            replace(
                paper,
                id=f"bench-{i:05d}",
                upvotes=(i * 37) % 101,
                authors=(f"Author {i % 997}", f"Researcher {i % 31}"),
                categories=(CATEGORIES[i % 8], CATEGORIES[(i * 3 + 1) % 8]),
            )
        )
    return papers


def generated_topics(
    papers: list[Paper], count: int, regex_every: int = 5
) -> list[dict[str, object]]:
    """Topics made of real phrases: bigrams from the abstracts that are neither frequent nor
    unique, so rules do match now and then, as real interests do."""
    words = collections.Counter()
    bigrams = collections.Counter()
    for paper in papers[:102]:
        tokens = re.findall(r"[a-z]{5,}", paper.abstract.lower())
        words.update(set(tokens))
        bigrams.update({f"{a} {b}" for a, b in itertools.pairwise(tokens)})
    rare_words = [w for w, n in sorted(words.items()) if 2 <= n <= 4]
    rare_bigrams = [b for b, n in sorted(bigrams.items()) if n == 2]
    topics = []
    for t in range(count):
        keywords = rare_words[t * 7 : t * 7 + 7] + rare_bigrams[t * 5 : t * 5 + 5]
        branches: list[dict[str, object]] = [
            {"keywords": keywords[:8], "fields": ["title", "keywords"]},
            {"keywords": keywords[8:], "fields": ["abstract"]},
        ]
        if t % 4 == 0:
            branches.append({"authors": [f"Researcher {t}"], "categories": ["q-bio.*"]})
        if t % regex_every == 0:
            branches.append({"regex": [rf"\b{re.escape(rare_words[-1 - t])}\w*"]})
        match: dict[str, object] = {"any": branches}
        if t % 3 == 0:
            match["none"] = [{"keywords": [rare_words[(t * 13) % len(rare_words)]]}]
        topics.append({"name": f"Generated topic {t:02d}", "match": match, "max_papers": 20})
    return topics


def measure(papers: list[Paper], topics: list[TopicConfig], grouping: GroupingConfig) -> float:
    rules = compile_topics(topics)
    started = time.perf_counter()
    group_compiled(papers, rules, grouping)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    shipped = load_config(REPO / "config" / "newsletter.yaml").model.topics
    papers = make_papers(args.papers)
    extra = generated_topics(papers, 50 - len(shipped))
    topics = [TopicConfig.model_validate(t) for t in extra] + list(shipped)

    started = time.perf_counter()
    rules = compile_topics(topics)
    compile_ms = (time.perf_counter() - started) * 1000
    print(
        f"papers: {len(papers):,}  topics: {len(topics)}  rules compiled once: {compile_ms:.1f} ms"
    )
    for membership in ("first", "multi"):
        grouping = GroupingConfig(membership=membership)
        runs, cpu = [], []
        for _ in range(args.repeat):
            begin, begin_cpu = time.perf_counter(), time.process_time()
            sections = group_compiled(papers, rules, grouping)
            runs.append(time.perf_counter() - begin)
            cpu.append(time.process_time() - begin_cpu)
        median = statistics.median(runs)
        placed = sum(s.total for s in sections)
        verdict = "OK" if median <= TARGET_SECONDS else f"over {TARGET_SECONDS:.0f} s"
        if membership == "multi":
            verdict += " (every topic evaluated for every paper)"
        print(
            f"membership {membership:5}: median {median:.3f} s wall, best {min(runs):.3f} s, "
            f"CPU {statistics.median(cpu):.3f} s ({len(papers) / median:,.0f} papers/s; "
            f"{len(sections)} sections, {placed:,} placements)  {verdict}"
        )


if __name__ == "__main__":
    main()
