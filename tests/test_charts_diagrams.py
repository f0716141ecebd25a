"""rrp_helpers.charts.diagrams: the driver diagram, concept, data quality and safety cross charts
render offline to SVG and PNG (a broken spec fails here)."""


import pytest
import vl_convert as vlc
from chart_support import DEMO, assert_renders_offline
from chart_support import chart_builders as _chart_builders

from rrp_helpers import charts
from rrp_helpers.data import load_collaborative


@pytest.fixture(scope="module")
def collab():
    charts.use_theme()
    return load_collaborative(DEMO)


NAMES = ["driver_diagram", "concept_heatmap", "missing_heatmap", "safety_cross", "agreement", "idea_timeline", "concept_outcomes"]


@pytest.mark.parametrize("name", NAMES)
def test_chart_renders_offline_to_svg(collab, name):
    assert_renders_offline(_chart_builders(collab)[name]())


def test_chart_renders_offline_to_png(collab):
    png = vlc.vegalite_to_png(_chart_builders(collab)["safety_cross"]().to_dict())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
