"""The coaches' explorer served by Voila: it renders, and the ward widget redraws the chart in place."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from .browser_support import REPO, record_timing, require_browser

sys.path.insert(0, str(REPO / "tools"))

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
            urllib.request.urlopen(url + "voila/static/", timeout=2)
            break
        except Exception:  # noqa: BLE001 - not up yet
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


def test_explorer_in_voila_redraws_on_ward_change(page, voila, artifacts):
    started = time.perf_counter()
    page.goto(voila, timeout=120_000)
    page.wait_for_selector(chart_title("Alder Ward: All restrictive practice"), timeout=120_000)
    record_timing("Voila: open the explorer -> chart drawn", time.perf_counter() - started)
    page.screenshot(path=str(artifacts / "voila-explorer-before.png"), full_page=False)
    search = page.locator("input[placeholder='type to search']").first
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
