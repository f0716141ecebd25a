"""Making Data Count icons as small self-contained SVGs: drawing only.

The verdicts and their text alternatives are :mod:`rrp_helpers.mdc`'s (a statistics module
this drawing layer may not import): callers pass the text, e.g.
``variation_svg(row.variation, row.variation_text)``, and ``icon_legend_html(mdc.VARIATION_TEXTS,
mdc.ASSURANCE_TEXTS)``. The drawings are the workbook's own, in the Making Data Count spirit:

* variation: a ring holding a short run of dots; grey for common cause, the last dots stepping
  up (H) or down (L) in blue for improvement or orange for concern; a purple arrow when the
  measure has no improvement direction;
* assurance: a ring with P (blue), F (orange) or ? (grey) over a wavy process line, with the
  dashed target line below it, above it or through it.

Each SVG has ``role="img"``, an ``aria-label`` and a ``<title>`` holding the (escaped) text,
no scripts and no references to anything outside it; the only web address is the SVG namespace
name, which is never fetched and lets the string be saved as a file too.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping
from xml.sax.saxutils import escape, quoteattr

__all__ = ["ASSURANCE_CATEGORIES", "VARIATION_CATEGORIES", "assurance_svg", "icon_legend_html", "variation_svg"]

IMPROVEMENT = "#0072C6"
CONCERN = "#FF6600"
NEITHER = "#8000C0"
GREY_DARK = "#7F7F7F"
GREY_LIGHT = "#BFBFBF"

_NAMESPACE = "http://www.w3.org/2000/svg"
_FONT = 'font-family="Arial, Helvetica, sans-serif" font-weight="bold" text-anchor="middle"'
# Characters XML 1.0 does not allow at all: escaping cannot save them, so they are dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_DOT_X = (22, 33, 44, 56, 67, 78)
_RUN_HIGH = (66, 62, 66, 56, 48, 40)  # three grey months, then three stepping up
_RUN_LOW = tuple(100 - y for y in _RUN_HIGH)
_RUN_COMMON = (52, 44, 56, 46, 54, 48)


def _ring(colour: str, *, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="12 6"' if dashed else ""
    return f'<circle cx="50" cy="50" r="43" fill="#FFFFFF" stroke="{colour}" stroke-width="6"{dash}/>'


def _letter(letter: str, colour: str, x: float, baseline: float) -> str:
    return f'<text x="{x}" y="{baseline}" font-size="30" fill="{colour}" {_FONT}>{letter}</text>'


def _run(heights: tuple[int, ...], line: str, colours: tuple[str, ...]) -> str:
    """A little run chart: dots at ``heights`` (SVG y, down the icon) joined by a line."""
    points = " ".join(f"{x},{y}" for x, y in zip(_DOT_X, heights, strict=True))
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="5" fill="{c}"/>' for x, y, c in zip(_DOT_X, heights, colours, strict=True)
    )
    return f'<polyline points="{points}" fill="none" stroke="{line}" stroke-width="2.5"/>{dots}'


def _signal(colour: str, high: bool) -> str:
    heights, letter = (_RUN_HIGH, _letter("H", colour, 33, 44)) if high else (_RUN_LOW, _letter("L", colour, 33, 80))
    return _ring(colour) + _run(heights, GREY_DARK, (GREY_DARK,) * 3 + (colour,) * 3) + letter


def _arrow(high: bool) -> str:
    """A purple block arrow on the diagonal, pointing up (high) or down (low) to the right."""
    flip = (lambda y: y) if high else (lambda y: 100 - y)
    head = " ".join(f"{x},{flip(y)}" for x, y in ((74, 26), (69, 49.3), (50.7, 31)))
    shaft = f'<line x1="30" y1="{flip(70)}" x2="61" y2="{flip(39)}" stroke="{NEITHER}" stroke-width="10" stroke-linecap="round"/>'
    return _ring(NEITHER) + shaft + f'<polygon points="{head}" fill="{NEITHER}"/>'


_VARIATION_DRAWINGS: dict[str, Callable[[], str]] = {
    "common_cause": lambda: _ring(GREY_LIGHT) + _run(_RUN_COMMON, GREY_LIGHT, (GREY_DARK,) * 6),
    "improvement_high": lambda: _signal(IMPROVEMENT, high=True),
    "improvement_low": lambda: _signal(IMPROVEMENT, high=False),
    "concern_high": lambda: _signal(CONCERN, high=True),
    "concern_low": lambda: _signal(CONCERN, high=False),
    "neither_high": lambda: _arrow(high=True),
    "neither_low": lambda: _arrow(high=False),
    "none": lambda: _ring(GREY_LIGHT, dashed=True),
}

_WAVE = f'<path d="M20 62 C27 52 33 52 40 62 S53 72 60 62 S73 52 80 62" fill="none" stroke="{GREY_DARK}" stroke-width="3.5"/>'


def _target_line(colour: str, y: float, half_width: float) -> str:
    return (f'<line x1="{50 - half_width}" y1="{y}" x2="{50 + half_width}" y2="{y}" stroke="{colour}" '
            'stroke-width="3" stroke-dasharray="6 3"/>')


def _assurance(colour: str, letter: str, letter_colour: str, target_y: float, half_width: float) -> str:
    return _ring(colour) + _letter(letter, letter_colour, 50, 42) + _WAVE + _target_line(colour, target_y, half_width)


_ASSURANCE_DRAWINGS: dict[str, Callable[[], str]] = {
    "pass": lambda: _assurance(IMPROVEMENT, "P", IMPROVEMENT, 78, 28),  # target below the process
    "fail": lambda: _assurance(CONCERN, "F", CONCERN, 49, 34),  # target above the process
    "hit_and_miss": lambda: _assurance(GREY_LIGHT, "?", GREY_DARK, 62, 34),  # target through it
    "none": lambda: _ring(GREY_LIGHT, dashed=True),
}

#: The categories each function draws (the keys of ``mdc.VARIATION_TEXTS`` / ``mdc.ASSURANCE_TEXTS``).
VARIATION_CATEGORIES: tuple[str, ...] = tuple(_VARIATION_DRAWINGS)
ASSURANCE_CATEGORIES: tuple[str, ...] = tuple(_ASSURANCE_DRAWINGS)


def _clean_text(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"an icon's text must be a string, not {type(text).__name__}")
    cleaned = _NOT_XML.sub("", text).strip()
    if not cleaned:
        raise ValueError("an icon needs a text alternative")
    return cleaned


def _svg(kind: str, drawings: Mapping[str, Callable[[], str]], category: str, text: str, size: float) -> str:
    if category not in drawings:
        raise ValueError(f"unknown {kind} category {category!r}; choose one of: {', '.join(drawings)}")
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not math.isfinite(size) or size <= 0:
        raise ValueError(f"size must be a positive number of pixels, not {size!r}")
    text = _clean_text(text)
    return (
        f'<svg xmlns="{_NAMESPACE}" width="{size:g}" height="{size:g}" viewBox="0 0 100 100" role="img" '
        f'aria-label={quoteattr(text)} class="rrp-mdc-icon rrp-mdc-{kind}-{category}">'
        f"<title>{escape(text)}</title>{drawings[category]()}</svg>"
    )


def variation_svg(category: str, text: str, *, size: float = 28) -> str:
    """The variation icon of ``category`` (one of :data:`VARIATION_CATEGORIES`), ``size`` pixels
    square, with ``text`` (e.g. ``mdc.VARIATION_TEXTS[category]``) as its accessible name."""
    return _svg("variation", _VARIATION_DRAWINGS, category, text, size)


def assurance_svg(category: str, text: str, *, size: float = 28) -> str:
    """The assurance icon of ``category`` (one of :data:`ASSURANCE_CATEGORIES`), ``size`` pixels
    square, with ``text`` (e.g. an ``icon_table`` row's ``assurance_text``) as its accessible name."""
    return _svg("assurance", _ASSURANCE_DRAWINGS, category, text, size)


def icon_legend_html(variation_texts: Mapping[str, str], assurance_texts: Mapping[str, str], *, size: float = 28) -> str:
    """A page's key: every icon beside its meaning, as an HTML snippet (texts escaped).

    Pass ``mdc.VARIATION_TEXTS`` and ``mdc.ASSURANCE_TEXTS``. The icons are hidden from screen
    readers here, since the text beside each says the same.
    """
    sections = []
    for heading, draw, categories, texts in (
        ("Variation", variation_svg, VARIATION_CATEGORIES, variation_texts),
        ("Assurance", assurance_svg, ASSURANCE_CATEGORIES, assurance_texts),
    ):
        missing = [category for category in categories if category not in texts]
        if missing:
            raise ValueError(f"no {heading.lower()} text for: {', '.join(missing)}")
        items = "".join(
            '<li style="display:flex;align-items:center;gap:0.5em;margin:0.2em 0">'
            f'<span aria-hidden="true" style="display:inline-flex">{draw(category, texts[category], size=size)}</span>'
            f"<span>{html.escape(texts[category])}</span></li>"
            for category in categories
        )
        sections.append(f'<p style="margin:0.5em 0 0.2em"><strong>{heading}</strong></p>'
                        f'<ul style="list-style:none;margin:0;padding:0">{items}</ul>')
    return f'<div class="rrp-mdc-key">{"".join(sections)}</div>'
