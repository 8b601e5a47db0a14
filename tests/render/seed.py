"""The 63-paper seed page as ``Paper``s, and a synthetic bigger day built from it.

Shared by the render tests and bench/bench_render.py; the page is read by tests/seed_page.py.
"""

from __future__ import annotations

import datetime as dt

from newsletter.models import Paper
from tests.seed_page import seed_papers as read_seed_page

SEED_DAY = dt.date(2024, 8, 6)


def seed_papers() -> list[Paper]:
    """The page's papers with the ids, links and upvotes a real day would have."""
    papers = []
    for index, page_paper in enumerate(read_seed_page()):
        title, abstract = page_paper.title, page_paper.abstract
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
