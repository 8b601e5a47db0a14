"""SpamAssassin local-rule scores (Debian ``spamassassin``, no network tests) of every message
of each fixture day, the seed page and a hostile day, with the message sizes.

    .venv/bin/python bench/bench_spam.py
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.deliverability.days import fixture_days, mail_day  # noqa: E402
from tests.deliverability.test_spam_score import score_files  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        files: dict[str, list[Path]] = defaultdict(list)
        sizes: dict[str, list[int]] = defaultdict(list)
        for day in fixture_days(folder):
            for mailed in mail_day(day, folder):
                path = folder / f"{day.label}-{mailed.to}.eml".replace(" ", "_")
                raw = mailed.mime.as_bytes()
                path.write_bytes(raw)
                files[day.label].append(path)
                sizes[day.label].append(len(raw))
        scores = score_files([p for paths in files.values() for p in paths])
        print("| day | messages | highest score | rules that fired | largest message |")
        print("| --- | --- | --- | --- | --- |")
        for label, paths in files.items():
            results = [scores[str(p)] for p in paths]
            rules = sorted({r for _, hit in results for r in hit})
            top = max(score for score, _ in results)
            print(f"| {label} | {len(paths)} | {top:.1f} | {', '.join(rules)} | "
                  f"{max(sizes[label]):,} B |")  # fmt: skip


if __name__ == "__main__":
    main()
