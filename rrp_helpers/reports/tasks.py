"""One report to make, and making it: what a worker process of the batch runs.

A task executes one notebook with papermill (in the worker's warm kernel, or in a kernel of its
own when isolated), publishes its HTML page and, for a ward, its slide PNGs, and moves the
executed notebook into place last: its presence means the report beside it is complete. A
failing notebook is kept as ``*.failed.ipynb`` and the previous good report stays. A task never
raises: its :class:`TaskResult` says what happened.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rrp_helpers.files import move_into_place, temporary_file, write_atomic
from rrp_helpers.reports import html, kernel

__all__ = ["Task", "TaskResult", "STATUS_OK", "STATUS_FAILED", "STATUS_NO_DATA", "worker_init", "worker_setup", "worker_shutdown",
           "run_task", "first_line"]

STATUS_OK, STATUS_FAILED, STATUS_NO_DATA = "ok", "failed", "no data"


@dataclass
class Task:
    """One notebook to execute and publish."""

    key: str  # "ward:<id>" or "collaborative:<notebook>"
    label: str  # for the progress bar
    notebook: Path  # the notebook to execute
    parameters: dict[str, Any]
    notebook_out: Path  # executed notebook (good run)
    failed_out: Path  # executed notebook of a failed run
    html_out: Path
    title: str
    caption: str
    index_href: str
    ward_id: str | None = None
    png_prefix: Path | None = None  # DIR/wards/<name>/<name>  ->  <name>-restraint.png ...
    chart_data_out: Path | None = None  # a ward's chart data (CSV)
    links: tuple[tuple[str, str, bool], ...] = ()  # the page's navigation: (href, text, download)
    vega_src: str | None = None  # the folder's shared Vega libraries, relative to the page (else inlined)


@dataclass
class TaskResult:
    key: str
    label: str
    status: str
    error: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    icons: list[dict] = field(default_factory=list)  # a ward's Making Data Count icons, for the index


class _Worker:
    """This worker process's settings (from :func:`worker_setup`)."""

    bundle_path: Path | None = None
    isolated = False
    stops_kernel_at_exit = False


def worker_init(bundle_path: str, isolated: bool, restart_every: int) -> None:
    """Worker start (the local pool's initializer): ignore Ctrl-C (the parent handles it), then
    :func:`worker_setup`."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker_setup(bundle_path, isolated, restart_every)


def worker_setup(bundle_path: str, isolated: bool, restart_every: int) -> None:
    """This process's settings, and its warm kernel started (unless ``isolated``) and stopped at
    exit; also the set-up of the Dask worker plugin (:mod:`rrp_helpers.reports.distributed`)."""
    import multiprocessing.util

    _Worker.bundle_path = Path(bundle_path)
    _Worker.isolated = isolated
    if not _Worker.stops_kernel_at_exit:
        multiprocessing.util.Finalize(None, kernel.shutdown_warm_kernel, exitpriority=100)
        _Worker.stops_kernel_at_exit = True
    if not isolated:
        with contextlib.suppress(Exception):  # a failure here shows again, per notebook
            kernel.start_warm_kernel(restart_every=restart_every)


def worker_shutdown() -> None:
    """Stop this process's warm kernel now (idempotent): the Dask worker plugin's teardown; the
    local pool's workers stop theirs at exit."""
    kernel.shutdown_warm_kernel()


def first_line(error: BaseException) -> str:
    """The first meaningful line of an error (papermill's: ``ename: evalue``)."""
    ename, evalue = getattr(error, "ename", None), getattr(error, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(error).__name__}: {error}"
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__)[:300]


def run_task(task: Task) -> TaskResult:
    """Execute one notebook and publish its HTML (and a ward's PNGs). Never raises."""
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    result = TaskResult(task.key, task.label, STATUS_OK)
    try:
        with temporary_file(task.notebook_out, suffix=".ipynb") as executed:
            try:
                notebook = kernel.execute_notebook(task.notebook, executed, task.parameters, isolated=_Worker.isolated)
            except PapermillExecutionError as error:
                result.status, result.error = STATUS_FAILED, first_line(error)
                if executed.stat().st_size:
                    move_into_place(executed, task.failed_out)
                return result
            result.timings["execute"] = time.perf_counter() - started
            _publish(task, notebook, result)
            move_into_place(executed, task.notebook_out)
            result.files.append(str(task.notebook_out))
        with contextlib.suppress(FileNotFoundError):
            task.failed_out.unlink()
    except Exception as error:  # noqa: BLE001 - one report failing never stops the others
        result.status, result.error = STATUS_FAILED, first_line(error)
    finally:
        result.seconds = time.perf_counter() - started
    return result


def _publish(task: Task, notebook, result: TaskResult) -> None:
    """Write the page and, for a ward, its slide PNGs."""
    mark = time.perf_counter()
    bundle = html.wait_for_bundle(_Worker.bundle_path) if _Worker.bundle_path and not task.vega_src else None
    page = html.notebook_to_html(notebook, title=task.title, caption=task.caption, index_href=task.index_href, bundle=bundle,
                                 links=task.links, vega_src=task.vega_src)
    write_atomic(task.html_out, page)
    result.timings["html"] = time.perf_counter() - mark
    result.files.append(str(task.html_out))
    if task.ward_id is not None:
        _publish_ward_files(task, result)


def _publish_ward_files(task: Task, result: TaskResult) -> None:
    """A ward's chart data (CSV), and its slide PNGs with their gallery page."""
    from rrp_helpers.data import load_collaborative
    from rrp_helpers.publish import PublishRule
    from rrp_helpers.reports import downloads

    mark = time.perf_counter()
    parameters = task.parameters
    rule = PublishRule(parameters["suppress_below"], parameters["round_to"]) if parameters.get("publish") else None
    collab = load_collaborative(parameters["data_dir"])
    if task.chart_data_out is not None:
        result.icons = downloads.write_chart_data(collab, task.chart_data_out, ward_id=task.ward_id, publish_rule=rule)
        result.files.append(str(task.chart_data_out))
    if task.png_prefix is not None:
        from rrp_helpers.reports.slides import write_slide_pngs

        pngs = write_slide_pngs(collab, task.ward_id, task.png_prefix, publish_rule=rule)
        result.files.extend(str(p) for p in pngs.values())
        result.files.append(str(downloads.write_gallery(collab, task.png_prefix.parent, pngs, ward_name=task.label,
                                                        report=task.html_out.name)))
    result.timings["png"] = time.perf_counter() - mark
