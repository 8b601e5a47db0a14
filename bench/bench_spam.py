"""SpamAssassin local-rule scores (Debian ``spamassassin``, no network tests) of every message
of each fixture day, the seed page and a hostile day, with the message sizes; each day with
thumbnails off and with the most allowed (``show_thumbnails: 20``, 200x105 each).

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
from tests.deliverability.test_spam_score import score_files, thumbnails_in  # noqa: E402

THUMBNAILS = (0, 20)  # off, and the most a topic may show


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        files: dict[tuple[str, int], list[Path]] = defaultdict(list)
        sizes: dict[tuple[str, int], list[int]] = defaultdict(list)
        for thumbnails in THUMBNAILS:
            folder = Path(scratch) / f"thumbnails-{thumbnails}"
            folder.mkdir()
            for day in fixture_days(folder):
                for mailed in mail_day(day, folder, thumbnails=thumbnails):
                    path = folder / f"{day.label}-{mailed.to}.eml".replace(" ", "_")
                    raw = mailed.mime.as_bytes()
                    path.write_bytes(raw)
                    files[(day.label, thumbnails)].append(path)
                    sizes[(day.label, thumbnails)].append(len(raw))
        scores = score_files([p for paths in files.values() for p in paths])
        print(
            "| day | thumbnails | messages | highest score | rules that fired | largest message |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        for (label, thumbnails), paths in sorted(files.items()):
            results = [scores[str(p)] for p in paths]
            rules = sorted({r for _, hit in results for r in hit})
            top = max(score for score, _ in results)
            shown = "off" if not thumbnails else f"{sum(map(thumbnails_in, paths))} images"
            print(f"| {label} | {shown} | {len(paths)} | {top:.1f} | {', '.join(rules)} | "
                  f"{max(sizes[(label, thumbnails)]):,} B |")  # fmt: skip


if __name__ == "__main__":
    main()
