"""An SPC chart of one series: phases, limits, the aim, coloured points, and the notes and change
ideas in a band of their own above the plot. Drawing only: every number comes from
:func:`rrp_helpers.chart_data.chart_points`; nothing here computes a statistic.

What a reader sees without hovering: each point's colour (Making Data Count: blue improvement,
orange concern, grey common cause, purple neither) and, for a phase the team-level method found,
a label saying what changed and by how much; the aim as a labelled red dashed line; numbered
markers above the plot for the notes, listed under the chart, and ticks for the change ideas, both
in the legend with colours of their own. A radio button switches between the two readings of
:func:`~rrp_helpers.chart_data.chart_points`: the phases found, or the baseline limits alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from rrp_helpers.charts.theme import (
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    POINT_COLOURS,
    POINT_LABELS,
    POINT_TYPES,
)

__all__ = ["spc_chart", "spc_frames", "spc_layer", "spc_top_level", "spc_title", "LIMITS_PARAM", "LAYER_ORDER", "as_drawn"]

AIM_COLOUR = "#DE1B1B"  # Making Data Count's target colour
MARK_KINDS = ("Note (numbered, listed below)", "Change idea started")
MARK_COLOURS = ("#00A499", "#AE2573")  # NHS aqua green and dark pink: no Making Data Count colour
NOTE_BAND, IDEA_BAND = -13, -27  # pixels above the plot
TITLE_OFFSET = 34  # room for the band between the title and the plot
READING_BELOW = 92  # pixels from the top of the plot to the line saying which limits are shown (under the axis)
#: What the line under the plot says for each reading of the limits radio.
READINGS = {
    "phases": "Limits: each phase its own, as the team-level method found them (automatic re-phasing)",
    "baseline": "Limits: the baseline limits, extended over every month (no re-phasing)",
}
LIMITS_PARAM = "limits"
#: Phase labels in a darker shade of their direction's Making Data Count colour (readable as text).
PHASE_TEXT = {"improvement": "#005EB8", "concern": "#B35C00"}
#: The fields a layer draws, chosen by the limits radio (``phases`` or ``baseline``).
SHOWN = {"cl_shown": "cl", "ucl_shown": "ucl", "lcl_shown": "lcl", "type_shown": "point_type", "reason_shown": "reason"}
#: Every layer :func:`spc_frames` may give, in drawing order (the points last: they win the hover).
LAYER_ORDER = ("baseline", "ucl", "lcl", "cl", "aim", "aim_label_below", "aim_label_above", "line", "phases", "suppressed",
               "note_markers", "note_numbers", "note_list", "ideas", "reading", "points")
_COLUMNS = ["x", "y", "cl", "ucl", "lcl", "part", "baseline", "point_type", "reason", "phase_label", "phase_type",
            "cl_base", "ucl_base", "lcl_base", "point_type_base", "reason_base", "aim", "aim_label"]


def _month_axis(title: str | None = None) -> alt.X:
    return alt.X("x:T", title=title, axis=alt.Axis(format="%b %Y", labelAngle=-45, tickCount={"interval": "month", "step": 3},
                                                   labelOverlap="greedy"))


def spc_chart(
    points: pd.DataFrame,
    *,
    title: str,
    y_title: str = "Incidents per month",
    subtitle: str | list[str] | None = None,
    annotations: pd.DataFrame | None = None,
    change_ideas: pd.DataFrame | None = None,
    width: int = 520,
    height: int = 220,
) -> alt.LayerChart:
    """An SPC chart of one series from :func:`rrp_helpers.chart_data.chart_points` (see the module
    docstring). Optional ``annotations`` (``month, note``) become numbered markers listed under the
    chart; ``change_ideas`` (``started, idea, change_concept``) ticks on the month each started."""
    data, frames = spc_frames(points, annotations, change_ideas, height=height)
    layers = []
    for kind, frame in frames.items():
        layer = spc_layer(kind, y_title=y_title, width=width, height=height)
        layers.append(layer if frame is None else layer.properties(data=frame))
    transform, param = spc_top_level()
    chart = alt.layer(*layers, data=data).transform_calculate(**transform).add_params(param)
    return chart.properties(title=alt.Title(**spc_title(title, subtitle)))


def spc_top_level() -> tuple[dict[str, str], alt.Parameter]:
    """The chart's own calculations (the fields of the reading chosen) and the limits radio."""
    param = alt.param(name=LIMITS_PARAM, value="phases", bind=alt.binding_radio(
        options=["phases", "baseline"], labels=["phases found", "baseline limits only"], name="Limits: "))
    transform = {shown: f"{LIMITS_PARAM} == 'baseline' ? datum.{field}_base : datum.{field}" for shown, field in SHOWN.items()}
    transform["phase_shown"] = f"{LIMITS_PARAM} == 'baseline' ? 0 : datum.part"
    return transform, param


def spc_title(title: str, subtitle: str | list[str] | None) -> dict:
    """The title's Vega-Lite spec (as ``alt.Title(...).to_dict()``), with room for the marks' band."""
    spec: dict = {"text": title, "offset": TITLE_OFFSET}
    if subtitle:
        spec["subtitle"] = subtitle
    return spec


def spc_frames(points: pd.DataFrame, annotations: pd.DataFrame | None, change_ideas: pd.DataFrame | None, *,
               height: int, by: Sequence[str] = ()) -> tuple[pd.DataFrame, dict[str, pd.DataFrame | None]]:
    """An SPC chart's shared data, and its layers in drawing order (:data:`LAYER_ORDER`): ``{kind:
    own data}``, None for a layer drawing the shared data (see :func:`spc_layer`).

    ``by`` names the columns telling several series apart (``points`` and ``annotations`` carry
    them all, ``change_ideas`` some or all, and so does every frame returned): each series gets its own
    baseline band, aim label, phase labels and numbered notes, as if drawn alone."""
    keys = list(by)
    # Only the columns drawn travel into the spec, once.
    hidden = ["suppressed"] if "suppressed" in points and points["suppressed"].any() else []
    data = points[keys + [c for c in _COLUMNS if c in points] + hidden].copy()
    data["x"] = pd.to_datetime(data["x"])
    frames: dict[str, pd.DataFrame | None] = {}
    first_part = _series(data, keys)["part"].transform("min")
    baseline = data[data["baseline"] & data["part"].eq(first_part)]
    if len(baseline) and len(baseline) < len(data):
        band = _series(baseline, keys)["x"].agg(["min", "max"])
        frames["baseline"] = pd.DataFrame({**_keys_of(band, keys), "start": band["min"].to_numpy(),
                                           "end": (band["max"] + pd.offsets.MonthBegin(1)).to_numpy()})
    if data["ucl"].notna().any() or data.get("ucl_base", pd.Series(dtype=float)).notna().any():
        frames["ucl"] = frames["lcl"] = None
    frames["cl"] = None
    if "aim" in data and data["aim"].notna().any():
        frames["aim"] = None
        # Labelled at the first month, on the side away from the baseline mean (fewer points there).
        first = _series(data[data["aim"].notna()], keys).head(1)
        below = (first["aim"] <= first["cl_base"]).to_numpy()
        for side, rows in (("below", first[below]), ("above", first[~below])):
            if len(rows):
                frames[f"aim_label_{side}"] = rows[keys + ["x", "aim", "aim_label"]].reset_index(drop=True)
    frames["line"] = None
    labelled = data[data["phase_label"].ne("")].drop_duplicates(keys + ["part"]) if "phase_label" in data else data.iloc[:0]
    if len(labelled):
        frames["phases"] = labelled[keys + ["x", "phase_label", "phase_type"]]
    if hidden:
        frames["suppressed"] = data.loc[data["suppressed"], keys + ["x"]]
    notes = _numbered_notes(annotations, height, keys)
    if notes is not None:
        frames["note_markers"] = frames["note_numbers"] = notes[keys + ["x", "number", "note"]]
        frames["note_list"] = notes[keys + ["line", "ypix"]]
    if change_ideas is not None and len(change_ideas):
        idea_keys = [key for key in keys if key in change_ideas]  # ideas may belong to every series of a ward
        ideas = change_ideas.rename(columns={"started": "x"})[idea_keys + ["x", "idea", "change_concept"]].copy()
        ideas["x"] = pd.to_datetime(ideas["x"])
        frames["ideas"] = ideas
    frames["reading"] = data[keys].drop_duplicates().assign(ypix=height + READING_BELOW) if keys else \
        pd.DataFrame({"ypix": [height + READING_BELOW]})
    frames["points"] = None
    # Only what a layer drawing the shared data uses stays in it, at the precision a reader sees.
    data = data.drop(columns=[c for c in ("baseline", "aim_label", "phase_type") if c in data])
    return as_drawn(data), frames


def as_drawn(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its numbers at the precision a chart shows (4 decimals: a page carries
    less data, and every view of a series carries the same numbers)."""
    floats = [column for column in frame if frame[column].dtype.kind == "f"]
    frame[floats] = frame[floats].round(4)
    return frame


def _series(frame: pd.DataFrame, keys: list[str]):
    """``frame`` grouped by series (one group when there are no keys)."""
    return frame.groupby(keys if keys else np.zeros(len(frame), dtype=int), sort=False)


def _keys_of(grouped: pd.DataFrame, keys: list[str]) -> dict[str, object]:
    """The key columns of an aggregate of :func:`_series` (none for one series)."""
    if not keys:
        return {}
    index = grouped.index.to_frame(index=False)
    return {key: index[key].to_numpy() for key in keys}


def _numbered_notes(annotations: pd.DataFrame | None, height: int, keys: list[str]) -> pd.DataFrame | None:
    """Each series' notes numbered by month, with the line listing each under the chart."""
    if annotations is None or not len(annotations):
        return None
    notes = annotations.rename(columns={"month": "x"})[keys + ["x", "note"]].copy()
    notes["x"] = pd.to_datetime(notes["x"])
    notes = notes.groupby(keys + ["x"], as_index=False, sort=False)["note"].agg(" / ".join)
    notes = notes.sort_values(keys + ["x"], kind="stable").reset_index(drop=True)
    order = _series(notes, keys).cumcount().to_numpy()
    notes["number"] = (order + 1).astype(str)
    notes["line"] = notes["number"] + "  " + notes["x"].dt.strftime("%b %Y") + ": " + notes["note"]
    notes["ypix"] = height + READING_BELOW + 16 + 13 * order  # under the reading's line
    return notes


def _marks_fill() -> alt.Fill:
    return alt.Fill("kind:N", title=None, scale=alt.Scale(domain=list(MARK_KINDS), range=list(MARK_COLOURS)))


def _kind(chart: alt.Chart, kind: str) -> alt.Chart:
    """The mark's kind for the legend, computed in the page (not repeated in the data)."""
    return chart.transform_calculate(kind=json.dumps(kind))


def spc_layer(kind: str, *, y_title: str, width: int, height: int) -> alt.Chart:
    """One layer of an SPC chart, without data (kinds as in :func:`spc_frames`)."""
    base = alt.Chart().properties(width=width, height=height)
    if kind == "baseline":
        return alt.Chart().mark_rect(color=NHS_PALE_GREY, opacity=0.6).encode(
            x=alt.X("start:T"), x2=alt.X2("end:T"), tooltip=[alt.Tooltip("start:T", title="Baseline from", format="%b %Y")])
    if kind in ("ucl", "lcl"):
        return base.mark_line(color=NHS_DARK_GREY, strokeDash=[4, 3], strokeWidth=1, interpolate="step-after").encode(
            x=_month_axis(), y=alt.Y(f"{kind}_shown:Q"), detail=alt.Detail("phase_shown:N"))
    if kind == "cl":
        return base.mark_line(color=NHS_DARK_BLUE, strokeWidth=1.5, interpolate="step-after").encode(
            x=_month_axis(), y=alt.Y("cl_shown:Q"), detail=alt.Detail("phase_shown:N"))
    if kind == "aim":
        return base.mark_line(color=AIM_COLOUR, strokeDash=[6, 3], strokeWidth=1.3).encode(x=_month_axis(), y=alt.Y("aim:Q"))
    if kind in ("aim_label_below", "aim_label_above"):
        below = kind.endswith("below")
        return alt.Chart().mark_text(align="left", baseline="top" if below else "bottom", dx=2, dy=2 if below else -2,
                                     fontSize=10, color=AIM_COLOUR).encode(
            x=alt.X("x:T"), y=alt.Y("aim:Q"), text=alt.Text("aim_label:N"))
    if kind == "line":
        return base.mark_line(color=NHS_DARK_GREY, strokeWidth=1.2).encode(x=_month_axis(), y=alt.Y("y:Q", title=y_title))
    if kind == "phases":
        return alt.Chart().mark_text(align="left", baseline="top", dx=3, dy=2, fontSize=10, fontWeight="bold").encode(
            x=alt.X("x:T"), y=alt.YValue(0), text=alt.Text("phase_label:N"),
            # a condition, not a scale: the one colour legend is the points'
            color=alt.condition("datum.phase_type == 'concern'", alt.value(PHASE_TEXT["concern"]),
                                alt.value(PHASE_TEXT["improvement"])),
            opacity=alt.condition(f"{LIMITS_PARAM} == 'phases'", alt.value(1), alt.value(0)))
    if kind == "suppressed":
        return alt.Chart().mark_text(text="*", fontSize=16, fontWeight="bold", color=NHS_MID_GREY).encode(
            x=alt.X("x:T"), y=alt.YValue(height - 12),
            tooltip=[alt.Tooltip("x:T", title="Value hidden (a small number) in", format="%B %Y")])
    if kind == "note_markers":
        return _kind(alt.Chart().mark_point(shape="circle", filled=True, size=150, opacity=1).encode(
            x=alt.X("x:T"), y=alt.YValue(NOTE_BAND), fill=_marks_fill(),
            tooltip=[alt.Tooltip("x:T", title="Month", format="%B %Y"), alt.Tooltip("note:N", title="Note")]), MARK_KINDS[0])
    if kind == "note_numbers":
        return alt.Chart().mark_text(color="white", fontSize=9, fontWeight="bold").encode(
            x=alt.X("x:T"), y=alt.YValue(NOTE_BAND), text=alt.Text("number:N"))
    if kind == "note_list":
        return alt.Chart().mark_text(align="left", baseline="top", fontSize=11, color=NHS_DARK_GREY, limit=width + 60).encode(
            x=alt.XValue(0), y=alt.Y("ypix:Q", scale=None), text=alt.Text("line:N"))
    if kind == "ideas":
        return _kind(alt.Chart().mark_tick(thickness=3, size=11, orient="vertical").encode(
            x=alt.X("x:T"), y=alt.YValue(IDEA_BAND), fill=_marks_fill(),
            tooltip=[alt.Tooltip("x:T", title="Idea started", format="%B %Y"),
                     alt.Tooltip("change_concept:N", title="Change concept"), alt.Tooltip("idea:N", title="Idea")]), MARK_KINDS[1])
    if kind == "reading":
        text = " : ".join(f"{LIMITS_PARAM} == '{key}' ? {json.dumps(line)}" for key, line in READINGS.items()) + " : ''"
        return alt.Chart().mark_text(align="left", baseline="top", fontSize=10, fontStyle="italic", color=NHS_DARK_GREY,
                                     text=alt.expr(text)).encode(x=alt.XValue(0), y=alt.Y("ypix:Q", scale=None))
    if kind == "points":
        return base.mark_circle(size=55, opacity=1).encode(
            x=_month_axis(), y=alt.Y("y:Q", title=y_title),
            color=alt.Color("type_shown:N", title=None, scale=alt.Scale(domain=list(POINT_TYPES), range=list(POINT_COLOURS)),
                            legend=alt.Legend(labelExpr=_label_expr())),
            tooltip=[
                alt.Tooltip("x:T", title="Month", format="%B %Y"),
                alt.Tooltip("y:Q", title="Value", format=",.1f"),
                alt.Tooltip("reason_shown:N", title="Signal"),
                alt.Tooltip("cl_shown:Q", title="Centre line", format=",.1f"),
                alt.Tooltip("ucl_shown:Q", title="Upper limit", format=",.1f"),
                alt.Tooltip("lcl_shown:Q", title="Lower limit", format=",.1f"),
                alt.Tooltip("phase_label:N", title="Phase"),
            ],
        )
    raise ValueError(f"unknown SPC chart layer {kind!r}")


def _label_expr() -> str:
    mapping = ", ".join(f"'{key}': '{label}'" for key, label in zip(POINT_TYPES, POINT_LABELS))
    return f"({{{mapping}}})[datum.value]"
