"""Benchmark of the coaches' explorer live in JupyterLab: from a widget change to the redrawn chart, in a real browser.

Run: ``.venv/bin/python benchmarks/bench_explorer.py`` (options: ``--repeat N``, default 10), or
``python benchmarks/run_all.py explorer``. Needs the ``playwright`` package and ``/usr/bin/chromium``
(as the browser tests do).

A private JupyterLab server on 127.0.0.1 (``tools/lab_server.py``, stopped even on failure) serves
a temporary copy of ``notebooks/04_explorer.ipynb`` and ``data/``; headless chromium (viewport
1400x1000) opens it, runs every cell from the Run menu and waits for the explorer to draw. After
one unmeasured change of each kind (warm-up), it times, ``--repeat`` times each:

* **(a) ward -> ward chart**: type a ward's name into the Ward Combobox and press Enter (the wards
  alternate among several of ``data/demo/wards.csv``), until the ward chart's title mark names
  that ward and its line and point marks have changed;
* **(b) measure -> ward chart** and **(c) measure -> grid**: choose another measure in the Measure
  Dropdown (cycling through the four), until the ward chart's title ends with that measure and
  its marks have changed (b), and until the 38-ward grid's drawing differs from before and stays
  the same for one more animation frame (c; the time kept is the frame it first appeared in). The
  explorer draws the grid on a canvas: its drawing is told apart by a hash of 32 one-pixel rows of
  the canvas (``lab_server.GRID_JS``; the cost of reading them each frame is printed). (b) and (c)
  come from the same changes: one measure change redraws both. The explorer's measure handler sets
  the grid's parameter ``GRID_DELAY`` (50 ms) after the ward chart's, so that the browser paints
  the ward chart first: (c) includes that wait.

t0 is ``performance.now()`` in the page at the widget's input/change event (a capture listener,
before the widget's own handler); a ``requestAnimationFrame`` loop in the page records the frame
in which each redraw is first seen (``tools/lab_server.py``: ``arm_redraw``, ``wait_redrawn``).
After each change the page is left alone for 300 ms (the status line's update and the charts'
parameter echoes to the kernel settle). Figures are medians of N changes (min and max too), against
the targets (ward chart < 150 ms, grid < 300 ms) and against the previous explorer's figures as
its issue reported them (a new chart sent from Python on every change).

Where the time goes: during the widget changes the page also records when the kernel's
parameter update reached each chart's widget model (the Python round trip: the widget's message
to the kernel, the explorer's handler, the update back); then the same parameter changes are made
in the page alone (setting the ``_params`` of the charts' widget models, as an update from the
kernel does, with no kernel involved) to time Vega's filtering and redrawing on its own: each
chart alone, and a measure change of both charts three ways: the grid's parameter set
``GRID_DELAY`` after the ward chart's (as the explorer's handler does), both in one task (as the
previous handler did: a what-if), and the grid's held back until the next frame has been painted
(a what-if); and the explorer's handlers are timed in the kernel (Python only,
``time.perf_counter``). The page reaches the widget models through ``window.jupyterapp`` (the
server runs with ``--LabApp.expose_app_in_browser``): Altair's ``JupyterChart`` keeps its Vega
view to itself, so ``view.signal(...)`` is not reachable.

This is a script, not a test: it prints timings and asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from lab_server import (  # noqa: E402
    CHART_JS,
    ERROR_OUTPUT_JS,
    GRID_JS,
    GRID_ROWS,
    GRID_SCENE_JS,
    GRID_TITLE,
    MEASURE_SELECT,
    WARD_INPUT,
    LabServer,
    arm_redraw,
    open_notebook,
    run_all_cells,
    wait_redrawn,
)

from rrp_helpers.explorer import GRID_DELAY

NOTEBOOK = "04_explorer.ipynb"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}
TARGET_MS = {"chart": 150.0, "grid": 300.0}
SETTLE_MS = 300  # pause after each measured change (a person does not change faster)
#: The previous explorer (a new chart from Python on every change), as its issue reported it: medians,
#: same machine class (2 cores).
PREVIOUS_MS = {"chart": 284.0, "grid": 890.0}
#: Wards the ward changes alternate among (by name in data/demo/wards.csv); the first ward is the
#: explorer's starting one, so a change to any of these changes the chart.
WARD_CHOICES = ("Oak Ward", "Ash Ward", "Rowan Ward", "Hazel Ward", "Willow Ward")

#: JS: find the charts' widget models through JupyterLab (``window.jupyterapp``: the server runs
#: with ``expose_app``): the renderer of a widget output holds the widget manager, whose models
#: include the two ``alt.JupyterChart`` (anywidget) models, the ward chart's with a ``ward``
#: parameter, the grid's with ``specialty``. Keeps them in ``window.rrpModels`` and wraps each
#: model's ``set_state`` so that an update from the kernel changing ``_params`` is stamped
#: (``performance.now()``) into the armed watch (``window.rrpWatch.paramsChart`` / ``paramsGrid``).
FIND_MODELS_JS = """async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    let renderer = null;
    const visit = (w, depth) => {
        if (!w || renderer || depth > 40) return;
        if (w._manager && w._manager.promise) { renderer = w; return; }
        for (const child of (w.children ? [...w.children()] : [])) visit(child, depth + 1);
    };
    visit(panel, 0);
    if (!renderer) return 'no widget renderer in the notebook panel';
    const manager = await renderer._manager.promise;
    const models = {};
    for (const id of Object.keys(manager._models || {})) {
        const model = await manager._models[id];
        const params = model.get('_params');
        if (!params) continue;
        const kind = 'ward' in params ? 'chart' : ('specialty' in params ? 'grid' : null);
        if (!kind) continue;
        models[kind] = model;
        const setState = model.set_state.bind(model);
        model.set_state = (state) => {
            const watch = window.rrpWatch, key = kind === 'chart' ? 'paramsChart' : 'paramsGrid';
            if (watch && state && state._params && watch[key] == null
                    && JSON.stringify(state._params) !== JSON.stringify(model.get('_params'))) watch[key] = performance.now();
            return setState(state);
        };
    }
    window.rrpModels = models;
    return Object.keys(models).sort().join(',');
}"""
#: JS: the stamps above (read after a redraw).
PARAMS_AT_JS = "() => ({chart: window.rrpWatch.paramsChart ?? null, grid: window.rrpWatch.paramsGrid ?? null})"
#: JS: a parameter change made in the page alone: t0, then the charts' models get new ``_params``
#: the way an update from the kernel sets them (the anywidget view sets the Vega signal and runs
#: the view). ``changes``: ``[[kind, param, value], ...]`` in order; ``defer``: when every change
#: after the first is made: ``null``, in the same task; a number, that many ms later (a
#: ``setTimeout``: the explorer's ``GRID_DELAY``); ``"paint"``, once the next frame has been
#: painted (the ward chart shown before the grid starts redrawing).
SET_PARAMS_JS = """([changes, defer]) => {
    window.rrpWatch.t0 = performance.now();
    const apply = ([kind, param, value]) => {
        const model = window.rrpModels[kind];
        model.set('_params', {...model.get('_params'), [param]: value});
    };
    apply(changes[0]);
    const rest = () => changes.slice(1).forEach(apply);
    if (defer === 'paint') requestAnimationFrame(() => setTimeout(rest, 0));
    else if (typeof defer === 'number') setTimeout(rest, defer);
    else rest();
}"""
#: JS (async): what detecting a redraw costs the page each animation frame: ``GRID_JS`` (the grid's
#: fingerprint: rows of its canvas read and hashed) and ``CHART_JS`` (the ward chart's SVG
#: geometry), each called once a frame for ``frames`` frames; ``{grid: [ms...], chart: [ms...]}``.
DETECT_COST_JS = """async ([title, frames]) => {
    const gridOf = GRID_JS, chartOf = CHART_JS;
    const grid = [], chart = [];
    for (let i = 0; i < frames; i++) {
        await new Promise(resolve => requestAnimationFrame(resolve));
        let t = performance.now(); gridOf(title); grid.push(performance.now() - t);
        t = performance.now(); chartOf(null); chart.push(performance.now() - t);
    }
    return {grid, chart};
}""".replace("GRID_JS", GRID_JS).replace("CHART_JS", CHART_JS)
#: JS: run Python code in the notebook's kernel; returns its stdout.
KERNEL_JS = """async (code) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    let out = '';
    const future = kernel.requestExecute({code, silent: false, store_history: false});
    future.onIOPub = msg => {
        if (msg.header.msg_type === 'stream') out += msg.content.text;
        if (msg.header.msg_type === 'error') out += msg.content.ename + ': ' + msg.content.evalue;
    };
    await future.done;
    return out;
}"""
#: Python run in the kernel: the explorer's handlers timed with the widgets' values changed from
#: Python (what a message from the page triggers), median ms; the widgets are put back after. The
#: measure handler only schedules the grid's update (``GRID_DELAY`` later, once the kernel is free
#: again), so setting the grid's parameter is timed on its own (``grid``).
HANDLER_TIMING = """
import json as _json, statistics as _st, time as _time
def _rrp_time(widget, values):
    start, out = widget.value, []
    for value in values:
        t = _time.perf_counter(); widget.value = value; out.append((_time.perf_counter() - t) * 1000)
    widget.value = start
    return _st.median(out)
def _rrp_time_grid(values):
    start, out = explorer.grid.params.measure, []
    for value in values:
        t = _time.perf_counter(); explorer.grid.params.measure = value; out.append((_time.perf_counter() - t) * 1000)
    explorer.grid.params.measure = start
    return _st.median(out)
print(_json.dumps({"ward": _rrp_time(explorer.ward, %(wards)r), "measure": _rrp_time(explorer.measure, %(measures)r),
                   "grid": _rrp_time_grid(%(measures)r)}))
"""


def demo_wards() -> dict[str, str]:
    """Ward name -> ward id, of ``data/demo/wards.csv``."""
    with (ROOT / "data" / "demo" / "wards.csv").open(newline="", encoding="utf-8") as f:
        return {row["ward_name"]: row["ward_id"] for row in csv.DictReader(f)}


def demo_measures() -> dict[str, str]:
    """Measure name -> label, as the explorer's Measure Dropdown shows them."""
    from rrp_helpers import outcomes
    from rrp_helpers.data import load_collaborative

    return outcomes.measure_labels(load_collaborative(ROOT / "data" / "demo"))


def cycle(values: list, start: str, n: int) -> list:
    """``n`` values taken in turn from ``values``, starting after ``start``: no two in a row are
    the same, and the first differs from ``start``."""
    order = [v for v in values if v != start] + ([start] if start in values else [])
    return [order[i % len(order)] for i in range(n)]


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def open_explorer(page, lab: LabServer) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(lab.notebook_url())
    open_notebook(page)
    run_all_cells(page, log=lambda message: print(f"  ({message})"))
    try:
        page.wait_for_function(f"() => {{ const c = ({CHART_JS})(null); return c && c.marks > 3; }}", timeout=120_000)
        page.wait_for_function(f"t => {{ const g = ({GRID_JS})(t); return g && g.marks > 0; }}", arg=GRID_TITLE, timeout=120_000)
        page.wait_for_selector(WARD_INPUT, timeout=60_000)
    except PlaywrightTimeout:
        raise RuntimeError(f"the explorer did not draw; cell errors: {page.evaluate(ERROR_OUTPUT_JS)}\n"
                           f"server log:\n{lab.log_tail()}") from None
    page.locator(f".jp-OutputArea-output:has({WARD_INPUT.split(' ', 1)[1]})").evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(1000)  # let the start-up settle (the kernel echoes, the widgets lay out)


def change_ward(page, name: str) -> dict:
    arm_redraw(page, ward=name)
    box = page.locator(WARD_INPUT)
    box.fill(name)
    box.press("Enter")
    result = wait_redrawn(page)
    result["params"] = page.evaluate(PARAMS_AT_JS)
    page.wait_for_timeout(SETTLE_MS)  # the status line's update, the views' parameter echoes
    return result


def change_measure(page, label: str) -> dict:
    arm_redraw(page, title_ends=f": {label}", grid=True)
    page.locator(MEASURE_SELECT).select_option(value=label)  # the option's value is its label (its text has &nbsp;)
    result = wait_redrawn(page)
    result["params"] = page.evaluate(PARAMS_AT_JS)
    page.wait_for_timeout(SETTLE_MS)  # the status line's update, the views' parameter echoes
    return result


def change_in_page(page, changes: list[tuple[str, str, str]], *, ward: str | None = None, title_ends: str | None = None,
                   chart: bool, grid: bool, defer: float | str | None = None) -> dict:
    arm_redraw(page, ward=ward, title_ends=title_ends, chart=chart, grid=grid)
    page.evaluate(SET_PARAMS_JS, [changes, defer])
    result = wait_redrawn(page)
    # The charts' views send their new parameters on to the kernel (debounced), which echoes them:
    # let that settle, so that an echo cannot undo the next change.
    page.wait_for_timeout(SETTLE_MS)
    return result


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def ms(value: float) -> str:
    return f"{value:,.0f}"


def bench(page, lab: LabServer, repeat: int) -> None:
    names = demo_wards()
    labels = demo_measures()
    ward_names = [w for w in WARD_CHOICES if w in names]
    started = time.perf_counter()
    open_explorer(page, lab)
    print(f"JupyterLab open + Run All Cells -> explorer drawn: {time.perf_counter() - started:.1f} s")
    print(f"charts' widget models found: {page.evaluate(FIND_MODELS_JS)}")
    first = page.evaluate(CHART_JS, None)["title"]
    ward_now, measure_now = first.split(": ", 1)
    grid = page.evaluate(GRID_JS, GRID_TITLE)
    scene = page.evaluate(GRID_SCENE_JS, GRID_TITLE)
    panels = "?" if not scene or scene.get("error") else len(scene["headers"])
    print(f"starting on '{first}'; grid: {panels} panels, drawn as {grid['renderer']} ({grid['width']}x{grid['height']} px)")
    cost = page.evaluate(DETECT_COST_JS, [GRID_TITLE, 100])
    how = f"{GRID_ROWS} rows of the canvas read and hashed" if grid["renderer"] == "canvas" else "its SVG paths joined"
    print(f"redraw detection, its cost to the page each animation frame (median / max of 100 frames): grid fingerprint "
          f"({how}) {statistics.median(cost['grid']):.2f} / {max(cost['grid']):.1f} ms; ward chart geometry (SVG paths) "
          f"{statistics.median(cost['chart']):.2f} / {max(cost['chart']):.1f} ms")

    # warm-up: one change of each kind, not counted
    wards = cycle(ward_names, ward_now, repeat + 1)
    change_ward(page, wards[0])
    measures = cycle(list(labels.values()), measure_now, repeat + 1)
    change_measure(page, measures[0])

    ward_runs = [change_ward(page, name) for name in wards[1:]]
    measure_runs = [change_measure(page, label) for label in measures[1:]]
    a = [r["chart"] - r["t0"] for r in ward_runs]
    b = [r["chart"] - r["t0"] for r in measure_runs]
    c = [r["grid"] - r["t0"] for r in measure_runs]

    print(f"\nWidget change -> redrawn chart in the page (medians of {repeat} changes each; "
          f"machine: {os.cpu_count()} CPUs reported by os.cpu_count())")
    rows = []
    for label, values, kind in (("(a) ward -> ward chart", a, "chart"), ("(b) measure -> ward chart", b, "chart"),
                                ("(c) measure -> grid (38 wards)", c, "grid")):
        median, low, high = summary(values)
        rows.append([label, ms(median), ms(low), ms(high), f"< {ms(TARGET_MS[kind])}", f"{median / TARGET_MS[kind]:.2f}",
                     "met" if median < TARGET_MS[kind] else "MISSED"])
    print(table(rows, ["change", "median ms", "min ms", "max ms", "target ms", "median/target", ""]))

    print("\nAgainst the previous explorer (a new chart sent from Python on every change; medians as its issue "
          "reported them, same machine class, 2 cores):")
    rows = [["ward chart, ward change (a)", ms(PREVIOUS_MS["chart"]), ms(statistics.median(a)), f"{statistics.median(a) / PREVIOUS_MS['chart']:.2f}"],
            ["ward chart, measure change (b)", ms(PREVIOUS_MS["chart"]), ms(statistics.median(b)), f"{statistics.median(b) / PREVIOUS_MS['chart']:.2f}"],
            ["grid, measure change (c)", f"~{ms(PREVIOUS_MS['grid'])}", ms(statistics.median(c)), f"{statistics.median(c) / PREVIOUS_MS['grid']:.2f}"]]
    print(table(rows, ["redraw", "previous ms", "now ms", "now/previous"]))

    # Where the time goes: the kernel's update reaching each chart's model, then Vega alone.
    def part(runs: list[dict], what: str, key: str) -> list[float]:
        return [r["params"][key] - r["t0"] for r in runs] if what == "arrive" else [r[key] - r["params"][key] for r in runs]

    in_page_ward = []
    for name in cycle(ward_names, wards[-1], repeat):
        result = change_in_page(page, [("chart", "ward", names[name])], ward=name, chart=True, grid=False)
        in_page_ward.append(result["chart"] - result["t0"])
    values = {label: name for name, label in labels.items()}
    in_page_chart, in_page_grid = [], []
    for label in cycle(list(labels.values()), measures[-1], repeat):
        result = change_in_page(page, [("chart", "measure", values[label])], title_ends=f": {label}", chart=True, grid=False)
        in_page_chart.append(result["chart"] - result["t0"])
    for label in cycle(list(labels.values()), measures[-1], repeat):
        result = change_in_page(page, [("grid", "measure", values[label])], chart=False, grid=True)
        in_page_grid.append(result["grid"] - result["t0"])
    # both, ward chart first, from one measure: the grid's change GRID_DELAY later (as the explorer's
    # handler does), in the same task (as the previous handler did), after the next painted frame
    both = {}
    for defer in (GRID_DELAY * 1000, None, "paint"):
        page.evaluate(SET_PARAMS_JS, [[("chart", "measure", values[measures[-1]]), ("grid", "measure", values[measures[-1]])], None])
        page.wait_for_timeout(1000)
        chart_times, grid_times = both[defer] = [], []
        for label in cycle(list(labels.values()), measures[-1], repeat):
            result = change_in_page(page, [("chart", "measure", values[label]), ("grid", "measure", values[label])],
                                    title_ends=f": {label}", chart=True, grid=True, defer=defer)
            chart_times.append(result["chart"] - result["t0"])
            grid_times.append(result["grid"] - result["t0"])

    # the widgets still hold the last values the widget changes gave them
    timing = HANDLER_TIMING % {"wards": cycle(ward_names, wards[-1], repeat),
                               "measures": cycle(list(labels), values[measures[-1]], repeat)}
    output = page.evaluate(KERNEL_JS, timing).strip()
    try:
        handlers = json.loads(output)
    except ValueError:
        raise RuntimeError(f"timing the handlers in the kernel failed: {output}") from None

    print(f"\nWhere the time goes (medians of {repeat}, ms):")
    rows = [
        ["(a) ward -> ward chart", ms(statistics.median(part(ward_runs, "arrive", "chart"))),
         ms(statistics.median(part(ward_runs, "draw", "chart"))), ms(statistics.median(a)),
         ms(statistics.median(in_page_ward)), f"{handlers['ward']:.1f}"],
        ["(b) measure -> ward chart", ms(statistics.median(part(measure_runs, "arrive", "chart"))),
         ms(statistics.median(part(measure_runs, "draw", "chart"))), ms(statistics.median(b)),
         f"{ms(statistics.median(in_page_chart))} (ward chart alone)", f"{handlers['measure']:.1f}"],
        ["(c) measure -> grid", ms(statistics.median(part(measure_runs, "arrive", "grid"))),
         ms(statistics.median(part(measure_runs, "draw", "grid"))), ms(statistics.median(c)),
         f"{ms(statistics.median(in_page_grid))} (grid alone)", f"{handlers['grid']:.1f} (grid parameter set)"],
    ]
    print(table(rows, ["change", "widget -> update in page", "update -> redrawn", "total", "in page only (no kernel)",
                       "Python handler"]))
    print("  widget -> update in page: from the widget's event until the kernel's parameter update reached the chart's\n"
          "    widget model (message to the kernel, the explorer's handler, the update back; for the grid, the\n"
          f"    handler's {GRID_DELAY * 1000:.0f} ms GRID_DELAY too);\n"
          "  update -> redrawn: from then until the redrawn chart was first seen in an animation frame;\n"
          "  in page only: the same parameter change made by the page itself (no kernel), to the redrawn chart;\n"
          "  Python handler: the explorer's handler in the kernel (widget value set from Python), message sending included;\n"
          "    the measure handler sets the ward chart's parameter and schedules the grid's (timed on its own, row (c)).")

    print(f"\nA measure change of both charts in the page only (no kernel), ward chart's parameter first "
          f"(medians of {repeat}, ms from the first parameter set):")
    rows = [[name, ms(statistics.median(both[defer][0])), ms(statistics.median(both[defer][1]))]
            for name, defer in ((f"grid's parameter {GRID_DELAY * 1000:.0f} ms later (GRID_DELAY: what the explorer does)", GRID_DELAY * 1000),
                                ("both in one task (what the previous handler did; what-if)", None),
                                ("grid's parameter once the next frame is painted (what-if)", "paint"))]
    print(table(rows, ["grid's parameter set", "redrawn ward chart", "redrawn grid"]))
    print(f"\nAll figures: medians of {repeat} changes each, after one warm-up change of each kind; "
          f"os.cpu_count() = {os.cpu_count()}; times from the page's performance.now(), "
          f"redraws detected with requestAnimationFrame (about 16 ms resolution).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="changes of each kind to time (medians printed)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"Explorer in JupyterLab, headless chromium {VIEWPORT['width']}x{VIEWPORT['height']}, "
          f"{args.repeat} changes of each kind; os.cpu_count() = {os.cpu_count()}")
    lab = LabServer.start(ROOT, NOTEBOOK, expose_app=True)  # stops itself if it fails to start
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            try:
                page = browser.new_context(viewport=VIEWPORT).new_page()
                page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
                page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
                bench(page, lab, args.repeat)
            finally:
                browser.close()
    finally:
        lab.stop()
        if errors:
            print(f"\npage console errors and warnings during the run ({len(errors)}; JupyterLab's start-up noise included):")
            for error in dict.fromkeys(errors):
                print(f"  {errors.count(error)} x {error[:300]}")


if __name__ == "__main__":
    main()
