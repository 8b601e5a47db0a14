"""The retry policy's arithmetic, the local source, and what counts as a quiet day."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import shutil
from pathlib import Path

import pytest

from newsletter.errors import SourceDataError
from newsletter.sources.base import SourceResult
from newsletter.sources.collect import Collection, collect_papers
from newsletter.sources.http import FetchRetryPolicy, retry_after_seconds
from newsletter.sources.local import LocalSource
from tests.sources.conftest import HF_2024, HF_2025


def test_retry_after_in_seconds_or_as_a_date_and_capped() -> None:
    policy = FetchRetryPolicy(base_delay=0.5, max_delay=30.0)
    assert retry_after_seconds({"retry-after": "120"}) == 120.0
    assert policy.delay(0, 120.0) == 30.0  # a server asking for too long is capped
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
    wait = retry_after_seconds({"retry-after": email.utils.format_datetime(soon, usegmt=True)})
    assert wait is not None and 17 <= wait <= 20
    assert retry_after_seconds({"retry-after": "soon-ish"}) is None
    assert [policy.delay(n, None) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]


def test_local_folder_mixes_hf_and_normalized_files_and_papers_without_arxiv_id(
    tmp_path: Path,
) -> None:
    shutil.copy(HF_2025, tmp_path / "hf.json")
    own = [
        {"id": "blog-2025-10-03-rlhf", "title": "A lab's blog post", "listed_on": "2025-10-03"},
        {"id": "2510.02283v3", "arxiv_id": "2510.02283v3", "title": "Self-Forcing++ (v3)"},
        {"title": "no id at all"},
    ]
    (tmp_path / "own.json").write_text(json.dumps({"papers": own}))
    collection = collect_papers([LocalSource("files", tmp_path)], dt.date(2025, 10, 3))
    ids = [p.id for p in collection.papers]
    assert len(ids) == 40 and "blog-2025-10-03-rlhf" in ids
    blog = next(p for p in collection.papers if p.id == "blog-2025-10-03-rlhf")
    assert blog.arxiv_id is None and blog.arxiv_url is None
    assert ids.count("2510.02283") == 1  # the versioned copy merged into HF's paper
    assert collection.warnings == [  # one source listing a paper twice says so
        "files: skipped own.json[2]: record 'no id at all' lacks an id or a title",
        "files: paper id 2510.02283 appears twice: entry 1 'Self-Forcing++: Towards "
        "Minute-Scale High-Quality Video Generation' and entry 41 'Self-Forcing++ (v3)'; "
        "merged into one",
    ]


def test_local_file_that_is_not_json_quotes_its_first_bytes(tmp_path: Path) -> None:
    bad = tmp_path / "day.json"
    bad.write_bytes(HF_2024.read_bytes()[:200])
    with pytest.raises(SourceDataError, match="not JSON") as caught:
        LocalSource("files", bad).fetch(dt.date(2024, 10, 10))
    assert repr(HF_2024.read_bytes()[:80]) in str(caught.value)


@pytest.mark.parametrize(
    ("statuses", "quiet"),
    [
        (["empty"], True),
        (["empty", "failed"], True),
        (["empty", "stale"], False),  # a stale source might have had papers
        (["empty", "ok"], False),
        (["failed"], False),
    ],
)
def test_a_day_is_quiet_only_when_every_answer_was_empty(statuses: list[str], quiet: bool) -> None:
    results = [SourceResult(source=f"s{i}", status=s) for i, s in enumerate(statuses)]  # type: ignore[arg-type]
    assert Collection(dt.date(2025, 10, 4), [], results).quiet is quiet
