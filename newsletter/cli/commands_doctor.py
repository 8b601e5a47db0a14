"""``newsletter doctor``: is everything in place for readers to get the digest?"""

from __future__ import annotations

import datetime as dt

import click

from newsletter.cli.options import as_date, config_option, date_option


@click.command(
    epilog="Examples:\n\n  newsletter doctor\n\n  newsletter doctor --reader ada@example.org\n\n"
    "  newsletter doctor --nameserver 1.1.1.1"
)
@config_option
@date_option
@click.option(
    "--reader",
    "reader",
    default=None,
    metavar="EMAIL",
    help="Also say why this reader got nothing.",
)
@click.option(
    "--nameserver",
    default=None,
    metavar="HOST[:PORT]",
    help="DNS server for the SPF, DKIM and DMARC lookups (default: the system's).",
)
def doctor(
    config_path: str | None, day: dt.datetime | None, reader: str | None, nameserver: str | None
) -> None:
    """Check, line by line, what a send needs: the config; the database (reachable, writable,
    schema current); each source (answers for the day); the provider (SendGrid key and its
    mail.send scope, or an SMTP login; nothing is sent); the sender domain's SPF, DKIM and
    DMARC records; the public base URL; the last runs. Each line is ok, warning or failure
    with what to do. Exits 0 when nothing failed, 1 otherwise."""
    from newsletter.doctor import DoctorOptions, Status, run_checks

    options = DoctorOptions(config_path, reader=reader, nameserver=nameserver, day=as_date(day))
    failures = warnings = 0
    for finding in run_checks(options):
        click.echo(finding.line())
        failures += finding.status is Status.FAILURE
        warnings += finding.status is Status.WARNING
    click.echo(f"\n{failures} failures, {warnings} warnings")
    if failures:
        raise SystemExit(1)


def register(group: click.Group) -> None:
    group.add_command(doctor)
