"""Tests' helper: every chart of the workbook, built on the demo collaborative (tests/test_charts_*.py)."""

from __future__ import annotations

from pathlib import Path

from rrp_helpers import chart_data, charts, concepts, explorer, outcomes, quality

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def chart_builders(collab):
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
        "static_ward_chart": lambda: explorer.static_ward_chart(collab, explorer.explorer_points(collab)),
        "ward_grid": lambda: explorer.static_ward_grid(collab, explorer.explorer_points(collab)),
    }


def assert_renders_offline(chart) -> None:
    """The chart draws to SVG with vl-convert and carries no web address in its data."""
    import json

    import vl_convert as vlc

    spec = chart.to_dict()
    svg = vlc.vegalite_to_svg(spec)
    assert svg.startswith("<svg") and "<text" in svg
    assert "http://" not in json.dumps(spec.get("data", {})) and "https://" not in json.dumps(spec.get("datasets", {}))
