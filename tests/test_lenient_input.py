"""Where strictness helps nobody: topic names in any case or as a slug, papers by versioned
id or URL, a CSV's repeated address, the YAML's readers in the list, pause and resume."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.topics.names import match_topic, topic_slug

TOPICS = ["Video and 3D/4D generation", "Agents and tool use", "Applications", "More papers"]


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("video and 3d/4d generation", "Video and 3D/4D generation"),
        ("VIDEO AND 3D/4D GENERATION", "Video and 3D/4D generation"),
        ("video-and-3d-4d-generation", "Video and 3D/4D generation"),
        ("video", "Video and 3D/4D generation"),
        ("agents", "Agents and tool use"),
        ("more-papers", "More papers"),
        ("astrology", None),
    ],
)
def test_topic_names_match_by_case_and_slug(given: str, name: str | None) -> None:
    assert match_topic(given, TOPICS) == name


def test_an_ambiguous_slug_names_no_topic() -> None:
    assert match_topic("video", ["Video generation", "Video understanding"]) is None
    assert topic_slug("Video and 3D/4D generation") == "video-and-3d-4d-generation"


def test_subscribers_add_takes_any_case_and_suggests(config_file: Path, run_cli) -> None:
    added = run_cli(
        "subscribers", "add", "kim@example.org", "--topic", "video and 3d/4d generation"
    )
    assert added.exit_code == 0, added.output
    assert "topics: Video and 3D/4D generation" in added.output
    wrong = run_cli("subscribers", "add", "kim@example.org", "--topic", "Vidoe and 3D generation")
    assert wrong.exit_code == 1
    assert "did you mean 'Video and 3D/4D generation'?" in wrong.output


def test_yaml_readers_are_listed_before_any_run(config_file: Path, run_cli) -> None:
    listed = run_cli("subscribers", "list")
    assert "ada@example.org" in listed.output and "grace@example.org" in listed.output
    assert "3 subscribers" in listed.output


def test_update_sets_timezone_pauses_and_resumes(config_file: Path, run_cli) -> None:
    paused = run_cli(
        "subscribers", "update", "ada@example.org", "--pause", "--timezone", "Asia/Tokyo"
    )
    assert paused.exit_code == 0, paused.output
    assert "ada@example.org>: paused" in paused.output and "time zone Asia/Tokyo" in paused.output
    run = run_cli("run", "--date", "2025-10-03")
    assert "2 sent, 1 skipped" in run.output
    resumed = run_cli("subscribers", "update", "ada@example.org", "--resume")
    assert ": active" in resumed.output
    bad_zone = run_cli("subscribers", "update", "ada@example.org", "--timezone", "Asia/Tokio")
    assert bad_zone.exit_code == 1 and "did you mean 'Asia/Tokyo'?" in bad_zone.output
    nobody = run_cli("subscribers", "update", "nobody@example.org", "--pause")
    assert nobody.exit_code == 1 and "no subscriber 'nobody@example.org'" in nobody.output


def test_an_unsubscribed_reader_is_not_resumed_from_the_cli(config_file: Path, run_cli) -> None:
    run_cli("subscribers", "add", "kim@example.org")
    run_cli("subscribers", "remove", "kim@example.org", "--unsubscribe")
    resumed = run_cli("subscribers", "update", "kim@example.org", "--resume")
    assert resumed.exit_code == 1 and "kim@example.org is unsubscribed" in resumed.output


def test_a_csv_with_an_address_twice_names_both_lines(config_file: Path, run_cli) -> None:
    csv_file = config_file.parent.parent / "readers.csv"
    csv_file.write_text(
        "email,name,topics\nkim@example.org,Kim,agents\nlee@example.org,,\n"
        "KIM@example.org,Kim Again,applications\n"
    )
    imported = run_cli("subscribers", "import", str(csv_file))
    assert imported.exit_code == 1
    assert f"{csv_file}:4: KIM@example.org is already on line 2" in imported.output
    listed = run_cli("subscribers", "list").output
    assert "Kim <kim@example.org>\tactive\tAgents and tool use" in listed


@pytest.mark.parametrize(
    "given",
    [
        "2510.02314v2",
        "https://arxiv.org/abs/2510.02314v2",
        "https://arxiv.org/pdf/2510.02314v1.pdf",
        "https://huggingface.co/papers/2510.02314",
    ],
)
def test_topics_explain_takes_versioned_ids_and_urls(
    config_file: Path, run_cli, given: str
) -> None:
    result = run_cli("topics", "explain", "--date", "2025-10-03", "--paper", given)
    assert result.exit_code == 0, result.output
    assert "2510.02314" in result.output and "StealthAttack" in result.output
