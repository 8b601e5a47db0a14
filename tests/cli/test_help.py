"""Every command has ``--help`` with an example of itself, found by walking the command tree
(a command added later is checked without anyone remembering to)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest

from newsletter.cli import cli


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))


COMMANDS = [(), *command_paths(cli)]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "newsletter")
def test_every_command_has_help_with_an_example_of_itself(path: tuple[str, ...], run_cli) -> None:
    result = run_cli(*path, "--help")
    assert result.exit_code == 0
    invocation = re.escape(" ".join(("newsletter", *path)))
    # "Example: newsletter x ..." on one line, or an "Examples:" block of such lines
    assert re.search(r"Examples?:", result.output), result.output
    assert re.search(rf"^\s*(Examples?: )?{invocation}(\s|$)", result.output, re.M), result.output


@pytest.mark.parametrize(
    ("path", "options"),
    [
        (("web",), ("--host", "--port")),
        (("fetch",), ("--source", "--out")),
        (("run",), ("--include-seen", "--refresh", "--resend", "--retry-in-doubt")),
    ],
)
def test_help_names_the_options(path: tuple[str, ...], options: tuple[str, ...], run_cli) -> None:
    output = run_cli(*path, "--help").output
    assert [option for option in options if option not in output] == []
