"""A private JupyterLab server for driving a workbook notebook from a real browser (tests, benchmarks).

Usage::

    from lab_server import LabServer, open_notebook, run_all_cells

    with LabServer.start(REPO, "04_explorer.ipynb") as lab:   # stopped on leaving, even on error
        page.goto(lab.notebook_url())
        open_notebook(page)
        run_all_cells(page)

The server listens on 127.0.0.1 only, with a random token, and serves a temporary copy of the
notebook (outputs and widget state cleared) and of ``data/`` (without ``data/nhs_mhsds_sample``)
in the same relative layout, so nothing in the repository is touched. Its settings, config,
runtime and IPython folders are private to it (not the user's), with no news, update check or
kernel dialog. Failures raise ``RuntimeError``; nothing here needs pytest.

The ``*_JS`` strings are functions run in the page with Playwright's ``page.evaluate``.
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
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Self

REPO = Path(__file__).resolve().parents[1]
EXPLORER_NOTEBOOK = "04_explorer.ipynb"
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

#: JupyterLab settings of the server (a private settings folder, not the user's).
LAB_SETTINGS = {
    # start the notebook's kernel without the "Select Kernel" dialog; keep every cell in the DOM
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True, "windowingMode": "none"},
    # no "get notified about Jupyter news?" toast, no news or update fetch
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def is_jupyterlab_noise(error: str) -> bool:
    """Whether a console error (``"text"``, or ``"console: text"`` as ``PageLog.errors`` gives it)
    is JupyterLab's own start-up noise (:data:`JUPYTERLAB_NOISE`)."""
    text = error.split(": ", 1)[1] if error.startswith(("console: ", "page error: ")) else error
    return any(pattern.match(text) for pattern in JUPYTERLAB_NOISE)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_notebook_without_outputs(source: Path, target: Path) -> None:
    """Copy a notebook with every code cell's outputs and execution count cleared and no widget state."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    notebook["metadata"].pop("widgets", None)
    target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


class LabServer:
    """A running JupyterLab server (see :meth:`start`); a context manager that stops it on exit."""

    def __init__(self, root: Path, port: int, token: str, log: Path, process: subprocess.Popen,
                 notebook: str, cleanup: Path | None = None, keep_log: Path | None = None):
        self.root, self.port, self.token, self.log, self.process = root, port, token, log, process
        self.notebook, self.keep_log = notebook, keep_log
        self.base = f"http://127.0.0.1:{port}"
        self._cleanup = cleanup

    @classmethod
    def start(cls, repo: Path = REPO, notebook: str = EXPLORER_NOTEBOOK, workdir: Path | None = None, *,
              expose_app: bool = False, keep_log: Path | None = None, timeout: float = SERVER_START_TIMEOUT) -> LabServer:
        """Start a server over a copy of ``repo/notebooks/<notebook>`` and ``repo/data`` made in
        ``workdir`` (a new temporary folder, removed by :meth:`stop`, when None); return once it
        answers ``/api/status``. ``expose_app`` sets ``window.jupyterapp`` in the page (for
        benchmarks that look inside JupyterLab); ``keep_log``: where :meth:`stop` copies the
        server's log (also when it fails to start). Raises ``RuntimeError`` if it exits or does not
        answer within ``timeout`` seconds (the server is stopped first)."""
        cleanup = None
        if workdir is None:
            workdir = cleanup = Path(tempfile.mkdtemp(prefix="rrp-lab-"))
        try:
            process, log, port, token, root = cls._launch(repo, notebook, workdir, expose_app)
        except BaseException:
            if cleanup is not None:
                shutil.rmtree(cleanup, ignore_errors=True)
            raise
        server = cls(root, port, token, log, process, notebook, cleanup, keep_log)
        try:
            server._wait_until_up(timeout)
        except BaseException:
            server.stop()
            raise
        return server

    @staticmethod
    def _launch(repo: Path, notebook: str, workdir: Path, expose_app: bool) -> tuple[subprocess.Popen, Path, int, str, Path]:
        """Copy the notebook and the data into ``workdir``, write the private settings, start the server."""
        root, private = workdir / "lab", workdir / "jupyter"  # outside the repository: nbval never collects the copy
        (root / "notebooks").mkdir(parents=True)
        copy_notebook_without_outputs(repo / "notebooks" / notebook, root / "notebooks" / notebook)
        # data_dir="../data/demo" in the notebook; the demo's change package is ../reference/
        shutil.copytree(repo / "data", root / "data", ignore=shutil.ignore_patterns("nhs_mhsds_sample"))
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
        port, token = free_port(), secrets.token_hex(16)
        # A random token rather than none: the server runs code as this user for its whole life.
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--IdentityProvider.token={token}", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
            "--allow-root",  # CI runs as root
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly", f"--LabApp.user_settings_dir={private / 'settings'}",
            f"--LabApp.workspaces_dir={private / 'workspaces'}",
        ]
        if expose_app:
            command.append("--LabApp.expose_app_in_browser=True")
        log = private / "jupyterlab.log"
        with log.open("w") as out:
            process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        return process, log, port, token, root

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url("/api/status"), timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not answer within {timeout:g} s:\n{self.log_tail()}")
            time.sleep(0.2)

    def url(self, path: str) -> str:
        return f"{self.base}{path}?token={self.token}"

    def notebook_url(self) -> str:
        """The notebook's page in JupyterLab."""
        return self.url(f"/lab/tree/notebooks/{self.notebook}")

    def is_local(self, url: str) -> bool:
        """Whether a request or websocket URL stays on this server. ``blob:`` URLs of the server's
        own origin are in-memory objects (anywidget loads the widgets' ES modules from them), not
        network requests."""
        return url.startswith((f"{self.base}/", f"ws://127.0.0.1:{self.port}/", f"blob:{self.base}/"))

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        """Stop the server and its kernels (SIGTERM, then SIGKILL to its own process group); copy
        its log to ``keep_log`` if set; remove the temporary folder made by :meth:`start`. Safe
        to call twice."""
        keep_log = self.keep_log
        process = self.process
        try:
            if process.poll() is None:
                process.terminate()  # the server shuts its kernels down on SIGTERM
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)  # its own session: the server and its kernels only
                    process.wait(timeout=10)
        finally:
            if keep_log is not None and self.log.exists():
                shutil.copy(self.log, keep_log)
            if self._cleanup is not None:
                shutil.rmtree(self._cleanup, ignore_errors=True)
                self._cleanup = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


#: The explorer's ward Combobox: the one text input with a datalist.
WARD_INPUT = ".jp-OutputArea-output .widget-text input[list]"
#: The explorer's measure Dropdown (ipywidgets 8: a native select after its "Measure" label).
MEASURE_SELECT = ".jp-OutputArea-output .widget-dropdown:has(> label:text-is('Measure')) select"
#: The explorer's status line (an ipywidgets HTML).
STATUS = ".jp-OutputArea-output .widget-html"
#: The grid's title (a Vega title: the ward chart has none, its title is a text mark).
GRID_TITLE = "Every ward shown, with the phases found"

#: JS: the explorer's ward chart, summarised, or null. It is the Vega view with a ``series_title``
#: text mark (the chart's title, "<ward>: <measure>"); with ``name`` only one whose title starts
#: with ``"<name>:"``. ``lines`` joins the geometry of the line and point marks: it changes when the
#: chart shows another series.
CHART_JS = """(name) => {
    const title = v => v.querySelector('.mark-text.series_title_marks text');
    const views = [...document.querySelectorAll('.jp-OutputArea-output .vega-embed')].filter(title);
    const el = name == null ? views[0] : views.find(v => (title(v).textContent || '').startsWith(name + ':'));
    if (!el) return null;
    const lines = [...el.querySelectorAll('.mark-line path, .mark-symbol path')]
        .map(p => (p.getAttribute('d') || '') + (p.getAttribute('transform') || '')).join('|');
    return {title: title(el).textContent, svg: !!el.querySelector('svg'), canvas: !!el.querySelector('canvas'),
            marks: el.querySelectorAll('.role-mark > *').length, lines: lines};
}"""

#: Rows of pixels :data:`GRID_JS` reads from a canvas grid each time it is called (every animation
#: frame while a redraw is watched): 1 px high, spread evenly over the canvas's height, copied into
#: a small canvas of its own and read from it with one ``getImageData``. Reading and hashing 32 rows
#: of the 38-ward grid (849 x 1471 px) costs under 1 ms a frame in headless chromium
#: (``benchmarks/bench_explorer.py`` prints the cost); reading the whole canvas would cost several ms.
GRID_ROWS = 32

#: JS: the explorer's grid of every ward (the faceted Vega view titled ``title``): its
#: ``.vega-embed`` element, or null. Drawn as SVG, it is the view with a title text ``title``;
#: drawn on a canvas (the explorer's choice: its title is pixels), it is the view with a canvas in
#: the explorer's output (the cell output that also holds the ward chart, found by its
#: ``series_title`` text mark). :data:`GRID_SCENE_JS` checks the title of a canvas grid.
GRID_EMBED_JS = """(title) => {
    const views = [...document.querySelectorAll('.jp-OutputArea-output .vega-embed')];
    const explorer = v => { const out = v.closest('.jp-OutputArea-output'); return !!(out && out.querySelector('.mark-text.series_title_marks')); };
    return views.find(v => v.querySelector('canvas.marks')
        ? explorer(v) : [...v.querySelectorAll('.role-title-text')].some(t => t.textContent === title)) || null;
}"""

#: JS: the explorer's grid (:data:`GRID_EMBED_JS`), summarised, or null: ``renderer`` (``"svg"`` or
#: ``"canvas"``), ``width`` and ``height`` (of the SVG, or of the canvas in device pixels),
#: ``marks`` (SVG: how many mark paths; canvas: how many pixels of the rows read are neither white
#: nor transparent; 0 before the grid is drawn), ``fingerprint`` (a string that changes when the grid
#: shows another measure: SVG, every mark path's ``d`` and ``transform`` joined; canvas, the size and
#: an FNV-1a-style 32-bit hash of :data:`GRID_ROWS` one-pixel rows of its pixels) and, for
#: SVG only, ``headers``, the panels' titles (ward names; null for a canvas: see
#: :data:`GRID_SCENE_JS`). Cheap enough to run every animation frame.
GRID_JS = """(title) => {
    const el = (GRID_EMBED_JS)(title);
    if (!el) return null;
    const canvas = el.querySelector('canvas.marks');
    if (canvas) {
        const w = canvas.width, h = canvas.height;
        let hash = 0x811c9dc5, ink = 0;
        if (w > 0 && h > 0) {
            // the rows are copied into a canvas of our own made for reading, then read at once:
            // reading Vega's canvas itself every frame makes chromium warn in the console
            const strip = window.rrpGridStrip = window.rrpGridStrip || document.createElement('canvas');
            const context = strip.getContext('2d', {willReadFrequently: true});
            if (strip.width !== w || strip.height !== GRID_ROWS) { strip.width = w; strip.height = GRID_ROWS; }
            context.clearRect(0, 0, w, GRID_ROWS);
            for (let i = 0; i < GRID_ROWS; i++) context.drawImage(canvas, 0, Math.floor((i + 0.5) * h / GRID_ROWS), w, 1, 0, i, w, 1);
            const pixels = new Uint32Array(context.getImageData(0, 0, w, GRID_ROWS).data.buffer);
            for (let j = 0; j < pixels.length; j++) {
                const p = pixels[j];
                if (p !== 0 && p !== 0xFFFFFFFF) ink += 1;
                hash = Math.imul(hash ^ p, 16777619);
            }
        }
        return {title: title, renderer: 'canvas', headers: null, width: w, height: h, marks: ink,
                fingerprint: w + 'x' + h + ':' + (hash >>> 0)};
    }
    const svg = el.querySelector('svg.marks');
    const paths = [...el.querySelectorAll('.role-mark path')];
    return {title: title, renderer: 'svg', headers: [...el.querySelectorAll('.role-title-text')].map(t => t.textContent).filter(t => t !== title),
            width: svg ? +svg.getAttribute('width') : 0, height: svg ? +svg.getAttribute('height') : 0, marks: paths.length,
            fingerprint: paths.map(p => (p.getAttribute('d') || '') + (p.getAttribute('transform') || '')).join('|')};
}""".replace("GRID_EMBED_JS", GRID_EMBED_JS).replace("GRID_ROWS", str(GRID_ROWS))

#: JS (async): what the grid (:data:`GRID_EMBED_JS`) has laid out, read from Vega's scene graph, or
#: null: ``titles`` (the title texts equal to ``title``), ``headers`` (every other title text: the
#: panels' ward names), ``width`` and ``height`` of the scene, ``renderer``, and for a canvas
#: ``canvas`` (its size in device pixels) and ``ratio`` (``devicePixelRatio``). An SVG grid is read in
#: the page; a canvas grid's scene is exported as SVG by vega-embed's "Save as SVG" action (a
#: ``mousedown`` on the link makes vega-embed set its ``href`` to ``view.toImageURL('svg')``, a
#: ``blob:`` URL of this page), the only way into a canvas view's scene from the page: Altair's
#: ``JupyterChart`` keeps its Vega view to itself. ``{error}`` when the export is not possible
#: (``embed_options={"actions": False}`` removes the link) or takes over 10 s.
GRID_SCENE_JS = """async (title) => {
    const el = (GRID_EMBED_JS)(title);
    if (!el) return null;
    const canvas = el.querySelector('canvas.marks');
    let root = el;
    if (canvas) {
        const link = [...el.querySelectorAll('.vega-actions a')].find(a => (a.getAttribute('download') || '').endsWith('.svg'));
        if (!link) return {error: 'the canvas grid has no "Save as SVG" action to export its scene'};
        const before = link.getAttribute('href');
        link.dispatchEvent(new MouseEvent('mousedown', {bubbles: true, cancelable: true}));
        const started = performance.now();
        while (link.getAttribute('href') === before) {
            if (performance.now() - started > 10000) return {error: 'the SVG export did not finish within 10 s'};
            await new Promise(resolve => setTimeout(resolve, 20));
        }
        const text = await (await fetch(link.getAttribute('href'))).text();
        root = new DOMParser().parseFromString(text, 'image/svg+xml');
    }
    const svg = root.querySelector('svg.marks') || root.querySelector('svg');
    const texts = [...root.querySelectorAll('.role-title-text text')].map(t => t.textContent);
    return {renderer: canvas ? 'canvas' : 'svg', titles: texts.filter(t => t === title), headers: texts.filter(t => t !== title),
            width: svg ? +svg.getAttribute('width') : null, height: svg ? +svg.getAttribute('height') : null,
            canvas: canvas ? [canvas.width, canvas.height] : null, ratio: window.devicePixelRatio};
}""".replace("GRID_EMBED_JS", GRID_EMBED_JS)

#: JS: arm a redraw watch, before a change is triggered. ``spec``: ``{chart: {name, titleEnds}}``
#: and/or ``{grid: {title}}``, ``now``: take t0 at once instead of at the next ``input`` or
#: ``change`` event anywhere in the page (caught in the capture phase, before the widget's own
#: handler: typing into the Combobox or choosing in a Dropdown). From then on a
#: ``requestAnimationFrame`` loop in the page looks, every frame, for
#:
#: * the ward chart: its title starts with ``"<name>:"`` (and/or ends with ``titleEnds``), it has
#:   marks, and its line and point geometry differs from what it was when armed;
#: * the grid: its fingerprint (:data:`GRID_JS`: its mark paths as SVG, rows of its pixels on a
#:   canvas) differs from what it was when armed and stayed the same for one more frame (the time
#:   kept is the frame it first appeared in).
#:
#: ``window.rrpWatch`` holds ``{t0, chart, grid, done, error}`` (``performance.now()`` values, in
#: ms); ``done`` once every part asked for has redrawn. Gives up (``error``) after ``timeoutMs``.
ARM_REDRAW_JS = f"""(spec) => {{
    const chartOf = {CHART_JS};
    const gridOf = {GRID_JS};
    if (window.rrpWatch && window.rrpWatch.stop) window.rrpWatch.stop();
    const watch = window.rrpWatch = {{t0: null, chart: null, grid: null, done: false, error: null, frames: 0}};
    const oldChart = spec.chart ? (chartOf(null) || {{}}).lines : null;
    const oldGrid = spec.grid ? (gridOf(spec.grid.title) || {{}}).fingerprint : null;
    let seen = null, seenAt = null, stopped = false;
    const started = performance.now();
    const frame = () => {{
        if (stopped) return;
        const now = performance.now();
        watch.frames += 1;
        if (watch.t0 !== null) {{
            if (spec.chart && watch.chart === null) {{
                const c = chartOf(spec.chart.name ?? null);
                if (c && c.marks > 3 && c.lines && c.lines !== oldChart
                        && (!spec.chart.titleEnds || c.title.endsWith(spec.chart.titleEnds))) watch.chart = now;
            }}
            if (spec.grid && watch.grid === null) {{
                const g = gridOf(spec.grid.title);
                const fp = g && g.marks > 0 ? g.fingerprint : null;
                if (fp && fp !== oldGrid) {{
                    if (fp === seen) watch.grid = seenAt; else {{ seen = fp; seenAt = now; }}
                }} else seen = null;
            }}
            if ((!spec.chart || watch.chart !== null) && (!spec.grid || watch.grid !== null)) {{ watch.done = true; return; }}
        }}
        if (now - started > (spec.timeoutMs ?? 60000)) {{ watch.error = 'no redraw within ' + (spec.timeoutMs ?? 60000) + ' ms'; return; }}
        requestAnimationFrame(frame);
    }};
    const trigger = () => {{ if (watch.t0 === null) watch.t0 = performance.now(); }};
    if (spec.now) trigger();
    else for (const type of ['input', 'change']) document.addEventListener(type, trigger, {{capture: true, once: true}});
    watch.stop = () => {{ stopped = true; for (const type of ['input', 'change']) document.removeEventListener(type, trigger, {{capture: true}}); }};
    requestAnimationFrame(frame);
    return {{chart: oldChart ? oldChart.length : null, grid: oldGrid ? oldGrid.length : null}};
}}"""
#: JS: the armed watch's result once done (or failed): ``{t0, chart, grid, error}``; falsy before.
REDRAWN_JS = """() => { const w = window.rrpWatch; return w && (w.done || w.error) && {t0: w.t0, chart: w.chart, grid: w.grid, error: w.error, frames: w.frames}; }"""

#: JS: the text of every cell output that is an error (empty when no cell raised).
ERROR_OUTPUT_JS = """() => [...document.querySelectorAll('.jp-OutputArea-output [data-mime-type="application/vnd.jupyter.error"], .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')].map(o => o.innerText.slice(-2000))"""
#: JS: whether any code cell has started (its prompt shows ``[*]`` or a number).
STARTED_JS = r"""() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].some(p => /\[(\*|\d+)\]/.test(p.textContent))"""


def open_notebook(page, timeout_ms: int = 60_000) -> None:
    """Wait, on a page already sent to :meth:`LabServer.notebook_url`, until the notebook is shown and its kernel idle."""
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout_ms)
    page.get_by_text(re.compile(r"^Python 3 \(ipykernel\) \| Idle$")).wait_for(timeout=timeout_ms)  # status bar


def run_all_cells(page, log=print) -> int:
    """Run > Run All Cells; returns how many clicks it took.

    JupyterLab can show the notebook (kernel idle) before the notebook is its current widget, and a
    click made then does nothing: no cell is even queued. So wait for the menu item to be enabled,
    check that execution started (a cell's prompt shows ``[*]`` or a number at once when queued),
    and click again, at most twice more, if it did not. Raises ``RuntimeError`` if it never starts.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    run_menu = page.get_by_role("menuitem", name="Run", exact=True)
    run_all = page.get_by_role("menuitem", name="Run All Cells", exact=True)
    for attempt in range(1, 4):
        run_menu.click()
        run_all.wait_for()
        if run_all.get_attribute("aria-disabled") == "true":
            log(f"Run All Cells disabled at try {attempt} (notebook not current yet)")
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
            continue
        run_all.click()
        try:
            page.wait_for_function(STARTED_JS, timeout=5_000)
            return attempt
        except PlaywrightTimeout:
            log(f"Run All Cells: no cell started within 5 s of click {attempt}")
    raise RuntimeError("Run > Run All Cells never started the notebook")


def arm_redraw(page, *, ward: str | None = None, title_ends: str | None = None, chart: bool = True, grid: bool = False,
               now: bool = False, timeout_ms: int = 60_000) -> None:
    """Arm :data:`ARM_REDRAW_JS` before triggering a change: watch the ward chart (its title naming
    ``ward`` and/or ending with ``title_ends``) and/or the grid; t0 at the next input or change
    event, or at once with ``now``."""
    spec: dict = {"now": now, "timeoutMs": timeout_ms}
    if chart:
        spec["chart"] = {"name": ward, "titleEnds": title_ends}
    if grid:
        spec["grid"] = {"title": GRID_TITLE}
    page.evaluate(ARM_REDRAW_JS, spec)


def wait_redrawn(page, timeout_ms: int = 60_000) -> dict:
    """Wait (polling every animation frame) for the armed watch; returns ``{t0, chart, grid}``
    (``performance.now()`` in ms; ``chart - t0`` is the time to the redrawn ward chart). Raises
    ``RuntimeError`` if the page gave up, or nothing was triggered."""
    result = page.wait_for_function(REDRAWN_JS, polling="raf", timeout=timeout_ms).json_value()
    if result.get("error") or result.get("t0") is None:
        raise RuntimeError(f"no redraw: {result}")
    return result
