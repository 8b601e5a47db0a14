"""Every mistake in `topics:`/`grouping:`/subscribers' topics is reported with file, line,
column, key path and what is allowed, all of them in one pass."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from newsletter.config import load_config, parse_config
from newsletter.errors import ConfigError, ConfigProblem
from tests.conftest import SHIPPED_CONFIG

HEAD = """\
newsletter:
  sender: "Papers <papers@example.org>"
  postal_address: "1 Research Way"
  base_url: "http://127.0.0.1:8000"
sources:
  - type: local
    path: bundled:sample/hf_daily_papers_2025-10-03.json
"""  # 7 lines: topics start on line 8


def problems(body: str) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as caught:
        parse_config(HEAD + textwrap.dedent(body), "topics.yaml")
    return caught.value.problems


def only(body: str) -> str:
    """The single problem of ``body``, as the user reads it."""
    [problem] = problems(body)
    return str(problem)


def test_typo_in_a_nested_rule_key_names_path_position_and_suggestion() -> None:
    message = only(
        """\
        topics:
          - name: Video
            match:
              any:
                - keywrods: [video]
        """
    )
    assert message.startswith("topics.yaml:12:11: topics[0].match.any[0].keywrods: ")
    assert "unknown key; did you mean 'keywords'?" in message
    assert "(allowed: keywords, regex, categories, authors, ai_keywords, min_upvotes, " in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "    sort: upvote",
            "topics.yaml:10:11: topics[0].sort: unknown value 'upvote'; did you mean 'upvotes'? "
            "(allowed: relevance, upvotes, date)",
        ),
        (
            "    match: {keywords: [x], fields: [titel]}",
            "topics.yaml:10:37: topics[0].match.fields[0]: unknown value 'titel'; "
            "did you mean 'title'? (allowed: title, abstract, keywords)",
        ),
        (
            "    max_papers: 0",
            "topics.yaml:10:17: topics[0].max_papers: must be at least 1; got 0",
        ),
        (
            "    match: {min_upvotes: -1}",
            "topics.yaml:10:26: topics[0].match.min_upvotes: must be at least 0; got -1",
        ),
    ],
)
def test_bad_values_say_what_is_allowed(line: str, expected: str) -> None:
    body = "topics:\n  - name: T\n" + line + "\n"
    if "match" not in line:
        body += "    match: {keywords: [x]}\n"
    assert only(body) == expected


def test_invalid_regex_shows_the_regex_error_and_position() -> None:
    message = only(
        """\
        topics:
          - name: T
            match:
              regex: ["ok", "diffusion("]
        """
    )
    assert message == (
        "topics.yaml:11:21: topics[0].match.regex[1]: invalid regular expression "
        "'diffusion(': missing ), unterminated subpattern at position 9"
    )


def test_bad_repeat_in_regex_is_reported_too() -> None:
    message = only('topics:\n  - name: T\n    match: {regex: "*diffusion"}\n')
    # A single regex may be written without a list; the path is then the key itself.
    assert "topics.yaml:10:20: topics[0].match.regex: invalid regular expression " in message
    assert "nothing to repeat at position 0" in message


def test_regex_that_matches_everything_is_rejected() -> None:
    assert only('topics:\n  - name: T\n    match: {regex: ["x*"]}\n') == (
        "topics.yaml:10:21: topics[0].match.regex[0]: "
        "regular expression 'x*' matches empty text, so every paper"
    )


def test_empty_topic_list_is_rejected() -> None:
    assert only("topics: []\n") == (
        "topics.yaml:8:9: topics: must not be empty: give at least 1 item"
    )


def test_missing_and_empty_rules_are_rejected() -> None:
    found = [
        str(p)
        for p in problems(
            """\
            topics:
              - name: No rule
              - name: Empty rule
                match: {}
              - name: Empty list
                match: {any: []}
              - name: Blank word
                match: {keywords: ["  -  "]}
            """
        )
    ]
    assert found[0] == "topics.yaml:9:5: topics[0].match: required key is missing"
    assert found[1].startswith("topics.yaml:11:12: topics[1].match: empty rule: give at least one")
    assert (
        "keywords, regex, categories, authors, ai_keywords, min_upvotes, similar_to, any, all, none"
        in (found[1])
    )
    assert (
        found[2]
        == "topics.yaml:13:18: topics[2].match.any: must not be empty: give at least 1 item"
    )
    assert found[3] == (
        "topics.yaml:15:24: topics[3].match.keywords[0]: "
        "'  -  ' has no letters or digits; give a word or phrase"
    )


def test_duplicate_topic_names_point_at_the_second_one() -> None:
    message = only(
        """\
        topics:
          - name: Agents
            match: {keywords: [agent]}
          - name: agents
            match: {keywords: [tool use]}
        """
    )
    assert message == (
        "topics.yaml:11:11: topics[1].name: duplicate topic name 'agents' "
        "(first used by topics[0]); every topic needs its own name"
    )


def test_topic_named_like_the_catch_all_is_rejected() -> None:
    message = only(
        """\
        topics:
          - name: More papers
            match: {keywords: [agent]}
        """
    )
    assert message.startswith("topics.yaml:9:11: topics[0].name: topic name 'More papers' is also")
    assert "(grouping.catch_all); rename one of them" in message


def test_subscriber_filter_naming_an_unknown_topic() -> None:
    found = [
        str(p)
        for p in problems(
            """\
            topics:
              - name: Agents and tool use
                match: {keywords: [agent]}
            subscribers:
              - email: grace@example.org
                topics: [Agent and tool use, agents and tool use, More papers, Robotics]
            """
        )
    ]
    assert found == [
        "topics.yaml:13:14: subscribers[0].topics[0]: unknown topic 'Agent and tool use'; "
        "did you mean 'Agents and tool use'? (topics: Agents and tool use, More papers)",
        "topics.yaml:13:34: subscribers[0].topics[1]: unknown topic 'agents and tool use'; "
        "did you mean 'Agents and tool use'? (topics: Agents and tool use, More papers)",
        "topics.yaml:13:68: subscribers[0].topics[3]: unknown topic 'Robotics' "
        "(topics: Agents and tool use, More papers)",
    ]


def test_all_problems_of_a_file_come_in_one_pass_in_file_order() -> None:
    found = problems(
        """\
        topics:
          - name: A
            match: {keywrods: [x]}
          - name: A
            match: {regex: ["("]}
        grouping:
          membership: frist
        subscribers:
          - email: r@example.org
            topics: [B]
        """
    )
    assert [(p.line, p.path) for p in found] == [
        (10, "topics[0].match.keywrods"),
        (11, "topics[1].name"),
        (12, "topics[1].match.regex[0]"),
        (14, "grouping.membership"),
        (17, "subscribers[0].topics[0]"),
    ]
    assert all(p.file == "topics.yaml" and p.column for p in found)


def test_error_message_lists_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + "topics:\n  - name: A\n    match: {keywrods: [x], sort: date}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    text = str(caught.value)
    assert text.startswith("invalid configuration (2 problems):")
    assert f"{bad}:10:13: topics[0].match.keywrods: unknown key; did you mean 'keywords'?" in text
    assert f"{bad}:10:28: topics[0].match.sort: unknown key" in text


def test_shipped_config_is_valid() -> None:
    model = load_config(SHIPPED_CONFIG).model
    assert len(model.topics) >= 8
    assert model.grouping.membership == "first"
    for subscriber in model.subscribers:
        for name in subscriber.topics or []:
            assert name in {t.name for t in model.topics}


def test_commented_example_topic_in_the_shipped_config_is_valid() -> None:
    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("  # More condition types, for a topic of your own:") + 1
    example = []
    for line in lines[start:]:
        if not line.startswith("  # "):
            break
        example.append("  " + line[4:])
    assert example[0] == "  - name: From labs we follow"
    anchor = "topics:\n"
    enabled = text.replace(anchor, anchor + "\n".join(example) + "\n", 1)
    model = parse_config(enabled, "enabled.yaml")
    assert model.topics[0].name == "From labs we follow"
    assert model.topics[0].match.min_upvotes == 5


def test_grouping_mistakes() -> None:
    found = [
        str(p)
        for p in problems(
            """\
            topics:
              - name: T
                match: {keywords: [x]}
            grouping:
              membershp: multi
              catch_all: ""
            """
        )
    ]
    assert found[0].startswith(
        "topics.yaml:12:3: grouping.membershp: unknown key; did you mean 'membership'? "
        "(allowed: membership, catch_all)"
    )
    assert found[1] == ("topics.yaml:13:14: grouping.catch_all: must not be empty; got ''")
