"""The batch: run the ward and collaborative notebooks on a pool of workers and publish the reports.

What it writes (every file atomically, :mod:`rrp_helpers.files`)::

    DIR/index.html                       summary matrix (results, icons), every ward's status and links
    DIR/collaborative/<notebook>.html    00_data_quality, 01_collaborative, 03_change_concepts, 04_explorer
    DIR/wards/<name>/<name>.html         one report per ward (<name> = files.safe_name(ward_id))
    DIR/wards/<name>/<name>-*.png        the ward's charts as PNG files, for slides
    DIR/notebooks/...                    the executed notebooks (a failed one as ``*.failed.ipynb``)
    DIR/manifest.json                    state of the last run (status, error, fingerprints)

One process plans the tasks and drives a ``ProcessPoolExecutor`` of ``jobs`` workers, each with its
warm kernel (:mod:`rrp_helpers.reports.kernel`), or the workers of a Dask cluster (``scheduler``:
:mod:`rrp_helpers.reports.distributed`, imported only then). Statuses: ``ok``; ``failed`` (the notebook
raised: its first error line is shown, the executed notebook kept as ``*.failed.ipynb`` and the
previous good report kept); ``no data`` (every monthly count of the ward is missing: not run). A
report whose fingerprint (:mod:`rrp_helpers.reports.manifest`) is unchanged since its last good
run is skipped unless ``force``; ``rerun_failed`` runs only what failed last time.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rrp_helpers.errors import EXIT_DATA, EXIT_FAILED, EXIT_OK
from rrp_helpers.files import remove_stale_temporaries, safe_name, write_atomic
from rrp_helpers.outputs import claim
from rrp_helpers.paths import NOTEBOOKS_DIR
from rrp_helpers.reports import html, manifest
from rrp_helpers.reports import downloads
from rrp_helpers.reports.index import index_page
from rrp_helpers.summary import ICON_COLUMNS, summary_matrix
from rrp_helpers.reports.kernel import DEFAULT_RESTART_EVERY
from rrp_helpers.reports.tasks import STATUS_FAILED, STATUS_NO_DATA, STATUS_OK, Task, TaskResult, first_line, run_task, worker_init

__all__ = ["ReportOptions", "Summary", "build_reports", "default_jobs", "WARD_NOTEBOOK", "COLLABORATIVE_NOTEBOOKS",
           "NOTEBOOK_TITLES", "RENDERER"]

WARD_NOTEBOOK = "02_ward_report"
#: Collaborative notebooks, in the order of the index, with their extra parameters.
COLLABORATIVE_NOTEBOOKS: dict[str, dict[str, Any]] = {
    "00_data_quality": {},
    "01_collaborative": {},
    "03_change_concepts": {},
    "04_explorer": {"static_chart": True, "widgets": False},
}
NOTEBOOK_TITLES = {
    "00_data_quality": "Data quality",
    "01_collaborative": "Collaborative results",
    "03_change_concepts": "Change concepts",
    "04_explorer": "Explorer (static: choose a ward in the last chart)",
}
RENDERER = "rrp-embed"
#: ``ReportOptions.scheduler`` for a Dask cluster on this machine, started for the run (``--dask``).
LOCAL_CLUSTER = "local"
#: What the batch writes at the top of its folder (a folder holding only these is one an earlier
#: version wrote, before output folders were marked).
REPORT_NAMES = frozenset({"index.html", manifest.MANIFEST, "wards", "collaborative", "notebooks", ".cache", "results.xlsx",
                          "vega"})


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class ReportOptions:
    """What ``rrp reports`` was asked to do."""

    data: Path
    out: Path
    wards: list[str] | None = None
    jobs: int = 1
    rerun_failed: bool = False
    force: bool = False
    collaborative: bool = True
    progress: bool = True
    png: bool = False  # the ward charts as PNG files too (--png)
    shared_vega: bool = False  # one copy of the Vega libraries for the folder, not one per page (--shared-vega)
    notebooks_dir: Path = NOTEBOOKS_DIR  # where 02_ward_report.ipynb and the others are
    publish: tuple[int, int] | None = None  # (suppress below, round to): small-number suppression
    isolated: bool = False  # a new kernel per notebook instead of one warm kernel per worker
    restart_every: int = DEFAULT_RESTART_EVERY  # notebooks a warm kernel runs before it is replaced
    # Dask instead of the local pool: a scheduler's address (--scheduler tcp://HOST:PORT), or LOCAL_CLUSTER (--dask)
    scheduler: str | None = None


@dataclass
class Summary:
    """What a run did; ``format()`` is printed at the end of ``rrp reports``."""

    out: Path
    exit_code: int
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    results: list[TaskResult] = field(default_factory=list)
    message: str = ""

    def format(self) -> str:
        if self.message:
            return self.message
        c = self.counts
        lines = [
            f"Wards: {c.get('ok', 0)} ok ({c.get('skipped', 0)} unchanged, skipped), {c.get('failed', 0)} failed, "
            f"{c.get('no data', 0)} no data. Collaborative reports: {c.get('collab ok', 0)} ok, {c.get('collab failed', 0)} failed."
        ]
        for label, error in self.failures:
            lines.append(f"  FAILED {label}: {error}")
        if self.failures:
            lines.append(f"Rerun just these with: rrp reports ... --out {self.out} --rerun-failed")
        lines.append(f"Done in {self.seconds:.1f} s. Open {self.out / 'index.html'}")
        return "\n".join(lines)


@dataclass
class _Plan:
    """The run's tasks, the reports skipped as unchanged, and every report's fingerprint."""

    tasks: list[Task]
    skipped: set[str]
    fingerprints: dict[str, str]


def build_reports(options: ReportOptions) -> Summary:
    """Run the batch described by ``options`` (see the module docstring); never raises for a bad ward."""
    from rrp_helpers.data import DataError, load_collaborative

    started = time.perf_counter()
    out = options.out
    try:
        collab = load_collaborative(options.data)
    except DataError as error:
        return Summary(out, EXIT_DATA, message=str(error))
    all_wards = [str(w) for w in collab.wards["ward_id"]]
    unknown = [w for w in options.wards or [] if w not in set(all_wards)]
    if unknown:
        return Summary(out, EXIT_DATA, message=f"rrp reports: unknown ward id(s): {', '.join(map(repr, unknown))}. "
                                               f"Ward ids in {options.data}: {', '.join(all_wards)}")
    with _dask(options) as dask, claim(out, "rrp reports", inputs=collab.inputs, adopt=REPORT_NAMES):
        state = manifest.read_manifest(out)
        entries: dict[str, dict[str, Any]] = state["entries"]
        now = _dt.datetime.now().isoformat(timespec="seconds")
        plan = _plan(options, collab, entries, now)
        remove_stale_temporaries(out)
        if options.shared_vega:
            html.write_shared_bundle(html.vega_bundle(html.bundle_folder(out)), out / html.SHARED_BUNDLE)
        shared = _SharedDownloads(collab, options)  # beside the notebooks, in this process
        results = _run_tasks(plan.tasks, options, out, dask) if plan.tasks else []
        shared.wait()
        for result in results:
            previous = entries.get(result.key, {})
            entries[result.key] = {
                "status": result.status, "error": result.error, "finished": now, "seconds": round(result.seconds, 2),
                "fingerprint": plan.fingerprints[result.key] if result.status == STATUS_OK else previous.get("fingerprint", ""),
                "icons": result.icons if result.status == STATUS_OK else previous.get("icons", []),
            }
        state.update(version=manifest.MANIFEST_VERSION, collaborative=collab.config.name, generated=now)
        manifest.write_manifest(out, state)
        _write_index(collab, entries, options, plan.skipped, now, shared.error)
    summary = _summary(collab, entries, results, plan, options)
    summary.seconds = time.perf_counter() - started
    return summary


def _plan(options: ReportOptions, collab, entries: dict[str, dict], now: str) -> _Plan:
    """The tasks to run: every selected report, less those unchanged since their last good run;
    wards without data are recorded as such in ``entries`` and not run."""
    data_dir = str(options.data.resolve())
    publication = ({"publish": True, "suppress_below": options.publish[0], "round_to": options.publish[1]}
                   if options.publish else {})
    code = manifest.sha256_parts(manifest.code_fingerprint().encode(), repr(sorted(publication.items())).encode())
    whole, per_ward = manifest.input_fingerprints(collab)
    notebook_hash = {stem: manifest.file_hash(options.notebooks_dir / f"{stem}.ipynb")
                     for stem in [WARD_NOTEBOOK, *COLLABORATIVE_NOTEBOOKS]}
    monthly = collab.monthly
    has_data = set(monthly.loc[monthly["count"].notna(), "ward_id"])
    ward_names = dict(zip(collab.wards["ward_id"].astype(str), collab.wards["ward_name"].astype(str)))
    keys = [f"collaborative:{stem}" for stem in COLLABORATIVE_NOTEBOOKS] if options.collaborative else []
    keys += [f"ward:{w}" for w in options.wards or ward_names]
    ward_order = [w for w in options.wards or ward_names if w in has_data]  # previous / next between reports
    plan = _Plan([], set(), {})
    for key in keys:
        kind, name = key.split(":", 1)
        inputs = per_ward[name] if kind == "ward" else whole
        fingerprint = manifest.sha256_parts(inputs.encode(), notebook_hash[WARD_NOTEBOOK if kind == "ward" else name].encode(),
                                            code.encode())
        plan.fingerprints[key] = fingerprint
        previous = entries.get(key, {})
        if options.rerun_failed and previous.get("status") != STATUS_FAILED:
            continue
        if kind == "ward" and name not in has_data:
            entries[key] = {"status": STATUS_NO_DATA, "error": "", "fingerprint": fingerprint, "finished": now}
            continue
        task = (_ward_task(options, name, ward_names, data_dir, publication, unit=collab.config.unit_label,
                           neighbours=_neighbours(name, ward_order)) if kind == "ward"
                else _collaborative_task(options, name, collab.config.name, data_dir, publication))
        if (not options.force and not options.rerun_failed and previous.get("status") == STATUS_OK
                and previous.get("fingerprint") == fingerprint and task.html_out.exists()):
            plan.skipped.add(key)
            continue
        plan.tasks.append(task)
    return plan


def _neighbours(ward_id: str, order: list[str]) -> tuple[str | None, str | None]:
    """The wards before and after ``ward_id`` among those reported."""
    if ward_id not in order:
        return None, None
    position = order.index(ward_id)
    return (order[position - 1] if position else None), (order[position + 1] if position + 1 < len(order) else None)


def _ward_task(options: ReportOptions, ward_id: str, ward_names: dict[str, str], data_dir: str, publication: dict, *,
               unit: str, neighbours: tuple[str | None, str | None]) -> Task:
    name = safe_name(ward_id)
    ward_name = ward_names[ward_id]
    folder = options.out / "wards" / name
    notebooks = options.out / "notebooks" / "wards"
    report = f"{unit.capitalize()} report"
    links: list[tuple[str, str, bool]] = []
    previous, following = neighbours
    if previous is not None:
        links.append((f"../{safe_name(previous)}/{safe_name(previous)}.html", f"\u2190 {ward_names[previous]}", False))
    if following is not None:
        links.append((f"../{safe_name(following)}/{safe_name(following)}.html", f"{ward_names[following]} \u2192", False))
    links.append((downloads.chart_data_name(name), "chart data (CSV)", True))
    if options.png:
        links.append((downloads.GALLERY, "charts for slides (PNG)", False))
    links += [(f"../../{downloads.RESULTS_WORKBOOK}", "results workbook", True),
              (f"../../notebooks/wards/{name}.ipynb", "notebook", True)]
    return Task(
        key=f"ward:{ward_id}", label=ward_name, notebook=options.notebooks_dir / f"{WARD_NOTEBOOK}.ipynb",
        parameters={"data_dir": data_dir, "ward_id": ward_id, "renderer": RENDERER, **publication},
        notebook_out=notebooks / f"{name}.ipynb", failed_out=notebooks / f"{name}.failed.ipynb",
        html_out=folder / f"{name}.html", title=f"{report}: {ward_name}",
        caption=f"{report}: {ward_name} ({ward_id})", index_href="../../index.html", ward_id=ward_id,
        png_prefix=folder / name if options.png else None, chart_data_out=folder / downloads.chart_data_name(name),
        links=tuple(links), vega_src=f"../../{html.SHARED_BUNDLE}" if options.shared_vega else None,
    )


def _collaborative_task(options: ReportOptions, stem: str, collaborative: str, data_dir: str, publication: dict) -> Task:
    title = NOTEBOOK_TITLES[stem]
    return Task(
        key=f"collaborative:{stem}", label=title, notebook=options.notebooks_dir / f"{stem}.ipynb",
        parameters={"data_dir": data_dir, "renderer": RENDERER, **COLLABORATIVE_NOTEBOOKS[stem], **publication},
        notebook_out=options.out / "notebooks" / f"{stem}.ipynb", failed_out=options.out / "notebooks" / f"{stem}.failed.ipynb",
        html_out=options.out / "collaborative" / f"{stem}.html", title=title, caption=f"{title}: {collaborative}",
        index_href="../index.html",
        links=((downloads.CHART_DATA, "chart data (CSV)", True), (f"../{downloads.RESULTS_WORKBOOK}", "results workbook", True),
               (f"../notebooks/{stem}.ipynb", "notebook", True)),
        vega_src=f"../{html.SHARED_BUNDLE}" if options.shared_vega else None,
    )


def _dask(options: ReportOptions):
    """The run's Dask client, for ``options.scheduler`` (it refuses workers that cannot make the
    reports before anything is written); without it, nothing (and Dask is not imported)."""
    if options.scheduler is None:
        return contextlib.nullcontext()
    from rrp_helpers.reports.distributed import DaskRun

    return DaskRun(options, local=options.scheduler == LOCAL_CLUSTER)


def _run_tasks(tasks: list[Task], options: ReportOptions, out: Path, dask=None) -> list[TaskResult]:
    """Run ``tasks`` on a pool of ``options.jobs`` workers, or on Dask (``dask``), with a progress
    bar; results as they finish."""
    from tqdm import tqdm

    results: list[TaskResult] = []
    bar = tqdm(total=len(tasks), unit="report", disable=not options.progress, file=sys.stderr, dynamic_ncols=True)

    def finished(result: TaskResult) -> None:
        results.append(result)
        bar.set_postfix_str(f"{result.label[:30]}: {result.status} in {result.seconds:.1f} s", refresh=False)
        bar.update(1)

    try:
        if dask is not None:
            dask.run(tasks, out, finished)
        else:
            _run_on_pool(tasks, options, out, finished)
    finally:
        bar.close()
        remove_stale_temporaries(out)  # a worker killed mid-write leaves its temporary file behind
    return results


def _run_on_pool(tasks: list[Task], options: ReportOptions, out: Path, finished) -> None:
    """The local pool: ``options.jobs`` worker processes (forkserver), each with its warm kernel."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    cache = html.bundle_folder(out)
    context = multiprocessing.get_context("forkserver" if sys.platform != "win32" else "spawn")
    jobs = max(1, min(options.jobs, len(tasks)))
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=worker_init,
                               initargs=(str(html.bundle_path(cache)), options.isolated, options.restart_every))
    try:
        futures = {pool.submit(run_task, task): task for task in tasks}
        html.vega_bundle(cache)  # if not cached, built while the workers start their kernels
        for future in as_completed(futures):
            task = futures[future]
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 - a worker that died
                result = TaskResult(task.key, task.label, STATUS_FAILED, first_line(error))
            finished(result)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _publish_rule(options: ReportOptions):
    if not options.publish:
        return None
    from rrp_helpers.publish import PublishRule

    return PublishRule(*options.publish)


class _SharedDownloads:
    """The results workbook and the collaborative's chart data, written by a thread of the main
    process while the workers run the notebooks (it is otherwise idle); :meth:`wait` joins it."""

    def __init__(self, collab, options: ReportOptions) -> None:
        import threading

        self.error = ""
        self._thread = threading.Thread(target=self._write, args=(collab, options), name="rrp-downloads", daemon=True)
        self._thread.start()

    def _write(self, collab, options: ReportOptions) -> None:
        try:
            rule = _publish_rule(options)
            downloads.write_results_workbook(collab, options.out / downloads.RESULTS_WORKBOOK, publish_rule=rule)
            (options.out / "collaborative").mkdir(parents=True, exist_ok=True)
            downloads.write_chart_data(collab, options.out / "collaborative" / downloads.CHART_DATA, publish_rule=rule)
        except Exception as error:  # noqa: BLE001 - the reports are still written; the index says what failed
            self.error = f"The results workbook could not be written: {first_line(error)}"

    def wait(self) -> None:
        self._thread.join()


def _write_index(collab, entries: dict[str, dict], options: ReportOptions, skipped: set[str], now: str,
                 downloads_error: str = "") -> None:
    rule = _publish_rule(options)
    try:
        import pandas as pd

        # Each ward's icons come from its own task (computed there once, from its chart data).
        icons = [row for key, entry in entries.items() if key.startswith("ward:") for row in entry.get("icons", [])]
        matrix = summary_matrix(collab, publish_rule=rule, icons=pd.DataFrame(icons, columns=ICON_COLUMNS))
    except Exception as error:  # noqa: BLE001 - the index is still written
        matrix = f"The summary matrix could not be computed: {first_line(error)}"
    notice = None
    if rule is not None:
        from rrp_helpers.publish import notice as publish_notice

        notice = publish_notice(rule)
    page = index_page(collab, entries, matrix, out=options.out, skipped=skipped, generated=now,
                      notebook_titles=NOTEBOOK_TITLES, notice=notice, downloads_error=downloads_error)
    write_atomic(options.out / "index.html", page)


def _summary(collab, entries: dict[str, dict], results: list[TaskResult], plan: _Plan, options: ReportOptions) -> Summary:
    ward_ids = set(collab.wards["ward_id"].astype(str))
    counts = {"ok": 0, "failed": 0, "no data": 0, "skipped": 0, "collab ok": 0, "collab failed": 0}
    ran = {result.key for result in results}
    failures, any_failed = [], False
    for key, entry in entries.items():
        kind, name = key.split(":", 1)
        current = name in ward_ids if kind == "ward" else name in COLLABORATIVE_NOTEBOOKS
        if not current:
            continue
        if kind == "ward":
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
            counts["skipped"] += key in plan.skipped
        else:
            counts["collab ok" if entry["status"] == STATUS_OK else "collab failed"] += 1
        any_failed |= entry["status"] == STATUS_FAILED
        if entry["status"] == STATUS_FAILED and key in ran:
            failures.append((key, entry["error"]))
    summary = Summary(options.out, EXIT_FAILED if any_failed else EXIT_OK, counts, failures, 0.0, results)
    if options.rerun_failed and not plan.tasks:
        summary.message = f"Nothing to rerun: no failed report recorded in {options.out / manifest.MANIFEST}."
    return summary
