"""The days every deliverability check mails: each recorded fixture day, the seed page and a
hostile day, sent by the real pipeline (memory backend) to the shipped config's readers.

Shared by tests/deliverability/ and bench/bench_spam.py.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path

import yaml

from newsletter.config import load_config
from newsletter.delivery.memory import MemoryBackend
from newsletter.delivery.message import build_mime
from newsletter.models import Paper
from newsletter.pipeline import run
from newsletter.sources.arxiv_formats import parse_rss
from newsletter.sources.formats import paper_to_dict
from tests.conftest import FIXTURES, SHIPPED_CONFIG
from tests.render.seed import SEED_DAY, seed_papers


@dataclass(frozen=True, slots=True)
class Day:
    label: str
    date: dt.date
    source: Path  # a JSON file the local source reads (HF format or ours)


@dataclass(frozen=True, slots=True)
class Mailed:
    day: str
    to: str
    mime: EmailMessage


def hostile_papers(day: dt.date) -> list[Paper]:
    """Paper text a mail filter or a client could trip over: markup, entities, long
    unbroken tokens, right-to-left marks, control characters, a very long abstract."""
    long_token = "Supercalifragilisticexpialidocious" * 6
    texts = [
        (
            "<script>alert('x')</script> <think>Why</think> R&D <b>bold</b> <img src=x>",
            "We use <a href='http://evil.example'>this</a> & <img src=x onerror=alert(1)>.",
        ),
        (f"Tokenizing {long_token} and other unbreakable words", f"We study {long_token} " * 20),
        (
            "\u202eRight-to-left override\u202c and zero\u200bwidth spaces in a diffusion title",
            "Abstract with &amp; entities, &lt;tags&gt;, {{ jinja }}, %%unsubscribe_url%% and "
            "\u0000control characters. " * 30,
        ),
        (
            "Reinforcement learning agents for video generation and reasoning",
            "A very long abstract. " + "Transformers generalize representations remarkably. " * 300,
        ),
    ]
    return [
        Paper(
            id=f"2510.9{n:04d}",
            title=title,
            abstract=abstract,
            arxiv_id=f"2510.9{n:04d}",
            authors=("O'Brien <ob@example.org>", "Ünal & Søn"),
            upvotes=n,
            page_url=f"https://huggingface.co/papers/2510.9{n:04d}?a=1&b=<2>",
            github_repo='https://github.com/x/y"onmouseover="alert(1)',
            listed_on=day,
        )
        for n, (title, abstract) in enumerate(texts, start=1)
    ]


def hf_thumbnail(arxiv_id: str) -> str:
    """The thumbnail Hugging Face lists for a paper (the recorded days carry these too)."""
    return f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png"


def _write_papers(path: Path, papers: list[Paper]) -> Path:
    path.write_text(json.dumps([paper_to_dict(p) for p in papers]), encoding="utf-8")
    return path


def fixture_days(folder: Path) -> list[Day]:
    """Every recorded day in tests/fixtures (HF JSON, arXiv RSS), the seed page, hostile."""
    days = [
        Day(f"HF {day}", dt.date.fromisoformat(day), FIXTURES / "hf" / f"daily_papers_{day}.json")
        for day in ("2024-10-10", "2025-10-03")
    ]
    rss = FIXTURES / "arxiv" / "rss_cs.CV_2026-08-21.xml"
    feed = parse_rss(rss.read_bytes(), str(rss))
    rss_day = feed.day or dt.date(2026, 8, 21)
    new = [item.paper for item in feed.items if item.announce_type == "new"]
    days.append(Day(f"arXiv cs.CV {rss_day}", rss_day, _write_papers(folder / "rss.json", new)))
    seed = [replace(p, thumbnail=hf_thumbnail(p.id)) for p in seed_papers()]
    days.append(Day("seed page", SEED_DAY, _write_papers(folder / "seed.json", seed)))
    hostile_day = dt.date(2025, 10, 6)
    hostile = _write_papers(folder / "hostile.json", hostile_papers(hostile_day))
    days.append(Day("hostile day", hostile_day, hostile))
    return days


def mail_day(
    day: Day, folder: Path, extra: dict[str, object] | None = None, thumbnails: int = 0
) -> list[Mailed]:
    """``newsletter run`` of one day into memory; one message per reader of the config,
    with ``newsletter.show_thumbnails`` set to ``thumbnails``."""
    work = folder / day.label.replace(" ", "_")
    work.mkdir(parents=True)
    raw = yaml.safe_load(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    raw["newsletter"]["show_thumbnails"] = thumbnails
    raw["sources"] = [{"type": "local", "path": str(day.source)}]
    raw["database"] = f"sqlite:///{work / 'newsletter.db'}"
    raw["collect"] = {**raw.get("collect", {}), "cache_dir": str(work / "cache")}
    raw["newsletter"]["base_url"] = "https://papers.example.org"
    raw.update(extra or {})
    config = work / "newsletter.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    backend = MemoryBackend()
    run(load_config(config), day.date, backend)
    return [Mailed(day.label, m.to, build_mime(m)) for m in backend.outbox]


def scratch(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
