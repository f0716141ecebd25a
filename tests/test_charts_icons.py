"""rrp_helpers.charts.icons: the Making Data Count icons are well-formed, accessible, offline SVGs."""

from __future__ import annotations

import ast
import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rrp_helpers import mdc
from rrp_helpers.charts import icons

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACE_DECLARATION = 'xmlns="http://www.w3.org/2000/svg"'
BLUE, ORANGE, PURPLE = "#0072C6", "#FF6600", "#8000C0"

ALL_ICONS = [("variation", c, t) for c, t in mdc.VARIATION_TEXTS.items()] + [
    ("assurance", c, t) for c, t in mdc.ASSURANCE_TEXTS.items()
]


def draw(kind: str, category: str, text: str, **options) -> str:
    return (icons.variation_svg if kind == "variation" else icons.assurance_svg)(category, text, **options)


def drawing(svg: str) -> str:
    """The picture alone: the markup without its title, accessible name and class."""
    root = ET.fromstring(svg)
    return "".join(ET.tostring(child, encoding="unicode") for child in root if child.tag != f"{SVG}title")


def test_the_icons_draw_every_category_mdc_decides() -> None:
    assert set(icons.VARIATION_CATEGORIES) == set(mdc.VARIATION_TEXTS)
    assert set(icons.ASSURANCE_CATEGORIES) == set(mdc.ASSURANCE_TEXTS)


@pytest.mark.parametrize(("kind", "category", "text"), ALL_ICONS)
def test_each_icon_is_accessible_offline_svg(kind, category, text) -> None:
    svg = draw(kind, category, text)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == text
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == text
    assert root.get("width") == root.get("height") == "28"
    lowered = svg.lower()
    assert "href" not in lowered and "<script" not in lowered and "url(" not in lowered
    assert "http" not in svg.replace(NAMESPACE_DECLARATION, "")  # the namespace name is never fetched
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in ("image", "foreignObject", "use", "script", "style")
        assert not any(name.lower().startswith("on") for name in element.attrib)


@pytest.mark.parametrize("categories", [icons.VARIATION_CATEGORIES, icons.ASSURANCE_CATEGORIES])
def test_every_category_has_its_own_drawing(categories) -> None:
    kind = "variation" if categories is icons.VARIATION_CATEGORIES else "assurance"
    drawings = {drawing(draw(kind, category, "same text")) for category in categories}
    assert len(drawings) == len(categories)


def colours(svg: str) -> set[str]:
    return {value for element in ET.fromstring(svg).iter() for key, value in element.attrib.items() if key in ("fill", "stroke")}


def letters(svg: str) -> list[str]:
    return [element.text for element in ET.fromstring(svg).iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("category", "colour", "letter", "rising"),
    [
        ("improvement_high", BLUE, "H", True),
        ("improvement_low", BLUE, "L", False),
        ("concern_high", ORANGE, "H", True),
        ("concern_low", ORANGE, "L", False),
    ],
)
def test_signal_icons_step_the_right_way_in_the_right_colour(category, colour, letter, rising) -> None:
    svg = icons.variation_svg(category, "text")
    assert letters(svg) == [letter]
    assert colour in colours(svg) and not {BLUE, ORANGE, PURPLE} - {colour} & colours(svg)
    coloured = [float(c.get("cy")) for c in ET.fromstring(svg).iter(f"{SVG}circle") if c.get("fill") == colour]
    assert len(coloured) >= 2
    steps = [b - a for a, b in itertools.pairwise(coloured)]
    # SVG y grows downwards: a rising run has falling cy.
    assert all(step < 0 for step in steps) if rising else all(step > 0 for step in steps)


def test_common_cause_is_grey_and_neither_is_a_purple_arrow() -> None:
    common = icons.variation_svg("common_cause", "text")
    assert not {BLUE, ORANGE, PURPLE} & colours(common) and letters(common) == []
    for category in ("neither_high", "neither_low"):
        svg = icons.variation_svg(category, "text")
        assert PURPLE in colours(svg) and not {BLUE, ORANGE} & colours(svg)
        assert ET.fromstring(svg).find(f"{SVG}polygon") is not None  # the arrow head
    high = ET.fromstring(icons.variation_svg("neither_high", "t")).find(f"{SVG}polygon").get("points")
    tip_high = float(high.split()[0].split(",")[1])
    low = ET.fromstring(icons.variation_svg("neither_low", "t")).find(f"{SVG}polygon").get("points")
    tip_low = float(low.split()[0].split(",")[1])
    assert tip_high < 50 < tip_low  # pointing up, pointing down


@pytest.mark.parametrize(
    ("category", "letter", "colour", "where"),
    [("pass", "P", BLUE, "below"), ("fail", "F", ORANGE, "above"), ("hit_and_miss", "?", "#BFBFBF", "through")],
)
def test_assurance_letter_and_target_line(category, letter, colour, where) -> None:
    svg = icons.assurance_svg(category, "text")
    assert letters(svg) == [letter]
    root = ET.fromstring(svg)
    (target,) = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert target.get("stroke") == colour
    wave = root.find(f"{SVG}path").get("d")
    wave_y = [float(value) for value in wave.replace("M", " ").replace("C", " ").replace("S", " ").split()[1::2]]
    y = float(target.get("y1"))
    expected = {"below": y > max(wave_y), "above": y < min(wave_y), "through": min(wave_y) < y < max(wave_y)}
    assert expected[where]


def test_hostile_text_cannot_break_the_svg() -> None:
    hostile = 'x" onload="alert(1)"><script>alert(2)</script><title>&amp; \'quoted\' </svg>'
    for svg in (icons.variation_svg("common_cause", hostile), icons.assurance_svg("pass", hostile)):
        root = ET.fromstring(svg)
        assert root.get("aria-label") == hostile
        assert root.find(f"{SVG}title").text == hostile
        assert [e.tag for e in root.iter() if e.tag.removeprefix(SVG) in ("script",)] == []
        assert len(root.findall(f"{SVG}title")) == 1
        assert "onload" not in root.attrib


def test_characters_xml_cannot_hold_are_dropped() -> None:
    root = ET.fromstring(icons.variation_svg("common_cause", "Common\x00 cause\x1b"))
    assert root.get("aria-label") == "Common cause"


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: icons.variation_svg("pass", "text"), ValueError),
        (lambda: icons.assurance_svg("improvement_high", "text"), ValueError),
        (lambda: icons.variation_svg("common_cause", "  "), ValueError),
        (lambda: icons.variation_svg("common_cause", None), TypeError),
        (lambda: icons.assurance_svg("pass", "text", size=0), ValueError),
        (lambda: icons.assurance_svg("pass", "text", size=float("inf")), ValueError),
    ],
)
def test_bad_arguments_are_refused(call, error) -> None:
    with pytest.raises(error):
        call()


def test_size_sets_the_pixels_not_the_drawing() -> None:
    small, large = icons.assurance_svg("fail", "t", size=20), icons.assurance_svg("fail", "t", size=48.5)
    assert (ET.fromstring(large).get("width"), ET.fromstring(large).get("height")) == ("48.5", "48.5")
    assert drawing(small) == drawing(large)


def test_legend_lists_every_icon_with_its_meaning() -> None:
    legend = icons.icon_legend_html(mdc.VARIATION_TEXTS, mdc.ASSURANCE_TEXTS)
    root = ET.fromstring(legend)  # well-formed, so safe to drop into a page
    items = root.findall(".//li")
    assert len(items) == len(mdc.VARIATION_TEXTS) + len(mdc.ASSURANCE_TEXTS)
    shown = [item.findall("span")[1].text for item in items]
    assert shown == [*mdc.VARIATION_TEXTS.values(), *mdc.ASSURANCE_TEXTS.values()]
    for item in items:
        holder = item.find("span")
        assert holder.get("aria-hidden") == "true"  # the text beside it says the same
        assert holder.find(f"{SVG}svg") is not None
    assert "http" not in legend.replace(NAMESPACE_DECLARATION, "") and "<script" not in legend


def test_legend_escapes_text_and_needs_every_category() -> None:
    texts = dict(mdc.VARIATION_TEXTS, common_cause="<b>grey</b> & dull")
    legend = icons.icon_legend_html(texts, mdc.ASSURANCE_TEXTS)
    assert "<b>" not in legend and "&lt;b&gt;grey&lt;/b&gt; &amp; dull" in legend
    ET.fromstring(legend)
    with pytest.raises(ValueError, match="hit_and_miss"):
        icons.icon_legend_html(mdc.VARIATION_TEXTS, {"pass": "p", "fail": "f", "none": "n"})


def test_the_drawing_module_does_not_import_the_statistics() -> None:
    # charts (layer 4) may import only layer 0; mdc is statistics and must stay out of it.
    tree = ast.parse(Path(icons.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {name for name in imported if name and name.startswith("rrp_helpers")}
