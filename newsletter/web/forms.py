"""Reading and validating what a form sends. Every value is checked before it is used."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import FormData
from starlette.requests import Request

from newsletter.errors import FormInputError, InvalidEmailError
from newsletter.store.subscribers import normalize_email
from newsletter.topics.names import match_topic

MAX_FORM_BYTES = 16 * 1024  # the largest honest form is well under 2 KB
MAX_EMAIL_CHARS = 254  # RFC 5321's limit on a path


async def read_form(request: Request) -> FormData:
    """The form, refusing oversized bodies and file uploads (raises ``FormInputError``)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
        raise FormInputError("The form is too large.")
    return await request.form(max_files=0, max_fields=64, max_part_size=MAX_FORM_BYTES)


def parse_email(form: FormData) -> str:
    value = form.get("email")
    if not isinstance(value, str) or not value.strip():
        raise FormInputError("Please enter your email address.")
    if len(value) > MAX_EMAIL_CHARS or "\n" in value or "\r" in value:
        raise FormInputError("That is not a valid email address.")
    try:
        return normalize_email(value)
    except InvalidEmailError:
        raise FormInputError("That is not a valid email address.") from None


def parse_topics(form: FormData, known: Sequence[str]) -> frozenset[str] | None:
    """The chosen topics; ``None`` when every topic is chosen (new topics included)."""
    chosen = [v for v in form.getlist("topics") if isinstance(v, str)]
    if not chosen:
        raise FormInputError("Please choose at least one topic.")
    named = [match_topic(v, known) for v in chosen]
    if None in named:
        raise FormInputError("Please choose topics from the list.")
    picked = frozenset(name for name in named if name is not None)
    return None if picked == frozenset(known) else picked
