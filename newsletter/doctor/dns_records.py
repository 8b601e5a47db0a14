"""The sender domain's SPF, DKIM and DMARC records, asked with dnspython. The nameserver can
be given (``--nameserver 127.0.0.1:5353``), so the checks run against any DNS server."""

from __future__ import annotations

import dns.exception
import dns.resolver

from newsletter.doctor.findings import Finding, failure, ok, warning


def make_resolver(nameserver: str | None, timeout: float = 5.0) -> dns.resolver.Resolver:
    """The system's resolver, or one that asks only ``HOST[:PORT]``."""
    if nameserver is None:
        resolver = dns.resolver.Resolver()
    else:
        host, _, port = nameserver.partition(":")
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = int(port or 53)
    resolver.lifetime = timeout
    return resolver


def _txt(resolver: dns.resolver.Resolver, name: str) -> list[str] | None:
    """TXT strings at ``name``; [] when there are none; None when DNS did not answer."""
    try:
        answer = resolver.resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException:
        return None
    return [b"".join(record.strings).decode(errors="replace") for record in answer]


def check_domain(
    resolver: dns.resolver.Resolver, domain: str, selector: str | None
) -> list[Finding]:
    return [
        _record(
            resolver,
            "SPF",
            domain,
            "v=spf1",
            f'add a TXT record at {domain}: "v=spf1 include:<your provider> ~all"',
        ),
        _dkim(resolver, domain, selector),
        _record(
            resolver,
            "DMARC",
            f"_dmarc.{domain}",
            "v=DMARC1",
            f'add a TXT record at _dmarc.{domain}: "v=DMARC1; p=none; rua=mailto:you@{domain}"',
        ),
    ]


def _record(
    resolver: dns.resolver.Resolver, kind: str, name: str, prefix: str, fix: str
) -> Finding:
    subject = f"{kind} {name}"
    found = _txt(resolver, name)
    if found is None:
        return warning(subject, "DNS did not answer", "check the network or pass --nameserver")
    matching = [t for t in found if t.lower().startswith(prefix.lower())]
    if not matching:
        return failure(subject, "no record", fix)
    if len(matching) > 1:
        return failure(subject, f"{len(matching)} records (receivers ignore them all)", "keep one")
    return ok(subject, matching[0])


def _dkim(resolver: dns.resolver.Resolver, domain: str, selector: str | None) -> Finding:
    if selector is None:
        return warning(
            f"DKIM {domain}", "no selector to check", "set newsletter.dkim_selector (SendGrid: s1)"
        )
    name = f"{selector}._domainkey.{domain}"
    found = _txt(resolver, name)
    if found is None:
        return warning(
            f"DKIM {name}", "DNS did not answer", "check the network or pass --nameserver"
        )
    keys = [t for t in found if "p=" in t]
    if not keys:
        return failure(
            f"DKIM {name}",
            "no key",
            "publish the DKIM record your provider gives for this selector",
        )
    return ok(f"DKIM {name}", "key published")
