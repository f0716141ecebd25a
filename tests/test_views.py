"""rrp_helpers.views: a ward's page and Figure 1 show one SPC panel per reported measure, and their
dashboards are made of exactly those panels."""

import json
from pathlib import Path

import pytest

from rrp_helpers import views
from rrp_helpers.data import load_collaborative
from rrp_helpers.outcomes import measure_labels, reported_measures

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="module")
def collab():
    return load_collaborative(DEMO)


def _bodies(dashboard) -> list[dict]:
    """The panels of a dashboard, in order."""
    return [panel for row in dashboard.to_dict()["vconcat"] for panel in row["hconcat"]]


def _as_in_dashboard(panel: dict) -> dict:
    """A stand-alone panel as a dashboard holds it: its data, schema, config and bound parameters
    (one limits radio for every panel) moved to the top."""
    moved = ("datasets", "$schema", "config", "params")
    return json.loads(json.dumps({key: value for key, value in panel.items() if key not in moved}))


def test_ward_panels_one_per_reported_measure_titled_with_the_wards_name(collab):
    panels = views.ward_panels(collab, "oak")
    assert list(panels) == reported_measures(collab)
    name = collab.wards.set_index("ward_id").at["oak", "ward_name"]
    labels = measure_labels(collab)
    assert [panel["title"]["text"] for panel in panels.values()] == [f"{name}: {labels[m]}" for m in panels]
    assert all(panel["datasets"] for panel in panels.values())  # each panel stands alone


def test_ward_dashboard_is_the_wards_panels(collab):
    panels = views.ward_panels(collab, "alder")
    dashboard = views.ward_dashboard(collab, "alder")
    assert _bodies(dashboard) == [_as_in_dashboard(panel) for panel in panels.values()]
    datasets = dashboard.to_dict()["datasets"]
    assert all(set(panel["datasets"]) <= set(datasets) for panel in panels.values())
    assert [param["name"] for param in dashboard.to_dict()["params"]] == ["limits"]  # one radio drives every panel


def test_collaborative_panels_one_per_reported_measure_and_its_dashboard(collab):
    panels = views.collaborative_panels(collab)
    assert list(panels) == reported_measures(collab)
    labels = measure_labels(collab)
    assert [panel["title"]["text"] for panel in panels.values()] == [labels[m] for m in panels]
    dashboard = views.collaborative_dashboard(collab)
    assert _bodies(dashboard) == [_as_in_dashboard(panel) for panel in panels.values()]
