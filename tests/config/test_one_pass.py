"""``config check`` on a file with several mistakes: every one in one pass, in our words."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHIPPED_CONFIG


def broken(text: str) -> str:
    """Four mistakes and an SMTP backend whose two secret variables are not set."""
    text = text.replace("  - type: local\n", "  - type: hf-daily\n  - type: local\n", 1)
    text = text.replace("timezone: Europe/Berlin", "timezone: Europe/Berln")
    text = text.replace('at: "07:00"', 'at: "7h"')
    start = text.index("  backend: outbox")
    end = text.index("\n\n", start)
    smtp = (
        "  backend: smtp\n  options: {host: 127.0.0.1, port: 8025, security: none,\n"
        "            username_env: T14_SMTP_USER, password_env: T14_SMTP_PASSWORD}"
    )
    text = text[:start] + smtp + text[end:]
    return text.replace("  name: Daily Papers", "  name: Daily Papers\n  colour: blue", 1)


def test_every_problem_and_every_unset_variable_in_one_pass(
    workdir: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("T14_SMTP_USER", raising=False)
    monkeypatch.delenv("T14_SMTP_PASSWORD", raising=False)
    config = workdir / "bad.yaml"
    config.write_text(broken(SHIPPED_CONFIG.read_text()))
    result = run_cli("config", "check", "--config", str(config))
    assert result.exit_code == 1
    out = result.output
    assert "invalid configuration (6 problems)" in out
    assert "newsletter.colour: unknown key" in out
    assert "sources[0].type: unknown value 'hf-daily'; did you mean 'hf_daily'?" in out
    assert "(allowed: local, hf_daily, arxiv)" in out
    assert "environment variable T14_SMTP_USER is not set" in out
    assert "environment variable T14_SMTP_PASSWORD is not set" in out
    assert 'schedule.at: must be a time of day as HH:MM (24 hours), e.g. "07:00"' in out
    assert "should match pattern" not in out and "String" not in out
    assert "unknown time zone 'Europe/Berln'; did you mean 'Europe/Berlin'?" in out


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("delivery: {backend: smpt}", "unknown value 'smpt'; did you mean 'smtp'?"),
        ("newsletter: {timezone: europe/paris}", "did you mean 'Europe/Paris'?"),
        ("newsletter: {base_url: ftp://x}", "must be a URL starting with https:// or http://"),
    ],
)
def test_did_you_mean_and_our_words(workdir: Path, run_cli, line: str, expected: str) -> None:
    key = line.split(":")[0]
    text = SHIPPED_CONFIG.read_text()
    config = workdir / "one.yaml"
    # Merge the one setting into its section by appending a second flow mapping key.
    section, _, value = line.partition(": ")
    inner = value.strip("{}").split(": ", 1)
    text = text.replace(f"\n{section}:\n", f"\n{section}:\n  {inner[0]}: {inner[1]}\n", 1)
    text = _drop_second(text, section, inner[0])
    config.write_text(text)
    result = run_cli("config", "check", "--config", str(config))
    assert result.exit_code == 1 and key
    assert expected in result.output, result.output


def _drop_second(text: str, section: str, key: str) -> str:
    """Remove the shipped value of ``key`` in ``section`` (the one after ours)."""
    start = text.index(f"\n{section}:\n") + len(section) + 3
    ours = text.index(f"  {key}: ", start)
    shipped = text.find(f"\n  {key}:", ours + 1)
    if shipped == -1 or text.find("\n\n", ours) < shipped:
        return text
    end = text.index("\n", shipped + 1)
    return text[:shipped] + text[end:]


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("newsletter:\n  name: [a, b\n  sender: x\n", "the '[' opened at line 2, column 9"),
        ("newsletter:\n  name: {a: b\n  sender: x\n", "the '{' opened at line 2, column 9"),
        ('newsletter:\n  name: "abc\n  sender: x\n', "the quote opened at line 2, column 9"),
    ],
)
def test_yaml_syntax_errors_say_where_it_opened(
    workdir: Path, run_cli, yaml_text: str, expected: str
) -> None:
    config = workdir / "syntax.yaml"
    config.write_text(yaml_text)
    result = run_cli("config", "check", "--config", str(config))
    assert result.exit_code == 1 and expected in result.output


def test_a_regex_is_quoted_as_written(workdir: Path, run_cli) -> None:
    text = SHIPPED_CONFIG.read_text().replace(
        "match:\n", "match:\n      regex: ['\\bdiffusion(']\n", 1
    )
    config = workdir / "regex.yaml"
    config.write_text(text)
    out = run_cli("config", "check", "--config", str(config)).output
    assert "invalid regular expression '\\bdiffusion('" in out
    assert "\\\\b" not in out
