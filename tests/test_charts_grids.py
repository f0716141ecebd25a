"""rrp_helpers.charts.grids: many series in one chart, filtered in the page by parameters, each
series drawn as its own SPC chart would draw it."""

import altair as alt
import pandas as pd
import pytest
from chart_support import DEMO

from rrp_helpers import chart_data, charts
from rrp_helpers.charts.grids import selectable_spc_chart, ward_grid
from rrp_helpers.charts.spc import LAYER_ORDER, spc_frames
from rrp_helpers.data import load_collaborative


@pytest.fixture(scope="module")
def collab():
    charts.use_theme()
    return load_collaborative(DEMO)


@pytest.fixture(scope="module")
def two_wards(collab):
    frames = [chart_data.chart_points(collab, ward_id=ward_id).assign(ward_id=ward_id) for ward_id in ("alder", "laurel")]
    points = pd.concat(frames, ignore_index=True)
    notes = collab.annotations[collab.annotations["ward_id"].eq("ALL")].drop(columns=["ward_id", "measure"])
    series = points[["ward_id", "measure"]].drop_duplicates()
    notes = notes.merge(series, how="cross")
    ideas = collab.change_ideas.merge(series, on="ward_id")
    return points, notes, ideas


def test_frames_of_many_series_are_each_series_own(two_wards):
    points, notes, ideas = two_wards
    keys = ["ward_id", "measure"]
    data, frames = spc_frames(points, notes, ideas, height=200, by=keys)
    assert list(frames) == [kind for kind in LAYER_ORDER if kind in frames]  # drawing order
    for (ward_id, measure), series in points.groupby(keys):
        mine = {key: value for key, value in zip(keys, (ward_id, measure))}
        alone_data, alone = spc_frames(series, notes[notes["ward_id"].eq(ward_id) & notes["measure"].eq(measure)],
                                       ideas[ideas["ward_id"].eq(ward_id) & ideas["measure"].eq(measure)], height=200)
        for kind, frame in alone.items():
            if frame is None:
                assert frames[kind] is None
                continue
            together = frames[kind]
            together = together[(together["ward_id"] == ward_id) & (together["measure"] == measure)].drop(columns=keys)
            pd.testing.assert_frame_equal(together.reset_index(drop=True), frame.reset_index(drop=True), check_dtype=False,
                                          obj=f"{kind} of {mine}")
        drawn = data[(data["ward_id"] == ward_id) & (data["measure"] == measure)].drop(columns=keys)
        pd.testing.assert_frame_equal(drawn.reset_index(drop=True), alone_data.reset_index(drop=True))


def test_selectable_chart_filters_every_layer_by_the_chosen_series(two_wards):
    points, notes, ideas = two_wards
    titles = points[["ward_id", "measure"]].drop_duplicates().assign(title=lambda f: f["ward_id"] + ": " + f["measure"])
    chart = selectable_spc_chart(points, titles=titles, annotations=notes, change_ideas=ideas, ward="laurel", measure="total")
    spec = chart.to_dict()
    params = {param["name"]: param for param in spec["params"]}
    assert params["ward"]["value"] == "laurel" and "bind" not in params["ward"]  # set from Python
    chosen = "datum.ward_id == ward && datum.measure == measure"
    assert spec["transform"][0] == {"filter": chosen}
    for layer in spec["layer"]:
        if "data" in layer:  # a layer with data of its own filters it too
            assert {"filter": chosen} in layer.get("transform", []), layer.get("mark")
    bound = selectable_spc_chart(points, titles=titles, annotations=None, change_ideas=None, ward="alder", measure="total",
                                 ward_options=[("alder", "Alder <Ward>"), ("laurel", "Laurel")],
                                 measure_options=[("total", "Total")]).to_dict()
    ward = next(param for param in bound["params"] if param["name"] == "ward")
    assert ward["bind"] == {"input": "select", "options": ["alder", "laurel"], "labels": ["Alder <Ward>", "Laurel"], "name": "Ward: "}


def test_grid_filters_by_measure_specialty_and_ward_type(two_wards):
    points, _, _ = two_wards
    points = points.assign(ward_label=points["ward_id"], specialty="General adult", ward_type="Acute")
    with alt.data_transformers.enable("default"):
        spec = ward_grid(points, title="t", measure="seclusion").to_dict()
    assert {param["name"]: param["value"] for param in spec["params"]} == {"measure": "seclusion", "specialty": "All", "ward_type": "All"}
    expression = spec["transform"][0]["filter"]
    for part in ("datum.measure == measure", "specialty == 'All' || datum.specialty == specialty",
                 "ward_type == 'All' || datum.ward_type == ward_type"):
        assert part in expression
    assert spec["facet"]["sort"] == ["alder", "laurel"]
