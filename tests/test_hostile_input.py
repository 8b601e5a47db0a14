"""Hostile input ends in seconds with a clear message, never a hang or a traceback.

Each case is a trial an operator ran against main: a backtracking regex on a long abstract,
a YAML alias bomb, a config of megabytes, a day file nested 10,000 deep, a duplicate paper.
The slow ones run the real CLI in a subprocess with a memory cap and a timeout.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newsletter.config import parse_config
from newsletter.errors import ConfigError

DAY = "2025-10-03"
MEMORY_CAP = 1_500_000_000  # bytes: the alias bomb grew past 15 GB on main


def config_text(day_file: Path, regex: str = "diffusion") -> str:
    return textwrap.dedent(
        f"""\
        newsletter:
          sender: "Papers <papers@example.org>"
          postal_address: "1 Research Way"
          base_url: "http://127.0.0.1:8000"
        sources:
          - type: local
            path: {day_file}
        topics:
          - name: Hostile
            match:
              regex: ['{regex}']
        subscribers:
          - email: ada@example.org
        """
    )


def day_file(folder: Path, papers: list[dict[str, object]]) -> Path:
    path = folder / "day.json"
    path.write_text(json.dumps(papers), encoding="utf-8")
    return path


def paper(pid: str, title: str, abstract: str = "An abstract.") -> dict[str, object]:
    return {"id": pid, "title": title, "abstract": abstract, "published_at": f"{DAY}T08:00:00Z"}


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def newsletter(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 60
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_cap_memory,
        check=False,
    )
    return done, time.monotonic() - started


def test_backtracking_regex_on_a_long_abstract_runs_in_linear_time(
    workdir: Path, subprocess_env: dict[str, str]
) -> None:
    # Python's re takes time doubling with each extra letter here: 5,000 never end.
    papers = [paper("2510.00001", "Plain title", "a" * 5000 + "!")]
    config = workdir / "hostile.yaml"
    config.write_text(config_text(day_file(workdir, papers), "(a+)+$"), encoding="utf-8")
    done, seconds = newsletter(
        ["run", "--date", DAY, "--config", str(config)], workdir, subprocess_env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert seconds < 30
    assert "1 sent" in done.stdout


@pytest.mark.parametrize(
    ("pattern", "what", "position"),
    [
        (r"(video)\1", "a backreference", 7),
        (r"(?=video)gen", "a lookahead or lookbehind", 0),
        (r"(?<!multi)modal", "a lookahead or lookbehind", 0),
        (r"(?P<w>a)(?P=w)", "a backreference", 8),
        ("a++", "a possessive quantifier", 1),
    ],
)
def test_patterns_re2_cannot_run_are_rejected_at_load(
    tmp_path: Path, pattern: str, what: str, position: int
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(config_text(tmp_path / "day.json", pattern), "topics.yaml")
    [problem] = caught.value.problems
    assert problem.path == "topics[0].match.regex[0]"
    assert (problem.line, problem.column) == (11, 15)
    assert f"uses {what} at position {position}" in problem.message
    assert "RE2" in problem.message and "linear" in problem.message


def test_a_plain_syntax_error_keeps_its_position(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(config_text(tmp_path / "day.json", "diffusion("), "topics.yaml")
    assert "missing ), unterminated subpattern at position 9" in str(caught.value)


def alias_bomb(levels: int = 12) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join([*lines, f"newsletter: *a{levels - 1}", ""])


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bomb.yaml", alias_bomb(), "its aliases expand to more than 200,000 values"),
        ("deep.yaml", "newsletter: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested too deeply"),
        ("deep60.yaml", "newsletter: " + "[" * 60 + "]" * 60 + "\n", "nested more than 50"),
        ("huge.yaml", "newsletter: {}\n" + "# padding\n" * 300_000, "a config is at most 2 MB"),
    ],
)
def test_hostile_config_files_end_in_seconds_with_a_clear_error(
    workdir: Path, subprocess_env: dict[str, str], name: str, text: str, message: str
) -> None:
    assert name != "bomb.yaml" or len(text) < 1_000  # small on disk, billions expanded
    path = workdir / name
    path.write_text(text, encoding="utf-8")
    done, seconds = newsletter(["config", "check", "--config", str(path)], workdir, subprocess_env)
    assert done.returncode == 1
    assert seconds < 20
    assert message in done.stderr and name in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_day_file_nested_10000_deep_names_the_file(
    workdir: Path, subprocess_env: dict[str, str]
) -> None:
    nested = workdir / "day.json"
    nested.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    config = workdir / "hostile.yaml"
    config.write_text(config_text(nested), encoding="utf-8")
    done, seconds = newsletter(
        ["run", "--date", DAY, "--config", str(config)], workdir, subprocess_env
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert seconds < 30
    assert f"{nested}: JSON nested too deeply" in out
    assert "Traceback" not in out and "RecursionError" not in out


def test_duplicate_paper_id_in_one_source_is_a_warning_naming_both(
    workdir: Path, subprocess_env: dict[str, str]
) -> None:
    papers = [paper("2510.00001", "First copy"), paper("2510.00001", "Second copy")]
    config = workdir / "dup.yaml"
    config.write_text(config_text(day_file(workdir, papers)), encoding="utf-8")
    done, _ = newsletter(["run", "--date", DAY, "--config", str(config)], workdir, subprocess_env)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert (
        "paper id 2510.00001 appears twice: entry 1 'First copy' and entry 2 'Second copy'" in out
    )
