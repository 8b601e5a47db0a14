"""The why-this-paper line ("matched: video generation, 3D") says what ``topics explain``
says, in both parts of the email, and one setting turns it off."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from tests.readers import ReadMessage, read_eml
from tests.render.htmlread import read_html

DAY = "2025-10-03"
SHOWN_TERMS = 3  # the line names three terms and counts the rest
LINE = re.compile(r"matched: .*?(?= (?:Hugging Face page|Paper page|arXiv abstract) )")


def expected_line(paper: dict[str, Any]) -> str | None:
    """The line a reader should see, worked out from the ``--json`` explanation alone."""
    if not paper["matched"]:
        return None  # the catch-all: no rule placed it
    placed_under = paper["topics"][0]
    match = next(m for m in paper["matches"] if m["topic"] == placed_under)
    labels: list[str] = []
    for hit in match["hits"]:
        if hit["field"] == "upvotes":
            label = hit["term"].replace(">=", "≥") + " upvotes"
        elif hit["rule"].endswith(".regex"):
            label = hit["text"]
        else:
            label = hit["term"]
        if label not in labels:
            labels.append(label)
    more = len(labels) - SHOWN_TERMS
    return "matched: " + ", ".join(labels[:SHOWN_TERMS]) + (f" +{more}" if more > 0 else "")


def explained(run_cli: Any, config: Path) -> dict[str, dict[str, Any]]:
    result = run_cli("topics", "explain", "--config", str(config), "--date", DAY, "--json")
    assert result.exit_code == 0, result.output
    return {p["title"]: p for p in json.loads(result.output)["papers"]}


def html_lines(message: ReadMessage) -> dict[str, str | None]:
    """Each card's title and its "matched:" line (None when the card has none)."""
    text = read_html(message.html).text
    titles = [t for tag, t in message.headings if tag == "h3"]
    found: dict[str, str | None] = {}
    start = text.index(titles[0], text.index("(") if titles else 0)
    for title, following in zip(titles, [*titles[1:], None], strict=True):
        start = text.index(title, start) + len(title)
        end = text.index(following, start) if following else len(text)
        line = LINE.search(text[start:end])
        found[title] = line.group() if line else None
    return found


def text_blocks(message: ReadMessage) -> dict[str, str]:
    """Each paper of the plain-text part: its title and its block, lines joined."""
    blocks: dict[str, str] = {}
    lines: list[str] = []
    for line in [*message.text.splitlines(), ""]:
        if line.startswith("* ") or (lines and line.startswith("  ")):
            lines.append(line.strip())
        elif lines:
            joined = " ".join(lines)[2:]
            blocks[re.split(r" \[\d+\]", joined, maxsplit=1)[0]] = joined
            lines = []
    return blocks


def test_every_paper_of_the_day_says_what_topics_explain_says(
    config_file: Path, run_cli: Any
) -> None:
    papers = explained(run_cli, config_file)
    assert run_cli("run", "--date", DAY).exit_code == 0
    ada = read_eml(next(config_file.parent.parent.rglob("ada@example.org.eml")))
    in_html, in_text = html_lines(ada), text_blocks(ada)
    assert set(in_html) == set(papers)  # ada reads every topic: all 39 papers
    with_line = 0
    for title, paper in papers.items():
        want = expected_line(paper)
        assert in_html[title] == want, title
        block = in_text[title]
        assert block.count("matched: ") == (want is not None), title
        assert want is None or f" {want} " in block, (title, block)
        with_line += want is not None
    assert with_line >= 30  # the sample day is mostly matched papers


def test_one_setting_turns_the_line_off(config_file: Path, run_cli: Any) -> None:
    config = yaml.safe_load(config_file.read_text())
    config["newsletter"]["show_reasons"] = False
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True))
    assert run_cli("run", "--date", DAY).exit_code == 0
    ada = read_eml(next(config_file.parent.parent.rglob("ada@example.org.eml")))
    assert "matched:" not in ada.text
    assert "matched:" not in read_html(ada.html).text
