"""The coaches' explorer (``notebooks/04_explorer.ipynb``) live in JupyterLab, in a real browser.

A JupyterLab server on 127.0.0.1 serves a temporary copy of the notebook (outputs cleared) and
of ``data/`` in the same relative layout, so nothing in the repository is touched. The test opens
the notebook, runs every cell from the Run menu, waits for the explorer's ipywidgets and its Altair
``JupyterChart`` (Vega served offline through anywidget / vl-convert) to draw, types another ward
into the ward Combobox and waits until the chart shows that ward's data. It prints the time from
the widget change to the redrawn chart, saves screenshots before and after, and asserts that the
page requested nothing outside the local server and logged no error other than the JupyterLab
start-up noise listed in :data:`JUPYTERLAB_NOISE`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from .browser_support import REPO, record_timing, require_browser

pytestmark = pytest.mark.browser

NOTEBOOK = "04_explorer.ipynb"
NEW_WARD = "Oak Ward"
SERVER_START_TIMEOUT = 90  # seconds

#: Console errors JupyterLab itself may log, not our widgets or Vega: each pattern is anchored and
#: specific. Both come from one start-up race: JupyterLab opens the kernel's websocket, closes it and
#: reconnects while the kernel is still starting (the server then logs a 500 on ``.../channels``,
#: ``'NoneType' object has no attribute 'kernel_ws_protocol'``); the debugger extension's
#: state request on the first socket is cancelled, and Chromium reports the failed handshake.
JUPYTERLAB_NOISE = (
    re.compile(r"^Could not restore the debugger state: Canceled future for debug_request message before replies were done"),
    re.compile(r"^WebSocket connection to 'ws://127\.0\.0\.1:\d+/api/kernels/[0-9a-f-]+/channels\?session_id=[0-9a-f-]+' failed: "),
)

#: JupyterLab settings of the test server (a private settings folder, not the user's).
LAB_SETTINGS = {
    # start the notebook's kernel without the "Select Kernel" dialog; keep every cell in the DOM
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True, "windowingMode": "none"},
    # no "get notified about Jupyter news?" toast, no news or update fetch
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _copy_notebook_without_outputs(source: Path, target: Path) -> None:
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    notebook["metadata"].pop("widgets", None)
    target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


class LabServer:
    def __init__(self, root: Path, port: int, token: str, log: Path, process: subprocess.Popen):
        self.root, self.port, self.token, self.log, self.process = root, port, token, log, process
        self.base = f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}?token={self.token}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, artifacts) -> LabServer:
    """A JupyterLab server on 127.0.0.1 over a temporary copy of the notebook and the data; always stopped."""
    require_browser()
    root = tmp_path_factory.mktemp("lab")  # outside the repository: nbval never collects the copy
    (root / "notebooks").mkdir()
    _copy_notebook_without_outputs(REPO / "notebooks" / NOTEBOOK, root / "notebooks" / NOTEBOOK)
    # data_dir="../data/demo" in the notebook; the demo's change package is ../reference/
    shutil.copytree(REPO / "data", root / "data", ignore=shutil.ignore_patterns("nhs_mhsds_sample"))
    private = tmp_path_factory.mktemp("jupyter")
    for name, values in LAB_SETTINGS.items():
        path = private / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(private / "config"),
        JUPYTER_DATA_DIR=str(private / "data"),
        JUPYTER_RUNTIME_DIR=str(private / "runtime"),
        IPYTHONDIR=str(private / "ipython"),
    )
    port, token = _free_port(), secrets.token_hex(16)
    # A random token rather than none: the server runs code as the CI user for its whole life.
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
        "--allow-root",  # CI runs as root
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly", f"--LabApp.user_settings_dir={private / 'settings'}",
        f"--LabApp.workspaces_dir={private / 'workspaces'}",
    ]
    log = private / "jupyterlab.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = LabServer(root, port, token, log, process)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited with {process.returncode}:\n{server.log_tail()}", pytrace=False)
            try:
                with urllib.request.urlopen(server.url("/api/status"), timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within {SERVER_START_TIMEOUT} s:\n{server.log_tail()}", pytrace=False)
            time.sleep(0.2)
        yield server
    finally:
        shutil.copy(log, artifacts / "jupyterlab-server.log")  # kept by CI with the screenshots
        if process.poll() is None:
            process.terminate()  # the server shuts its kernels down on SIGTERM
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: the server and its kernels only
                process.wait(timeout=10)


#: JS helpers run in the page.
WARD_INPUT = ".jp-OutputArea-output .widget-text input[list]"  # the Combobox: the one text input with a datalist
CHART_JS = """(name) => {
    // the explorer's ward chart: the Vega view whose title starts with "<ward name>:"
    const views = [...document.querySelectorAll('.jp-OutputArea-output .vega-embed')];
    const el = views.find(v => (v.querySelector('.role-title')?.textContent || '').startsWith(name + ':'));
    if (!el) return null;
    const lines = [...el.querySelectorAll('.mark-line path, .mark-symbol path')]
        .map(p => (p.getAttribute('d') || '') + (p.getAttribute('transform') || '')).join('|');
    return {title: el.querySelector('.role-title').textContent, svg: !!el.querySelector('svg'),
            canvas: !!el.querySelector('canvas'), marks: el.querySelectorAll('.role-mark > *').length, lines: lines};
}"""
ERROR_OUTPUT_JS = """() => [...document.querySelectorAll('.jp-OutputArea-output [data-mime-type="application/vnd.jupyter.error"], .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')].map(o => o.innerText.slice(-2000))"""
STARTED_JS = r"""() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].some(p => /\[(\*|\d+)\]/.test(p.textContent))"""


def run_all_cells(page) -> int:
    """Run > Run All Cells; returns how many clicks it took.

    JupyterLab can show the notebook (kernel idle) before the notebook is its current widget, and a
    click made then does nothing: no cell is even queued. So wait for the menu item to be enabled,
    check that execution started (a cell's prompt shows ``[*]`` or a number at once when queued),
    and click again, at most twice more, if it did not.
    """
    run_menu = page.get_by_role("menuitem", name="Run", exact=True)
    run_all = page.get_by_role("menuitem", name="Run All Cells", exact=True)
    for attempt in range(1, 4):
        run_menu.click()
        run_all.wait_for()
        if run_all.get_attribute("aria-disabled") == "true":
            print(f"Run All Cells disabled at try {attempt} (notebook not current yet)")
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
            continue
        run_all.click()
        try:
            page.wait_for_function(STARTED_JS, timeout=5_000)
            return attempt
        except Exception:  # playwright TimeoutError
            print(f"Run All Cells: no cell started within 5 s of click {attempt}")
    pytest.fail("Run > Run All Cells never started the notebook", pytrace=False)


def test_explorer_in_jupyterlab_redraws_on_ward_change(page, lab, artifacts):
    console: list[str] = []  # every console message, saved for CI (errors are checked below)
    try:
        _explore(page, lab, artifacts, console)
    finally:
        (artifacts / "jupyterlab-console.log").write_text("\n".join(console) + "\n")


def _explore(page, lab, artifacts, console):
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    started = time.perf_counter()
    page.goto(lab.url(f"/lab/tree/notebooks/{NOTEBOOK}"))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    page.get_by_text(re.compile(r"^Python 3 \(ipykernel\) \| Idle$")).wait_for(timeout=60_000)  # status bar
    record_timing("JupyterLab: open the notebook, kernel idle", time.perf_counter() - started)

    started = time.perf_counter()
    clicks = run_all_cells(page)
    ward_input = page.locator(WARD_INPUT)
    try:
        ward_input.wait_for(timeout=60_000)
        first_ward = ward_input.input_value()
        page.wait_for_function(f"name => ({CHART_JS})(name) && ({CHART_JS})(name).marks > 3", arg=first_ward, timeout=60_000)
    except Exception:
        page.screenshot(path=str(artifacts / "jupyterlab-explorer-failed.png"))
        errors = page.evaluate(ERROR_OUTPUT_JS)
        raise AssertionError(f"the explorer did not draw; cell errors: {errors}\nserver log:\n{lab.log_tail()}") from None
    record_timing(f"JupyterLab: Run All Cells -> explorer chart drawn ({clicks} click(s))", time.perf_counter() - started)
    before = page.evaluate(CHART_JS, first_ward)
    assert before["svg"] or before["canvas"], before
    assert before["lines"], f"no line or points in the chart: {before}"
    assert first_ward != NEW_WARD, "the test changes the ward to Oak Ward: start the explorer on another ward"
    output = page.locator(f".jp-OutputArea-output:has({WARD_INPUT.split(' ', 1)[1]})")
    output.evaluate("el => el.scrollIntoView({block: 'start'})")  # the widgets and the ward chart in view
    page.screenshot(path=str(artifacts / "jupyterlab-explorer-before.png"))

    # The widget change: type the ward's name into the Combobox (ensure_option) and press Enter.
    t0 = page.evaluate("performance.now()")
    ward_input.fill(NEW_WARD)
    ward_input.press("Enter")
    t1 = page.wait_for_function(
        f"([name, old]) => {{ const c = ({CHART_JS})(name); return c && c.marks > 3 && c.lines && c.lines !== old && performance.now(); }}",
        arg=[NEW_WARD, before["lines"]], polling="raf", timeout=30_000,
    ).json_value()
    record_timing("JupyterLab: ward widget change -> redrawn chart", (t1 - t0) / 1000)
    after = page.evaluate(CHART_JS, NEW_WARD)
    output.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(artifacts / "jupyterlab-explorer-after.png"))

    assert after["title"].startswith(f"{NEW_WARD}:") and after["lines"] != before["lines"], (before["title"], after["title"])
    assert page.locator(".jp-OutputArea-output .widget-html", has_text=NEW_WARD).count() >= 1  # the status line follows

    # blob: URLs of the server's own origin are in-memory objects (anywidget loads the widgets' ES
    # modules from them), not network requests.
    local = (f"{lab.base}/", f"ws://127.0.0.1:{lab.port}/", f"blob:{lab.base}/")
    outside = [url for url in page.log.requests + page.log.websockets if not url.startswith(local)]
    assert not outside, f"JupyterLab requested outside {lab.base}: {outside}"
    errors = [e for e in page.log.errors() if not any(p.match(e.split(": ", 1)[1]) for p in JUPYTERLAB_NOISE)]
    assert not errors, "\n".join(errors)
    assert not page.evaluate(ERROR_OUTPUT_JS), "a cell raised"
