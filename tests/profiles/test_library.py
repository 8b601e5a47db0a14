"""A library export (BibTeX, Zotero CSV) as a profile; exports derived from recorded papers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.errors import ConfigError
from newsletter.profiles.build import build_profiles
from newsletter.profiles.library import LibraryError, read_library
from newsletter.topics import group_by_topic
from tests.profiles.conftest import PROFILE_IDS, atom_papers, hf_papers
from tests.profiles.test_similar_to import TESTING_TOPIC, write_config


def write_bibtex(path: Path) -> Path:
    entries = [
        f"@article{{key{i},\n  title = {{{{{p.title}}}}},\n  abstract = {{{p.abstract}}},\n"
        f"  eprint = {{{p.id}}},\n  archivePrefix = {{arXiv}}\n}}\n"
        for i, p in enumerate(atom_papers())
        if p.id in PROFILE_IDS
    ]
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def write_zotero_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Key", "Item Type", "Title", "Abstract Note", "Url", "DOI"])
        for p in atom_papers():
            if p.id in PROFILE_IDS:
                writer.writerow(["K", "preprint", p.title, p.abstract, p.arxiv_url, ""])
        writer.writerow(["J", "journalArticle", "A journal paper", "", "", "10.1145/3290605.33002"])
    return path


def test_bibtex_entries_keep_title_abstract_and_arxiv_id(tmp_path: Path) -> None:
    entries = read_library(write_bibtex(tmp_path / "refs.bib"))
    assert [e.arxiv_id for e in entries] == [p.id for p in atom_papers() if p.id in PROFILE_IDS]
    assert entries[0].title.startswith("Testing Deep Learning Models")
    assert "{" not in entries[0].title
    assert entries[0].line == 1


def test_zotero_csv_takes_ids_from_arxiv_urls_only(tmp_path: Path) -> None:
    entries = read_library(write_zotero_csv(tmp_path / "lib.csv"))
    assert len(entries) == 4
    assert [e.arxiv_id for e in entries[:3]] == [p.id for p in atom_papers() if p.id in PROFILE_IDS]
    assert entries[3].arxiv_id is None  # a journal DOI is not mistaken for an arXiv id


def test_a_broken_bibtex_entry_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("@article{a, title={Fine}}\n\n@article{b, title={Broken\n", encoding="utf-8")
    with pytest.raises(LibraryError, match=r"refs\.bib:3: broken BibTeX entry"):
        read_library(path)


@pytest.mark.parametrize("export", [write_bibtex, write_zotero_csv])
def test_a_library_profile_groups_like_the_ids_with_no_lookup(tmp_path: Path, export) -> None:  # type: ignore[no-untyped-def]
    library = export(tmp_path / ("refs.bib" if export is write_bibtex else "lib.csv"))
    # No server: every entry carries its abstract, so nothing is looked up.
    path = write_config(tmp_path, "http://127.0.0.1:9", f"{{library: {library.name}}}")
    config = load_config(path)
    profiles = build_profiles(config)
    papers = hf_papers() + [p for p in atom_papers() if p.id not in PROFILE_IDS]
    sections = group_by_topic(papers, config.model.topics, config.model.grouping, profiles)
    testing = next(s for s in sections if s.topic.name == TESTING_TOPIC)
    assert {p.id for p in testing.papers} <= {p.id for p in atom_papers()}
    assert len(testing.papers) >= 5


def test_a_missing_library_file_is_a_config_error_at_its_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", "{library: missing.bib}")
    with pytest.raises(ConfigError) as caught:
        build_profiles(load_config(path))
    [problem] = caught.value.problems
    assert problem.path == "topics[0].match.similar_to.library"
    assert problem.line == 14
    assert "missing.bib: cannot read the library" in problem.message
