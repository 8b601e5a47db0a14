"""Every message of every fixture day, the seed page and a hostile day, scored by
SpamAssassin's local rules (Debian's ``spamassassin``, no network tests), stays clean.

All messages are scored by one Perl process (sa_score.pl): compiling the rules costs
seconds, scoring a message a fraction of one.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deliverability.days import fixture_days, mail_day

SCORER = Path(__file__).resolve().parent / "sa_score.pl"
MAX_SCORE = 0.5
# Rules the design itself used to trip (hidden preheader, 998-character lines, ...).
FORBIDDEN = ("HTML_FONT_LOW_CONTRAST", "LONGLN_LOW_CONTRAST", "LONGWORDS", "MIME_HTML_ONLY")
FORBIDDEN_PREFIXES = ("HTML_IMAGE_ONLY_", "HTML_SHORT_LINK_IMG_")


def score_files(files: list[Path]) -> dict[str, tuple[float, dict[str, float]]]:
    """path -> (score, {rule: points}) for each message file."""
    done = subprocess.run(
        ["perl", str(SCORER), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    scores = {}
    for line in done.stdout.splitlines():
        path, score, hits = line.split("\t")
        rules = dict(hit.split("=") for hit in hits.split(",") if hit)
        scores[path] = (float(score), {rule: float(points) for rule, points in rules.items()})
    return scores


def test_every_message_scores_clean(tmp_path: Path) -> None:
    if not shutil.which("spamassassin"):
        pytest.skip("Debian's spamassassin is not installed (.ci/run installs it)")
    files = []
    for day in fixture_days(tmp_path):
        for mailed in mail_day(day, tmp_path):
            name = f"{day.label}-{mailed.to}.eml".replace(" ", "_")
            (tmp_path / name).write_bytes(mailed.mime.as_bytes())
            files.append(tmp_path / name)
    scores = score_files(files)
    assert len(scores) == len(files) >= 5
    failures = []
    for path, (score, rules) in sorted(scores.items()):
        print(f"{Path(path).name}: {score:.1f} {' '.join(sorted(rules))}")
        forbidden = [r for r in rules if r in FORBIDDEN or r.startswith(FORBIDDEN_PREFIXES)]
        if score > MAX_SCORE or forbidden:
            failures.append(f"{Path(path).name}: {score} {rules}")
    assert not failures, "\n".join(failures)
