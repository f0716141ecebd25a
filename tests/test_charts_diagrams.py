"""rrp_helpers.charts.diagrams: the driver diagram, concept, data quality and safety cross charts
render offline to SVG and PNG (a broken spec fails here); text is at least 11 px and never cut;
the driver diagram's connectors run between its label boxes, never across them; the Making Data
Count colours are not used for other meanings; empty tables draw a message, not an empty chart."""

import re
from pathlib import Path

import pandas as pd
import pytest
import vl_convert as vlc
from chart_support import DEMO, assert_renders_offline
from chart_support import chart_builders as _chart_builders

from rrp_helpers import charts, concepts, outcomes, quality
from rrp_helpers.charts import diagrams
from rrp_helpers.charts.theme import (
    NHS_LIGHT_BLUE,
    NHS_MID_GREY,
    NHS_ORANGE,
    NHS_PURPLE,
)
from rrp_helpers.data import load_collaborative
from rrp_helpers.fonts import vl_convert_bundled_fonts


@pytest.fixture(scope="module")
def collab():
    charts.use_theme()
    return load_collaborative(DEMO)


@pytest.fixture(scope="module")
def svgs(collab):
    """Each chart's SVG, drawn with vl-convert's bundled font (as the notebooks draw them)."""
    converter = vl_convert_bundled_fonts()
    return {name: converter.vegalite_to_svg(build().to_dict()) for name, build in _chart_builders(collab).items() if name in NAMES}


NAMES = ["driver_diagram", "concept_heatmap", "missing_heatmap", "safety_cross", "agreement", "idea_timeline", "concept_outcomes"]


@pytest.mark.parametrize("name", NAMES)
def test_chart_renders_offline_to_svg(collab, name):
    assert_renders_offline(_chart_builders(collab)[name]())


def test_chart_renders_offline_to_png(collab):
    png = vlc.vegalite_to_png(_chart_builders(collab)["safety_cross"]().to_dict())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


# Text: at least 11 px, never cut -----------------------------------------------------------------


def _font_sizes(node) -> list[float]:
    """Every font size a spec sets (marks, axes, legends, titles), config included."""
    if isinstance(node, dict):
        found = [float(v) for k, v in node.items() if k.lower().endswith("fontsize") and isinstance(v, (int, float))]
        return found + [size for v in node.values() for size in _font_sizes(v)]
    if isinstance(node, list):
        return [size for v in node for size in _font_sizes(v)]
    return []


@pytest.mark.parametrize("name", NAMES)
def test_text_is_at_least_11_px(collab, svgs, name):
    assert min(_font_sizes(_chart_builders(collab)[name]().to_dict())) >= 11
    drawn = [float(size) for size in re.findall(r'font-size="([\d.]+)px"', svgs[name])]
    assert drawn and min(drawn) >= 11, name


@pytest.mark.parametrize("name", NAMES)
def test_no_label_is_cut(svgs, name):
    assert "\u2026" not in svgs[name]  # Vega ends a label cut at its limit with an ellipsis


@pytest.mark.parametrize("name", ["concept_heatmap", "concept_outcomes"])
def test_every_concept_name_is_drawn_in_full(collab, svgs, name):
    lines = set(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svgs[name]))
    lines |= set(re.findall(r"<text[^>]*>([^<]*)</text>", svgs[name]))
    for concept in concepts.table2(collab)["change_concept"]:
        assert concept.replace("&", "&amp;") in lines or all(
            line in lines for line in diagrams._wrap(concept, 400, 11)
        ), concept


# Colours ---------------------------------------------------------------------------------------


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[k:k + 2], 16) for k in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


MDC = [NHS_LIGHT_BLUE, NHS_ORANGE, NHS_MID_GREY, NHS_PURPLE]


@pytest.mark.parametrize("name", NAMES)
def test_making_data_count_colours_keep_their_meaning(svgs, name):
    """None of these charts shows SPC, so no mark is filled with an MDC point colour (the theme's
    mid grey still draws axis lines, as on every chart)."""
    svg = svgs[name].lower()
    for colour in MDC:
        assert f'fill="{colour.lower()}"' not in svg and f'fill="{_rgb(colour)}"' not in svg, (name, colour)
    for colour in (NHS_LIGHT_BLUE, NHS_ORANGE, NHS_PURPLE):
        assert f'stroke="{colour.lower()}"' not in svg, (name, colour)


def test_concept_outcomes_groups_differ_in_colour_and_shape(collab):
    spec = _chart_builders(collab)["concept_outcomes"]().to_dict()
    dots = next(layer for layer in spec["layer"] if "shape" in layer.get("encoding", {}))
    colours = dots["encoding"]["color"]["scale"]["range"]
    assert len(set(colours)) == 2 and not {c.upper() for c in colours} & set(MDC)
    assert len(set(dots["encoding"]["shape"]["scale"]["range"])) == 2


# Driver diagram geometry -----------------------------------------------------------------------

_LIBERATION = Path("/usr/share/fonts/truetype/liberation")


def _measure():
    """Text width in px, by the font's own metrics where Pillow and Liberation Sans (vl-convert's
    font, metrically Arial) are installed, else by the module's width table."""
    try:
        from PIL import ImageFont

        fonts = {bold: ImageFont.truetype(str(_LIBERATION / f"LiberationSans-{'Bold' if bold else 'Regular'}.ttf"), 1000) for bold in (False, True)}
    except (ImportError, OSError):
        return diagrams._text_width
    return lambda text, size, bold=False: fonts[bold].getlength(text) * size / 1000


def _layers(spec: dict) -> dict[str, list[tuple[dict, pd.DataFrame]]]:
    """The spec's layers by mark type, each with its mark and its data."""
    found: dict[str, list] = {}
    for layer in spec["layer"]:
        mark = layer["mark"] if isinstance(layer["mark"], dict) else {"type": layer["mark"]}
        found.setdefault(mark["type"], []).append((mark, pd.DataFrame(spec["datasets"][layer["data"]["name"]])))
    return found


def _text_blocks(spec: dict) -> pd.DataFrame:
    """Extent in px (y down) of every text drawn: lines stacked from the top by the line height."""
    measure = _measure()
    blocks = []
    for mark, data in _layers(spec)["text"]:
        size, line_height, bold = mark["fontSize"], mark["lineHeight"], mark.get("fontWeight") == "bold"
        assert mark["baseline"] == "top" and mark["align"] == "left"
        x, y = ("text_x", "text_y") if "text_x" in data else ("x", "y")
        for row in data.itertuples():
            lines = row.label.split("\n")
            width = max(measure(line, size, bold) for line in lines)
            top, left = getattr(row, y), getattr(row, x)
            blocks.append({"x": left, "x2": left + width, "y": top, "y2": top + (len(lines) - 1) * line_height + 1.2 * size,
                           "label": row.label, "heading": "level" not in data})
    return pd.DataFrame(blocks)


def _overlap(a, b) -> bool:
    """The two rectangles (x, x2, y, y2) share interior points (touching edges do not count);
    a horizontal or vertical segment counts as a rectangle of no width."""
    return (min(a.x, a.x2) < max(b.x, b.x2) and min(b.x, b.x2) < max(a.x, a.x2)
            and min(a.y, a.y2) < max(b.y, b.y2) and min(b.y, b.y2) < max(a.y, a.y2)) or (
        (a.x == a.x2 or a.y == a.y2) and min(b.x, b.x2) < a.x < max(b.x, b.x2) and min(b.y, b.y2) < a.y < max(b.y, b.y2)
    )


def _check_driver_geometry(chart, table2: pd.DataFrame) -> None:
    spec = chart.to_dict()
    layers = _layers(spec)
    (_, boxes), = layers["rect"]
    (_, segments), = layers["rule"]
    texts = _text_blocks(spec)
    width, height = spec["width"], spec["height"]
    # Every label fits inside its box; the headings sit above the boxes; nothing leaves the chart.
    for text in texts[~texts["heading"]].itertuples():
        inside = boxes[(boxes["x"] <= text.x) & (text.x2 <= boxes["x2"]) & (boxes["y"] <= text.y) & (text.y2 <= boxes["y2"])]
        assert len(inside) == 1, text.label
    assert texts.loc[texts["heading"], "y2"].max() <= boxes["y"].min()
    assert texts["x2"].max() <= width and boxes["x2"].max() <= width and boxes["y2"].max() <= height
    # No connector crosses a box or a text; no two boxes overlap.
    for segment in segments.itertuples():
        assert segment.x == segment.x2 or segment.y == segment.y2  # horizontal or vertical
        for other in [*boxes.itertuples(), *texts.itertuples()]:
            assert not _overlap(segment, other), (segment, getattr(other, "label", None))
    for i, a in enumerate(boxes.itertuples()):
        for b in list(boxes.itertuples())[i + 1:]:
            assert not _overlap(a, b), (a.label, b.label)
    # Connectors end at box edges: into each concept's and secondary driver's left edge, out of
    # each driver's right edge, at the box's middle.
    ends = {(round(s.x2, 6), round(s.y, 6)) for s in segments.itertuples()} | {(round(s.x, 6), round(s.y, 6)) for s in segments.itertuples()}
    for box in boxes.itertuples():
        middle = round((box.y + box.y2) / 2, 6)
        if box.level != "Primary driver":
            assert (round(box.x, 6), middle) in ends, box.label
        if box.level != "Change concept":
            assert (round(box.x2, 6), middle) in ends, box.label
    # The boxes hold table2, every concept with its number of wards, in the change package's order.
    # (compared without spaces: a word too long for a line is cut over two)
    drawn = boxes[boxes["level"].eq("Change concept")]["label"].str.replace(r"\s", "", regex=True)
    expected = table2["change_concept"] + "(" + table2["wards"].astype(str) + "ward" + table2["wards"].ne(1).map({True: "s", False: ""}) + ")"
    assert drawn.tolist() == expected.str.replace(r"\s", "", regex=True).tolist()
    assert boxes[boxes["level"].eq("Change concept")]["y"].is_monotonic_increasing


@pytest.mark.parametrize("width", [None, 1000, 1400, 640])
def test_driver_diagram_lines_run_between_the_labels(collab, width):
    table2 = concepts.table2(collab)
    chart = charts.driver_diagram(table2) if width is None else charts.driver_diagram(table2, width=width)
    _check_driver_geometry(chart, table2)


def test_driver_diagram_with_a_long_driver_over_one_concept():
    """A driver taller than its concepts sets its group's height; names without spaces are cut."""
    table2 = pd.DataFrame(
        {
            "primary_driver": ["A primary driver whose name is long enough to need several lines in its narrow column"] * 2 + ["B"],
            "secondary_driver": ["Its only secondary driver, also with a rather long name to wrap", "Second", "C"],
            "change_concept": ["One", "Two", "Averyveryverylongwordwithoutanyspacesthatmustbecutsomewhere" * 3],
            "wards": [1, 0, 12],
            "percent": [3, 0, 30],
        }
    )
    _check_driver_geometry(charts.driver_diagram(table2, width=700), table2)


# Empty and partial inputs ------------------------------------------------------------------------


def _svg(chart) -> str:
    return vl_convert_bundled_fonts().vegalite_to_svg(chart.to_dict())


def test_empty_tables_draw_a_message_not_an_empty_chart(collab):
    team = outcomes.team_results(collab)
    table = concepts.concept_outcomes(collab, team)
    cases = {
        "No change concepts recorded": charts.driver_diagram(concepts.table2(collab).iloc[0:0]),
        "No change ideas recorded": [
            charts.concept_heatmap(concepts.ward_concepts(collab).iloc[0:0], concepts.table2(collab), collab.wards),
            charts.idea_timeline(collab.change_ideas.iloc[0:0]),
            charts.concept_outcomes_plot(table.iloc[0:0]),
            charts.concept_outcomes_plot(table.assign(wards_tested=0, improving_tested=0, improving_pct=0.0, not_improving_pct=0.0)),
        ],
        "No ward-months recorded": charts.missing_heatmap(quality.missing_ward_months(collab).iloc[0:0], collab.wards),
        "No ward-month has counts from both sources": charts.agreement_plot(
            quality.source_pairs(collab).iloc[0:0], quality.source_agreement(collab).iloc[0:0]
        ),
    }
    for message, drawn in cases.items():
        for chart in drawn if isinstance(drawn, list) else [drawn]:
            svg = _svg(chart)
            assert message in svg and "NaN" not in svg and "aria-roledescription=\"axis\"" not in svg, message


def test_a_safety_cross_without_incidents_is_all_green(collab):
    svg = _svg(charts.safety_cross(collab.safety_cross.iloc[0:0], "2020-02"))
    assert "NaN" not in svg and "Incident" in svg and ">29<" in svg


def test_concept_outcomes_without_improving_wards_leaves_that_group_out(collab):
    table = concepts.concept_outcomes(collab, outcomes.team_results(collab))
    table = table.assign(improving_tested=0, improving_pct=float("nan"), difference_pct_points=float("nan"))
    chart = charts.concept_outcomes_plot(table)
    svg = _svg(chart)
    assert "NaN" not in svg and "No improving wards: not shown" in svg
    assert "Other wards" in svg


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """300 wards x 60 months (rrp demo --wards): beyond every limit of a chart drawn ward by ward."""
    from rrp_helpers.national import write_national

    return load_collaborative(write_national(tmp_path_factory.mktemp("national") / "n", 300, 60, seed=11))


def test_national_size_charts_summarise_within_altairs_row_limit_and_render(national):
    """Drawn ward by ward, the agreement plot would have ~25,000 rows, the maps 300 rows of
    names; each chart here keeps to Altair's default 5,000 rows and names at most 40 wards."""
    missing = quality.missing_ward_months(national)
    overview = quality.missing_overview(missing, national.wards)
    assert overview.by_month is not None and len(overview.wards) <= 40 and overview.wards_total == 300
    concept_map = concepts.concept_map(national)
    assert "trust" in concept_map.columns and concept_map["trust"].nunique() <= 60
    pairs = quality.source_pairs(national)
    assert len(pairs) > 5000
    built = {
        "missing": charts.missing_heatmap(*overview),
        "concepts": charts.concept_heatmap(concept_map, concepts.table2(national), national.wards),
        "agreement": charts.agreement_plot(quality.pair_counts(pairs), quality.source_agreement(national)),
    }
    for name, chart in built.items():
        spec = chart.to_dict()
        assert max(len(rows) for rows in spec["datasets"].values()) <= 5000, name
        names = [n for n in national.wards["ward_name"] if n in str(spec)]
        assert len(names) <= 40, name
        svg = vlc.vegalite_to_svg(spec)
        assert "<svg" in svg and "NaN" not in svg, name
    assert "of 300" in str(built["missing"].to_dict())  # says it shows the worst wards of all 300
