"""The colours the email uses, in one place so a test can check every pair's contrast.

Light is what most clients show; dark is applied through ``prefers-color-scheme``. Colours
are mid-saturation so a client that inverts them (Gmail's apps, Outlook) still gets legible
pairs: the tests check the light pairs after inversion too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Palette:
    page: str  # behind the cards and under the footer
    card: str  # header, table of contents and topic sections
    text: str
    muted: str  # authors, badges, footer
    link: str


LIGHT = Palette(page="#f3f4f6", card="#ffffff", text="#1f2328", muted="#555d66", link="#0550ae")
DARK = Palette(page="#0d1117", card="#161b22", text="#e6edf3", muted="#a3acb7", link="#6cb6ff")


def text_pairs(palette: Palette) -> list[tuple[str, str, str]]:
    """(what, foreground, background) for every text colour on every surface it sits on."""
    return [
        ("text on card", palette.text, palette.card),
        ("muted on card", palette.muted, palette.card),
        ("link on card", palette.link, palette.card),
        ("muted on page", palette.muted, palette.page),
        ("link on page", palette.link, palette.page),
    ]


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio, 1.0 to 21.0."""
    lighter, darker = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def inverted(hex_colour: str) -> str:
    """What a client that naively inverts colours paints instead."""
    return "#" + "".join(f"{255 - int(hex_colour[i : i + 2], 16):02x}" for i in (1, 3, 5))
