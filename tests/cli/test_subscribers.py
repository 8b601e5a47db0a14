"""``newsletter subscribers ...`` through the CLI, on the shipped config in a scratch folder."""

from __future__ import annotations

from pathlib import Path


def test_add_list_remove(config_file: Path, run_cli) -> None:
    added = run_cli("subscribers", "add", "kim@example.org", "--name", "Kim",
                    "--topic", "Agents and tool use")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Kim <kim@example.org>: active, topics: Agents and tool use" in added.output
    listed = run_cli("subscribers", "list")
    assert "Kim <kim@example.org>\tactive\tAgents and tool use" in listed.output
    assert run_cli("subscribers", "remove", "kim@example.org", "--unsubscribe").exit_code == 0
    assert "unsubscribed" in run_cli("subscribers", "list", "--status", "unsubscribed").output
    assert run_cli("subscribers", "remove", "kim@example.org").exit_code == 0
    missing = run_cli("subscribers", "remove", "kim@example.org")
    assert missing.exit_code == 1 and "no subscriber 'kim@example.org'" in missing.output


def test_add_refuses_bad_address_and_unknown_topic(config_file: Path, run_cli) -> None:
    bad = run_cli("subscribers", "add", "not-an-address")
    assert bad.exit_code == 1 and "is not a valid email address" in bad.output
    topic = run_cli("subscribers", "add", "ada@example.org", "--topic", "Astrology")
    assert topic.exit_code == 1
    assert "unknown topic 'Astrology' (topics: Video and 3D/4D generation" in topic.output


def test_import_reports_lines_and_export_writes_csv(config_file: Path, run_cli) -> None:
    csv_file = config_file.parent.parent / "readers.csv"
    csv_file.write_text("email,name,topics\nkim@example.org,Ada,Agents and tool use\nbad,,\n")
    imported = run_cli("subscribers", "import", str(csv_file))
    assert imported.exit_code == 1  # something was skipped: say so in the exit code
    assert f"skipped {csv_file}:3: 'bad' is not a valid email address" in imported.output
    assert "1 added, 0 updated, 1 row skipped" in imported.output
    out = config_file.parent.parent / "export.csv"
    assert run_cli("subscribers", "export", "--out", str(out)).exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "email,name,topics,cadence,status,created_at"
    assert any(
        line.startswith("kim@example.org,Ada,Agents and tool use,,active,") for line in lines
    )


def test_every_subscribers_command_has_help_with_an_example(run_cli) -> None:
    for command in ("add", "remove", "list", "import", "export", "reactivate", "forget"):
        result = run_cli("subscribers", command, "--help")
        assert result.exit_code == 0 and "Example: newsletter subscribers" in result.output


def test_suppressed_readers_show_why_and_can_be_reactivated(config_file: Path, run_cli) -> None:
    from newsletter.config import load_config
    from newsletter.store import open_database
    from newsletter.store.events import apply_events

    assert run_cli("subscribers", "add", "gone@example.org").exit_code == 0
    engine = open_database(load_config(config_file).model.database.url)
    bounce = {"event": "bounce", "type": "bounce", "email": "gone@example.org",
              "status": "5.1.1", "reason": "550 no such user", "timestamp": 1772434800}  # fmt: skip
    apply_events(engine, [bounce])
    engine.dispose()
    listed = run_cli("subscribers", "list", "--status", "suppressed")
    assert listed.exit_code == 0, listed.output
    assert ("gone@example.org\tbounced\tsince 2026-03-02 07:00 UTC\t"
            "bounce: 5.1.1 550 no such user") in listed.output  # fmt: skip
    refused = run_cli("subscribers", "reactivate", "gone@example.org")  # no --yes, no tty
    assert refused.exit_code == 1
    assert "bounced" in run_cli("subscribers", "list").output
    done = run_cli("subscribers", "reactivate", "gone@example.org", "--yes")
    assert done.exit_code == 0 and "active again" in done.output
    assert "gone@example.org\tactive" in run_cli("subscribers", "list").output
    again = run_cli("subscribers", "reactivate", "gone@example.org", "--yes")
    assert again.exit_code == 1 and "is not suppressed" in again.output


def test_export_one_reader_forget_and_import_leaves_them_out(
    config_file: Path, run_cli, tmp_path: Path
) -> None:
    import json

    run_cli("subscribers", "add", "kim@example.org", "--name", "Ada")
    exported = run_cli("subscribers", "export", "--email", "kim@example.org")
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.stdout)
    assert data["subscription"]["name"] == "Ada" and data["deliveries"] == []
    assert set(data) == {"email", "subscription", "deliveries", "events", "feedback"}
    forgotten = run_cli("subscribers", "forget", "kim@example.org", "--yes")
    assert forgotten.exit_code == 0 and "erased" in forgotten.output
    missing = run_cli("subscribers", "export", "--email", "kim@example.org")
    assert missing.exit_code == 1 and "nothing is held" in missing.output
    csv = tmp_path / "readers.csv"
    csv.write_text("email\nkim@example.org\nbob@example.org\n")
    imported = run_cli("subscribers", "import", str(csv))
    assert "1 added, 0 updated, 0 rows skipped, 1 left out (erased on request" in imported.output
    forced = run_cli("subscribers", "import", str(csv), "--force")
    assert "1 added, 1 updated" in forced.output
