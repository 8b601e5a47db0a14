"""``similar_to`` mistakes are reported like every config mistake: file, line, key, allowed."""

from __future__ import annotations

import pytest

from newsletter.config import parse_config
from newsletter.errors import ConfigError
from tests.config.test_topic_validation import HEAD


def problems(similar_to: str) -> list[str]:
    body = f"topics:\n  - name: Testing\n    match:\n      similar_to: {similar_to}\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(HEAD + body, "topics.yaml")
    return [str(p) for p in caught.value.problems]


def test_threshold_outside_zero_to_one_names_line_key_and_range() -> None:
    [message] = problems("{papers: [2202.12139], threshold: 1.5}")
    assert message.startswith("topics.yaml:11:")
    assert "topics[0].match.similar_to.threshold" in message
    assert "must be at most 1.0; got 1.5" in message


def test_weight_must_be_positive() -> None:
    [message] = problems("{papers: [2202.12139], weight: 0}")
    assert "topics[0].match.similar_to.weight" in message
    assert "must be more than 0.0; got 0" in message


def test_a_misspelt_key_gets_a_suggestion() -> None:
    [message] = problems("{papers: [2202.12139], treshold: 0.3}")
    assert "similar_to.treshold: unknown key; did you mean 'threshold'?" in message


def test_a_bad_id_and_a_wrong_library_type_are_both_reported() -> None:
    found = problems("{papers: [2202.12139, not-an-id], library: refs.txt}")
    assert len(found) == 2
    assert any(
        "similar_to.papers[1]: must be an arXiv id like 2510.01265" in m and "'not-an-id'" in m
        for m in found
    )
    assert any("similar_to.library" in m and ".bib (BibTeX) or .csv" in m for m in found)


def test_an_empty_profile_is_refused() -> None:
    [message] = problems("{threshold: 0.3}")
    assert "no profile: give papers (arXiv ids) or library" in message


def test_unquoted_ids_keep_their_trailing_zeros() -> None:
    body = "topics:\n  - name: T\n    match:\n      similar_to: [2510.10000, 2510.02290v2]\n"
    config = parse_config(HEAD + body, "topics.yaml")
    similar = config.topics[0].match.similar_to
    assert similar is not None
    assert similar.papers == ["2510.10000", "2510.02290v2"]
    assert similar.threshold == 0.12  # the default
