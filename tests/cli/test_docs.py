"""The docs are checked like code (after sqlite-utils): every ``newsletter ...`` command shown
in README.md and docs/*.md exists with the options it shows, its ``--help`` works, the ones
that run offline run for real, and every key of the example config is documented."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import yaml

from newsletter.cli import cli
from tests.conftest import REPO, SHIPPED_CONFIG

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_SPAN = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
# ``newsletter`` as a program, not as cron's user field (``newsletter cd ...``) or a
# container's name (``--name newsletter``, ``docker exec newsletter newsletter status``).
_INVOCATION = re.compile(
    r"(?:^|[\s;&|(])(?<!--name )(?<!exec )(?:\S*/)?newsletter (?!cd )"
    r"((?:[a-z-]+|--?[a-z][\w-]*)(?: [^#;&|`]*)?)"
)
_SHELL = re.compile(r"\s(?:\d?>>?|&&|\|\|?)\s?.*$")  # redirections, pipes: not ours
# Commands that need nothing but the shipped config and the sample day: run them for real.
OFFLINE = {
    ("run",),
    ("preview",),
    ("fetch",),
    ("topics", "explain"),
    ("config", "check"),
    ("status",),
    ("subscribers", "list"),
    ("subscribers", "export"),
}


def shown_invocations() -> Iterator[tuple[str, str]]:
    """(page, the words after ``newsletter``) for every command a page shows."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        chunks = [m.group(1) for m in _FENCE.finditer(text)]
        chunks += [m.group(1) for m in _SPAN.finditer(_FENCE.sub("", text))]
        for chunk in chunks:
            for line in chunk.splitlines():
                for match in _INVOCATION.finditer(line):
                    yield page.name, match.group(1).strip()


def resolve(words: list[str]) -> tuple[tuple[str, ...], click.Command, list[str]]:
    """The command path the words name, the command, and the words after it."""
    command: click.Command = cli
    path: list[str] = []
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        found = command.get_command(click.Context(command), words[0])
        if found is None:
            break
        command, path, words = found, [*path, words[0]], words[1:]
    return tuple(path), command, words


def option_names(command: click.Command) -> set[str]:
    names = {"--help", "-h"}
    for param in command.params:
        names.update(getattr(param, "opts", []), getattr(param, "secondary_opts", []))
    return names


def _split(shown: str) -> list[str]:
    words = _SHELL.sub("", shown).rstrip(" \\")
    try:
        return shlex.split(words)
    except ValueError:
        return words.split()


INVOCATIONS = sorted(set(shown_invocations()))


def test_the_pages_show_commands_at_all() -> None:
    assert len(INVOCATIONS) > 20


@pytest.mark.parametrize(("page", "shown"), INVOCATIONS, ids=[f"{p}: {s}" for p, s in INVOCATIONS])
def test_a_command_shown_in_the_docs_exists_with_its_options(
    page: str, shown: str, run_cli
) -> None:
    path, command, rest = resolve(_split(shown))
    assert path or set(rest) <= option_names(cli), f"{page}: `newsletter {shown}` names no command"
    flags = [w.split("=")[0] for w in rest if w.startswith("-") and w != "-"]
    unknown = [flag for flag in flags if flag not in option_names(command)]
    assert not unknown, f"{page}: `newsletter {shown}`: no such option {unknown}"
    assert run_cli(*path, "--help").exit_code == 0


def concrete(shown: str) -> bool:
    """No placeholder (FILE, D, <x>, ...) and nothing that would serve or send for real."""
    return not re.search(r"[A-Z]|<|\.\.\.|\[|--serve|--config|\$", shown)


RUNNABLE = sorted({s for _, s in INVOCATIONS if concrete(s) and resolve(_split(s))[0] in OFFLINE})


@pytest.mark.parametrize("shown", RUNNABLE)
def test_a_command_that_runs_offline_runs_as_shown(shown: str, config_file: Path, run_cli) -> None:
    result = run_cli(*_split(shown))
    assert result.exit_code == 0, f"`newsletter {shown}`:\n{result.output}"


def config_keys(node: object, prefix: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{prefix}{key}"
            yield from config_keys(value, f"{prefix}{key}.")
    elif isinstance(node, list):
        for item in node:
            yield from config_keys(item, prefix)


def documented(key: str, docs: str) -> bool:
    """The key's name in a code span (``key``, ``section.key``, ``key: value``) or written
    as ``key:`` in a YAML example."""
    name = re.escape(key.rsplit(".", 1)[-1])
    return bool(re.search(rf"`[^`]*\b{name}\b[^`]*`|^\s*-?\s*{name}:", docs, re.M))


def test_every_key_of_the_example_config_is_documented() -> None:
    docs = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    data = yaml.safe_load(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    keys = set(config_keys(data))
    assert len(keys) > 40
    assert sorted(key for key in keys if not documented(key, docs)) == []
