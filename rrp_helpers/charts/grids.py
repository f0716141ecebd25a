"""Many wards' SPC charts sent to the browser once and shown a selection at a time: the explorer's
ward chart (one ward and measure, chosen by Vega parameters) and the grid of every ward for one
measure. Both draw the columns of :func:`rrp_helpers.chart_data.chart_points` exactly as
:func:`~rrp_helpers.charts.spc.spc_chart` does (same phases, colours, aim, notes and readings),
so a ward looks the same here as in its report. Drawing only.

The parameters are filtered on in the page: changing one redraws without Python (a static HTML
page binds them to drop-downs) or from Python without re-sending data (``alt.JupyterChart.params``).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from rrp_helpers.charts.spc import _label_expr, _month_axis, as_drawn, spc_frames, spc_layer, spc_top_level
from rrp_helpers.charts.theme import NHS_DARK_BLUE, NHS_DARK_GREY, POINT_COLOURS, POINT_TYPES

__all__ = ["SERIES_KEYS", "ALL", "selectable_spc_chart", "ward_grid"]

#: The columns that tell one ward-measure series from another.
SERIES_KEYS = ("ward_id", "measure")
#: The value of a grid filter that keeps every ward.
ALL = "All"
#: The parameters' names.
WARD, MEASURE, SPECIALTY, WARD_TYPE = "ward", "measure", "specialty", "ward_type"
TITLE_ABOVE = -52  # pixels above the plot: the chosen series' title, over the marks' band


def _param(name: str, value: str, options: list[tuple[str, str]] | None, label: str) -> alt.Parameter:
    """A parameter: bound to a drop-down of ``(value, label)`` options, or unbound (set from Python)."""
    if options is None:
        return alt.param(name=name, value=value)
    values, labels = [value for value, _ in options], [text for _, text in options]
    return alt.param(name=name, value=value, bind=alt.binding_select(options=values, labels=labels, name=label))


def selectable_spc_chart(
    points: pd.DataFrame,
    *,
    titles: pd.DataFrame,
    annotations: pd.DataFrame | None,
    change_ideas: pd.DataFrame | None,
    ward: str,
    measure: str,
    ward_options: list[tuple[str, str]] | None = None,
    measure_options: list[tuple[str, str]] | None = None,
    y_title: str = "Incidents per month",
    width: int = 560,
    height: int = 240,
) -> alt.LayerChart:
    """The SPC chart of one ward-measure series of ``points`` (``chart_points`` columns with
    ``ward_id`` and ``measure``), chosen by the parameters ``ward`` and ``measure``.

    ``titles`` (``ward_id, measure, title``) gives each series' title; ``annotations`` (``ward_id,
    measure, month, note``) are each series' own, ``change_ideas`` (``ward_id, started, idea,
    change_concept``, and ``measure`` if they belong to one measure) each ward's. With ``ward_options`` / ``measure_options`` (``(value,
    label)`` pairs) a parameter is bound to a drop-down; without, it is set from Python.
    """
    keys = list(SERIES_KEYS)
    data, frames = spc_frames(points, annotations, change_ideas, height=height, by=keys)
    params_of = {"ward_id": WARD, "measure": MEASURE}
    chosen = " && ".join(f"datum.{key} == {params_of[key]}" for key in keys)
    layers = [alt.Chart(titles[[*keys, "title"]], name="series_title").mark_text(
        align="left", baseline="bottom", fontSize=14, fontWeight="bold", color=NHS_DARK_BLUE,
    ).encode(x=alt.XValue(0), y=alt.YValue(TITLE_ABOVE), text=alt.Text("title:N")).transform_filter(chosen)]
    for kind, frame in frames.items():
        layer = spc_layer(kind, y_title=y_title, width=width, height=height)
        if frame is not None:
            mine = " && ".join(f"datum.{key} == {params_of[key]}" for key in keys if key in frame)
            layer = layer.properties(data=frame).transform_filter(mine)
        layers.append(layer)
    transform, limits = spc_top_level()
    params = [_param(WARD, ward, ward_options, "Ward: "), _param(MEASURE, measure, measure_options, "Measure: "), limits]
    with alt.data_transformers.disable_max_rows():  # every ward's data goes to the page once, by design
        return (alt.layer(*layers, data=data)
                .transform_filter(chosen).transform_calculate(**transform).add_params(*params))


def ward_grid(
    points: pd.DataFrame,
    *,
    title: str,
    measure: str,
    measure_options: list[tuple[str, str]] | None = None,
    specialty_options: list[str] | None = None,
    ward_type_options: list[str] | None = None,
    columns: int = 4,
) -> alt.FacetChart:
    """Small multiples: every ward's SPC chart of the measure chosen by the ``measure`` parameter,
    and only the wards whose ``specialty`` and ``ward_type`` match their parameters (``All``
    keeps every ward). Each panel shows the phases found, in the ward chart's colours.

    ``points`` are ``chart_points`` columns with ``ward_id``, ``measure``, ``ward_label`` (the
    panel's title, unique), ``specialty`` and ``ward_type``. Options, when given, bind the
    parameters to drop-downs (a static page); without, they are set from Python.
    """
    columns_drawn = ["ward_label", "specialty", "ward_type", "measure", "x", "y", "cl", "ucl", "lcl", "part",
                     "point_type", "reason", "phase_label"]
    data = as_drawn(points[columns_drawn].copy())
    data["x"] = pd.to_datetime(data["x"])
    base = alt.Chart().properties(width=170, height=90)
    x = _month_axis()
    limit_line = dict(color=NHS_DARK_GREY, strokeDash=[4, 3], strokeWidth=1, interpolate="step-after")
    layers = [
        base.mark_line(**limit_line).encode(x=x, y=alt.Y("ucl:Q", title=None), detail="part:N"),
        base.mark_line(**limit_line).encode(x=x, y="lcl:Q", detail="part:N"),
        base.mark_line(color=NHS_DARK_BLUE, strokeWidth=1.5, interpolate="step-after").encode(x=x, y="cl:Q", detail="part:N"),
        base.mark_line(color=NHS_DARK_GREY, strokeWidth=1).encode(x=x, y="y:Q"),
        base.mark_circle(size=30, opacity=1).encode(
            x=x, y="y:Q",
            color=alt.Color("point_type:N", title=None, scale=alt.Scale(domain=list(POINT_TYPES), range=list(POINT_COLOURS)),
                            legend=alt.Legend(labelExpr=_label_expr())),
            tooltip=[alt.Tooltip("ward_label:N", title="Ward"), alt.Tooltip("x:T", title="Month", format="%B %Y"),
                     alt.Tooltip("y:Q", title="Value", format=",.1f"), alt.Tooltip("reason:N", title="Signal"),
                     alt.Tooltip("cl:Q", title="Centre line", format=",.1f"), alt.Tooltip("phase_label:N", title="Phase")],
        ),
    ]
    chosen = (f"datum.measure == {MEASURE} && ({SPECIALTY} == '{ALL}' || datum.specialty == {SPECIALTY})"
              f" && ({WARD_TYPE} == '{ALL}' || datum.ward_type == {WARD_TYPE})")
    with_all = (lambda options: None if options is None else [(ALL, ALL)] + [(value, value) for value in options])
    params = [_param(MEASURE, measure, measure_options, "Measure: "),
              _param(SPECIALTY, ALL, with_all(specialty_options), "Specialty: "),
              _param(WARD_TYPE, ALL, with_all(ward_type_options), "Ward type: ")]
    with alt.data_transformers.disable_max_rows():
        return (alt.layer(*layers, data=data)
                .facet(facet=alt.Facet("ward_label:N", title=None, sort=list(dict.fromkeys(data["ward_label"]))),
                       columns=columns)
                .transform_filter(chosen).resolve_scale(y="independent").add_params(*params).properties(title=title))
