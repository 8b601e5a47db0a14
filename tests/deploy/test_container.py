"""The container files. No image can be built or pulled here, so what is checked is what can
be: compose.yaml parses, every command it runs exists in the CLI with those options, the
image's entrypoint and healthcheck work outside a container against a real ``newsletter
web``, and hadolint passes the Dockerfile (in .ci/run)."""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
import yaml

from newsletter.cli import cli
from tests.conftest import REPO

COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text())
DOCKERFILE = (REPO / "Dockerfile").read_text()


def _instruction(name: str) -> list[str]:
    """The JSON-form arguments of a Dockerfile instruction (continuation lines joined)."""
    joined = DOCKERFILE.replace("\\\n", " ")
    match = re.search(rf"^{name}\s+(?:--\S+\s+)*(?:CMD\s+)?(\[.*\])\s*$", joined, re.MULTILINE)
    assert match, name
    return list(json.loads(match.group(1)))


def test_compose_runs_web_scheduler_and_postgresql_with_volumes_and_an_env_file() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"web", "scheduler", "db"}
    for name in ("web", "scheduler"):
        assert services[name]["env_file"] == ".env"
        assert "data:/data" in services[name]["volumes"]
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert set(COMPOSE["volumes"]) == {"data", "pgdata"}


@pytest.mark.parametrize(
    "args",
    [
        COMPOSE["services"]["web"]["command"],
        COMPOSE["services"]["scheduler"]["command"],
        COMPOSE["services"]["scheduler"]["healthcheck"]["test"][2:],  # after CMD newsletter
        _instruction("CMD"),
    ],
    ids=["web", "scheduler", "scheduler-health", "image-cmd"],
)
def test_every_command_compose_and_the_image_run_exists_with_those_options(args) -> None:
    command: click.Command = cli
    rest = list(args)
    while isinstance(command, click.Group):
        assert rest and rest[0] in command.commands, f"no command {rest[:1]} in {args}"
        command = command.commands[rest.pop(0)]
    # Parsing as a start would: an unknown option or a bad value raises here.
    command.make_context(command.name or "", rest)


def test_the_image_runs_the_wheel_as_a_non_root_user_on_a_slim_python() -> None:
    assert re.search(r"^FROM python:3\.\d+-slim\b", DOCKERFILE, re.MULTILINE)
    assert re.search(r"^USER 10001$", DOCKERFILE, re.MULTILINE)
    assert 'pip install --no-cache-dir "${wheel}[postgres]"' in DOCKERFILE
    assert _instruction("ENTRYPOINT") == ["newsletter"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_entrypoint_and_healthcheck_work_outside_a_container(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "newsletter", *_instruction("CMD")]
    command[command.index("8000")] = str(port)
    health = _instruction("HEALTHCHECK")
    health[-1] = health[-1].replace("8000", str(port))
    health[0] = sys.executable
    web = subprocess.Popen(command, cwd=tmp_path, env=subprocess_env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            checked = subprocess.run(health, capture_output=True, check=False)
            if checked.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert checked.returncode == 0, checked.stderr.decode()
    finally:
        web.terminate()
        web.wait(timeout=20)
        assert web.stderr
        web.stderr.close()
    assert shlex.join(_instruction("CMD")) == "web --host 0.0.0.0 --port 8000"
