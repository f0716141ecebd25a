"""The coaches' explorer served by Voila: it renders (the ward chart, and the grid of every ward, titled
and with one panel per ward), and the ward widget redraws the chart in place."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from .browser_support import REPO, record_timing, require_browser

sys.path.insert(0, str(REPO / "tools"))

from lab_server import GRID_EMBED_JS, GRID_JS, GRID_SCENE_JS, GRID_TITLE
from lab_server import copy_notebook_without_outputs as _copy_notebook_without_outputs  # noqa: E402
from lab_server import free_port as _free_port  # noqa: E402

pytestmark = pytest.mark.browser

# Voila's default template asks a CDN for Font Awesome's icon CSS. Offline the request fails and the
# page only lacks icons; the explorer does not use them. Everything else must stay on the server.
VOILA_ICON_CSS = "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free"


def chart_title(text: str) -> str:
    """The ward chart's title (its ``series_title`` text mark), not the status line's words."""
    return f".mark-text.series_title_marks text:text-is('{text}')"


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    require_browser()
    root = tmp_path_factory.mktemp("voila")
    (root / "notebooks").mkdir()
    _copy_notebook_without_outputs(REPO / "notebooks" / "04_explorer.ipynb", root / "notebooks" / "04_explorer.ipynb")
    shutil.copytree(REPO / "data" / "demo", root / "data" / "demo")
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    port = _free_port()
    log = (root / "voila.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "voila", "notebooks/04_explorer.ipynb", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        cwd=root, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "voila/static/", timeout=2).close()  # any answer, even 404: it is up
            break
        except urllib.error.HTTPError:  # the server answers: it is up
            break
        except OSError:  # not listening yet
            time.sleep(0.5)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _ward_names() -> list[str]:
    with (REPO / "data" / "demo" / "wards.csv").open(newline="", encoding="utf-8") as f:
        return [row["ward_name"] for row in csv.DictReader(f)]


def test_explorer_in_voila_redraws_on_ward_change(page, voila, artifacts):
    started = time.perf_counter()
    page.goto(voila, timeout=120_000)
    page.wait_for_selector(chart_title("Alder Ward: All restrictive practice"), timeout=120_000)
    record_timing("Voila: open the explorer -> chart drawn", time.perf_counter() - started)
    page.screenshot(path=str(artifacts / "voila-explorer-before.png"), full_page=False)
    page.wait_for_function(f"t => {{ const g = ({GRID_JS})(t); return g && g.marks > 0; }}", arg=GRID_TITLE, timeout=60_000)
    grid = page.evaluate(GRID_JS, GRID_TITLE)
    scene = page.evaluate(GRID_SCENE_JS, GRID_TITLE)
    assert scene and not scene.get("error"), (grid["renderer"], scene)
    assert scene["titles"] == [GRID_TITLE], scene["titles"]
    assert sorted(scene["headers"]) == sorted(_ward_names()), scene["headers"]  # one panel per ward
    page.evaluate(f"t => ({GRID_EMBED_JS})(t).scrollIntoView({{block: 'start'}})", GRID_TITLE)
    page.screenshot(path=str(artifacts / "voila-explorer-grid.png"), full_page=False)
    search = page.locator("input[placeholder='type to search']").first
    search.scroll_into_view_if_needed()
    search.fill("Oak Ward")
    changed = time.perf_counter()
    search.press("Enter")
    page.wait_for_selector(chart_title("Oak Ward: All restrictive practice"), timeout=60_000)
    record_timing("Voila: ward widget change -> redrawn chart", time.perf_counter() - changed)
    page.screenshot(path=str(artifacts / "voila-explorer-after.png"), full_page=False)
    assert page.locator(chart_title("Alder Ward: All restrictive practice")).count() == 0
    assert page.locator("text=Alder Ward: All restrictive practice").count() == 0  # nor the status line
    host = voila.rstrip("/")
    elsewhere = [u for u in page.log.requests if not u.startswith((host, "blob:", "data:")) and not u.startswith(VOILA_ICON_CSS)]
    assert not elsewhere, elsewhere
    errors = [e for e in page.log.console_errors if "ERR_NAME_NOT_RESOLVED" not in e]  # the icon CSS above
    assert not errors and not page.log.page_errors, (errors, page.log.page_errors)
