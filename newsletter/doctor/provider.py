"""The delivery provider, asked without sending anything: SendGrid's ``GET /v3/scopes`` (the
key works and may send mail), or an SMTP session (connect, STARTTLS, AUTH, QUIT)."""

from __future__ import annotations

import httpx

from newsletter.config import LoadedConfig
from newsletter.config.models import SendGridDelivery, SmtpDelivery
from newsletter.doctor.findings import Finding, failure, ok, warning
from newsletter.errors import NewsletterError


def check_provider(loaded: LoadedConfig) -> Finding:
    delivery = loaded.model.delivery
    if isinstance(delivery, SendGridDelivery):
        return _sendgrid(loaded, delivery)
    if isinstance(delivery, SmtpDelivery):
        return _smtp(loaded, delivery)
    return warning(
        f"delivery {delivery.backend}",
        "nothing reaches readers' inboxes with this backend",
        "set delivery.backend to smtp or sendgrid to send for real",
    )


def _sendgrid(loaded: LoadedConfig, delivery: SendGridDelivery) -> Finding:
    options = delivery.options
    subject = f"delivery sendgrid {options.host}"
    key = loaded.secrets.get(options.api_key_env) or ""
    try:
        answer = httpx.get(
            f"{options.host.rstrip('/')}/v3/scopes",
            headers={"Authorization": f"Bearer {key}"},
            timeout=options.timeout,
        )
    except httpx.HTTPError as exc:
        return failure(
            subject,
            f"no answer ({type(exc).__name__})",
            "check delivery.options.host and the network",
        )
    if answer.status_code in (401, 403):
        return failure(
            subject,
            f"the key in ${options.api_key_env} was refused ({answer.status_code})",
            "create an API key with Mail Send access and put it in that variable",
        )
    if answer.status_code != 200:
        return failure(
            subject,
            f"GET /v3/scopes answered {answer.status_code}",
            "try again later; see status.sendgrid.com",
        )
    scopes = answer.json().get("scopes", [])
    if "mail.send" not in scopes:
        return failure(
            subject,
            f"the key in ${options.api_key_env} lacks the mail.send scope",
            "give the key Mail Send access (Settings > API Keys)",
        )
    return ok(
        subject, f"the key in ${options.api_key_env} is valid and may send mail (nothing sent)"
    )


def _smtp(loaded: LoadedConfig, delivery: SmtpDelivery) -> Finding:
    from newsletter.delivery import get_backend

    options = delivery.options
    subject = f"delivery smtp {options.host}:{options.port}"
    try:
        backend = get_backend(loaded)
        backend.open()  # connect, STARTTLS or TLS, AUTH: what a send starts with
        backend.close()  # QUIT
    except NewsletterError as exc:
        return failure(subject, str(exc), "fix delivery.options or the credentials")
    steps = ["connected"]
    if options.security != "none":
        steps.append("STARTTLS" if options.security == "starttls" else "TLS")
    if options.username_env:
        steps.append("logged in")
    return ok(subject, ", ".join(steps) + " (nothing sent)")
