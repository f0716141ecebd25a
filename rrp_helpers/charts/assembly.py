"""Charts assembled from Vega-Lite specs: an SPC panel made fast, and dashboards of panels.

Building an Altair chart and serialising it was most of a ward report's chart time (figures in the
README), so a panel's spec is assembled from per-process cached layer specs, with its data turned
into records as Altair's default data transformer does; a test checks the result equals Altair's
own ``to_dict()``. Dashboards compose panels' specs directly (Altair deep-copies every sub-chart at
each level of nesting).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math

import altair as alt
import numpy as np
import pandas as pd

from rrp_helpers.charts.spc import spc_chart, spc_frames, spc_layer, spc_title, spc_top_level

__all__ = ["panel_spec", "measure_panels", "measure_dashboard", "dashboard", "ComposedChart"]


def panel_spec(
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
    Altair once per process and options (:func:`_layer_spec`), and each layer's data turned
    into records here as Altair's default data transformer does (:func:`_records`), for the
    column types SPC frames have. Anything else (another data transformer, other column types,
    more rows than Altair allows) goes through Altair. Building the Altair chart was most of a
    ward report's dashboard time (``benchmarks/bench_report_parts.py``; figures in the README).
    """
    data, frames = spc_frames(points, annotations, change_ideas, height=height)
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
        layer, size = _layer_spec(kind, y_title, width, height)
        layer = json.loads(layer)
        if frame is not None:
            attach(layer, frame)
        spec["layer"].append(layer)
        spec.update(json.loads(size))
    extras = json.loads(_top_level_spec())
    spec.update(transform=extras["transform"], params=extras["params"])
    spec["title"] = spc_title(title, subtitle)
    if datasets:
        spec["datasets"] = datasets
    return spec


@functools.lru_cache(maxsize=64)
def _layer_spec(kind: str, y_title: str, width: int, height: int) -> tuple[str, str]:
    """One layer's Vega-Lite spec without data, and the size it sets on the chart (both JSON)."""
    with alt.utils.schemapi.debug_mode(False):
        layer = spc_layer(kind, y_title=y_title, width=width, height=height)
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


@functools.lru_cache(maxsize=1)
def _top_level_spec() -> str:
    """The chart's own calculations and the limits radio as Altair writes them (JSON), once per process."""
    transform, param = spc_top_level()
    with alt.utils.schemapi.debug_mode(False):
        spec = alt.layer(alt.Chart().mark_point()).transform_calculate(**transform).add_params(param).to_dict(validate=False)
    return json.dumps({"transform": spec["transform"], "params": spec["params"]})


def _dataset_name(rows: list[dict]) -> str:
    """The name Altair gives a consolidated dataset: a hash of its rows."""
    if rows == [{}]:
        return "empty"
    return "data-" + hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _spc_title(title: str, subtitle: str | list[str] | None) -> dict:
    """The title's Vega-Lite spec (as ``alt.Title(title, subtitle=subtitle).to_dict()``)."""
    return {"text": title, "subtitle": subtitle} if subtitle else {"text": title}


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
    params: dict[str, dict] = {}
    bodies = []
    for spec in specs:
        datasets.update(spec.pop("datasets", {}))
        spec.pop("$schema", None)
        config = spec.pop("config", None)
        for param in spec.pop("params", []):  # bound parameters belong at the top (one radio for all)
            params.setdefault(param["name"], param)
        bodies.append(spec)
    composed: dict = {"$schema": alt.SCHEMA_URL}
    if config is not None:
        composed["config"] = config
    if params:
        composed["params"] = list(params.values())
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
        panels[str(measure)] = panel_spec(
            frame, title=f"{title_prefix}{labels.get(measure, measure)}", y_title=y_title, subtitle=subtitle,
            annotations=notes, change_ideas=change_ideas, width=width, height=height,
        )
    return panels


def measure_dashboard(points: pd.DataFrame, labels: dict[str, str], **options) -> ComposedChart:
    """:func:`measure_panels` as one chart, two panels per row (the paper's Figure 1)."""
    return dashboard(list(measure_panels(points, labels, **options).values()))
