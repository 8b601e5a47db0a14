"""Display text: line breaks collapsed, LaTeX turned into Unicode, money left alone."""

from __future__ import annotations

import pytest

from newsletter.sources.formats import parse_hf_item
from newsletter.sources.text import clean_abstract, clean_title
from tests.sources.conftest import HF_2024, hf_items


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("DyG$^2$T: Modeling Object Dynamics", "DyG²T: Modeling Object Dynamics"),
        ("H$^2$EDL: Hyper Evidential Deep Learning", "H²EDL: Hyper Evidential Deep Learning"),
        ("Earn $1 Million with Agents", "Earn $1 Million with Agents"),
        ("Training for 1$ a Day", "Training for 1$ a Day"),
        ("From $5 to $10: Cheap Fine-Tuning", "From $5 to $10: Cheap Fine-Tuning"),
        ("A $1-$2 Budget", "A $1-$2 Budget"),
        (
            "Self-Forcing++: Towards\n  Minute-Scale Video",
            "Self-Forcing++: Towards Minute-Scale Video",
        ),
        ("$\\mathcal{O}(n)$ Attention in $\\mathbb{R}^{d}$", "𝒪(n) Attention in ℝ^d"),
        ('Sch\\"{o}dinger Bridges', "Schödinger Bridges"),
    ],
)
def test_titles(raw: str, shown: str) -> None:
    assert clean_title(raw) == shown


def test_abstract_math_percent_and_markup_survive() -> None:
    raw = (
        "The AMOS control passes, but $7/12$ organs exceed $\\alpha{=}0.10$ after\ntransfer "
        "($4.8 \\pm 1.0$ vs $49.0 \\pm 14.1$ min); we gain 20% & run ~2x faster. "
        "<think>reasoning</think> <a href=x>"
    )
    assert clean_abstract(raw) == (
        "The AMOS control passes, but 7/12 organs exceed α=0.10 after transfer "
        "(4.8 ± 1.0 vs 49.0 ± 14.1 min); we gain 20% & run ~2x faster. "
        "<think>reasoning</think> <a href=x>"
    )


def test_hf_latex_commands_are_converted_and_the_original_kept() -> None:
    item = next(i for i in hf_items(HF_2024) if "\\textbf" in i["paper"]["summary"])
    paper = parse_hf_item(item, "x")
    assert "\\textbf" not in paper.abstract
    assert "backbone-optimizer coupling bias" in paper.abstract
    assert paper.abstract_raw == item["paper"]["summary"]
    assert "\n" not in paper.abstract and "  " not in paper.abstract


def test_odd_latex_never_raises_and_keeps_the_words() -> None:
    assert clean_title("Open { brace and \\unknowncmd{x} here") == "Open { brace and x here"
    assert clean_title("Unbalanced $x^{2$ math").startswith("Unbalanced x")


# Accents as arXiv abstracts and author lists write them: mostly without braces.
@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ('as shown by (\\"Ust\\"un et al., 2024)', "as shown by (Üstün et al., 2024)"),
        ('the Schr\\"odinger bridge', "the Schrödinger bridge"),
        ("a Poincar\\'e embedding", "a Poincaré embedding"),
        ("procesamiento de se\\~nal", "procesamiento de señal"),
        ('\\"{U}ber alles', "Über alles"),
        ('{\\"U}ber alles', "Über alles"),
        ('G\\"{o}del and Erd\\H{o}s', "Gödel and Erdős"),
        ("Fran\\c{c}ois and Fran\\c cois", "François and François"),
        ("Ko\\v{s}ice and Ko\\v sice", "Košice and Košice"),
        ("Stra\\ss e, Gro\\ss{} and the \\ss-bound", "Straße, Groß and the ß-bound"),
        ("\\'{e}t\\'{e}, \\^ile, \\`a la, na\\\"ive", "été, île, à la, naïve"),
        ("Ma\\'\\i a and \\L{}\\'od\\'z", "Maía and Łódź"),
        ('\\aa ngstr\\"om and \\O{}rsted', "ångström and Ørsted"),
    ],
)
def test_accents_become_letters_not_combining_marks(raw: str, shown: str) -> None:
    assert clean_abstract(raw) == shown


def test_latex_conversion_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    clean_abstract('(\\"Ust\\"un et al.) and an unclosed \\textbf{brace')
    assert not [r for r in caplog.records if r.name.startswith("pylatexenc")]
