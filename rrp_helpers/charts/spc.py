"""SPC charts: one series with its phases, limits, signals and notes; dashboards of panels; small
multiples. Drawing only: every number drawn comes from :mod:`rrp_helpers.spc` and
:mod:`rrp_helpers.outcomes`; nothing here computes a statistic.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math

import altair as alt
import numpy as np
import pandas as pd

from rrp_helpers.charts.theme import (
    NHS_AQUA_GREEN,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    NHS_PURPLE,
    POINT_COLOURS,
    POINT_LABELS,
    POINT_TYPES,
)

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


def measure_panels(
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
) -> dict[str, dict]:
    """One SPC panel per measure of ``points`` (from ``chart_data.chart_points``): ``{measure:
    Vega-Lite spec}``, in the points' order. Each spec stands alone (a slide draws it as it is).

    ``labels`` maps measure names to titles; ``subtitle`` (e.g. a caveat such as rounded
    values or trial limits) goes under every panel's title. Annotations whose ``measure`` is
    empty apply to every panel; the others to their measure's panel only.
    """
    panels = {}
    for measure, frame in points.groupby("measure", sort=False):
        notes = None
        if annotations is not None and len(annotations):
            applies = annotations["measure"].isna() | annotations["measure"].eq("") | annotations["measure"].eq(measure)
            notes = annotations[applies]
        panels[str(measure)] = _spc_panel_spec(
            frame, title=f"{title_prefix}{labels.get(measure, measure)}", y_title=y_title, subtitle=subtitle,
            annotations=notes, change_ideas=change_ideas, width=width, height=height,
        )
    return panels


def measure_dashboard(points: pd.DataFrame, labels: dict[str, str], **options) -> ComposedChart:
    """:func:`measure_panels` as one chart, two panels per row (the paper's Figure 1)."""
    return dashboard(list(measure_panels(points, labels, **options).values()))


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
