"""Every chart of the workbook renders offline to SVG and PNG (a broken spec fails here)."""

import json
import re

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from rrp_helpers import chart_data, charts, concepts, explorer, outcomes, quality
from rrp_helpers.data import load_collaborative
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="module")
def collab():
    charts.use_theme()
    return load_collaborative(DEMO)


def _chart_builders(collab):
    labels = outcomes.measure_labels(collab)
    ward_points = chart_data.chart_points(collab, ward_id="alder")
    crosses = collab.safety_cross[collab.safety_cross["ward_id"].eq("alder")]
    team = outcomes.team_results(collab)
    return {
        "figure1": lambda: charts.measure_dashboard(chart_data.chart_points(collab), labels, annotations=collab.annotations[collab.annotations["ward_id"].eq("ALL")]),
        "ward_dashboard": lambda: charts.measure_dashboard(
            ward_points, labels, annotations=collab.annotations, change_ideas=collab.change_ideas[collab.change_ideas["ward_id"].eq("alder")]
        ),
        "driver_diagram": lambda: charts.driver_diagram(concepts.table2(collab)),
        "concept_heatmap": lambda: charts.concept_heatmap(concepts.ward_concepts(collab), concepts.table2(collab), collab.wards),
        "missing_heatmap": lambda: charts.missing_heatmap(quality.missing_ward_months(collab), collab.wards),
        "safety_cross": lambda: charts.safety_cross(crosses[crosses["date"] >= "2020-02-01"], "2020-02"),
        "agreement": lambda: charts.agreement_plot(quality.source_pairs(collab), quality.source_agreement(collab)),
        "idea_timeline": lambda: charts.idea_timeline(collab.change_ideas[collab.change_ideas["ward_id"].eq("alder")]),
        "concept_outcomes": lambda: charts.concept_outcomes_plot(concepts.concept_outcomes(collab, team)),
        "static_ward_chart": lambda: explorer.static_ward_chart(collab),
        "ward_grid": lambda: explorer.Explorer(collab).grid.chart,
    }


NAMES = [
    "figure1", "ward_dashboard", "driver_diagram", "concept_heatmap", "missing_heatmap", "safety_cross",
    "agreement", "idea_timeline", "concept_outcomes", "static_ward_chart", "ward_grid",
]


@pytest.mark.parametrize("name", NAMES)
def test_chart_renders_offline_to_svg(collab, name):
    chart = _chart_builders(collab)[name]()
    spec = chart.to_dict()
    svg = vlc.vegalite_to_svg(spec)
    assert svg.startswith("<svg") and "<text" in svg
    assert "http://" not in json.dumps(spec.get("data", {})) and "https://" not in json.dumps(spec.get("datasets", {}))


def test_chart_renders_offline_to_png(collab):
    png = vlc.vegalite_to_png(_chart_builders(collab)["safety_cross"]().to_dict())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_spc_chart_draws_every_point_with_its_limits(collab):
    points = chart_data.chart_points(collab, ward_id="alder")
    restraint = points[points["measure"].eq("restraint")]
    chart = charts.spc_chart(restraint, title="t")
    datasets = chart.to_dict()["datasets"]
    rows = max(datasets.values(), key=len)
    assert len(rows) == len(restraint)
    assert {"y", "cl", "ucl", "lcl", "point_type", "rules_fired"} <= set(rows[0])


def test_embed_renderer_escapes_script_end_in_data():
    chart = alt.Chart(alt.Data(values=[{"a": "</script><script>alert(1)</script>"}])).mark_point().encode(x="a:N")
    html = charts.theme._embed_renderer(chart.to_dict())["text/html"]
    assert html.count("</script>") == 1
    assert "<\\/script>" in html


@pytest.mark.parametrize("ward_id", ["alder", "oak"])
def test_dashboard_panels_equal_the_altair_layer_charts(collab, ward_id):
    """The dashboard assembles each panel's spec itself (faster); it must equal Altair's own."""
    points = chart_data.chart_points(collab, ward_id=ward_id)
    notes = collab.annotations[collab.annotations["ward_id"].isin([ward_id, "ALL"])]
    ideas = collab.change_ideas[collab.change_ideas["ward_id"].eq(ward_id)]
    hidden = points.assign(suppressed=points["x"].dt.month.eq(3))  # exercises the '*' layer
    for frame in (points[points["measure"].eq("restraint")], hidden[hidden["measure"].eq("seclusion")]):
        options = dict(title="t", y_title="y", subtitle="s", annotations=notes, change_ideas=ideas, width=380, height=190)
        assert _json(charts.spc._spc_panel_spec(frame, **options)) == _json(charts.spc_chart(frame, **options).to_dict())  # validated
    bare = points[points["measure"].eq("total")]
    options = dict(title="t", y_title="y", subtitle=None, annotations=None, change_ideas=None, width=520, height=220)
    assert _json(charts.spc._spc_panel_spec(bare, **options)) == _json(charts.spc_chart(bare, **options).to_dict())


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
    assert not charts.spc._plain_columns(frame[["y"]])
    assert _json(charts.spc._spc_panel_spec(frame, **options)) == _json(charts.spc_chart(frame, **options).to_dict())
    dated = points[points["measure"].eq("seclusion")].assign(x=lambda f: f["x"].dt.tz_localize("Europe/London"))
    assert _json(charts.spc._spc_panel_spec(dated, **options)) == _json(charts.spc_chart(dated, **options).to_dict())


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
        assembled = charts.spc._spc_panel_spec(frame, **options)
        assert _json(assembled) == _json(charts.spc_chart(frame, **options).to_dict())
    assert "datasets" not in assembled
