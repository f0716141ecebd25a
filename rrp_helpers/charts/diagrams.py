"""QI and data-quality diagrams: the driver diagram, concepts ward by ward, change ideas, the
agreement of data sources, missing ward-months and the safety cross. Drawing only: the tables
drawn come from :mod:`rrp_helpers.concepts` and :mod:`rrp_helpers.quality`.

Text is never smaller than 11 px, and labels are wrapped rather than cut. The Making Data Count
colours (light blue, orange, grey and purple points) keep their SPC meanings: these charts, which
show no SPC, use other NHS colours. Given an empty table, a chart here draws a line of text saying
there is nothing to show (no axes, no legend) instead of an empty plot.
"""

from __future__ import annotations

import itertools

import altair as alt
import numpy as np
import pandas as pd

from rrp_helpers.charts.theme import (
    NHS_AQUA_GREEN,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_GREEN,
    NHS_PALE_GREY,
    NHS_RED,
    NHS_WARM_YELLOW,
)

NO_IDEAS = "No change ideas recorded"
NO_CONCEPTS = "No change concepts recorded"
#: Colours of categories that carry no SPC meaning (measures, groups of wards): NHS colours that
#: are not Making Data Count's.
CATEGORY_COLOURS = [NHS_DARK_BLUE, NHS_AQUA_GREEN, NHS_WARM_YELLOW, NHS_DARK_GREY]
GROUP_COLOURS = {"Improving wards": NHS_DARK_BLUE, "Other wards": NHS_AQUA_GREEN}
GROUP_SHAPES = {"Improving wards": "circle", "Other wards": "diamond"}

# Advance widths (1/1000 em) of the printable ASCII characters, space to "~", in Arial (= Liberation
# Sans, vl-convert's bundled font), regular and bold: text is wrapped to a width in px by them.
# Other characters count as a full em (a no-break space as a space).
_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778,
    722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278,
    278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)
_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778,
    722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333,
    278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)
NBSP = "\u00a0"
_AXIS_FONT = 11  # the theme's axis label size
_AXIS_LINE = 13  # line height of wrapped axis labels


def _text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in px of one line of ``text`` drawn in Arial at font size ``size``."""
    widths = _BOLD if bold else _REGULAR
    units = sum(widths[ord(c) - 32] if 32 <= ord(c) < 127 else widths[0] if c == NBSP else 1000 for c in text)
    return units * size / 1000


def _pieces(word: str, width: float, size: float, bold: bool) -> list[str]:
    """A word cut into pieces no wider than ``width`` (whole if it fits)."""
    pieces = []
    while len(word) > 1 and _text_width(word, size, bold) > width:
        k = len(word) - 1
        while k > 1 and _text_width(word[:k], size, bold) > width:
            k -= 1
        pieces.append(word[:k])
        word = word[k:]
    return [*pieces, word]


def _wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width`` px at font size ``size``. Lines break at spaces
    (not at no-break spaces); a word wider than a line on its own is cut."""
    lines: list[str] = []
    line = ""
    words = [piece for word in str(text).split(" ") if word for piece in _pieces(word, width, size, bold)]
    for word in words:
        candidate = f"{line} {word}" if line else word
        if line and _text_width(candidate, size, bold) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines or [""]


def _no_data(message: str, title: str, width: int = 420) -> alt.Chart:
    """A chart holding one line of text (no axes, no legend), drawn instead of an empty chart."""
    return (
        alt.Chart(pd.DataFrame({"message": [message]}))
        .mark_text(fontSize=14, color=NHS_DARK_GREY)
        .encode(text="message:N")
        .properties(width=width, height=60, title=title)
    )


def _wrapped_axis(order: list[str], width: float = 400) -> tuple[dict[str, str], int, alt.Axis]:
    """Category labels of a y axis wrapped to ``width`` px, top to bottom in ``order``: the label
    of each value (lines joined by newlines), the band step and the axis drawing them in full.

    The step keeps every two neighbouring labels apart (a two-line label may reach into the
    half-empty bands of one-line neighbours), and is at least 20 px.
    """
    wrapped = {v: "\n".join(_wrap(v, width, _AXIS_FONT)) for v in order}
    heights = [(wrapped[v].count("\n") + 1) * _AXIS_LINE for v in order]
    step = max([20, *((above + below) / 2 + 3 for above, below in itertools.pairwise(heights))])
    # Vega draws a label's first line at the tick and the others below: shift each label up by
    # half its extra lines so that it is centred on its band.
    axis = alt.Axis(
        labelExpr="split(datum.label, '\\n')", labelLimit=0, labelLineHeight=_AXIS_LINE,
        labelOffset={"expr": f"-(length(split(datum.value, '\\n')) - 1) * {_AXIS_LINE / 2}"},
    )
    return wrapped, int(step + 0.5), axis


# Driver diagram layout, in px (y down). Each level's boxes sit in a column; connectors run in the
# gaps between columns (elbows: out of the parent's right edge, down a spine in the middle of the
# gap, into each child's left edge), so no line crosses a label.
_LEVELS = ("Primary driver", "Secondary driver", "Change concept")
_COLUMN_SHARES = (0.17, 0.28)  # of the width left after the gaps; change concepts take the rest
_FONT = {"Primary driver": 13, "Secondary driver": 12, "Change concept": 12}
_LINE = {"Primary driver": 16, "Secondary driver": 14, "Change concept": 14}
_WEIGHT = {"Primary driver": "bold", "Secondary driver": "normal", "Change concept": "normal"}
_FILL = {"Primary driver": NHS_DARK_BLUE, "Secondary driver": NHS_BLUE, "Change concept": NHS_PALE_GREY}
_INK = {"Primary driver": "white", "Secondary driver": "white", "Change concept": NHS_DARK_GREY}
_HEADINGS = ("Primary drivers", "Secondary drivers", "Change concepts (wards that tested each)")
_PAD_X, _PAD_Y, _GAP_X = 7, 4, 48
_GAP_Y = {"Change concept": 3, "Secondary driver": 10, "Primary driver": 22}
_HEADING_FONT, _HEADING_LINE = 13, 16
DRIVER_TITLE = "Driver diagram: change concepts tested"


def _concept_label(concept: str, wards: int) -> str:
    """The concept's name and, kept on one line, its number of wards."""
    return f"{concept} ({wards}{NBSP}ward{'' if wards == 1 else 's'})"


class _DriverLayout:
    """Boxes, connector segments and column headings of a driver diagram ``width`` px wide."""

    def __init__(self, width: int) -> None:
        usable = width - 2 * _GAP_X
        widths = [round(usable * share) for share in _COLUMN_SHARES]
        self.widths = [*widths, usable - sum(widths)]
        self.lefts = [0, widths[0] + _GAP_X, widths[0] + widths[1] + 2 * _GAP_X]
        self.boxes: list[dict] = []
        self.segments: list[dict] = []

    def box(self, level: str, text: str) -> dict:
        """A box of ``level`` holding ``text`` wrapped to the column (not placed yet)."""
        column = _LEVELS.index(level)
        lines = _wrap(text, self.widths[column] - 2 * _PAD_X, _FONT[level], _WEIGHT[level] == "bold")
        left = self.lefts[column]
        return {
            "level": level, "name": text, "label": "\n".join(lines), "lines": len(lines), "x": left,
            "x2": left + self.widths[column], "height": len(lines) * _LINE[level] + 2 * _PAD_Y,
        }

    def place(self, box: dict, top: float) -> None:
        box.update(y=top, y2=top + box["height"], centre=top + box["height"] / 2, text_x=box["x"] + _PAD_X, text_y=top + _PAD_Y)
        self.boxes.append(box)

    def connect(self, parent: dict, children: list[dict]) -> None:
        """Elbow connectors from the parent's right edge to each child's left edge."""
        start, end = parent["x2"], children[0]["x"]
        spine = (start + end) / 2
        centres = [parent["centre"], *(child["centre"] for child in children)]
        segments = [(start, spine, parent["centre"], parent["centre"]), (spine, spine, min(centres), max(centres))]
        segments += [(spine, end, child["centre"], child["centre"]) for child in children]
        self.segments += [dict(zip(("x", "x2", "y", "y2"), s)) for s in segments if s[0] != s[1] or s[2] != s[3]]

    def headings(self) -> tuple[pd.DataFrame, float]:
        """The column headings and the height they take."""
        rows = []
        for left, width, heading in zip(self.lefts, self.widths, _HEADINGS):
            lines = _wrap(heading, width, _HEADING_FONT, bold=True)
            rows.append({"x": left, "y": 0, "label": "\n".join(lines), "lines": len(lines)})
        return pd.DataFrame(rows), max(row["lines"] for row in rows) * _HEADING_LINE + 10


def _driver_layout(table2: pd.DataFrame, width: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, float]:
    """``(boxes, segments, headings, height)`` of the driver diagram of ``table2``.

    Each change concept's box is as tall as its wrapped label; a secondary driver's group is as
    tall as its concepts (or its own box, if taller) with the driver centred on them; a primary
    driver likewise over its secondary drivers.
    """
    layout = _DriverLayout(width)
    headings, top = layout.headings()
    data = table2.reset_index(drop=True).fillna({"primary_driver": "", "secondary_driver": ""})
    for primary, primary_rows in data.groupby("primary_driver", sort=False):
        primary_box = layout.box("Primary driver", str(primary))
        groups = []
        for secondary, rows in primary_rows.groupby("secondary_driver", sort=False):
            concepts = [layout.box("Change concept", _concept_label(r.change_concept, int(r.wards))) for r in rows.itertuples()]
            stack = sum(box["height"] for box in concepts) + _GAP_Y["Change concept"] * (len(concepts) - 1)
            secondary_box = layout.box("Secondary driver", str(secondary))
            groups.append((secondary_box, concepts, stack, max(stack, secondary_box["height"])))
        stack = sum(group[3] for group in groups) + _GAP_Y["Secondary driver"] * (len(groups) - 1)
        group_height = max(stack, primary_box["height"])
        layout.place(primary_box, top + (group_height - primary_box["height"]) / 2)
        y = top + (group_height - stack) / 2
        for secondary_box, concepts, concept_stack, height in groups:
            layout.place(secondary_box, y + (height - secondary_box["height"]) / 2)
            concept_top = y + (height - concept_stack) / 2
            for box in concepts:
                layout.place(box, concept_top)
                concept_top += box["height"] + _GAP_Y["Change concept"]
            layout.connect(secondary_box, concepts)
            y += height + _GAP_Y["Secondary driver"]
        layout.connect(primary_box, [group[0] for group in groups])
        top += group_height + _GAP_Y["Primary driver"]
    return pd.DataFrame(layout.boxes), pd.DataFrame(layout.segments), headings, top - _GAP_Y["Primary driver"]


def driver_diagram(table2: pd.DataFrame, *, width: int = 960) -> alt.LayerChart | alt.Chart:
    """Driver diagram: primary -> secondary drivers -> change concepts (wards testing each).

    ``table2`` is :func:`rrp_helpers.concepts.table2`'s frame, in the change package's order. Each
    label sits in a box in its level's column, wrapped to the column's width (text 12-13 px);
    connectors run in the gaps between columns and end at the boxes' edges. ``width`` is the
    drawing's width in px (960 suits a 1000-1400 px page); the height follows from the labels.
    An empty ``table2`` gives a chart saying "No change concepts recorded".
    """
    title = alt.Title(DRIVER_TITLE, subtitle="In brackets: the number of wards that tested ideas in each change concept")
    if table2.empty:
        return _no_data(NO_CONCEPTS, DRIVER_TITLE, width)
    boxes, segments, headings, height = _driver_layout(table2, width)
    x_scale = alt.Scale(domain=[0, width], nice=False, zero=False)
    y_scale = alt.Scale(domain=[0, height], nice=False, zero=False, reverse=True)

    def position(chart: alt.Chart, x: str, y: str, **ends: str) -> alt.Chart:
        return chart.encode(x=alt.X(f"{x}:Q", scale=x_scale, axis=None), y=alt.Y(f"{y}:Q", scale=y_scale, axis=None), **ends)

    tooltip = [alt.Tooltip("level:N", title="Level"), alt.Tooltip("name:N", title="Name")]
    lines = position(alt.Chart(segments).mark_rule(color=NHS_DARK_GREY, strokeWidth=1.2), "x", "y", x2="x2:Q", y2="y2:Q")
    fill = alt.Fill("level:N", scale=alt.Scale(domain=list(_FILL), range=list(_FILL.values())), legend=None)
    rects = position(alt.Chart(boxes).mark_rect(cornerRadius=3), "x", "y", x2="x2:Q", y2="y2:Q").encode(fill=fill, tooltip=tooltip)
    texts = [
        position(
            alt.Chart(boxes[boxes["level"].eq(level)]).mark_text(
                align="left", baseline="top", lineBreak="\n", fontSize=_FONT[level], lineHeight=_LINE[level],
                fontWeight=_WEIGHT[level], color=_INK[level],
            ),
            "text_x", "text_y",
        ).encode(text="label:N", tooltip=tooltip)
        for level in _LEVELS
    ]
    heads = position(
        alt.Chart(headings).mark_text(
            align="left", baseline="top", lineBreak="\n", fontSize=_HEADING_FONT, lineHeight=_HEADING_LINE,
            fontWeight="bold", color=NHS_DARK_BLUE,
        ),
        "x", "y",
    ).encode(text="label:N")
    return alt.layer(lines, rects, *texts, heads).properties(width=width, height=height, title=title)


def concept_heatmap(ward_concepts: pd.DataFrame, table2: pd.DataFrame, wards: pd.DataFrame) -> alt.Chart:
    """Ward x change-concept heat map of the number of ideas tested (Table 2, ward by ward), or,
    given :func:`rrp_helpers.concepts.trust_concepts` (what
    :func:`rrp_helpers.concepts.concept_map` gives beyond 60 wards), trust by trust.

    ``ward_concepts`` is :func:`rrp_helpers.concepts.ward_concepts`; concepts keep the change
    package's order (every concept of ``table2``, an untested one as an empty row) and wards their
    ``wards`` order. Concept names are wrapped, never cut; rows are as tall as the names need.
    Colours run from pale grey to NHS dark blue (not Making Data Count's). An empty
    ``ward_concepts`` gives a chart saying "No change ideas recorded".
    """
    title = "Change concepts tested by each ward"
    if ward_concepts.empty:
        return _no_data(NO_IDEAS, title)
    if "trust" in ward_concepts.columns:
        return _trust_concept_heatmap(ward_concepts, table2)
    data = ward_concepts.merge(wards[["ward_id", "ward_name"]], on="ward_id", how="left")
    order = list(dict.fromkeys([*table2["change_concept"], *data["change_concept"]]))
    labels, step, axis = _wrapped_axis(order)
    data["concept_label"] = data["change_concept"].map(labels)
    return (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("ward_name:N", title="Ward", sort=list(wards["ward_name"]), axis=alt.Axis(labelAngle=-60, labelLimit=0)),
            y=alt.Y("concept_label:N", title=None, scale=alt.Scale(domain=[labels[c] for c in order]), axis=axis),
            color=alt.Color("ideas:Q", title="Ideas tested", scale=alt.Scale(domainMin=0, range=[NHS_PALE_GREY, NHS_DARK_BLUE])),
            tooltip=["ward_name:N", "change_concept:N", "ideas:Q", alt.Tooltip("first_started:T", title="First idea", format="%B %Y")],
        )
        .properties(title=title, width=alt.Step(16), height=alt.Step(step))
    )


def _trust_concept_heatmap(trust_concepts: pd.DataFrame, table2: pd.DataFrame) -> alt.Chart:
    """Change concept x trust heat map of the share of each trust's wards that tested the concept.

    Laid out like the ward map (concepts as rows, names wrapped), a column per trust, trusts in
    the frame's order (by name). Every domain lists only what is drawn: no sort list of
    thousands of names (a browser's stack overflows compiling one).
    """
    trusts = list(dict.fromkeys(trust_concepts["trust"]))
    order = list(dict.fromkeys([*table2["change_concept"], *trust_concepts["change_concept"]]))
    labels, step, axis = _wrapped_axis(order)
    data = trust_concepts[trust_concepts["wards_tested"].gt(0)].copy()
    data["concept_label"] = data["change_concept"].map(labels)
    total = int(trust_concepts["trusts_total"].iloc[0])
    shown = f"the {len(trusts):,} trusts with the most wards, of {total:,}" if len(trusts) < total else f"all {total:,} trusts"
    title = alt.Title(
        "Change concepts tested, trust by trust",
        subtitle=f"Share of each trust's wards that tested ideas in the concept; {shown}, by name; blank = none",
    )
    return (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("trust:N", title="Trust", scale=alt.Scale(domain=trusts), axis=alt.Axis(labelAngle=-60, labelLimit=0)),
            y=alt.Y("concept_label:N", title=None, scale=alt.Scale(domain=[labels[c] for c in order]), axis=axis),
            color=alt.Color(
                "percent:Q", title="% of the trust's wards", scale=alt.Scale(domain=[0, 100], range=[NHS_PALE_GREY, NHS_DARK_BLUE]),
            ),
            tooltip=[
                "trust:N", "change_concept:N", alt.Tooltip("wards_tested:Q", title="Wards that tested it"),
                alt.Tooltip("trust_wards:Q", title="Wards in the trust"), alt.Tooltip("percent:Q", title="% of the trust's wards", format=".0f"),
            ],
        )
        .properties(title=title, width=alt.Step(16), height=alt.Step(step))
    )


MISSING_COLOURS = {"partial": NHS_WARM_YELLOW, "missing": NHS_RED}
MISSING_LABELS = {"partial": "Partly missing", "missing": "Missing"}


def _missing_map(missing: pd.DataFrame, wards: pd.DataFrame, months: list[str], title: alt.Title) -> alt.Chart:
    """The ward x month map of incomplete ward-months (``missing``'s rows that are not complete)."""
    data = missing.merge(wards[["ward_id", "ward_name"]], on="ward_id", how="left")
    data["month_label"] = pd.to_datetime(data["month"]).dt.strftime("%Y-%m")
    incomplete = data[data["status"].ne("complete")]
    return (
        alt.Chart(incomplete)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("month_label:O", title="Month", scale=alt.Scale(domain=months), axis=alt.Axis(labelAngle=-60)),
            y=alt.Y("ward_name:N", title=None, scale=alt.Scale(domain=list(wards["ward_name"])), axis=alt.Axis(labelLimit=0)),
            color=alt.Color(
                "status:N", title="Data", scale=alt.Scale(domain=list(MISSING_COLOURS), range=list(MISSING_COLOURS.values()))
            ),
            tooltip=["ward_name:N", alt.Tooltip("month_label:N", title="Month"), "status:N", "measures_missing:Q"],
        )
        .properties(title=title, width=alt.Step(15), height=alt.Step(15))
    )


def missing_heatmap(
    missing: pd.DataFrame, wards: pd.DataFrame, by_month: pd.DataFrame | None = None, wards_total: int | None = None
) -> alt.Chart | alt.VConcatChart:
    """Ward x month map of data completeness from :func:`rrp_helpers.quality.missing_ward_months`.

    Only incomplete cells are drawn (yellow partly missing, red missing) over a pale background,
    which keeps the chart small when almost every ward-month is complete. An empty ``missing``
    gives a chart saying "No ward-months recorded".

    At any size, draw :func:`rrp_helpers.quality.missing_overview`: ``missing_heatmap(*overview)``.
    Given ``by_month`` (:func:`rrp_helpers.quality.missing_by_month`, every ward) and
    ``wards_total``, the chart is a summary instead: above, per month, the share of wards partly
    missing and missing (stacked bars); below, the map of only the ``wards`` given (the wards
    with the most missing months), months aligned with the bars.
    """
    if by_month is not None:
        return _missing_summary(missing, wards, by_month, wards_total or len(wards))
    if missing.empty:
        return _no_data("No ward-months recorded", "Missing ward-months")
    months = sorted(pd.to_datetime(missing["month"]).dt.strftime("%Y-%m").unique())
    n_incomplete = int(missing["status"].ne("complete").sum())
    title = alt.Title("Missing ward-months", subtitle=f"{n_incomplete} incomplete of {len(missing)} ward-months; blank = complete")
    return _missing_map(missing, wards, months, title).configure_view(fill=NHS_PALE_GREY)


def _missing_summary(missing: pd.DataFrame, wards: pd.DataFrame, by_month: pd.DataFrame, wards_total: int) -> alt.Chart | alt.VConcatChart:
    """Per month the share of wards with incomplete data, over the map of the wards missing most."""
    title = "Missing ward-months"
    if by_month.empty:
        return _no_data("No ward-months recorded", title)
    data = by_month.assign(month_label=pd.to_datetime(by_month["month"]).dt.strftime("%Y-%m"))
    months = list(dict.fromkeys(data["month_label"]))
    counts = data.groupby("status")["wards"].sum()
    n_missing, n_partial = int(counts.get("missing", 0)), int(counts.get("partial", 0))
    if wards.empty or n_missing + n_partial == 0:
        return _no_data(f"Every ward-month is complete ({wards_total:,} wards, {len(months)} months)", title, width=560)
    bars_data = data[data["status"].isin(list(MISSING_COLOURS)) & data["wards"].gt(0)].copy()
    bars_data["stack_order"] = bars_data["status"].map({"missing": 0, "partial": 1})  # missing at the bottom
    bars = (
        alt.Chart(bars_data)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("month_label:O", title=None, scale=alt.Scale(domain=months), axis=alt.Axis(labelAngle=-60)),
            y=alt.Y("percent:Q", title="% of wards", stack="zero"),
            color=alt.Color("status:N", title="Data", scale=alt.Scale(domain=list(MISSING_COLOURS), range=list(MISSING_COLOURS.values()))),
            order=alt.Order("stack_order:Q"),
            tooltip=[
                alt.Tooltip("month_label:N", title="Month"), "status:N", alt.Tooltip("wards:Q", title="Wards"),
                alt.Tooltip("wards_total:Q", title="Wards that month"), alt.Tooltip("percent:Q", title="% of wards", format=".1f"),
            ],
        )
        .properties(
            width=alt.Step(15), height=160,
            title=alt.Title("Share of wards with data missing, month by month", subtitle="The rest of each month's wards are complete"),
        )
    )
    subtitle = (
        f"Ranked by missing months, then partly missing; blank = complete. In all: {n_missing:,} missing and "
        f"{n_partial:,} partly missing ward-months"
    )
    title_map = alt.Title(f"The {len(wards):,} wards with the most missing months, of {wards_total:,}", subtitle=subtitle)
    heat = _missing_map(missing, wards, months, title_map).properties(view=alt.ViewBackground(fill=NHS_PALE_GREY))
    return alt.vconcat(bars, heat, spacing=24).properties(title=title)


def _cross_layout(days_in_month: int) -> pd.DataFrame:
    """Grid positions of the days of a month laid out as a safety cross (a plus sign)."""
    cells = [(row, col) for row in (0, 1) for col in (2, 3, 4)]
    cells += [(row, col) for row in (2, 3, 4) for col in range(7)]
    cells += [(row, col) for row in (5, 6) for col in (2, 3, 4)]
    return pd.DataFrame(cells[:days_in_month], columns=["row", "col"]).assign(day=np.arange(1, days_in_month + 1))


def safety_cross(daily: pd.DataFrame, month: str | pd.Timestamp, *, title: str | None = None) -> alt.LayerChart:
    """The safety cross of one ward-month: a day per cell, red with the count on incident days.

    ``daily`` holds that ward-month's rows of ``safety_cross`` (``date``, ``count``; several
    measures are summed per day). Days without a row had no incident, so an empty ``daily``
    draws an all-green cross.
    """
    start = pd.Timestamp(month).to_period("M").to_timestamp()
    layout = _cross_layout(start.days_in_month)
    per_day = daily.assign(day=pd.to_datetime(daily["date"]).dt.day).groupby("day")["count"].sum()
    layout["count"] = layout["day"].map(per_day).fillna(0).astype(int)
    layout["status"] = np.where(layout["count"] > 0, "Incident", "No incident")
    layout["label"] = layout["day"].astype(str) + np.where(layout["count"] > 0, " (" + layout["count"].astype(str) + ")", "")
    grid = alt.Chart(layout).encode(
        x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None), tooltip=["day:Q", alt.Tooltip("count:Q", title="Incidents")]
    )
    cells = grid.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("status:N", title=None, scale=alt.Scale(domain=["No incident", "Incident"], range=[NHS_GREEN, NHS_RED]))
    )
    labels = grid.mark_text(color="white", fontSize=12, fontWeight="bold").encode(text="label:N")
    return alt.layer(cells, labels).properties(width=322, height=322, title=title or f"Safety cross, {start:%B %Y}")


def agreement_plot(pairs: pd.DataFrame, agreement: pd.DataFrame) -> alt.LayerChart | alt.Chart:
    """Bland-Altman plot of the two data sources.

    ``pairs`` is :func:`rrp_helpers.quality.pair_counts` (one dot per measure and pair of counts,
    x the mean of the two counts, y their difference, sized by its number of ward-months: a
    bounded number of rows at any size) or, for a small collaborative,
    :func:`rrp_helpers.quality.source_pairs` (a row per ward-month, merged into the same dots when
    drawn); ``agreement`` is :func:`rrp_helpers.quality.source_agreement`, whose ``all`` row gives
    the lines: mean difference (solid) and 95 % limits (dashed). Measures are told apart by
    colours that are not Making Data Count's. An empty ``pairs`` gives a chart saying no
    ward-month has counts from both sources.
    """
    title = "Agreement of the two data sources"
    if pairs.empty:
        return _no_data("No ward-month has counts from both sources", title)
    # One dot per distinct (mean, difference, measure), sized by how many ward-months share it:
    # thousands of identical small-count pairs would otherwise overplot (and bloat the SVG).
    counted = "ward_months" in pairs.columns
    ward_months = "ward_months:Q" if counted else "count():Q"
    points = (
        alt.Chart(pairs)
        .mark_circle(opacity=0.75)
        .encode(
            x=alt.X("mean_count:Q", title="Mean of the two counts (incidents per month)"),
            y=alt.Y("difference:Q", title="Incident reports minus safety cross"),
            color=alt.Color("measure:N", title=None, scale=alt.Scale(range=CATEGORY_COLOURS)),
            size=alt.Size(ward_months, title="Ward-months"),
            tooltip=["measure:N", "mean_count:Q", "difference:Q", alt.Tooltip(ward_months, title="Ward-months")],
        )
    )
    rounded = int(pairs["rounded_to"].max()) if "rounded_to" in pairs.columns else 1
    if rounded > 1:
        title = alt.Title(title, subtitle=f"So many different pairs that both axes are rounded to the nearest {rounded}")
    overall = agreement[agreement["measure"].eq("all")]
    lines = pd.DataFrame(
        {
            "value": [overall["mean_difference"].iloc[0], overall["loa_lower"].iloc[0], overall["loa_upper"].iloc[0]],
            "line": ["Mean difference", "95% limit of agreement", "95% limit of agreement"],
        }
    ) if len(overall) else pd.DataFrame({"value": [], "line": []})
    lines = lines.dropna()  # no limits from a single pair (its SD is undefined)
    rules = alt.Chart(lines).mark_rule(color=NHS_DARK_GREY).encode(
        y="value:Q",
        strokeDash=alt.StrokeDash("line:N", title=None, scale=alt.Scale(domain=["Mean difference", "95% limit of agreement"], range=[[1, 0], [4, 3]])),
        tooltip=[alt.Tooltip("line:N", title="Line"), alt.Tooltip("value:Q", title="Value", format=".2f")],
    )
    return alt.layer(points, rules).properties(width=480, height=240, title=title)


def idea_timeline(ideas: pd.DataFrame) -> alt.Chart:
    """A ward's change ideas by concept, each a dot on the month it started (hover for the idea).

    Concept names are wrapped, never cut. An empty ``ideas`` gives a chart saying "No change
    ideas recorded".
    """
    title = "Change ideas tested"
    if ideas.empty:
        return _no_data(NO_IDEAS, title)
    data = ideas.assign(started=pd.to_datetime(ideas["started"]))
    order = list(data.sort_values("started", kind="stable").drop_duplicates("change_concept")["change_concept"])
    labels, step, axis = _wrapped_axis(order)
    data["concept_label"] = data["change_concept"].map(labels)
    return (
        alt.Chart(data)
        .mark_circle(size=70, color=NHS_DARK_BLUE, opacity=0.8)
        .encode(
            x=alt.X("started:T", title="Month started", axis=alt.Axis(format="%b %Y", labelAngle=-45)),
            y=alt.Y("concept_label:N", title=None, sort=[labels[c] for c in order], axis=axis),
            tooltip=[alt.Tooltip("started:T", format="%B %Y"), "change_concept:N", "idea:N", "pdsa_cycles:Q", "status:N"],
        )
        .properties(width=460, height=alt.Step(step), title=title)
    )


def concept_outcomes_plot(table: pd.DataFrame) -> alt.LayerChart | alt.Chart:
    """Dot plot: per concept, the % of improving and of non-improving wards that tested it.

    ``table`` is :func:`rrp_helpers.concepts.concept_outcomes`; concepts are sorted by the
    difference between the two groups. The groups are told apart by colour (NHS dark blue and
    aqua green, not Making Data Count's) and shape; a group with no wards (its percentages
    empty) is left out and named in the subtitle. A table without concepts, or in which no ward
    tested any, gives a chart saying "No change ideas recorded".
    """
    title = "Concepts tested by improving and other wards (association)"
    if table.empty or not table["wards_tested"].gt(0).any():
        return _no_data(NO_IDEAS, title)
    long = table.melt(
        id_vars=["change_concept", "difference_pct_points"],
        value_vars=["improving_pct", "not_improving_pct"],
        var_name="group",
        value_name="percent",
    )
    long["group"] = long["group"].map({"improving_pct": "Improving wards", "not_improving_pct": "Other wards"})
    absent = [group for group, part in long.groupby("group") if part["percent"].isna().all()]
    long = long.dropna(subset=["percent"])
    order = list(table.sort_values("difference_pct_points", ascending=False, na_position="last")["change_concept"])
    labels, step, axis = _wrapped_axis(order)
    long["concept_label"] = long["change_concept"].map(labels)
    groups = [group for group in ("Improving wards", "Other wards") if group not in absent]
    base = alt.Chart(long).encode(y=alt.Y("concept_label:N", title=None, sort=[labels[c] for c in order], axis=axis))
    link = base.mark_line(color=NHS_PALE_GREY, strokeWidth=3).encode(x="percent:Q", detail="change_concept:N")
    dots = base.mark_point(size=70, filled=True, opacity=1).encode(
        x=alt.X("percent:Q", title="% of the group that tested the concept"),
        color=alt.Color("group:N", title=None, scale=alt.Scale(domain=groups, range=[GROUP_COLOURS[g] for g in groups])),
        shape=alt.Shape("group:N", title=None, scale=alt.Scale(domain=groups, range=[GROUP_SHAPES[g] for g in groups])),
        tooltip=["change_concept:N", "group:N", alt.Tooltip("percent:Q", format=".0f")],
    )
    subtitle = [f"No {group.lower()}: not shown" for group in absent]
    return alt.layer(link, dots).properties(width=420, height=alt.Step(step), title=alt.Title(title, subtitle=subtitle or ""))
