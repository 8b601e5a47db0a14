"""Read a reference library export (BibTeX or CSV) into profile entries.

BibTeX goes through ``bibtexparser`` (v2: it reports each broken entry with its line instead
of giving up on the file); CSV through the standard ``csv`` module, with the column names
Zotero, Mendeley and hand-made sheets use. An entry gives its title and abstract, and its
arXiv id when it names one (``eprint``, an arxiv.org URL, or an ``arXiv:`` note), so an
entry without an abstract can still be looked up.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from newsletter.sources.arxiv_formats import find_arxiv_id
from newsletter.sources.text import clean_abstract, clean_title

TITLE_COLUMNS = ("title",)
ABSTRACT_COLUMNS = ("abstract", "abstract note", "abstractnote", "summary")
ID_COLUMNS = ("arxiv", "arxiv id", "arxiv_id", "eprint", "url", "doi", "extra", "id")
ARXIV_ONLY_COLUMNS = ("url", "doi", "extra")


class LibraryError(ValueError):
    """A library file could not be read; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """One reference: where it is in the file, its text and its arXiv id when known."""

    key: str  # BibTeX key, or "line N" for a CSV row
    line: int  # 1-based
    title: str
    abstract: str
    arxiv_id: str | None


def read_library(path: Path) -> list[LibraryEntry]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read the library: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise LibraryError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    entries = read_bibtex(text, path) if path.suffix.lower() == ".bib" else read_csv(text, path)
    if not entries:
        raise LibraryError(f"{path}: no entries with a title or an arXiv id")
    return entries


def read_bibtex(text: str, path: Path) -> list[LibraryEntry]:
    from bibtexparser.entrypoint import parse_string  # only for configs that name a .bib

    library = parse_string(text)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        raise LibraryError(
            f"{path}:{(block.start_line or 0) + 1}: broken BibTeX entry: {block.error}"
        )
    entries = []
    for entry in library.entries:
        fields = {k.lower(): str(v.value) for k, v in entry.fields_dict.items()}
        found = _entry(fields, entry.key, (entry.start_line or 0) + 1)
        if found is not None:
            entries.append(found)
    return entries


def read_csv(text: str, path: Path) -> list[LibraryEntry]:
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.strip().lower() for c in reader.fieldnames or ()}
    if not columns.intersection(TITLE_COLUMNS + ID_COLUMNS):
        raise LibraryError(
            f"{path}:1: no title or arXiv id column (columns: {', '.join(sorted(columns))};"
            " expected Title, Abstract Note and Url or Extra, as Zotero exports them)"
        )
    entries = []
    for row in reader:
        fields = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
        line = reader.line_num
        found = _entry(fields, f"line {line}", line)
        if found is not None:
            entries.append(found)
    return entries


def _entry(fields: Mapping[str, str], key: str, line: int) -> LibraryEntry | None:
    title = clean_title(_unbrace(_first(fields, TITLE_COLUMNS)))
    abstract = clean_abstract(_unbrace(_first(fields, ABSTRACT_COLUMNS)))
    arxiv_id = next((found for name in ID_COLUMNS if (found := _arxiv_id(fields, name))), None)
    if not title and arxiv_id is None:
        return None  # a note or a heading row: nothing to compare with
    return LibraryEntry(key, line, title, abstract, arxiv_id)


def _arxiv_id(fields: Mapping[str, str], name: str) -> str | None:
    value = fields.get(name, "")
    # A journal DOI or URL has digit runs that look like an id: trust only arXiv's own.
    if name in ARXIV_ONLY_COLUMNS and "arxiv" not in value.lower():
        return None
    return find_arxiv_id(value)


def _first(fields: Mapping[str, str], names: tuple[str, ...]) -> str:
    return next((fields[n] for n in names if fields.get(n, "").strip()), "")


def _unbrace(text: str) -> str:
    # BibTeX protects capitals with braces: "{BERT} for {LLMs}" reads "BERT for LLMs".
    return text.replace("{", "").replace("}", "")
