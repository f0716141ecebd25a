"""rrp_helpers.reports.slides: a ward's PNG files are its report's SPC panels, drawn from the same
chart data (rrp_helpers.views) with vl-convert's bundled font."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from notebook_charts import chart_specs

from rrp_helpers import charts, views
from rrp_helpers.data import load_collaborative
from rrp_helpers.outcomes import measure_labels, reported_measures

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_slide_pngs_are_the_report_panels(first_run, report_setup):
    out, _ = first_run
    _, data, _ = report_setup
    collab = load_collaborative(data)
    charts.use_theme()  # as the worker does: the panels carry the theme
    panels = views.ward_panels(collab, "alder")
    assert list(panels) == reported_measures(collab)
    for measure, panel in panels.items():
        assert panel["title"]["text"].endswith(": " + measure_labels(collab)[measure])
    # The report page's dashboard holds the same panels.
    notebook = nbformat.read(out / "notebooks" / "wards" / "alder.ipynb", as_version=4)
    dashboard = chart_specs(notebook)[0]
    page_panels = [panel for row in dashboard["vconcat"] for panel in row["hconcat"]]
    assert [panel["title"] for panel in page_panels] == [panel["title"] for panel in panels.values()]
    assert all(set(panel["datasets"]) <= set(dashboard["datasets"]) for panel in panels.values())
    # Each PNG is its panel drawn by vl-convert with its bundled font, as in a new process.
    drawn = subprocess.run(
        [sys.executable, "-c", "import json, sys; from rrp_helpers.fonts import vl_convert_bundled_fonts; "
         "sys.stdout.buffer.write(vl_convert_bundled_fonts().vegalite_to_png(json.load(sys.stdin), scale=2))"],
        input=json.dumps(panels["restraint"]).encode(), capture_output=True, check=True, cwd=ROOT,
    ).stdout
    assert (out / "wards" / "alder" / "alder-restraint.png").read_bytes() == drawn
