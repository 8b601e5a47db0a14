"""``topics suggest``: a pasteable topic from example ids, previewed on the recorded days."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pytest_httpserver import HTTPServer

from newsletter.config import parse_config
from tests.config.test_topic_validation import HEAD
from tests.profiles.conftest import PROFILE_IDS, atom_papers, hf_papers
from tests.profiles.test_similar_to import write_config


def suggest(run_cli: Any, path: Path, *args: str) -> Any:
    return run_cli("topics", "suggest", "--config", str(path), *args)


def test_suggestion_is_a_valid_topic_with_the_words_of_the_examples(
    tmp_path: Path, arxiv_api: HTTPServer, run_cli: Any
) -> None:
    api = arxiv_api.url_for("/").rstrip("/")
    path = write_config(tmp_path, api, "[2202.12139]")
    result = suggest(run_cli, path, "--from", ",".join(PROFILE_IDS))
    assert result.exit_code == 0, result.output
    topic_text = "".join(line + "\n" for line in result.stdout.splitlines() if line[:1] != "#")
    pasted = parse_config(HEAD + "topics:\n" + _indent(topic_text), "pasted.yaml")
    [topic] = pasted.topics
    keywords, similar = topic.match.any or []
    assert similar.similar_to is not None
    assert similar.similar_to.papers == PROFILE_IDS
    assert {"test generation", "testing"} & set(keywords.keywords)
    assert "test" in topic.name.lower()
    # The preview: the recorded day's software-testing papers, no machine-learning paper.
    preview = [line for line in result.output.splitlines() if line.startswith("#   ")]
    kin = {p.id for p in atom_papers() if p.id not in PROFILE_IDS}
    listed = {line.split()[1] for line in preview if line.split()[1][:1].isdigit()}
    assert listed and listed <= kin | {"..."}
    assert not listed & {p.id for p in hf_papers()}
    assert "would have matched" in result.output


def test_a_bad_id_is_a_usage_error(tmp_path: Path, run_cli: Any) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", "[2202.12139]")
    result = suggest(run_cli, path, "--from", "2202.12139,not-an-id")
    assert result.exit_code == 2
    assert "not-an-id: not an arXiv id" in result.output


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" for line in text.splitlines())


def test_yaml_output_keeps_ids_as_text() -> None:
    assert yaml.safe_load(yaml.safe_dump(["2510.10000"])) == ["2510.10000"]
