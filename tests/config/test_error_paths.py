"""Config errors name real key paths: inside tagged sections, and for misspelt keys."""

from __future__ import annotations

import pytest

from newsletter.config import parse_config
from newsletter.errors import ConfigError
from tests.conftest import SHIPPED_CONFIG


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.yaml")
    return [str(p) for p in caught.value.problems]


def test_unknown_key_in_a_source_names_the_key_not_the_source_type() -> None:
    text = SHIPPED_CONFIG.read_text().replace(
        "  - type: local\n", "  - type: local\n    pathh: x\n", 1
    )
    (problem,) = problems_of(text)
    assert "sources[0].pathh: unknown key; did you mean 'path'?" in problem
    assert ".local" not in problem


def test_bad_backend_option_names_the_option_path_and_line() -> None:
    text = SHIPPED_CONFIG.read_text()
    text = text.replace("backend: outbox", "backend: smtp").replace(
        "    dir: outbox", "    port: 99999", 1
    )
    (problem,) = problems_of(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "port: 99999" in row)
    assert problem.startswith(f"c.yaml:{line}:")
    assert "delivery.options.port: must be at most 65535" in problem


def test_a_misspelt_required_key_is_one_problem_not_two() -> None:
    text = SHIPPED_CONFIG.read_text().replace("  postal_address:", "  postal_adress:", 1)
    (problem,) = problems_of(text)
    assert "newsletter.postal_adress: unknown key; did you mean 'postal_address'?" in problem


def test_a_missing_required_key_without_a_typo_is_still_reported() -> None:
    lines = SHIPPED_CONFIG.read_text().splitlines(keepends=True)
    text = "".join(line for line in lines if not line.startswith("  postal_address:"))
    (problem,) = problems_of(text)
    assert "newsletter.postal_address: required key is missing" in problem


def test_the_old_images_key_says_what_replaced_it() -> None:
    text = SHIPPED_CONFIG.read_text().replace("  show_thumbnails: 0", "  images: true", 1)
    (problem,) = problems_of(text)
    assert "newsletter.images: 'images' was replaced by show_thumbnails (a number:" in problem
