"""The coaches' explorer (``notebooks/04_explorer.ipynb``) live in JupyterLab, in a real browser.

A JupyterLab server on 127.0.0.1 (``tools/lab_server.py``) serves a temporary copy of the notebook
(outputs cleared) and of ``data/`` in the same relative layout, so nothing in the repository is
touched. The test opens the notebook, runs every cell from the Run menu, waits for the explorer's
ipywidgets and its Altair ``JupyterChart`` widgets (Vega served offline through anywidget /
vl-convert) to draw, then

* types another ward into the ward Combobox and waits until the ward chart's title (its
  ``series_title`` text mark) names that ward and its marks have changed; the status line follows;
* chooses another measure in the Measure Dropdown and waits until the ward chart's title ends with
  that measure and the grid of every ward has redrawn (the grid is drawn on a canvas: its drawing
  is told apart by rows of its pixels; ``lab_server.GRID_JS``).

The grid's panels are checked in Vega's scene graph (``lab_server.GRID_SCENE_JS``: a canvas grid's
scene exported as SVG by vega-embed's "Save as SVG" action): its title, one panel per ward of
``data/demo/wards.csv`` before and after the measure change, and a scene the size of the canvas.

It records the time from each widget change to the redrawn chart, saves screenshots, and asserts
that the page requested nothing outside the local server and logged no error other than the
JupyterLab start-up noise listed in ``lab_server.JUPYTERLAB_NOISE``.
"""

from __future__ import annotations

import csv
import sys
import time

import pytest

from .browser_support import REPO, record_timing, require_browser

sys.path.insert(0, str(REPO / "tools"))

from lab_server import (  # noqa: E402
    CHART_JS,
    ERROR_OUTPUT_JS,
    GRID_EMBED_JS,
    GRID_JS,
    GRID_SCENE_JS,
    GRID_TITLE,
    MEASURE_SELECT,
    STATUS,
    WARD_INPUT,
    LabServer,
    arm_redraw,
    is_jupyterlab_noise,
    open_notebook,
    run_all_cells,
    wait_redrawn,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "04_explorer.ipynb"
NEW_WARD = "Oak Ward"
NEW_MEASURE = "Seclusion"  # a label of the Measure Dropdown (the demo config's name of the measure)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, artifacts) -> LabServer:
    """A JupyterLab server on 127.0.0.1 over a temporary copy of the notebook and the data; always stopped."""
    require_browser()
    try:
        # outside the repository: nbval never collects the copy; the log is kept by CI with the screenshots
        server = LabServer.start(REPO, NOTEBOOK, tmp_path_factory.mktemp("lab"), keep_log=artifacts / "jupyterlab-server.log")
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def _wards() -> list[str]:
    with (REPO / "data" / "demo" / "wards.csv").open(newline="", encoding="utf-8") as f:
        return [row["ward_name"] for row in csv.DictReader(f)]


def _grid_scene(page, grid: dict) -> dict:
    """The grid's scene (``GRID_SCENE_JS``), checked: drawn, titled ``GRID_TITLE`` once and, on a
    canvas (the explorer's choice), the size of the canvas (the scene exported is the one drawn)."""
    assert grid["marks"] > 0, {k: v for k, v in grid.items() if k != "fingerprint"}
    scene = page.evaluate(GRID_SCENE_JS, GRID_TITLE)
    assert scene and not scene.get("error"), scene
    assert scene["titles"] == [GRID_TITLE], scene["titles"]
    if grid["renderer"] == "canvas":
        ratio = scene["ratio"]
        assert scene["canvas"] == [grid["width"], grid["height"]], (scene["canvas"], grid)
        assert [round(scene["width"] * ratio), round(scene["height"] * ratio)] == scene["canvas"], scene
    return scene


def test_explorer_in_jupyterlab_redraws_on_ward_and_measure_change(page, lab, artifacts):
    console: list[str] = []  # every console message, saved for CI (errors are checked below)
    try:
        _explore(page, lab, artifacts, console)
    finally:
        (artifacts / "jupyterlab-console.log").write_text("\n".join(console) + "\n")


def _explore(page, lab, artifacts, console):
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    started = time.perf_counter()
    page.goto(lab.notebook_url())
    open_notebook(page)
    record_timing("JupyterLab: open the notebook, kernel idle", time.perf_counter() - started)

    started = time.perf_counter()
    try:
        clicks = run_all_cells(page)
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    ward_input = page.locator(WARD_INPUT)
    try:
        ward_input.wait_for(timeout=60_000)
        first_ward = ward_input.input_value()
        page.wait_for_function(f"name => ({CHART_JS})(name) && ({CHART_JS})(name).marks > 3", arg=first_ward, timeout=60_000)
        page.wait_for_function(f"title => ({GRID_JS})(title) && ({GRID_JS})(title).marks > 0", arg=GRID_TITLE, timeout=60_000)
    except Exception:
        page.screenshot(path=str(artifacts / "jupyterlab-explorer-failed.png"))
        errors = page.evaluate(ERROR_OUTPUT_JS)
        raise AssertionError(f"the explorer did not draw; cell errors: {errors}\nserver log:\n{lab.log_tail()}") from None
    record_timing(f"JupyterLab: Run All Cells -> explorer chart drawn ({clicks} click(s))", time.perf_counter() - started)
    before = page.evaluate(CHART_JS, first_ward)
    assert before["svg"] or before["canvas"], before
    assert before["lines"], f"no line or points in the chart: {before}"
    assert first_ward != NEW_WARD, "the test changes the ward to Oak Ward: start the explorer on another ward"
    grid_before = page.evaluate(GRID_JS, GRID_TITLE)
    scene_before = _grid_scene(page, grid_before)
    assert sorted(scene_before["headers"]) == sorted(_wards()), scene_before["headers"]  # one panel per ward, no filter yet
    measure_before = before["title"].split(": ", 1)[1]
    assert measure_before != NEW_MEASURE, before["title"]
    output = page.locator(f".jp-OutputArea-output:has({WARD_INPUT.split(' ', 1)[1]})")
    output.evaluate("el => el.scrollIntoView({block: 'start'})")  # the widgets and the ward chart in view
    page.screenshot(path=str(artifacts / "jupyterlab-explorer-before.png"))

    # The ward change: type the ward's name into the Combobox (ensure_option) and press Enter. t0 is
    # taken in the page at the input event; the page then looks for the redraw every animation frame.
    arm_redraw(page, ward=NEW_WARD)
    ward_input.fill(NEW_WARD)
    ward_input.press("Enter")
    redrawn = wait_redrawn(page, timeout_ms=30_000)
    record_timing("JupyterLab: ward widget change -> redrawn chart", (redrawn["chart"] - redrawn["t0"]) / 1000)
    after = page.evaluate(CHART_JS, NEW_WARD)
    assert after["title"] == f"{NEW_WARD}: {measure_before}" and after["lines"] != before["lines"], (before["title"], after["title"])
    status = page.locator(STATUS, has_text=f"{NEW_WARD}: {measure_before}")
    status.wait_for(timeout=10_000)  # the status line follows (its own message from the kernel)
    assert status.count() == 1 and page.locator(STATUS, has_text=first_ward).count() == 0
    output.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(artifacts / "jupyterlab-explorer-after.png"))

    # The measure change: the ward chart shows the ward's other measure, the grid every ward's.
    arm_redraw(page, title_ends=f": {NEW_MEASURE}", grid=True)
    page.locator(MEASURE_SELECT).select_option(value=NEW_MEASURE)  # the value is the label (its text has &nbsp;)
    redrawn = wait_redrawn(page, timeout_ms=30_000)
    record_timing("JupyterLab: measure widget change -> redrawn ward chart", (redrawn["chart"] - redrawn["t0"]) / 1000)
    record_timing("JupyterLab: measure widget change -> redrawn grid", (redrawn["grid"] - redrawn["t0"]) / 1000)
    measured = page.evaluate(CHART_JS, NEW_WARD)
    assert measured["title"] == f"{NEW_WARD}: {NEW_MEASURE}" and measured["lines"] != after["lines"], measured["title"]
    grid_after = page.evaluate(GRID_JS, GRID_TITLE)
    assert grid_after["fingerprint"] != grid_before["fingerprint"], grid_after["fingerprint"]
    assert _grid_scene(page, grid_after)["headers"] == scene_before["headers"]  # the same wards, in the same order
    page.evaluate(f"t => ({GRID_EMBED_JS})(t).scrollIntoView({{block: 'start'}})", GRID_TITLE)
    page.screenshot(path=str(artifacts / "jupyterlab-explorer-grid.png"))
    output.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.locator(STATUS, has_text=f"{NEW_WARD}: {NEW_MEASURE}").wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts / "jupyterlab-explorer-measure.png"))

    outside = [url for url in page.log.requests + page.log.websockets if not lab.is_local(url)]
    assert not outside, f"JupyterLab requested outside {lab.base}: {outside}"
    errors = [e for e in page.log.errors() if not is_jupyterlab_noise(e)]
    assert not errors, "\n".join(errors)
    assert not page.evaluate(ERROR_OUTPUT_JS), "a cell raised"
