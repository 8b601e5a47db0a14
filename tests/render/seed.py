"""The 63-paper seed page as ``Paper``s, and a synthetic bigger day built from it.

Shared by the render tests and bench/bench_render.py. See tests/fixtures/PROVENANCE.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from newsletter.models import Paper

SEED_PAGE = Path(__file__).resolve().parent.parent / "fixtures" / "seed_daily_papers_page.txt"
SEED_DAY = dt.date(2024, 8, 6)


def parse_seed_page(path: Path = SEED_PAGE) -> list[tuple[str, str]]:
    """(title, abstract) pairs: after the page chrome, a title line then its abstract."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    start = next(i for i, line in enumerate(lines) if line == "Aug 6") + 1
    body = lines[start:]
    if len(body) % 2:
        raise ValueError(f"{path}: expected title/abstract pairs, got {len(body)} lines")
    return [(body[i], body[i + 1]) for i in range(0, len(body), 2)]


def seed_papers(path: Path = SEED_PAGE) -> list[Paper]:
    papers = []
    for index, (title, abstract) in enumerate(parse_seed_page(path)):
        arxiv_id = f"2408.{10001 + index * 37:05d}"  # synthetic, realistic length
        papers.append(
            Paper(
                id=arxiv_id,
                title=title,
                abstract=abstract,
                arxiv_id=arxiv_id,
                page_url=f"https://huggingface.co/papers/{arxiv_id}",
                upvotes=max(1, 80 - index),
                listed_on=SEED_DAY,
            )
        )
    return papers


def big_day(count: int = 500) -> list[Paper]:
    """``count`` papers: the seed's texts repeated under new ids, with authors and repos."""
    seed = seed_papers()
    papers = []
    for index in range(count):
        base = seed[index % len(seed)]
        arxiv_id = f"2409.{10000 + index:05d}"
        papers.append(
            Paper(
                id=arxiv_id,
                title=f"{base.title} ({index // len(seed) + 1})",
                abstract=base.abstract,
                authors=tuple(f"Author {index}-{n}" for n in range(1 + index % 6)),
                arxiv_id=arxiv_id,
                page_url=f"https://huggingface.co/papers/{arxiv_id}",
                upvotes=count - index,
                comments=index % 4,
                github_repo=f"https://github.com/example/repo-{index}" if index % 3 else None,
                github_stars=index * 3 if index % 3 else None,
                listed_on=SEED_DAY,
            )
        )
    return papers
