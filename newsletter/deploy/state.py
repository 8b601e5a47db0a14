"""The database kept between CI runs that start from an empty machine (GitHub Actions).

``save`` snapshots the SQLite database with SQLite's backup API (consistent even while WAL
holds pages) and commits it as the only file of a branch, with git plumbing: no checkout, the
work tree untouched, one commit force-pushed so the branch never grows. ``restore`` reads it
back; a first run finds no branch and starts fresh.
"""

from __future__ import annotations

import enum
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from newsletter.errors import StoreError

STATE_FILE = "newsletter.db"
# The state commits' author, given as git options so the environment is passed on untouched.
_IDENTITY = ("-c", "user.name=newsletter", "-c", "user.email=newsletter@localhost")


class StateOutcome(enum.Enum):
    SAVED = "saved"
    RESTORED = "restored"
    NOTHING_SAVED_YET = "nothing saved yet"


@dataclass(frozen=True)
class StateReport:
    outcome: StateOutcome
    database: Path
    branch: str
    bytes: int = 0


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL; other databases keep their own state."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        safe = parsed.render_as_string(hide_password=True)
        raise StoreError(
            f"state save/restore keeps a SQLite file; database {safe} is not one"
            " (a server database keeps its state itself: skip these steps)"
        )
    return Path(parsed.database).expanduser().resolve()


def save_state(
    url: str, branch: str, remote: str = "origin", repo: Path | None = None
) -> StateReport:
    database = sqlite_path(url)
    if not database.is_file():
        raise StoreError(f"no database at {database} to save: did the run start?")
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / STATE_FILE
        _backup(database, snapshot)
        blob = _git(repo, "hash-object", "-w", str(snapshot))
        tree = _git(repo, "mktree", stdin=f"100644 blob {blob}\t{STATE_FILE}\n")
        commit = _git(repo, "commit-tree", tree, "-m", f"newsletter state: {database.name}")
        _git(repo, "push", "--force", remote, f"{commit}:refs/heads/{branch}")
        size = snapshot.stat().st_size
    return StateReport(StateOutcome.SAVED, database, branch, size)


def restore_state(
    url: str, branch: str, remote: str = "origin", repo: Path | None = None
) -> StateReport:
    database = sqlite_path(url)
    if not _git(repo, "ls-remote", "--heads", remote, branch):
        return StateReport(StateOutcome.NOTHING_SAVED_YET, database, branch)
    _git(repo, "fetch", "--depth=1", remote, f"+refs/heads/{branch}:refs/newsletter/state")
    content = _git_bytes(repo, "show", f"refs/newsletter/state:{STATE_FILE}")
    database.parent.mkdir(parents=True, exist_ok=True)
    partial = database.with_name(database.name + ".restoring")
    partial.write_bytes(content)
    for stale in (database.with_name(database.name + s) for s in ("-wal", "-shm")):
        stale.unlink(missing_ok=True)
    partial.replace(database)
    return StateReport(StateOutcome.RESTORED, database, branch, len(content))


def _backup(source: Path, target: Path) -> None:
    live, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        live.backup(copy)
    finally:
        copy.close()
        live.close()


def _git_bytes(repo: Path | None, *args: str, stdin: str | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *_IDENTITY, *args],
            cwd=repo,
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StoreError(f"git {args[0]} failed: {exc}") from exc
    if done.returncode:
        message = done.stderr.decode(errors="replace").strip()
        raise StoreError(f"git {args[0]} failed: {message}")
    return done.stdout


def _git(repo: Path | None, *args: str, stdin: str | None = None) -> str:
    return _git_bytes(repo, *args, stdin=stdin).decode().strip()
