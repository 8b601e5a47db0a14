"""``newsletter topics explain``: which topic each paper landed in, by which rule and words.

On a terminal the overview is a rich table; otherwise (pipes, files, CI logs) plain text with
one block per paper; ``--json`` prints the shape documented in docs/topics.md for scripts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from newsletter.cli.commands_suggest import suggest_command
from newsletter.cli.options import as_date, config_option, date_option
from newsletter.errors import NewsletterError
from newsletter.words import plural

if TYPE_CHECKING:
    from rich.console import Console

    from newsletter.topics import Explanation
    from newsletter.topics.grouping import Match, Placement


Echo = Callable[[str], None]


@click.group(epilog="Example: newsletter topics explain --date 2025-10-03")
def topics() -> None:
    """See how the topic rules sort a day's papers."""


@topics.command(
    "explain",
    epilog="Example: newsletter topics explain --date 2025-10-03 --paper 2510.02283",
)
@config_option
@date_option
@click.option(
    "--paper",
    "paper_id",
    default=None,
    help="Explain one paper: its arXiv id (2510.02314, 2510.02314v2) or its arXiv or "
    "Hugging Face URL.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def explain_command(
    config_path: str | None, day: dt.datetime | None, paper_id: str | None, as_json: bool
) -> None:
    """Show the topic each paper landed in, the rule and the words that matched, the papers
    per topic and the unmatched papers: the tool for tuning `topics:` rules."""
    from rich.console import Console

    from newsletter import pipeline
    from newsletter.config import load_config
    from newsletter.sources import build_sources
    from newsletter.sources.collect import collect_papers
    from newsletter.topics import explain

    loaded = load_config(config_path)
    when = pipeline.resolve_day(loaded, as_date(day))
    collection = collect_papers(build_sources(loaded), when)
    for warning in collection.warnings:
        click.echo(f"warning: {warning}", err=True)
    for failed in collection.failed:
        click.echo(f"warning: source {failed.source} failed: {failed.error}", err=True)
    config = loaded.model
    from newsletter.profiles.build import build_profiles

    profiles = build_profiles(loaded)
    explanation = explain(collection.papers, config.topics, config.grouping, profiles)
    placement = _one_paper(explanation, paper_key(paper_id), when) if paper_id else None
    if as_json:
        click.echo(json.dumps(_json(explanation, when, placement), ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    if placement is not None:
        show_paper(placement, explanation, click.echo)
    elif console.is_terminal:
        show_table(explanation, when, console)
    else:
        show_plain(explanation, when, click.echo)


_PAPER_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.I)


def paper_key(given: str) -> str:
    """``2510.02314v2``, ``https://arxiv.org/abs/2510.02314v2``, ``.../pdf/2510.02314.pdf``
    and ``https://huggingface.co/papers/2510.02314`` all name paper ``2510.02314``."""
    text = given.strip()
    if "/" in text and (
        match := _PAPER_ID.search(text.rsplit("/", 2)[-1] if "://" in text else text)
    ):
        return match.group(1)
    if "://" in text and (match := _PAPER_ID.search(text)):
        return match.group(1)
    match = _PAPER_ID.fullmatch(text)
    return match.group(1) if match else text


def _one_paper(explanation: Explanation, paper_id: str, when: dt.date) -> Placement:
    placement = explanation.find(paper_id)
    if placement is None:
        ids = ", ".join(p.paper.id for p in explanation.placements[:5])
        more = " ..." if len(explanation.placements) > 5 else ""
        raise NewsletterError(
            f"no paper {paper_id!r} among the "
            f"{plural(len(explanation.placements), 'paper')} of {when} "
            f"(ids: {ids or 'none'}{more}); run without --paper to list them"
        )
    return placement


def _json(explanation: Explanation, when: dt.date, placement: Placement | None) -> object:
    from newsletter.topics import to_json

    data = to_json(explanation)
    data = {"date": when.isoformat(), **data}
    if placement is None:
        return data
    paper = next(p for p in data["papers"] if p["id"] == placement.paper.id)
    return {"date": data["date"], "membership": data["membership"], **paper}


def _landed(placement: Placement, explanation: Explanation) -> str:
    if placement.placed:
        return ", ".join(m.topic.topic.name for m in placement.placed)
    if explanation.catch_all:
        return f"{explanation.catch_all} (catch-all)"
    return "(dropped: no topic matched, no catch-all)"


def _hidden_note(placement: Placement, explanation: Explanation) -> str:
    hidden = explanation.hidden_ids()
    cut = [
        m.topic.topic.name for m in placement.placed if (m.topic.topic.name, m.paper.id) in hidden
    ]
    return f" [beyond max_papers in {', '.join(cut)}: counted as 'N more']" if cut else ""


def _heading(explanation: Explanation, when: dt.date) -> str:
    topics = sum(1 for c in explanation.counts if not c.catch_all)
    return (
        f"Topics on {when:%a %d %b %Y}: {plural(len(explanation.placements), 'paper')}, "
        f"{plural(topics, 'topic')}, "
        f"membership: {explanation.membership}"
    )


def show_plain(explanation: Explanation, when: dt.date, echo: Echo) -> None:
    echo(_heading(explanation, when))
    for placement in explanation.placements:
        paper = placement.paper
        votes = f" ({paper.upvotes} upvotes)" if paper.upvotes is not None else ""
        echo("")
        echo(f"{paper.id}  {paper.title}{votes}")
        echo(f"  -> {_landed(placement, explanation)}{_hidden_note(placement, explanation)}")
        for match in placement.placed:
            _echo_match(match, echo, indent="     ")
        others = [m for m in placement.matches if m not in placement.placed]
        if others:
            also = ", ".join(f"{m.topic.topic.name} ({m.score:g})" for m in others)
            echo(f"     also matched: {also}")
    show_counts(explanation, echo)


def _echo_match(match: Match, echo: Echo, indent: str) -> None:
    from newsletter.topics.explain import matched_words, rules_used

    echo(f"{indent}score {match.score:g}, relevance {match.relevance:.2f}")
    for rule in rules_used(match.hits):
        words = matched_words([h for h in match.hits if h.rule == rule])
        echo(f"{indent}{rule}: {'; '.join(words)}")


def show_counts(explanation: Explanation, echo: Echo) -> None:
    echo("")
    echo("Papers per topic:")
    for count in explanation.counts:
        note = " (catch-all)" if count.catch_all else ""
        if count.hidden:
            note += f" ({count.shown} shown, {count.hidden} beyond max_papers)"
        if not count.matched and not count.catch_all:
            note += " (no paper matched)"
        echo(f"  {count.matched:4d}  {count.name}{note}")
    unmatched = explanation.unmatched
    fate = "in the catch-all" if explanation.catch_all else "dropped"
    echo("")
    echo(f"Unmatched ({len(unmatched)}, {fate}):" if unmatched else "Unmatched: none")
    for paper in unmatched:
        echo(f"  {paper.id}  {paper.title}")


def show_paper(placement: Placement, explanation: Explanation, echo: Echo) -> None:
    """Every topic's verdict for one paper, in config order."""
    paper = placement.paper
    echo(f"{paper.id}  {paper.title}")
    echo(f"landed in: {_landed(placement, explanation)}{_hidden_note(placement, explanation)}")
    if explanation.membership == "first" and len(placement.matches) > 1:
        echo("(membership: first - the first matching topic in config order wins)")
    matched = {m.topic.index: m for m in placement.matches}
    for count in explanation.counts:
        if count.catch_all:
            continue
        match = next((m for m in matched.values() if m.topic.topic.name == count.name), None)
        echo("")
        echo(f"{'+' if match else '-'} {count.name}")
        if match is None:
            echo("    no rule matched")
            for nearest in explanation.similarity.get((count.name, paper.id), []):
                echo(f"    {nearest}")  # how far from the profile: tune the threshold
        else:
            _echo_match(match, echo, indent="    ")


def show_table(explanation: Explanation, when: dt.date, console: Console) -> None:
    from rich.table import Table

    from newsletter.topics.explain import matched_words, rules_used

    table = Table(title=_heading(explanation, when), show_lines=False, expand=True)
    for column, style in (("Paper", "dim"), ("Title", ""), ("Topic", "bold"), ("Score", "")):
        table.add_column(column, style=style, overflow="fold", justify="left")
    table.add_column("Rule and matched words", overflow="fold")
    for placement in explanation.placements:
        paper = placement.paper
        match = placement.placed[0] if placement.placed else None
        why = ""
        if match is not None:
            # The topic is in its own column: show the rule's path inside ``match``.
            why = "\n".join(
                f"{rule.partition('.match')[2].lstrip('.') or 'match'}: "
                + "; ".join(matched_words([h for h in match.hits if h.rule == rule]))
                for rule in rules_used(match.hits)
            )
        topic = _landed(placement, explanation) + _hidden_note(placement, explanation)
        score = f"{match.score:g}" if match else "-"
        table.add_row(paper.id, paper.title, topic, score, why, style=None if match else "yellow")
    console.print(table)
    show_counts(explanation, lambda line: console.print(line, markup=False))


topics.add_command(suggest_command)


def register(group: click.Group) -> None:
    group.add_command(topics)
