"""The batch's tasks run on Dask (``rrp reports --dask`` or ``--scheduler ADDRESS``) instead of the local pool.

:mod:`~rrp_helpers.reports.batch` imports this module only when asked, so Dask is needed (and
imported) only then. ``--dask`` starts a ``distributed.LocalCluster`` for the run (``--jobs``
worker processes of one thread each) and closes it at the end; ``--scheduler`` uses the workers
of an existing cluster, which must see the data, the notebooks and the output folder at the same
paths as this machine (a shared filesystem) and run the same rrp-workbook: :meth:`DaskRun.check`
refuses the run (exit 2, nothing written) otherwise.

Each worker keeps one warm kernel, as the local pool's workers do: :class:`WarmKernelPlugin` is a
worker plugin whose ``setup`` is the pool's worker initialisation
(:func:`rrp_helpers.reports.tasks.worker_setup`) and whose ``teardown`` stops the kernel. It is
registered for the run and unregistered at its end, so no kernel outlives the run on a shared
cluster. The kernel is started, and every notebook executed, in the worker's task thread, one at a
time (:data:`_ONE_AT_A_TIME`: a worker started with more threads still runs one notebook at a time
in its one kernel). Results are gathered as they finish: a task that raised, or whose workers died
(Dask retries a task on another worker before giving up), gives a failed result.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distributed import Client, LocalCluster, WorkerPlugin, as_completed

import rrp_helpers
from rrp_helpers.errors import UsageError
from rrp_helpers.files import write_atomic
from rrp_helpers.reports import html, manifest, tasks
from rrp_helpers.reports.tasks import STATUS_FAILED, Task, TaskResult, first_line

if TYPE_CHECKING:
    from rrp_helpers.reports.batch import ReportOptions

__all__ = ["DaskRun", "WarmKernelPlugin", "PLUGIN_NAME"]

PLUGIN_NAME = "rrp-warm-kernel"
CONNECT_TIMEOUT = 30  # seconds to reach the scheduler of --scheduler
WORKERS_TIMEOUT = 60  # seconds to wait for a first worker to join it
STOP_WAIT = 10  # seconds a teardown waits for a notebook still running before stopping its kernel anyway
#: Held while a worker process starts its warm kernel or runs a task: one kernel, one notebook at a time.
_ONE_AT_A_TIME = threading.Lock()


class WarmKernelPlugin(WorkerPlugin):
    """A worker's warm kernel for the run: started at ``setup`` in the thread that runs the tasks
    (queued before them: the worker is not held up while it starts), stopped at ``teardown``."""

    def __init__(self, bundle_path: str, isolated: bool, restart_every: int, *, ignore_ctrl_c: bool = False) -> None:
        self.bundle_path = bundle_path
        self.isolated = isolated
        self.restart_every = restart_every
        self.ignore_ctrl_c = ignore_ctrl_c  # our own LocalCluster's workers: this process handles Ctrl-C

    def setup(self, worker) -> None:
        if self.ignore_ctrl_c and threading.current_thread() is threading.main_thread():
            import signal

            signal.signal(signal.SIGINT, signal.SIG_IGN)
        worker.executor.submit(self._start)

    def _start(self) -> None:
        with _ONE_AT_A_TIME:
            tasks.worker_setup(self.bundle_path, self.isolated, self.restart_every)

    async def teardown(self, worker) -> None:
        await asyncio.to_thread(_stop_kernel)


def _stop_kernel() -> None:
    took = _ONE_AT_A_TIME.acquire(timeout=STOP_WAIT)
    try:
        tasks.worker_shutdown()
    finally:
        if took:
            _ONE_AT_A_TIME.release()


def _run_on_worker(task: Task) -> TaskResult:
    """What a Dask worker runs for a task: :func:`rrp_helpers.reports.tasks.run_task`, in its turn."""
    with _ONE_AT_A_TIME:
        return tasks.run_task(task)


def _identity() -> dict[str, str]:
    """What must be the same on every worker as here: the version, and the code's fingerprint."""
    return {"version": rrp_helpers.__version__, "code": manifest.code_fingerprint()}


def _signature(path: str) -> list | None:
    """What identifies a file or folder here (size and time of it or of its files); None if absent."""
    try:
        if os.path.isdir(path):
            with os.scandir(path) as entries:
                return sorted([entry.name, entry.stat().st_size, entry.stat().st_mtime_ns] for entry in entries if entry.is_file())
        status = os.stat(path)
    except OSError:
        return None
    return [status.st_size, status.st_mtime_ns]


def _worker_view(inputs: list[str], probe: str | None, folder: str) -> dict[str, Any]:
    """Run on each worker by :meth:`DaskRun.check`: its identity, what it sees of ``inputs`` and
    whether it sees ``probe`` (a file just written beside the output folder) and can write there."""
    return {**_identity(), "inputs": {path: _signature(path) for path in inputs},
            "sees_probe": probe is None or os.path.exists(probe), "can_write": os.access(folder, os.W_OK)}


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))  # not resolve(): a symbolic link may name the shared folder


def _absolute_task(task: Task) -> Task:
    """``task`` with absolute paths: a worker's working folder is not this process's."""
    return dataclasses.replace(task, **{field.name: _absolute(value) for field in dataclasses.fields(task)
                                        if isinstance(value := getattr(task, field.name), Path)})


def _existing_folder(path: Path) -> Path:
    """``path`` or its nearest parent that exists (the output folder may not exist yet)."""
    path = _absolute(path)
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


class DaskRun:
    """A run's Dask client (and, for ``--dask``, its cluster): a context manager.

    With a scheduler's address, entering connects and :meth:`check`\\ s the workers (raising
    :class:`~rrp_helpers.errors.UsageError`, before anything is written); a local cluster is
    started only when there are tasks to run (:meth:`run`). Leaving unregisters the plugin (the
    workers' kernels stop) and closes the client and the local cluster.
    """

    def __init__(self, options: ReportOptions, *, local: bool) -> None:
        self.options = options
        self.local = local
        self.cluster: LocalCluster | None = None
        self.client: Client | None = None
        self._plugin = False
        self._futures: list = []

    def __enter__(self) -> DaskRun:
        if not self.local:
            self._connect(workers=0)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _connect(self, workers: int) -> None:
        try:
            if self.local:
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                            dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster, set_as_default=False)
            else:
                self.client = self._remote_client()
            self.check()
        except BaseException:
            self.close()
            raise

    def _remote_client(self) -> Client:
        address = self.options.scheduler
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise UsageError(f"--scheduler {address}: cannot reach the Dask scheduler ({first_line(error)}). Start one "
                             "with `dask scheduler` and workers with `dask worker ADDRESS`, or use --dask for a "
                             "cluster on this machine") from None
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except TimeoutError:
            client.close()
            raise UsageError(f"--scheduler {address}: no Dask worker joined the scheduler in {WORKERS_TIMEOUT} s. "
                             f"Start workers with `dask worker {address}`") from None
        return client

    def check(self) -> None:
        """Refuse (UsageError) workers that run another rrp-workbook than this machine's, or that do
        not see the data, the notebooks and the output folder here at the same paths."""
        options = self.options
        inputs = [str(_absolute(options.data)), str(_absolute(options.notebooks_dir))]
        folder = _existing_folder(options.out)
        probe = None
        if not self.local and os.access(folder, os.W_OK):
            handle, probe = tempfile.mkstemp(prefix=".rrp-probe-", dir=folder)
            os.close(handle)
        try:
            views = self.client.run(_worker_view, inputs, probe, str(folder), on_error="return")
        finally:
            if probe is not None:
                os.remove(probe)
        here = {**_identity(), "inputs": {path: _signature(path) for path in inputs}}
        problems = []
        for address, view in sorted(views.items()):
            if isinstance(view, BaseException):
                problems.append(f"{address} cannot run rrp-workbook: {first_line(view)}")
            elif (view["version"], view["code"]) != (here["version"], here["code"]):
                problems.append(f"{address} runs rrp-workbook {view['version']} (code {view['code'][:12]}), this machine "
                                f"{here['version']} (code {here['code'][:12]})")
            elif view["inputs"] != here["inputs"] or not view["sees_probe"]:
                unseen = [path for path in inputs if view["inputs"][path] != here["inputs"][path]]
                problems.append(f"{address} does not see the same files at " + ", ".join([*unseen, *([] if view["sees_probe"] else [str(folder)])]))
            elif not view["can_write"]:
                problems.append(f"{address} cannot write to {folder}")
        if problems:
            shown = "\n  ".join(problems[:10]) + (f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else "")
            raise UsageError(
                f"the Dask workers cannot make these reports:\n  {shown}\nEvery worker must have the same rrp-workbook "
                "installed (same version and code) and see the data, the notebooks and --out at the same paths as this "
                "machine: a shared filesystem mounted at the same path on every worker. Nothing was written.")

    def run(self, to_run: list[Task], out: Path, finished: Callable[[TaskResult], None]) -> None:
        """Run ``to_run`` on the workers, calling ``finished`` with each result as it comes (a task that
        raised or whose workers died gives a failed result), then :meth:`close`: once per run."""
        options = self.options
        if self.client is None:
            self._connect(workers=max(1, min(options.jobs, len(to_run))))
        # Our LocalCluster's workers share this machine's cache folder; remote ones read the bundle from --out.
        folder = html.bundle_folder(out) if self.local else _absolute(out) / ".cache"
        plugin = WarmKernelPlugin(str(_absolute(html.bundle_path(folder))), options.isolated, options.restart_every,
                                  ignore_ctrl_c=self.local)
        self.client.register_plugin(plugin, name=PLUGIN_NAME)
        self._plugin = True
        try:
            futures = {self.client.submit(_run_on_worker, _absolute_task(task), pure=False): task for task in to_run}
            self._futures = list(futures)
            if self.local:  # built (if not cached) while the workers start their kernels
                html.vega_bundle(folder)
            else:
                _share_bundle(out, folder)
            for future in as_completed(futures, loop=self.client.loop):
                task = futures[future]
                try:
                    result = future.result()
                except (Exception, asyncio.CancelledError) as error:  # noqa: BLE001 - a task that raised, workers that died
                    result = TaskResult(task.key, task.label, STATUS_FAILED, first_line(error))
                finished(result)
            self._futures = []
        finally:
            self.close()  # before the batch cleans up and writes the manifest: no worker writes any more

    def close(self) -> None:
        """Cancel what is still running, stop the workers' kernels, close the client and the local cluster."""
        client, cluster = self.client, self.cluster
        self.client = self.cluster = None
        if client is not None:
            for step in (lambda: client.cancel(self._futures, force=True) if self._futures else None,
                         lambda: client.unregister_worker_plugin(PLUGIN_NAME) if self._plugin else None,
                         client.close):
                try:
                    step()
                except Exception:  # noqa: BLE001 - closing what may already be gone
                    logging.getLogger(__name__).debug("closing the Dask client", exc_info=True)
        if cluster is not None:
            cluster.close()
        self._futures, self._plugin = [], False


def _share_bundle(out: Path, folder: Path) -> Path:
    """The Vega bundle copied from this machine's cache into ``folder`` (in ``out``, where the
    workers can read it); refuses a copy there that others can write to (:func:`html.vega_bundle`)."""
    source = html.vega_bundle(html.bundle_folder(out))
    target = html.bundle_path(folder)
    if _absolute(source) != _absolute(target) and not target.exists():
        write_atomic(target, source.read_bytes())
        os.chmod(target, 0o644)
    return html.vega_bundle(folder)
