"""Every message of every fixture day, the seed page and a hostile day, scored by
SpamAssassin's local rules (Debian's ``spamassassin``, no network tests), stays clean, and
scores no higher with thumbnails on.

All messages are scored by one Perl process (sa_score.pl): compiling the rules costs
seconds, scoring a message a fraction of one.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deliverability.days import fixture_days, mail_day
from tests.readers import read_eml
from tests.render.htmlread import read_html

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


def mail_every_day(folder: Path, thumbnails: int = 0) -> dict[tuple[str, str], Path]:
    """(day, reader) -> the message file, for every fixture day."""
    files = {}
    folder.mkdir(parents=True, exist_ok=True)
    for day in fixture_days(folder):
        for mailed in mail_day(day, folder, thumbnails=thumbnails):
            path = folder / f"{day.label}-{mailed.to}.eml".replace(" ", "_")
            path.write_bytes(mailed.mime.as_bytes())
            files[(day.label, mailed.to)] = path
    return files


@pytest.fixture
def spamassassin() -> None:
    if not shutil.which("spamassassin"):
        pytest.skip("Debian's spamassassin is not installed (.ci/run installs it)")


def test_every_message_scores_clean(tmp_path: Path, spamassassin: None) -> None:
    files = list(mail_every_day(tmp_path).values())
    scores = score_files(files)
    assert len(scores) == len(files) >= 5
    failures = []
    for path, (score, rules) in sorted(scores.items()):
        print(f"{Path(path).name}: {score:.1f} {' '.join(sorted(rules))}")
        forbidden = [r for r in rules if r in FORBIDDEN or r.startswith(FORBIDDEN_PREFIXES)]
        if score > MAX_SCORE or forbidden:
            failures.append(f"{Path(path).name}: {score} {rules}")
    assert not failures, "\n".join(failures)


def thumbnails_in(path: Path) -> int:
    html = read_html(read_eml(path).html)
    return sum((i.get("alt") or "").startswith("Figure from: ") for i in html.all("img"))


def test_thumbnails_do_not_raise_the_score(tmp_path: Path, spamassassin: None) -> None:
    """The most thumbnails allowed (20 a topic) against none, message by message: image
    rules weigh image area against text, so more images can only lower the ratio they test."""
    without = mail_every_day(tmp_path / "off")
    with_them = mail_every_day(tmp_path / "on", thumbnails=20)
    assert with_them.keys() == without.keys()
    scores = score_files([*without.values(), *with_them.values()])
    pictured, failures = 0, []
    for key, path in sorted(with_them.items()):
        images = thumbnails_in(path)
        pictured += images > 0
        (score, rules), (before, rules_before) = scores[str(path)], scores[str(without[key])]
        print(f"{path.name}: {images} thumbnails, {score:.3f} (off: {before:.3f}) {sorted(rules)}")
        new = sorted(set(rules) - set(rules_before))
        if score > before or score > MAX_SCORE or new:
            failures.append(f"{path.name}: {before} -> {score}, new rules {new}")
    assert pictured >= 6  # both HF days and the seed page, every reader: the images are there
    assert not failures, "\n".join(failures)
