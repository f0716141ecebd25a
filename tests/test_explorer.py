"""The coaches' explorer: widget callbacks change the charts' data in place."""

from pathlib import Path

import pytest

from rrp_helpers.data import load_collaborative
from rrp_helpers.explorer import Explorer, static_ward_chart

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="module")
def collab():
    return load_collaborative(DEMO)


def _values(chart):
    spec = chart.to_dict()
    return max(spec["datasets"].values(), key=len)


def test_changing_the_ward_changes_the_chart_data(collab):
    explorer = Explorer(collab, ward_id="alder", measure="restraint")
    before = _values(explorer.chart.chart)
    explorer.ward.value = "Oak Ward"
    after = _values(explorer.chart.chart)
    assert explorer.ward_id == "oak"
    assert [row["y"] for row in before] != [row["y"] for row in after]
    monthly = collab.monthly
    oak = monthly[monthly["ward_id"].eq("oak") & monthly["measure"].eq("restraint")]["count"]
    assert [row["y"] for row in after if row["y"] is not None] == [float(v) for v in oak.dropna()]


def test_measure_chart_type_and_rules_update_the_chart(collab):
    explorer = Explorer(collab, ward_id="alder", measure="restraint")
    explorer.measure.value = "seclusion"
    assert "Seclusion" in explorer.chart.chart.to_dict()["title"]["text"]
    explorer.chart_type.value = "u"
    rates = _values(explorer.chart.chart)
    assert all(row["y"] is None or row["y"] < 100 for row in rates)  # per 1,000 bed days, not counts
    explorer.rules.value = "mdc"
    assert _values(explorer.chart.chart)


def test_specialty_filter_narrows_wards_and_grid(collab):
    explorer = Explorer(collab, ward_id="alder")
    explorer.specialty.value = "Forensic adult"
    forensic = set(collab.wards.loc[collab.wards["specialty"].eq("Forensic adult"), "ward_name"])
    assert set(explorer.ward.options) == forensic
    assert explorer.ward.value in forensic
    grid_wards = {row["ward_name"] for row in explorer.grid.chart.to_dict()["datasets"].popitem()[1]}
    assert grid_wards == forensic


def test_partly_typed_search_does_not_redraw(collab):
    explorer = Explorer(collab, ward_id="alder")
    chart = explorer.chart.chart
    explorer.ward._trait_values["value"] = "Oa"  # what the combobox holds while the user types
    explorer._on_change({"name": "value", "owner": explorer.ward, "new": "Oa"})
    assert explorer.chart.chart is chart


def test_static_chart_filters_wards_with_a_bound_parameter(collab):
    spec = static_ward_chart(collab).to_dict()
    params = spec["params"]
    assert params[0]["bind"]["input"] == "select"
    assert set(params[0]["bind"]["options"]) == set(collab.wards["ward_name"])
    rows = max(spec["datasets"].values(), key=len)
    assert {row["ward_name"] for row in rows} == set(collab.wards["ward_name"])
