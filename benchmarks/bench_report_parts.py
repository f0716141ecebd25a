"""Benchmark of the parts of one ward report, each against the slower way it replaced, side by side.

Prints times and ratios, never asserts. Run: ``.venv/bin/python benchmarks/bench_report_parts.py``.

* **dashboard**: the ward's four SPC panels as Altair ``LayerChart`` objects composed by
  ``charts.dashboard`` (the old way), against ``views.ward_dashboard`` (panels assembled from
  their layers' specs); both serialised as the ``rrp-embed`` renderer does.
* **kernel reset**: IPython's ``reset`` (with its full garbage collection) against
  ``reports.isolation.restore``, in an IPython shell holding a loaded collaborative and a
  dashboard, with and without ``gc.freeze()`` after the imports (as the warm-up does).
* **PNGs**: the four slide PNGs of a ward (``reports.slides``: its panels, each drawn with only
  its own datasets), against one PNG of the whole dashboard, and the panels as SVG.
* **HTML**: a ward report's page (the notebook executed once here) by ``reports.html``.
* **fonts**: the same four PNGs (and SVGs) drawn by vl-convert with the machine's fonts against
  its bundled font only (``fonts.vl_convert_bundled_fonts``), each in a new process (vl-convert
  builds its font database once per process), the two alternated three times.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rrp_helpers import chart_data, charts, outcomes, views  # noqa: E402
from rrp_helpers.data import load_collaborative  # noqa: E402
from rrp_helpers.reports import html, isolation, kernel  # noqa: E402

WARDS = ["alder", "oak", "yew"]


def _median_seconds(function, repeat: int = 7) -> float:
    function()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _ward_inputs(collab, ward_id: str) -> dict:
    return dict(
        points=chart_data.chart_points(collab, ward_id=ward_id),
        notes=collab.annotations[collab.annotations["ward_id"].isin([ward_id, "ALL"])],
        ideas=collab.change_ideas[collab.change_ideas["ward_id"].eq(ward_id)],
    )


def bench_dashboard(collab, labels) -> None:
    inputs = [_ward_inputs(collab, ward_id) for ward_id in WARDS]

    def layer_charts() -> None:
        for ward in inputs:
            panels = []
            for measure, frame in ward["points"].groupby("measure", sort=False):
                applies = ward["notes"]["measure"].isna() | ward["notes"]["measure"].eq("") | ward["notes"]["measure"].eq(measure)
                panels.append(charts.spc_chart(
                    frame, title=labels[measure], annotations=ward["notes"][applies], change_ideas=ward["ideas"], width=380, height=190,
                ))
            json.dumps(charts.dashboard(panels).to_dict(), sort_keys=True)

    def assembled() -> None:
        for ward_id in WARDS:
            json.dumps(views.ward_dashboard(collab, ward_id).to_dict(), sort_keys=True)

    old, new = _median_seconds(layer_charts) / len(WARDS), _median_seconds(assembled) / len(WARDS)
    print(f"dashboard per ward: Altair layer charts {old:.3f} s, assembled panels {new:.3f} s: {old / new:.1f}x faster")


def bench_reset(collab, labels) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    ward = _ward_inputs(collab, "alder")

    def fill() -> None:
        shell.user_ns.update(
            collab=load_collaborative(ROOT / "data" / "demo"),
            chart=charts.measure_dashboard(ward["points"], labels, annotations=ward["notes"], change_ideas=ward["ideas"]),
        )

    def timed(reset) -> float:
        times = []
        for _ in range(7):
            fill()
            started = time.perf_counter()
            reset()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    for frozen in (False, True):
        if frozen:
            gc.freeze()
        full = timed(lambda: shell.reset(new_session=False))
        isolation.snapshot()
        ours = timed(lambda: isolation.restore(shell))
        label = "after gc.freeze()" if frozen else "no gc.freeze()   "
        print(f"kernel reset, {label}: IPython reset {full:.3f} s, isolation.restore {ours:.3f} s: {full / max(ours, 1e-6):.0f}x faster")
    gc.unfreeze()


def bench_pngs(collab, labels) -> None:
    from rrp_helpers.fonts import vl_convert_bundled_fonts

    vl_convert = vl_convert_bundled_fonts()  # as the report workers draw them
    panels = views.ward_panels(collab, "alder")
    dashboard = views.ward_dashboard(collab, "alder").to_dict()
    times = {
        "4 panels (used)": _median_seconds(lambda: [vl_convert.vegalite_to_png(p, scale=2) for p in panels.values()], 5),
        "1 dashboard PNG": _median_seconds(lambda: vl_convert.vegalite_to_png(dashboard, scale=2), 5),
        "4 panels as SVG only": _median_seconds(lambda: [vl_convert.vegalite_to_svg(p) for p in panels.values()], 5),
    }
    base = times["4 panels (used)"]
    for label, seconds in times.items():
        print(f"PNGs per ward, {label}: {seconds:.3f} s ({seconds / base:.2f} x used)")


# Times a ward's four slide charts as PNG and as SVG in this new process (medians of 5), with the
# machine's fonts ("system") or vl-convert's bundled font only ("bundled").
_FONT_RUN = """
import json, statistics, sys, time
if sys.argv[2] == "bundled":
    from rrp_helpers.fonts import vl_convert_bundled_fonts
    vl_convert = vl_convert_bundled_fonts()
else:
    import vl_convert
specs = json.load(open(sys.argv[1]))
def median(convert):
    convert()
    times = []
    for _ in range(5):
        started = time.perf_counter(); convert(); times.append(time.perf_counter() - started)
    return statistics.median(times)
png = median(lambda: [vl_convert.vegalite_to_png(spec, scale=2) for spec in specs])
svg = median(lambda: [vl_convert.vegalite_to_svg(spec) for spec in specs])
print(json.dumps({"png": png, "svg": svg}))
"""


def bench_fonts(collab, labels) -> None:
    slides = list(views.ward_panels(collab, "alder").values())
    runs: dict[str, list[dict]] = {"system": [], "bundled": []}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "slides.json"
        path.write_text(json.dumps(slides))
        for _ in range(3):
            for mode in runs:
                done = subprocess.run([sys.executable, "-c", _FONT_RUN, str(path), mode], capture_output=True, text=True, check=True, cwd=ROOT)
                runs[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
    for kind in ("png", "svg"):
        system = statistics.median(r[kind] for r in runs["system"])
        bundled = statistics.median(r[kind] for r in runs["bundled"])
        print(f"fonts, 4 slide {kind.upper()}s per ward: machine's fonts {system:.3f} s, bundled font only {bundled:.3f} s: "
              f"{system / bundled:.2f}x faster")


def bench_html() -> None:
    with tempfile.TemporaryDirectory() as folder:
        executed = Path(folder) / "alder.ipynb"
        parameters = {"data_dir": str(ROOT / "data" / "demo"), "ward_id": "alder", "renderer": charts.EMBED_RENDERER}
        try:
            notebook = kernel.execute_notebook(ROOT / "notebooks" / "02_ward_report.ipynb", executed, parameters)
        finally:
            kernel.shutdown_warm_kernel()
    seconds = _median_seconds(lambda: html.notebook_to_html(notebook, title="alder", caption="c", index_href="x", bundle="b"))
    print(f"HTML per ward page (nbconvert's exporter, the report template): {seconds:.3f} s")


def main() -> None:
    charts.setup_notebook(charts.EMBED_RENDERER)
    collab = load_collaborative(ROOT / "data" / "demo")
    labels = outcomes.measure_labels(collab)
    bench_dashboard(collab, labels)
    bench_pngs(collab, labels)
    bench_fonts(collab, labels)
    bench_html()
    bench_reset(collab, labels)


if __name__ == "__main__":
    main()
