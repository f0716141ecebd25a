"""The coaches' explorer: widget changes set the charts' parameters (the data stays in the page),
the status line counts what the chart shows, and every view draws a ward from the same points."""

from pathlib import Path

import pandas as pd
import pytest

from rrp_helpers import views
from rrp_helpers.data import load_collaborative
from rrp_helpers.explorer import Explorer, explorer_points, series_status, static_ward_chart, static_ward_grid, ward_labels

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
DRAWN = ["x", "y", "cl", "ucl", "lcl", "point_type", "reason", "phase_label"]


@pytest.fixture(scope="module")
def collab():
    return load_collaborative(DEMO)


@pytest.fixture(scope="module")
def explorer(collab):
    return Explorer(collab, ward_id="alder", measure="restraint")


def _shared_rows(spec: dict) -> list[dict]:
    """The rows of the chart's shared data (the points)."""
    return spec["datasets"][spec["data"]["name"]]


def _series_rows(rows: list[dict], ward_id: str, measure: str) -> pd.DataFrame:
    frame = pd.DataFrame([row for row in rows if row["ward_id"] == ward_id and row["measure"] == measure])
    return frame[DRAWN].reset_index(drop=True)


def test_a_ward_or_measure_change_sets_parameters_and_keeps_the_data(explorer, collab):
    chart = explorer.chart.chart
    explorer.ward.value = "Oak Ward"
    assert explorer.ward_id == "oak" and explorer.chart.params.ward == "oak"
    explorer.measure.value = "seclusion"
    assert explorer.chart.params.measure == "seclusion" and explorer.grid.params.measure == "seclusion"
    assert explorer.chart.chart is chart  # nothing re-sent
    assert "Oak Ward: Seclusion" in explorer.status.value
    rows = _shared_rows(chart.to_dict())
    oak = _series_rows(rows, "oak", "seclusion")
    monthly = collab.monthly
    counts = monthly[monthly["ward_id"].eq("oak") & monthly["measure"].eq("seclusion")].set_index("month")["count"]
    assert oak["y"].tolist() == [float(counts[pd.Timestamp(x)]) for x in oak["x"]]


def test_the_status_line_counts_what_the_chart_draws(explorer):
    explorer.ward.value = "Alder Ward"
    explorer.measure.value = "seclusion"
    rows = _series_rows(_shared_rows(explorer.chart.chart.to_dict()), "alder", "seclusion")
    improvement, concern = (int(rows["point_type"].eq(kind).sum()) for kind in ("improvement", "concern"))
    assert f"{improvement} improvement and {concern} concern points with the phases found" in explorer.status.value
    assert concern > 0 and "sustained increase" in explorer.status.value  # Alder's seclusion rose (the demo's story)


def test_chart_type_and_rules_recompute_the_charts(collab):
    explorer = Explorer(collab, ward_id="alder", measure="restraint")
    explorer.chart_type.value = "u"
    rows = _series_rows(_shared_rows(explorer.chart.chart.to_dict()), "alder", "restraint")
    assert rows["y"].dropna().lt(100).all()  # per 1,000 bed days, not counts
    assert explorer.chart.params.ward == "alder" and explorer.chart.params.measure == "restraint"
    explorer.rules.value = "mdc"
    assert _shared_rows(explorer.chart.chart.to_dict())
    assert explorer.grid.params.specialty == "All"


def test_specialty_filter_narrows_the_ward_list_and_the_grid(collab):
    explorer = Explorer(collab, ward_id="alder")
    explorer.specialty.value = "Forensic adult"
    forensic = set(collab.wards.loc[collab.wards["specialty"].eq("Forensic adult"), "ward_name"])
    assert set(explorer.ward.options) == forensic
    assert explorer.ward.value in forensic
    assert explorer.grid.params.specialty == "Forensic adult"
    spec = explorer.grid.chart.to_dict()
    assert "datum.specialty == specialty" in spec["transform"][0]["filter"]


def test_partly_typed_search_does_not_redraw(collab):
    explorer = Explorer(collab, ward_id="alder")
    explorer.ward._trait_values["value"] = "Oa"  # what the combobox holds while the user types
    explorer._on_ward({"name": "value", "owner": explorer.ward, "new": "Oa"})
    assert explorer.chart.params.ward == "alder"


def test_every_view_draws_a_ward_from_the_same_points(collab):
    """Ward report panel (and its slide PNG, drawn from the same spec), explorer, its grid and
    the static explorer: the same months, values, limits, classes, reasons and phase labels."""
    report = views.ward_panels(collab, "laurel")["total"]
    report_rows = pd.DataFrame(report["datasets"][report["data"]["name"]])[DRAWN]
    points = explorer_points(collab)
    static = _series_rows(_shared_rows(static_ward_chart(collab, points).to_dict()), "laurel", "total")
    live = Explorer(collab, ward_id="laurel")
    explorer_rows = _series_rows(_shared_rows(live.chart.chart.to_dict()), "laurel", "total")
    grid_spec = static_ward_grid(collab, points).to_dict()
    grid_rows = pd.DataFrame(grid_spec["datasets"][grid_spec["data"]["name"]])
    grid_rows = grid_rows[grid_rows["ward_label"].eq("Laurel Ward") & grid_rows["measure"].eq("total")]
    pd.testing.assert_frame_equal(static, report_rows)
    pd.testing.assert_frame_equal(explorer_rows, report_rows)
    pd.testing.assert_frame_equal(grid_rows[DRAWN].reset_index(drop=True), report_rows)
    assert report_rows["point_type"].eq("improvement").sum() >= collab.config.shift_points


def test_static_charts_bind_their_parameters_to_drop_downs(collab):
    points = explorer_points(collab)
    spec = static_ward_chart(collab, points).to_dict()
    params = {param["name"]: param for param in spec["params"]}
    assert params["ward"]["bind"]["input"] == "select"
    assert params["ward"]["bind"]["options"] == list(collab.wards["ward_id"])
    assert params["ward"]["bind"]["labels"] == list(collab.wards["ward_name"])
    assert params["limits"]["bind"]["input"] == "radio"
    assert {row["ward_id"] for row in _shared_rows(spec)} == set(collab.wards["ward_id"])
    grid = static_ward_grid(collab, points).to_dict()
    assert {param["name"] for param in grid["params"]} == {"measure", "specialty", "ward_type"}
    assert all(param["bind"]["input"] == "select" for param in grid["params"])


def test_ward_names_are_text_everywhere(collab):
    wards = pd.DataFrame({"ward_id": ["a", "b", "c"], "ward_name": ["<b>X</b>", "Same", "Same"]})
    assert ward_labels(wards).tolist() == ["<b>X</b>", "Same (b)", "Same (c)"]
    points = pd.DataFrame({"y": [1.0], "phase_label": [""], "point_type": ["common_cause"], "point_type_base": ["common_cause"]})
    status = series_status(points, "<script>alert(1)</script>")
    assert "<script>" not in status and "&lt;script&gt;" in status
