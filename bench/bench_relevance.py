"""Benchmark: relevance beyond keywords. Prints its protocol beside its figures.

1. Precision@10 of ``similar_to`` against the shipped keyword rules, on recorded days.
   Labels come from the data itself, never from either method: the Hugging Face AI keywords
   of the 3 Oct 2025 day (a label is a family of tags, e.g. any tag matching
   "reinforcement learning|RLVR|GRPO|policy optimization") and the arXiv categories of the
   cs.CV announcement of 20 Aug 2026 (new and cross-listed papers; a label is a category
   such as cs.RO). For each label with at least 10 papers and each of 5 seeds: a profile of
   5 labelled papers drawn at random; the candidates are that day's other papers plus every
   paper of the other recorded days (HF 10 Oct 2024, the seed page, the arXiv API answer),
   which carry no such label and count as wrong when ranked: precision is a lower bound,
   the same for both methods. similar_to ranks candidates by similarity; the keyword rules
   are the shipped topic that holds most of the 5 profile papers (what an operator would
   pick), ranked by relevance, its unfilled places counting as wrong.
2. Time and peak memory to rank a 500-paper day for 100,000 readers who all gave feedback:
   the day (the seed page's texts under new ids) grouped by the shipped topics; each reader
   has 5 choices (4 likes, 1 dislike) among 2,000 rated papers and reads every topic; the
   time covers what a run does before sending (``ReaderOrders``): the model (one TF-IDF
   over rated and day papers), every reader's order and why-lines of every topic, kept
   packed per reader. Rendering each such reader's own message is not timed here.
   Target: under 10 s and 500 MB peak.

Run from the repository root:

    .venv/bin/python bench/bench_relevance.py [--readers 100000] [--seeds 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


from newsletter.config import load_config  # noqa: E402
from newsletter.config.models import GroupingConfig  # noqa: E402
from newsletter.models import Paper, Subscriber  # noqa: E402
from newsletter.profiles.similarity import Profile, ProfilePaper  # noqa: E402
from newsletter.reader_orders import ReaderOrders  # noqa: E402
from newsletter.sources.arxiv_formats import parse_atom, parse_rss  # noqa: E402
from newsletter.sources.formats import parse_record  # noqa: E402
from newsletter.store.feedback import RankingInput, RatedPaper  # noqa: E402
from newsletter.topics import compile_topics, group_compiled  # noqa: E402
from newsletter.topics.grouping import place_papers, rank  # noqa: E402
from tests.render.seed import big_day, seed_papers  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures"
HF_FAMILIES = {
    "reinforcement learning": r"reinforcement learning|\brlvr\b|\bgrpo\b|policy optimization",
    "diffusion and flows": r"diffusion|flow matching|\bflows?\b",
    "vision-language": r"vision-language|\bvlms?\b|\bmllms?\b|multimodal",
    "agents": r"\bagent",
}
MIN_LABELLED = 10
TARGET_SECONDS, TARGET_MB = 10.0, 500.0


def hf_day(name: str) -> list[Paper]:
    records = json.loads((FIXTURES / "hf" / name).read_text(encoding="utf-8"))
    return [parse_record(r, "hf") for r in records]


def arxiv_day() -> list[Paper]:
    feed = parse_rss((FIXTURES / "arxiv" / "rss_cs.CV_2026-08-21.xml").read_bytes(), "rss")
    return [i.paper for i in feed.items if i.announce_type in {"new", "cross"}]


def labelled_sets() -> list[tuple[str, list[Paper], Callable[[Paper], bool]]]:
    """(label, the day's papers, is-labelled) for every label with enough papers."""
    sets = []
    hf = hf_day("daily_papers_2025-10-03.json")
    for name, pattern in HF_FAMILIES.items():
        regex = re.compile(pattern, re.IGNORECASE)

        def has(p: Paper, regex: re.Pattern[str] = regex) -> bool:
            return any(regex.search(k) for k in p.ai_keywords)

        if sum(map(has, hf)) >= MIN_LABELLED:
            sets.append((f"HF keywords: {name}", hf, has))
    cv = arxiv_day()
    counts: dict[str, int] = {}
    for paper in cv:
        for category in set(paper.categories) - {"cs.CV"}:
            counts[category] = counts.get(category, 0) + 1
    for category, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        if count >= MIN_LABELLED:
            sets.append(
                (f"arXiv category: {category}", cv, lambda p, c=category: c in p.categories)
            )
    return sets


def distractors() -> list[Paper]:
    atom, _ = parse_atom(
        (FIXTURES / "arxiv" / "api_query_all-testing_start0_max10.xml").read_bytes(), "api"
    )
    return hf_day("daily_papers_2024-10-10.json") + seed_papers() + atom


def precision_at_10(ranked: list[Paper], is_label: Callable[[Paper], bool]) -> float:
    return sum(1 for p in ranked[:10] if is_label(p)) / 10


def one_trial(
    day: list[Paper], is_label: Callable[[Paper], bool], seed: int, others: list[Paper]
) -> tuple[float, float, str]:
    labelled = [p for p in day if is_label(p)]
    profile_papers = random.Random(seed).sample(labelled, 5)
    chosen = {p.id for p in profile_papers}
    candidates = [p for p in day if p.id not in chosen] + others
    profile = Profile([ProfilePaper(p.id, p.title, p.abstract) for p in profile_papers])
    scores = profile.score(candidates)
    by_similarity = sorted(candidates, key=lambda p: (-scores[p.id].score, p.id))
    # The keyword rules: the shipped topic holding most of the profile papers.
    loaded = load_config(REPO / "config" / "newsletter.yaml")
    rules = compile_topics(loaded.model.topics)
    holds: dict[int, int] = {}
    for placement in place_papers(profile_papers, rules, "multi"):
        for match in placement.placed:
            holds[match.topic.index] = holds.get(match.topic.index, 0) + 1
    if not holds:
        return precision_at_10(by_similarity, is_label), 0.0, "(no topic)"
    best = min(holds, key=lambda i: (-holds[i], i))
    matches = [
        m
        for placement in place_papers(candidates, rules, "multi")
        for m in placement.placed
        if m.topic.index == best
    ]
    by_rules = [m.paper for m in rank(matches, "relevance")]
    topic = rules.topics[best].topic.name
    return precision_at_10(by_similarity, is_label), precision_at_10(by_rules, is_label), topic


def report_precision(seeds: int) -> None:
    print("1. precision@10, profile of 5 labelled papers, 5 seeds each (mean):")
    others = distractors()
    print(f"   distractors from the other recorded days: {len(others)} papers")
    print(f"   {'label':40} {'papers':>6} {'similar_to':>10} {'keywords':>9}  shipped topic")
    sims, kws = [], []
    for label, day, is_label in labelled_sets():
        results = [one_trial(day, is_label, seed, others) for seed in range(seeds)]
        sim = statistics.mean(r[0] for r in results)
        kw = statistics.mean(r[1] for r in results)
        topics = sorted({r[2] for r in results})
        sims.append(sim)
        kws.append(kw)
        count = sum(map(is_label, day))
        print(f"   {label:40} {count:6d} {sim:10.2f} {kw:9.2f}  {', '.join(topics)}")
    mean_sim, mean_kw = statistics.mean(sims), statistics.mean(kws)
    print(f"   {'mean over labels':40} {'':6} {mean_sim:10.2f} {mean_kw:9.2f}")


def report_feedback(readers: int) -> None:
    day = big_day(500)
    loaded = load_config(REPO / "config" / "newsletter.yaml")
    grouping = GroupingConfig(membership="first", catch_all="More papers")
    sections = group_compiled(day, compile_topics(loaded.model.topics), grouping)
    texts = seed_papers() + hf_day("daily_papers_2025-10-03.json") + arxiv_day()
    rated = [
        RatedPaper(f"rated-{i}", f"{base.title} ({i})", base.abstract)
        for i, base in ((i, texts[i % len(texts)]) for i in range(2000))
    ]
    rng = random.Random(18)
    ranking = RankingInput(
        choices={
            reader: [(p.id, n < 4) for n, p in enumerate(rng.sample(rated, 5))]
            for reader in range(1, readers + 1)
        },
        papers={p.id: p for p in rated},
    )
    audience = [Subscriber(f"r{i}@example.org", id=i) for i in range(1, readers + 1)]
    print(
        f"2. feedback ranking: {len(day)} papers in {len(sections)} topics, {readers:,} readers"
        f" x 5 choices among {len(rated):,} rated papers, every reader reads every topic;"
        " timed: what a run does (newsletter.reader_orders.ReaderOrders: the TF-IDF model,"
        " every reader's order and why-lines of every topic, packed per reader)"
    )
    # Peak memory from the kernel (ru_maxrss): tracemalloc would slow the run it measures.
    started = time.perf_counter()
    orders = ReaderOrders(sections, ranking, [r.id or 0 for r in audience])
    elapsed = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    unpacked = time.perf_counter()
    mine = orders.sections(sections, orders.key_of(audience[0]) or b"")
    unpacked = time.perf_counter() - unpacked
    reasons = sum(len(s.notes) for s in mine)
    verdict = "met" if elapsed < TARGET_SECONDS and rss < TARGET_MB else "MISSED"
    print(
        f"   all readers ranked: {elapsed:.2f} s ({readers / elapsed:,.0f} readers/s),"
        f" peak RSS of the whole process {rss:.0f} MB"
        f" (target < {TARGET_SECONDS:g} s, < {TARGET_MB:g} MB: {verdict})"
    )
    print(
        f"   readers in their own order: {len(orders):,} of {readers:,}; one reader's sections"
        f" unpacked in {unpacked * 1000:.1f} ms ({reasons} why-lines 'like: ...')"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print(__doc__.split("Run from")[0].strip())
    print()
    print(f"machine: {dt.date.today()}, python {sys.version.split()[0]}")
    report_precision(args.seeds)
    report_feedback(args.readers)


if __name__ == "__main__":
    main()
