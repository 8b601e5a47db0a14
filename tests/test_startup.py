"""``newsletter --help`` and each command's ``--help`` load none of the heavy libraries: the
command list comes from a table, each command's module is imported when it is asked for, and
a command imports the pipeline only when it runs."""

from __future__ import annotations

import json
import subprocess

import click
import pytest

from newsletter.cli import LAZY_COMMANDS, cli

HEAVY = ("sqlalchemy", "apscheduler", "jinja2", "mjml", "starlette", "httpx", "pydantic", "yaml")
SUBCOMMANDS = [
    ("config", "check"),
    ("subscribers", "add"),
    ("topics", "explain"),
    ("topics", "suggest"),
]
HELP_OF = [(), *((name,) for name in sorted(LAZY_COMMANDS)), *SUBCOMMANDS]


@pytest.mark.parametrize("words", HELP_OF, ids=lambda w: " ".join(w) or "newsletter")
def test_help_imports_no_heavy_module(
    words: tuple[str, ...], python: str, subprocess_env: dict[str, str]
) -> None:
    script = (
        "import sys, json, contextlib, io\n"
        "from newsletter.cli import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    try: cli([*{list(words)!r}, '--help'], prog_name='newsletter')\n"
        "    except SystemExit: pass\n"
        "print(json.dumps({'help': out.getvalue(), 'modules': sorted(sys.modules)}))\n"
    )
    done = subprocess.run(
        [python, "-c", script], env=subprocess_env, capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)
    assert "Usage: newsletter" in found["help"]
    loaded = {m.split(".")[0] for m in found["modules"]}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_command_table_names_real_commands() -> None:
    context = click.Context(cli)
    for name in LAZY_COMMANDS:
        command = cli.get_command(context, name)
        assert command is not None and command.name == name
