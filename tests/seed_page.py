"""Read the Daily Papers page snapshot in tests/fixtures/ into ``Paper``s.

The snapshot is text copied from the page: a header (ending with the date line, "Aug 6"),
then for each paper a title line and an abstract paragraph, separated by blank lines.
"""

from __future__ import annotations

import re
from pathlib import Path

from newsletter.models import Paper

SEED_PAGE = Path(__file__).resolve().parent / "fixtures" / "daily_papers_page_seed.txt"
_DATE_LINE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}$")


def parse_seed_page(text: str) -> list[Paper]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if _DATE_LINE.match(line)) + 1
    body = lines[start:]
    if len(body) % 2:
        raise ValueError(f"expected title/abstract pairs, got {len(body)} lines after the header")
    return [
        Paper(id=f"seed-{n:02d}", title=title, abstract=abstract)
        for n, (title, abstract) in enumerate(zip(body[::2], body[1::2], strict=True), start=1)
    ]


def seed_papers() -> list[Paper]:
    return parse_seed_page(SEED_PAGE.read_text(encoding="utf-8"))
