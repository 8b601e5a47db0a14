"""``newsletter doctor`` against a working setup and against each broken one, with the exact
line it prints. Every server is real and on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.store.schema import HEAD

DAY = "2025-10-03"


def _doctor(config: Path, nameserver: str, *extra: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(
        cli,
        ["doctor", "--config", str(config), "--date", DAY, "--nameserver", nameserver, *extra],
        catch_exceptions=False,
    )
    return result.exit_code, result.output.splitlines()


@pytest.fixture
def working(write_config, run_cli) -> Path:
    config = write_config()
    assert "1 sent" in run_cli("run", "--config", str(config), "--date", DAY).output
    return config


def test_a_working_setup_is_all_ok(working: Path, nameserver: str, sendgrid, base_url) -> None:
    code, lines = _doctor(working, nameserver, "--reader", "ada@example.org")
    database = f"sqlite:///{working.parent / 'newsletter.db'}"
    assert lines == [
        f"ok       config: {working}: valid",
        f"ok       database {database}: reachable, writable, revision {HEAD} (newest)",
        f"ok       source sample: 39 papers for {DAY}",
        f"ok       delivery sendgrid {sendgrid.url}: the key in $DOCTOR_SG_KEY is valid and may "
        "send mail (nothing sent)",
        "ok       SPF lab.test: v=spf1 include:sendgrid.net ~all",
        "ok       DKIM s1._domainkey.lab.test: key published",
        "ok       DMARC _dmarc.lab.test: v=DMARC1; p=none; rua=mailto:dmarc@lab.test",
        f"ok       base_url {base_url}: answers (200)",
        f"ok       last runs: {DAY} sent",
        "ok       reader ada@example.org: active, topics: every topic",
        f"ok       reader ada@example.org {DAY}: sent (accepted by the provider; look in their "
        "spam folder and the provider's activity log)",
        "",
        "0 failures, 0 warnings",
    ]
    assert code == 0
    assert len(sendgrid.accepted) == 1  # the run's one message; the doctor sent nothing


def test_a_bad_key(working: Path, nameserver: str, sendgrid, monkeypatch) -> None:
    monkeypatch.setenv("DOCTOR_SG_KEY", "SG.revoked")
    code, lines = _doctor(working, nameserver)
    assert (
        f"failure  delivery sendgrid {sendgrid.url}: the key in $DOCTOR_SG_KEY was refused (401); "
        "create an API key with Mail Send access and put it in that variable"
    ) in lines
    assert code == 1


def test_a_key_without_the_mail_send_scope(working: Path, nameserver: str, sendgrid) -> None:
    sendgrid.scopes = ["user.profile.read"]
    code, lines = _doctor(working, nameserver)
    assert (
        f"failure  delivery sendgrid {sendgrid.url}: the key in $DOCTOR_SG_KEY lacks the "
        "mail.send scope; give the key Mail Send access (Settings > API Keys)"
    ) in lines
    assert code == 1


def test_a_missing_dmarc_record(working: Path, nameserver: str, dns_records) -> None:
    del dns_records["_dmarc.lab.test."]
    code, lines = _doctor(working, nameserver)
    assert (
        "failure  DMARC _dmarc.lab.test: no record; add a TXT record at _dmarc.lab.test: "
        '"v=DMARC1; p=none; rua=mailto:you@lab.test"'
    ) in lines
    assert code == 1


def test_a_missing_dkim_key(working: Path, nameserver: str, dns_records) -> None:
    del dns_records["s1._domainkey.lab.test."]
    code, lines = _doctor(working, nameserver)
    assert (
        "failure  DKIM s1._domainkey.lab.test: no key; publish the DKIM record your provider "
        "gives for this selector"
    ) in lines
    assert code == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_dead_source(write_config, nameserver: str) -> None:
    port = _closed_port()
    dead = (
        f"  - type: hf_daily\n    name: hf\n    base_url: http://127.0.0.1:{port}\n"
        "    retries: 1\n    timeout: 2\n"
    )
    code, lines = _doctor(write_config(extra_sources=dead), nameserver)
    assert (
        f"failure  source hf: no answer for {DAY}: cannot connect to 127.0.0.1 ([Errno 111] "
        "Connection refused); check the network, DNS and the source's base_url, or rerun the day "
        f"offline from the cache (without --refresh); `newsletter fetch --source hf --date {DAY}` "
        "shows more"
    ) in lines
    assert f"ok       source sample: 39 papers for {DAY}" in lines  # the other still answers
    assert code == 1


def test_a_read_only_database(working: Path, write_config, nameserver: str) -> None:
    path = working.parent / "newsletter.db"
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    code, lines = _doctor(write_config(database=read_only), nameserver)
    assert (
        f"failure  database {read_only.replace('file:', 'file%3A')}: not writable "
        "(attempt to write a readonly database); "
        "give this user write access to the database (and its folder, for SQLite)"
    ) in lines
    assert code == 1


def test_a_reader_who_unsubscribed(working: Path, nameserver: str, run_cli) -> None:
    removed = run_cli(
        "subscribers", "remove", "--unsubscribe", "--config", str(working), "ada@example.org"
    )
    assert removed.exit_code == 0
    code, lines = _doctor(working, nameserver, "--reader", "ada@Example.org")
    assert lines[-3].startswith(
        "failure  reader ada@example.org: status unsubscribed: gets nothing"
    )
    assert code == 1


def test_a_broken_config_stops_at_the_first_line(workdir: Path, nameserver: str) -> None:
    config = workdir / "bad.yaml"
    config.write_text("newsletter: {name: x}\n")
    code, lines = _doctor(config, nameserver)
    assert lines[0].startswith("failure  config: invalid configuration")
    assert code == 1
