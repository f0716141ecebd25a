"""Altair charts for the workbook. Drawing only: every number drawn comes from ``spc``,
``outcomes``, ``concepts`` or ``quality``; nothing here computes a statistic.

All charts use one theme (:func:`use_theme`): NHS identity colours, readable fonts, and the
Making Data Count point colours (blue improvement, orange concern, purple neutral, grey common
cause), which stay distinguishable with the common colour-vision deficiencies. Charts carry their
data inline and render offline (SVG/PNG through vl-convert, or inline Vega JS in HTML).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math

import altair as alt
import numpy as np
import pandas as pd

from rrp_helpers.fonts import vl_convert_bundled_fonts

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_WARM_YELLOW = "#FFB81C"
NHS_ORANGE = "#ED8B00"
NHS_PURPLE = "#330072"
NHS_AQUA_GREEN = "#00A499"
NHS_RED = "#DA291C"
NHS_GREEN = "#009639"
NHS_LIGHT_BLUE = "#41B6E6"

#: Point colours, Making Data Count convention.
POINT_TYPES = ("common_cause", "improvement", "concern", "neutral")
POINT_LABELS = ("Common cause", "Special cause: improvement", "Special cause: concern", "Special cause: neutral")
POINT_COLOURS = (NHS_MID_GREY, NHS_LIGHT_BLUE, NHS_ORANGE, NHS_PURPLE)
FONT = "Arial, Helvetica, sans-serif"
THEME_NAME = "rrp"


def _theme() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig(
        {
            "config": {
                "font": FONT,
                "view": {"stroke": None, "continuousWidth": 520, "continuousHeight": 220},
                "axis": {
                    "labelFontSize": 11,
                    "titleFontSize": 12,
                    "titleFontWeight": "normal",
                    "titleColor": NHS_DARK_GREY,
                    "labelColor": NHS_DARK_GREY,
                    "gridColor": NHS_PALE_GREY,
                    "domainColor": NHS_MID_GREY,
                    "tickColor": NHS_MID_GREY,
                },
                "title": {"fontSize": 14, "color": NHS_DARK_BLUE, "anchor": "start", "subtitleColor": NHS_DARK_GREY},
                "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"},
                "range": {"category": [NHS_BLUE, NHS_ORANGE, NHS_AQUA_GREEN, NHS_PURPLE, NHS_WARM_YELLOW, NHS_DARK_GREY]},
            }
        }
    )


def use_theme() -> None:
    """Register and enable the workbook's Altair theme (idempotent)."""
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(_theme)
    alt.theme.enable(THEME_NAME)


def _month_axis(title: str | None = None) -> alt.X:
    return alt.X("x:T", title=title, axis=alt.Axis(format="%b %Y", labelAngle=-45, tickCount={"interval": "month", "step": 3}, labelOverlap="greedy"))


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
    """An SPC chart from a ``spc.control_chart`` frame classified by ``spc.classify_points``.

    ``points`` needs ``x`` (month), ``y``, ``cl``, ``ucl``, ``lcl``, ``part``, ``baseline``,
    ``point_type`` and ``rules_fired``. Centre line and limits are drawn per phase, so they step
    between phases; the baseline (``baseline`` True in the first phase) is shaded. Months whose
    value was suppressed (an optional ``suppressed`` column) show a ``*`` along the bottom, so
    they read differently from months with no data. Optional ``annotations`` (columns ``month,
    note``) become markers with the note in their tooltip; ``change_ideas`` (columns ``started,
    idea, change_concept``) become ticks along the bottom on the month each started.
    """
    data, frames = _spc_frames(points, annotations, change_ideas)
    layers = []
    for kind, frame in frames.items():
        layer = _spc_layer(kind, y_title=y_title, width=width, height=height)
        layers.append(layer if frame is None else layer.properties(data=frame))
    return alt.layer(*layers, data=data).properties(title=alt.Title(**_spc_title(title, subtitle)))


def _spc_panel_spec(
    points: pd.DataFrame,
    *,
    title: str,
    y_title: str,
    subtitle: str | list[str] | None,
    annotations: pd.DataFrame | None,
    change_ideas: pd.DataFrame | None,
    width: int,
    height: int,
) -> dict:
    """:func:`spc_chart` as its Vega-Lite dict (``$schema``, ``config`` and ``datasets`` kept).

    The same spec as ``spc_chart(...).to_dict()`` (a test checks the two agree, with and without
    consolidated datasets), made without building the chart: each layer's spec is made by
    Altair once per process and options (:func:`_spc_layer_spec`), and each layer's data turned
    into records here as Altair's default data transformer does (:func:`_records`), for the
    column types SPC frames have. Anything else (another data transformer, other column types,
    more rows than Altair allows) goes through Altair. Building the Altair chart was most of a
    ward report's dashboard time (``benchmarks/bench_report_parts.py``; figures in the README).
    """
    data, frames = _spc_frames(points, annotations, change_ideas)
    if (
        alt.data_transformers.active != "default"  # another transformer (e.g. data to files)
        or not isinstance(y_title, str)
        or max(len(frame) for frame in [data, *frames.values()] if frame is not None) > _MAX_ROWS
        or not all(_plain_columns(frame) for frame in [data, *frames.values()] if frame is not None)
    ):
        options = dict(title=title, y_title=y_title, subtitle=subtitle, annotations=annotations, change_ideas=change_ideas)
        return spc_chart(points, **options, width=width, height=height).to_dict(validate=False)
    spec = alt.Chart().to_dict(validate=False)  # "$schema" and the active theme's "config"
    spec.pop("data", None)
    datasets = {key: rows for key, rows in spec.pop("datasets", {}).items() if key != "empty"}
    inline = not alt.data_transformers.consolidate_datasets
    converted: dict[int, dict] = {}  # by frame: the notes' rules and markers share one

    def attach(target: dict, frame: pd.DataFrame) -> None:
        if id(frame) not in converted:
            rows = _records(frame)
            if inline:
                converted[id(frame)] = {"values": rows}
            else:
                name = _dataset_name(rows)
                datasets[name] = rows
                converted[id(frame)] = {"name": name}
        target["data"] = dict(converted[id(frame)])

    attach(spec, data)
    spec["layer"] = []
    for kind, frame in frames.items():
        layer, size = _spc_layer_spec(kind, y_title, width, height)
        layer = json.loads(layer)
        if frame is not None:
            attach(layer, frame)
        spec["layer"].append(layer)
        spec.update(json.loads(size))
    spec["title"] = _spc_title(title, subtitle)
    if datasets:
        spec["datasets"] = datasets
    return spec


@functools.lru_cache(maxsize=64)
def _spc_layer_spec(kind: str, y_title: str, width: int, height: int) -> tuple[str, str]:
    """One layer's Vega-Lite spec without data, and the size it sets on the chart (both JSON)."""
    with alt.utils.schemapi.debug_mode(False):
        layer = _spc_layer(kind, y_title=y_title, width=width, height=height)
        spec = layer.to_dict(validate=False, context={"top_level": False})  # no theme, no "$schema"
    spec.pop("data", None)  # Altair's stand-in for no data
    size = {key: spec.pop(key) for key in ("width", "height") if key in spec}
    return json.dumps(spec), json.dumps(size)


_MAX_ROWS = 5000  # Altair's default data transformer refuses more rows


def _plain_columns(frame: pd.DataFrame) -> bool:
    """Whether :func:`_records` converts ``frame`` as Altair does: string column names, and
    numpy float, integer, boolean, datetime (no time zone) or object/string columns."""
    return all(isinstance(name, str) for name in frame.columns) and all(
        (isinstance(dtype, np.dtype) and dtype.kind in "fiubMO") or isinstance(dtype, pd.StringDtype)
        for dtype in frame.dtypes
    )


def _records(frame: pd.DataFrame) -> list[dict]:
    """``frame`` (see :func:`_plain_columns`) as JSON-ready records, as Altair's data transformer
    makes them: datetimes as full ISO strings (missing ones as ""), missing and infinite numbers
    as None, numpy values as Python ones."""
    columns = []
    for _, column in frame.items():
        if column.dtype.kind == "M":
            values = ["" if value is pd.NaT else value.isoformat() for value in column]
        else:
            array = column.to_numpy()
            if array.dtype.kind == "f":
                values = [value if math.isfinite(value) else None for value in array.tolist()]
            elif array.dtype.kind in "iub":
                values = array.tolist()
            else:
                values = [_json_value(value) for value in array.astype(object).tolist()]
        columns.append(values)
    return [dict(zip(frame.columns, row)) for row in zip(*columns)]


def _json_value(value: object) -> object:
    """One value of an object or string column as Altair passes it on: arrays as lists,
    missing values as None, numpy scalars as Python ones."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return None if isinstance(value, np.floating) and np.isnan(value) else value.item()
    return value


def _dataset_name(rows: list[dict]) -> str:
    """The name Altair gives a consolidated dataset: a hash of its rows."""
    if rows == [{}]:
        return "empty"
    return "data-" + hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _spc_title(title: str, subtitle: str | list[str] | None) -> dict:
    """The title's Vega-Lite spec (as ``alt.Title(title, subtitle=subtitle).to_dict()``)."""
    return {"text": title, "subtitle": subtitle} if subtitle else {"text": title}


def _spc_frames(
    points: pd.DataFrame, annotations: pd.DataFrame | None, change_ideas: pd.DataFrame | None
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame | None]]:
    """An SPC chart's shared data, and its layers in drawing order: ``{kind: own data}``, None
    for a layer drawing the shared data (see :func:`_spc_layer`)."""
    # Only the columns drawn travel into the spec, once, on the layer (Altair copies inline data
    # for every layer that carries it: measured 2x faster for a four-panel dashboard).
    columns = ["x", "y", "cl", "ucl", "lcl", "part", "baseline", "point_type", "rules_fired"]
    data = points[columns + (["suppressed"] if "suppressed" in points else [])].copy()
    data["x"] = pd.to_datetime(data["x"])
    data["phase"] = "Phase " + data["part"].astype(str)
    frames: dict[str, pd.DataFrame | None] = {}
    baseline = data[data["baseline"] & data["part"].eq(data["part"].min())]
    if len(baseline) and len(baseline) < len(data):
        frames["baseline"] = pd.DataFrame({"start": [baseline["x"].min()], "end": [baseline["x"].max() + pd.offsets.MonthBegin(1)]})
    if data["ucl"].notna().any():
        frames["ucl"] = frames["lcl"] = None
    frames["cl"] = frames["line"] = frames["points"] = None
    phase_starts = data.loc[~data["part"].duplicated(), ["part", "x", "phase"]].sort_values("part", kind="stable")
    if len(phase_starts) > 1:
        frames["phases"] = phase_starts.iloc[1:][["x", "phase"]]
    if "suppressed" in data and data["suppressed"].any():
        frames["suppressed"] = data[data["suppressed"]]
    if annotations is not None and len(annotations):
        notes = annotations.rename(columns={"month": "x"}).copy()
        notes["x"] = pd.to_datetime(notes["x"])
        notes = notes.groupby("x", as_index=False)["note"].agg(" / ".join)
        frames["note_rules"] = frames["note_markers"] = notes
    if change_ideas is not None and len(change_ideas):
        ideas = change_ideas.rename(columns={"started": "x"})[["x", "idea", "change_concept"]].copy()
        ideas["x"] = pd.to_datetime(ideas["x"])
        frames["ideas"] = ideas
    return data.drop(columns=["part", "baseline"]), frames


def _spc_layer(kind: str, *, y_title: str, width: int, height: int) -> alt.Chart:
    """One layer of an SPC chart, without data (kinds as in :func:`_spc_frames`)."""
    base = alt.Chart().properties(width=width, height=height)
    if kind == "baseline":
        return (
            alt.Chart()
            .mark_rect(color=NHS_PALE_GREY, opacity=0.6)
            .encode(x=alt.X("start:T"), x2=alt.X2("end:T"), tooltip=[alt.Tooltip("start:T", title="Baseline from", format="%b %Y")])
        )
    if kind in ("ucl", "lcl"):
        label = "Upper control limit" if kind == "ucl" else "Lower control limit"
        return base.mark_line(color=NHS_DARK_GREY, strokeDash=[4, 3], strokeWidth=1, interpolate="step-after").encode(
            x=_month_axis(), y=alt.Y(f"{kind}:Q"), detail=alt.Detail("phase:N"), tooltip=[alt.Tooltip(f"{kind}:Q", title=label, format=".1f")]
        )
    if kind == "cl":
        return base.mark_line(color=NHS_DARK_BLUE, strokeWidth=1.5, interpolate="step-after").encode(
            x=_month_axis(), y=alt.Y("cl:Q"), detail=alt.Detail("phase:N")
        )
    if kind == "line":
        return base.mark_line(color=NHS_DARK_GREY, strokeWidth=1.2).encode(x=_month_axis(), y=alt.Y("y:Q", title=y_title))
    if kind == "points":
        return base.mark_circle(size=55, opacity=1).encode(
            x=_month_axis(),
            y=alt.Y("y:Q", title=y_title),
            color=alt.Color(
                "point_type:N",
                title=None,
                scale=alt.Scale(domain=list(POINT_TYPES), range=list(POINT_COLOURS)),
                legend=alt.Legend(labelExpr=_label_expr()),
            ),
            tooltip=[
                alt.Tooltip("x:T", title="Month", format="%B %Y"),
                alt.Tooltip("y:Q", title="Value", format=",.1f"),
                alt.Tooltip("cl:Q", title="Centre line", format=",.1f"),
                alt.Tooltip("ucl:Q", title="Upper limit", format=",.1f"),
                alt.Tooltip("lcl:Q", title="Lower limit", format=",.1f"),
                alt.Tooltip("phase:N", title="Phase"),
                alt.Tooltip("rules_fired:N", title="Rules fired"),
            ],
        )
    if kind == "phases":
        return (
            alt.Chart()
            .mark_text(align="left", baseline="top", dx=3, dy=2, fontSize=10, color=NHS_DARK_BLUE)
            .encode(x=alt.X("x:T"), y=alt.YValue(0), text=alt.Text("phase:N"))
        )
    if kind == "suppressed":
        return (
            alt.Chart()
            .mark_text(text="*", fontSize=16, fontWeight="bold", color=NHS_MID_GREY)
            .encode(
                x=alt.X("x:T"),
                y=alt.YValue(height - 12),
                tooltip=[alt.Tooltip("x:T", title="Month", format="%B %Y"), alt.Tooltip("phase:N", title="Value hidden: a small number (suppressed)")],
            )
        )
    if kind in ("note_rules", "note_markers"):
        marker = alt.Chart().encode(x=alt.X("x:T"), tooltip=[alt.Tooltip("x:T", title="Month", format="%B %Y"), alt.Tooltip("note:N", title="Note")])
        if kind == "note_rules":
            return marker.mark_rule(color=NHS_AQUA_GREEN, strokeDash=[2, 2])
        return marker.mark_point(shape="triangle-down", filled=True, size=60, color=NHS_AQUA_GREEN).encode(y=alt.YValue(-6))
    if kind == "ideas":
        return (
            alt.Chart()
            .mark_tick(color=NHS_PURPLE, thickness=2, size=10, opacity=0.7)
            .encode(
                x=alt.X("x:T"),
                y=alt.YValue(height - 5),
                tooltip=[
                    alt.Tooltip("x:T", title="Idea started", format="%B %Y"),
                    alt.Tooltip("change_concept:N", title="Change concept"),
                    alt.Tooltip("idea:N", title="Idea"),
                ],
            )
        )
    raise ValueError(f"unknown SPC chart layer {kind!r}")


def _label_expr() -> str:
    mapping = ", ".join(f"'{key}': '{label}'" for key, label in zip(POINT_TYPES, POINT_LABELS))
    return f"({{{mapping}}})[datum.value]"


class ComposedChart:
    """Small multiples assembled from their panels' Vega-Lite specs.

    Altair deep-copies every sub-chart at each level of nesting (layer, row, column), which made
    a four-panel dashboard take about 1.7 s to build and serialise; composing the panels' specs
    directly takes about 0.8 s and gives the same Vega-Lite. Behaves like an Altair chart for
    display (``_repr_mimebundle_`` through the active renderer) and ``to_dict()``.
    """

    def __init__(self, spec: dict) -> None:
        self.spec = spec

    def to_dict(self, **_: object) -> dict:
        return json.loads(json.dumps(self.spec))

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> object:
        return alt.renderers.get()(self.to_dict())


def dashboard(panels: list[alt.TopLevelMixin | dict], columns: int = 2) -> ComposedChart:
    """Small multiples of SPC charts (the paper's Figure 1: one panel per measure), ``columns`` wide.

    ``panels`` are Altair charts or their Vega-Lite dicts (which are consumed).
    """
    specs = [panel if isinstance(panel, dict) else panel.to_dict(validate=False) for panel in panels]
    datasets: dict = {}
    bodies = []
    for spec in specs:
        datasets.update(spec.pop("datasets", {}))
        spec.pop("$schema", None)
        config = spec.pop("config", None)
        bodies.append(spec)
    composed: dict = {"$schema": alt.SCHEMA_URL}
    if config is not None:
        composed["config"] = config
    composed["vconcat"] = [{"hconcat": bodies[i : i + columns]} for i in range(0, len(bodies), columns)]
    composed["resolve"] = {"scale": {"color": "shared"}}
    composed["datasets"] = datasets
    return ComposedChart(composed)


def driver_diagram(table2: pd.DataFrame, *, width: int = 900) -> alt.LayerChart:
    """Driver diagram: primary -> secondary drivers -> change concepts (wards testing each).

    ``table2`` is :func:`rrp_helpers.concepts.table2`'s frame, in the change package's order.
    """
    concepts = table2.reset_index(drop=True).copy()
    concepts["row"] = np.arange(len(concepts), dtype=float)
    # Layout: each driver sits midway between its first and last change concept.
    secondary = concepts.groupby(["primary_driver", "secondary_driver"], sort=False)["row"].agg(["min", "max"]).sum(axis=1).div(2)
    secondary = secondary.rename("row").reset_index()
    primary = concepts.groupby("primary_driver", sort=False)["row"].agg(["min", "max"]).sum(axis=1).div(2).rename("row").reset_index()
    concepts["label"] = concepts["change_concept"] + " (" + concepts["wards"].astype(str) + ")"
    nodes = pd.concat(
        [
            pd.DataFrame({"column": 0, "row": primary["row"], "label": primary["primary_driver"], "level": "Primary driver"}),
            pd.DataFrame({"column": 1, "row": secondary["row"], "label": secondary["secondary_driver"], "level": "Secondary driver"}),
            pd.DataFrame({"column": 2, "row": concepts["row"], "label": concepts["label"], "level": "Change concept (wards)"}),
        ],
        ignore_index=True,
    )
    links = pd.concat(
        [
            secondary.merge(primary, on="primary_driver", suffixes=("", "_from")).assign(column_from=0, column=1),
            concepts.merge(secondary, on=["primary_driver", "secondary_driver"], suffixes=("", "_from")).assign(column_from=1, column=2),
        ],
        ignore_index=True,
    )[["column_from", "row_from", "column", "row"]]
    height = int(16 * len(concepts))
    x_scale = alt.Scale(domain=[-0.05, 3.2])
    level_scale = alt.Scale(
        domain=["Primary driver", "Secondary driver", "Change concept (wards)"], range=[NHS_DARK_BLUE, NHS_BLUE, NHS_DARK_GREY]
    )
    y_scale = alt.Scale(domain=[-1, len(concepts)], reverse=True)
    edges = alt.Chart(links).mark_rule(color=NHS_MID_GREY, strokeWidth=0.8).encode(
        x=alt.X("column_from:Q", scale=x_scale, axis=None),
        x2="column:Q",
        y=alt.Y("row_from:Q", scale=y_scale, axis=None),
        y2="row:Q",
    )
    def labels(frame: pd.DataFrame, dy: int) -> alt.Chart:
        return alt.Chart(frame).mark_text(align="left", dx=4, dy=dy, fontSize=10).encode(
            x=alt.X("column:Q", scale=x_scale, axis=None),
            y=alt.Y("row:Q", scale=y_scale, axis=None),
            text="label:N",
            color=alt.Color("level:N", title=None, scale=level_scale),
        )

    # Driver labels sit above their node, clear of the links that leave it.
    text = alt.layer(labels(nodes[nodes["column"] < 2], -8), labels(nodes[nodes["column"] == 2], 0))
    dots = alt.Chart(nodes).mark_circle(size=30).encode(
        x=alt.X("column:Q", scale=x_scale, axis=None),
        y=alt.Y("row:Q", scale=y_scale, axis=None),
        color=alt.Color("level:N", title=None, scale=level_scale),
    )
    return alt.layer(edges, dots, text).properties(width=width, height=height, title="Driver diagram: change concepts tested")


def concept_heatmap(ward_concepts: pd.DataFrame, table2: pd.DataFrame, wards: pd.DataFrame) -> alt.Chart:
    """Ward x change-concept heat map of the number of ideas tested (Table 2, ward by ward).

    ``ward_concepts`` is :func:`rrp_helpers.concepts.ward_concepts`; concepts keep the change
    package's order and wards their ``wards`` order.
    """
    data = ward_concepts.merge(wards[["ward_id", "ward_name"]], on="ward_id", how="left")
    return (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X("ward_name:N", title="Ward", sort=list(wards["ward_name"]), axis=alt.Axis(labelAngle=-60)),
            y=alt.Y("change_concept:N", title=None, sort=list(table2["change_concept"])),
            color=alt.Color("ideas:Q", title="Ideas", scale=alt.Scale(scheme="blues")),
            tooltip=["ward_name:N", "change_concept:N", "ideas:Q", alt.Tooltip("first_started:T", title="First idea", format="%B %Y")],
        )
        .properties(title="Change concepts tested by each ward")
    )


def missing_heatmap(missing: pd.DataFrame, wards: pd.DataFrame) -> alt.Chart:
    """Ward x month map of data completeness from :func:`rrp_helpers.quality.missing_ward_months`.

    Only incomplete cells are drawn (yellow partly missing, red missing) over a pale background,
    which keeps the chart small when almost every ward-month is complete.
    """
    data = missing.merge(wards[["ward_id", "ward_name"]], on="ward_id", how="left")
    months = sorted(pd.to_datetime(data["month"]).dt.strftime("%Y-%m").unique())
    data["month_label"] = pd.to_datetime(data["month"]).dt.strftime("%Y-%m")
    incomplete = data[data["status"].ne("complete")]
    n_incomplete = len(incomplete)
    return (
        alt.Chart(incomplete)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("month_label:O", title="Month", scale=alt.Scale(domain=months), axis=alt.Axis(labelAngle=-60)),
            y=alt.Y("ward_name:N", title=None, scale=alt.Scale(domain=list(wards["ward_name"]))),
            color=alt.Color(
                "status:N", title="Data", scale=alt.Scale(domain=["partial", "missing"], range=[NHS_WARM_YELLOW, NHS_RED])
            ),
            tooltip=["ward_name:N", alt.Tooltip("month_label:N", title="Month"), "status:N", "measures_missing:Q"],
        )
        .properties(
            title=alt.Title("Missing ward-months", subtitle=f"{n_incomplete} incomplete of {len(data)} ward-months; blank = complete"),
            width=alt.Step(14),
            height=alt.Step(11),
        )
        .configure_view(fill=NHS_PALE_GREY)
    )


def _cross_layout(days_in_month: int) -> pd.DataFrame:
    """Grid positions of the days of a month laid out as a safety cross (a plus sign)."""
    cells = [(row, col) for row in (0, 1) for col in (2, 3, 4)]
    cells += [(row, col) for row in (2, 3, 4) for col in range(7)]
    cells += [(row, col) for row in (5, 6) for col in (2, 3, 4)]
    return pd.DataFrame(cells[:days_in_month], columns=["row", "col"]).assign(day=np.arange(1, days_in_month + 1))


def safety_cross(daily: pd.DataFrame, month: str | pd.Timestamp, *, title: str | None = None) -> alt.LayerChart:
    """The safety cross of one ward-month: a day per cell, red with the count on incident days.

    ``daily`` holds that ward-month's rows of ``safety_cross`` (``date``, ``count``; several
    measures are summed per day). Days without a row had no incident.
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
    labels = grid.mark_text(color="white", fontSize=10).encode(text="label:N")
    return alt.layer(cells, labels).properties(width=260, height=260, title=title or f"Safety cross, {start:%B %Y}")


EMBED_RENDERER = "rrp-embed"
#: vega-embed options in HTML reports: the "..." menu saves a chart as PNG or SVG (drawn in the
#: browser, offline); the source, compiled-spec and online-editor entries are left out.
EMBED_OPTIONS = json.dumps({"actions": {"compiled": False, "editor": False, "export": True, "source": False}})
_embed_ids = itertools.count(1)


def _embed_renderer(spec: dict, **_: object) -> dict[str, str]:
    """Render a chart as a div plus a module script calling ``vegaEmbed`` (libraries not included).

    For HTML reports whose page loads the Vega bundle once (``vl_convert.javascript_bundle()``)
    ahead of these scripts. Ids count up from 1 in each kernel, so outputs are deterministic.
    ``</`` is escaped so that text in the data can never close the script element.
    """
    element = f"rrp-chart-{next(_embed_ids)}"
    payload = json.dumps(spec, sort_keys=True).replace("</", "<\\/")
    script = f'vegaEmbed("#{element}", {payload}, {EMBED_OPTIONS}).catch(console.error);'
    return {"text/html": f'<div id="{element}" class="rrp-chart"></div>\n<script type="module">{script}</script>'}


def setup_notebook(renderer: str = "svg") -> None:
    """Theme, renderer and table display for the workbook's notebooks.

    ``svg`` (default) draws charts offline with vl-convert and keeps stored notebooks small and
    deterministic for the nbval regression tests. ``rrp-embed`` emits each chart as its Vega-Lite
    spec plus a ``vegaEmbed`` call, for HTML reports that inline the Vega libraries once per page
    (interactive tooltips, no CDN, no per-chart conversion in the kernel). ``jupyter`` gives
    interactive charts in JupyterLab without a CDN (call ``alt.JupyterChart.enable_offline()``).
    With ``svg`` or ``png``, vl-convert draws text with its bundled font
    (:func:`rrp_helpers.fonts.vl_convert_bundled_fonts`).
    """
    use_theme()
    if EMBED_RENDERER not in alt.renderers.names():
        alt.renderers.register(EMBED_RENDERER, _embed_renderer)
    alt.renderers.enable(renderer)
    if renderer in ("svg", "png"):  # converted here, by vl-convert
        vl_convert_bundled_fonts()
    pd.set_option("display.max_rows", 60)
    pd.set_option("display.precision", 1)


def measure_dashboard(
    points: pd.DataFrame,
    labels: dict[str, str],
    *,
    title_prefix: str = "",
    annotations: pd.DataFrame | None = None,
    change_ideas: pd.DataFrame | None = None,
    y_title: str = "Incidents per month",
    subtitle: str | None = None,
    width: int = 380,
    height: int = 190,
) -> ComposedChart:
    """One SPC panel per measure of ``points`` (from ``outcomes.chart_points``), two per row.

    ``labels`` maps measure names to titles; ``subtitle`` (e.g. a caveat such as rounded
    values or trial limits) goes under every panel's title. Annotations whose ``measure`` is
    empty apply to every panel; the others to their measure's panel only.
    """
    panels = []
    for measure, frame in points.groupby("measure", sort=False):
        notes = None
        if annotations is not None and len(annotations):
            applies = annotations["measure"].isna() | annotations["measure"].eq("") | annotations["measure"].eq(measure)
            notes = annotations[applies]
        panels.append(
            _spc_panel_spec(
                frame,
                title=f"{title_prefix}{labels.get(measure, measure)}",
                y_title=y_title,
                subtitle=subtitle,
                annotations=notes,
                change_ideas=change_ideas,
                width=width,
                height=height,
            )
        )
    return dashboard(panels)


def agreement_plot(pairs: pd.DataFrame, agreement: pd.DataFrame) -> alt.LayerChart:
    """Bland-Altman plot of the two data sources.

    ``pairs`` is :func:`rrp_helpers.quality.source_pairs` (dots: ward-months, x the mean of the two
    counts, y their difference); ``agreement`` is :func:`rrp_helpers.quality.source_agreement`,
    whose ``all`` row gives the lines: mean difference (solid) and 95 % limits (dashed).
    """
    # One dot per distinct (mean, difference, measure), sized by how many ward-months share it:
    # thousands of identical small-count pairs would otherwise overplot (and bloat the SVG).
    points = (
        alt.Chart(pairs)
        .mark_circle(opacity=0.6)
        .encode(
            x=alt.X("mean_count:Q", title="Mean of the two counts (incidents per month)"),
            y=alt.Y("difference:Q", title="Incident reports minus safety cross"),
            color=alt.Color("measure:N", title=None),
            size=alt.Size("count():Q", title="Ward-months"),
            tooltip=["measure:N", "mean_count:Q", "difference:Q", alt.Tooltip("count():Q", title="Ward-months")],
        )
    )
    overall = agreement[agreement["measure"].eq("all")]
    lines = pd.DataFrame(
        {
            "value": [overall["mean_difference"].iloc[0], overall["loa_lower"].iloc[0], overall["loa_upper"].iloc[0]],
            "line": ["Mean difference", "95% limit of agreement", "95% limit of agreement"],
        }
    ) if len(overall) else pd.DataFrame({"value": [], "line": []})
    rules = alt.Chart(lines).mark_rule(color=NHS_DARK_GREY).encode(
        y="value:Q",
        strokeDash=alt.StrokeDash("line:N", title=None, scale=alt.Scale(domain=["Mean difference", "95% limit of agreement"], range=[[1, 0], [4, 3]])),
        tooltip=[alt.Tooltip("line:N", title="Line"), alt.Tooltip("value:Q", title="Value", format=".2f")],
    )
    return alt.layer(points, rules).properties(width=480, height=240, title="Agreement of the two data sources")


def idea_timeline(ideas: pd.DataFrame) -> alt.Chart:
    """A ward's change ideas by concept, each a dot on the month it started (hover for the idea)."""
    data = ideas.assign(started=pd.to_datetime(ideas["started"]))
    return (
        alt.Chart(data)
        .mark_circle(size=70, color=NHS_PURPLE, opacity=0.8)
        .encode(
            x=alt.X("started:T", title="Month started", axis=alt.Axis(format="%b %Y", labelAngle=-45)),
            y=alt.Y("change_concept:N", title=None, sort=alt.EncodingSortField("started", op="min")),
            tooltip=[alt.Tooltip("started:T", format="%B %Y"), "change_concept:N", "idea:N", "pdsa_cycles:Q", "status:N"],
        )
        .properties(width=460, title="Change ideas tested")
    )


def concept_outcomes_plot(table: pd.DataFrame) -> alt.LayerChart:
    """Dot plot: per concept, the % of improving and of non-improving wards that tested it.

    ``table`` is :func:`rrp_helpers.concepts.concept_outcomes`; concepts are sorted by the
    difference between the two groups.
    """
    long = table.melt(
        id_vars=["change_concept", "difference_pct_points"],
        value_vars=["improving_pct", "not_improving_pct"],
        var_name="group",
        value_name="percent",
    )
    long["group"] = long["group"].map({"improving_pct": "Improving wards", "not_improving_pct": "Other wards"})
    order = list(table.sort_values("difference_pct_points", ascending=False)["change_concept"])
    base = alt.Chart(long).encode(y=alt.Y("change_concept:N", title=None, sort=order))
    link = base.mark_line(color=NHS_PALE_GREY, strokeWidth=3).encode(x="percent:Q", detail="change_concept:N")
    dots = base.mark_circle(size=60, opacity=1).encode(
        x=alt.X("percent:Q", title="% of the group that tested the concept"),
        color=alt.Color("group:N", title=None, scale=alt.Scale(domain=["Improving wards", "Other wards"], range=[NHS_BLUE, NHS_ORANGE])),
        tooltip=["change_concept:N", "group:N", alt.Tooltip("percent:Q", format=".0f")],
    )
    return alt.layer(link, dots).properties(width=420, title="Concepts tested by improving and other wards (association)")


def _spc_core_layers(base: alt.Chart, y_title: str) -> list[alt.Chart]:
    """Limits, centre line, line and coloured points of an SPC chart on one shared data source."""
    x = _month_axis()
    return [
        base.mark_line(color=NHS_DARK_GREY, strokeDash=[4, 3], strokeWidth=1).encode(x=x, y=alt.Y("ucl:Q", title=y_title)),
        base.mark_line(color=NHS_DARK_GREY, strokeDash=[4, 3], strokeWidth=1).encode(x=x, y="lcl:Q"),
        base.mark_line(color=NHS_DARK_BLUE, strokeWidth=1.5).encode(x=x, y="cl:Q"),
        base.mark_line(color=NHS_DARK_GREY, strokeWidth=1).encode(x=x, y="y:Q"),
        base.mark_circle(size=30, opacity=1).encode(
            x=x,
            y="y:Q",
            color=alt.Color(
                "point_type:N", title=None, scale=alt.Scale(domain=list(POINT_TYPES), range=list(POINT_COLOURS)),
                legend=alt.Legend(labelExpr=_label_expr()),
            ),
            tooltip=[
                alt.Tooltip("ward_name:N", title="Ward"),
                alt.Tooltip("x:T", title="Month", format="%B %Y"),
                alt.Tooltip("y:Q", title="Value", format=",.1f"),
                alt.Tooltip("cl:Q", title="Centre line", format=",.1f"),
                alt.Tooltip("rules_fired:N", title="Rules fired"),
            ],
        ),
    ]


def ward_grid(points: pd.DataFrame, *, title: str, columns: int = 4) -> alt.FacetChart:
    """Small multiples: one small SPC chart per ward (``ward_name``) of a ``control_charts`` frame."""
    data = points[["ward_name", "x", "y", "cl", "ucl", "lcl", "point_type", "rules_fired"]].copy()
    data["x"] = pd.to_datetime(data["x"])
    base = alt.Chart().properties(width=170, height=90)
    layered = alt.layer(*_spc_core_layers(base, ""), data=data)
    return layered.facet(facet=alt.Facet("ward_name:N", title=None), columns=columns).resolve_scale(y="independent").properties(title=title)


def filtered_spc_chart(points: pd.DataFrame, *, options: list[str], title: str) -> alt.LayerChart:
    """An SPC chart of many wards shown one at a time through a bound drop-down (no kernel needed)."""
    data = points[["ward_name", "x", "y", "cl", "ucl", "lcl", "point_type", "rules_fired"]].copy()
    data["x"] = pd.to_datetime(data["x"])
    choose = alt.param(name="ward", value=options[0], bind=alt.binding_select(options=options, name="Ward: "))
    base = alt.Chart(data).transform_filter(alt.datum.ward_name == choose).properties(width=560, height=240)
    return alt.layer(*_spc_core_layers(base, "Incidents per month")).add_params(choose).properties(title=title)


def interactive_html(chart: alt.TopLevelMixin):
    """The chart as an HTML display object with the Vega libraries inlined (no CDN, no kernel).

    For the one chart of a notebook that must stay interactive in exported static HTML. The
    output is about 1 MB (the libraries), so use it sparingly. Under the ``rrp-embed`` renderer
    (HTML reports, whose pages inline the libraries once) the chart itself is returned instead.
    """
    from IPython.display import HTML

    if alt.renderers.active == EMBED_RENDERER:
        return chart
    return HTML(chart.to_html(inline=True, fullhtml=False, output_div="rrp-static-chart"))
