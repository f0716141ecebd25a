"""rrp_helpers.charts.spc: SPC charts, dashboards and small multiples render offline, draw every
point, and the dashboard's own panel specs equal Altair's."""

import json

import altair as alt
import pandas as pd
import pytest
from chart_support import DEMO, assert_renders_offline
from chart_support import chart_builders as _chart_builders

from rrp_helpers import chart_data, charts
from rrp_helpers.data import load_collaborative


@pytest.fixture(scope="module")
def collab():
    charts.use_theme()
    return load_collaborative(DEMO)


NAMES = ["figure1", "ward_dashboard", "static_ward_chart", pytest.param("ward_grid", marks=pytest.mark.slow)]


@pytest.mark.parametrize("name", NAMES)
def test_chart_renders_offline_to_svg(collab, name):
    assert_renders_offline(_chart_builders(collab)[name]())


def test_spc_chart_draws_every_point_with_its_limits(collab):
    points = chart_data.chart_points(collab, ward_id="alder")
    restraint = points[points["measure"].eq("restraint")]
    chart = charts.spc_chart(restraint, title="t")
    datasets = chart.to_dict()["datasets"]
    rows = max(datasets.values(), key=len)
    assert len(rows) == len(restraint)
    assert {"y", "cl", "ucl", "lcl", "point_type", "reason", "cl_base", "point_type_base", "phase_label", "aim"} <= set(rows[0])


@pytest.mark.parametrize("ward_id", ["alder", "oak"])
def test_dashboard_panels_equal_the_altair_layer_charts(collab, ward_id):
    """The dashboard assembles each panel's spec itself (faster); it must equal Altair's own."""
    points = chart_data.chart_points(collab, ward_id=ward_id)
    notes = collab.annotations[collab.annotations["ward_id"].isin([ward_id, "ALL"])]
    ideas = collab.change_ideas[collab.change_ideas["ward_id"].eq(ward_id)]
    hidden = points.assign(suppressed=points["x"].dt.month.eq(3))  # exercises the '*' layer
    for frame in (points[points["measure"].eq("restraint")], hidden[hidden["measure"].eq("seclusion")]):
        options = dict(title="t", y_title="y", subtitle="s", annotations=notes, change_ideas=ideas, width=380, height=190)
        assert _json(charts.assembly.panel_spec(frame, **options)) == _json(charts.spc_chart(frame, **options).to_dict())  # validated
    bare = points[points["measure"].eq("total")]
    options = dict(title="t", y_title="y", subtitle=None, annotations=None, change_ideas=None, width=520, height=220)
    assert _json(charts.assembly.panel_spec(bare, **options)) == _json(charts.spc_chart(bare, **options).to_dict())


def _json(spec: dict) -> str:
    """Compared as JSON text: 1 and 1.0 are equal in Python but not in a spec."""
    return json.dumps(spec, sort_keys=True)


def test_dashboard_panels_equal_altair_for_other_column_types(collab):
    """Column types the panel assembly does not convert itself (nullable integers, categories,
    time zones) go through Altair, and still give Altair's spec."""
    points = chart_data.chart_points(collab, ward_id="oak")
    frame = points[points["measure"].eq("restraint")].copy()
    frame["y"] = frame["y"].round().astype("Int64")
    frame.loc[frame.index[3], "y"] = pd.NA
    frame["point_type"] = frame["point_type"].astype("category")
    options = dict(title="t", y_title="y", subtitle="s", annotations=None, change_ideas=None, width=380, height=190)
    assert not charts.assembly._plain_columns(frame[["y"]])
    assert _json(charts.assembly.panel_spec(frame, **options)) == _json(charts.spc_chart(frame, **options).to_dict())
    dated = points[points["measure"].eq("seclusion")].assign(x=lambda f: f["x"].dt.tz_localize("Europe/London"))
    assert _json(charts.assembly.panel_spec(dated, **options)) == _json(charts.spc_chart(dated, **options).to_dict())


def test_dashboard_panels_equal_altair_with_inline_data(collab):
    """The same without consolidated datasets (data inline in each layer)."""
    points = chart_data.chart_points(collab, ward_id="oak")
    frame = points[points["measure"].eq("restraint")]
    options = dict(
        title="t", y_title="y", subtitle="s", width=380, height=190,
        annotations=collab.annotations[collab.annotations["ward_id"].isin(["oak", "ALL"])],
        change_ideas=collab.change_ideas[collab.change_ideas["ward_id"].eq("oak")],
    )
    with alt.data_transformers.enable(consolidate_datasets=False):
        assembled = charts.assembly.panel_spec(frame, **options)
        assert _json(assembled) == _json(charts.spc_chart(frame, **options).to_dict())
    assert "datasets" not in assembled
