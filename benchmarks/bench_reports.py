"""Benchmark of ``rrp reports`` on the demo collaborative against the floor set by papermill itself.

Prints ratios, never asserts. Run: ``.venv/bin/python benchmarks/bench_reports.py [--jobs 2] [--quick] [--repeat N]``.

* **floor**: plain papermill (its own engine: a new kernel per notebook) executing a trivial
  parameterised notebook (one parameter, one cell) once per ward, on the same kind of pool
  (``ProcessPoolExecutor``, forkserver, ``--jobs`` workers) that ``rrp reports`` uses.
* **ours**: ``rrp reports`` (warm kernel per worker, rrp-embed charts, HTML export, PNGs) in a
  fresh output folder, with and without the collaborative notebooks, and without PNGs. The Vega
  bundle comes from the user's cache (``rrp_helpers.reports.cache_dir``) once a first run has
  built it (~2 s of CPU); set ``RRP_CACHE_DIR`` to an empty folder to time that first run.

Per-ward cost = wall time x jobs / wards (worker-seconds per ward, the measure that compares
runs on the same pool); it is also given as the mean time a worker spent on one ward task.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rrp_helpers import reports  # noqa: E402


def _trivial(path: Path) -> Path:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("ward_id = 'x'", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell("n = len(ward_id)")]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def _plain_papermill(args: tuple[str, str, str]) -> float:
    import papermill

    source, target, ward_id = args
    started = time.perf_counter()
    papermill.execute_notebook(source, target, parameters={"ward_id": ward_id}, kernel_name="python3", progress_bar=False, store_widget_state=False)
    return time.perf_counter() - started


def floor(ward_ids: list[str], jobs: int, work: Path) -> tuple[float, list[float]]:
    source = _trivial(work / "trivial.ipynb")
    tasks = [(str(source), str(work / f"trivial-{k}.ipynb"), ward_id) for k, ward_id in enumerate(ward_ids)]
    context = multiprocessing.get_context("forkserver")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        seconds = list(pool.map(_plain_papermill, tasks))
    return time.perf_counter() - started, seconds


def ours(data: Path, out: Path, jobs: int, **options) -> tuple[float, reports.Summary]:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    summary = reports.build_reports(reports.ReportOptions(data=data, out=out, jobs=jobs, progress=False, **options))
    return time.perf_counter() - started, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="only the full run and the floor")
    parser.add_argument("--repeat", type=int, default=1, help="alternate floor and full runs this many times (medians printed)")
    args = parser.parse_args()
    from rrp_helpers.data import load_collaborative

    data = ROOT / "data" / "demo"
    ward_ids = list(load_collaborative(data).wards["ward_id"])
    n, jobs = len(ward_ids), args.jobs
    print(f"demo collaborative: {n} wards, --jobs {jobs}, {reports.default_jobs()} CPUs visible")
    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for repeat in range(max(1, args.repeat)):
            if args.repeat > 1:
                print(f"-- run {repeat + 1} of {args.repeat}")
            floor_wall, floor_each = floor(ward_ids, jobs, work)
            floor_per = floor_wall * jobs / n
            print(f"floor  plain papermill, trivial notebook x {n}: wall {floor_wall:.1f} s; per notebook "
                  f"{floor_per:.2f} s (wall x jobs / n), mean task {statistics.mean(floor_each):.2f} s")
            runs = [("full (make demo): collaborative + wards + index", {})]
            if not args.quick and repeat == 0:
                runs += [("full with --png", {"png": True}), ("wards only, no PNGs", {"collaborative": False}),
                         ("wards only, --shared-vega", {"collaborative": False, "shared_vega": True})]
            for label, options in runs:
                wall, summary = ours(data, work / "out", jobs, **options)
                ward_tasks = [r for r in summary.results if r.key.startswith("ward:")]
                per_task = statistics.mean(r.seconds for r in ward_tasks)
                parts = {k: statistics.mean(r.timings.get(k, 0.0) for r in ward_tasks) for k in ("execute", "html", "png")}
                print(f"ours   {label}: wall {wall:.1f} s ({summary.counts})")
                per_ward = wall * jobs / n
                print(f"       per ward {per_ward:.2f} s (wall x jobs / wards) = {per_ward / floor_per:.2f} x floor; "
                      f"mean ward task {per_task:.2f} s = {per_task / statistics.mean(floor_each):.2f} x floor task "
                      f"(execute {parts['execute']:.2f}, html {parts['html']:.2f}, png {parts['png']:.2f})")
                if "collaborative" not in options:
                    print(f"       target whole collaborative < 40 s: {'met' if wall < 40 else 'MISSED'} ({wall:.1f} s)")
                    pairs.append((floor_wall, wall))
    if len(pairs) > 1:
        floors, fulls = [f for f, _ in pairs], [w for _, w in pairs]
        ratios = [w / f for f, w in pairs]
        print(f"summary of {len(pairs)} runs: floor median {statistics.median(floors):.1f} s (range {min(floors):.1f}-{max(floors):.1f}); "
              f"full median {statistics.median(fulls):.1f} s (range {min(fulls):.1f}-{max(fulls):.1f}); "
              f"full / floor median {statistics.median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f}); "
              f"under 40 s in {sum(w < 40 for w in fulls)} of {len(fulls)}")
    print("targets: per-ward cost <= 2.0 x floor; whole demo < 40 s on 2 cores")


if __name__ == "__main__":
    main()
