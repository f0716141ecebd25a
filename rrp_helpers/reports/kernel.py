"""The warm kernel: one Jupyter kernel per worker process, reused for the notebooks it executes.

Starting a kernel and importing the workbook's libraries costs more than executing a ward's
notebook (figures in the README's benchmark section), so each worker keeps one kernel: papermill
executes notebooks through the ``rrp-warm`` engine (:func:`register_engine`), which reuses it.
The kernel imports the workbook once (:data:`WARM_UP_CODE`), then
:func:`rrp_helpers.reports.isolation.snapshot` remembers the process's state; before each notebook
:func:`~rrp_helpers.reports.isolation.restore` clears the namespace and puts that state back, so a
notebook sees neither another's variables nor what it changed in the libraries. A kernel that died
is replaced on the next notebook, and one that has executed ``restart_every`` notebooks is
replaced by a fresh one. ``isolated`` execution (``rrp reports --isolated``) uses papermill's own
engine instead: a new kernel per notebook.

Kernels talk to the worker over IPC sockets (Unix domain sockets in the user's runtime folder),
not TCP on localhost: nothing leaves the machine, and the kernel has no reason to warn that its
traffic is unencrypted.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, default

__all__ = [
    "ENGINE_NAME",
    "CELL_TIMEOUT",
    "IPCKernelManager",
    "start_warm_kernel",
    "shutdown_warm_kernel",
    "register_engine",
    "execute_notebook",
]

ENGINE_NAME = "rrp-warm"
CELL_TIMEOUT = 600  # seconds per cell
DEFAULT_RESTART_EVERY = 200  # notebooks a warm kernel executes before a fresh one replaces it

#: Run in a fresh kernel once; the objects the imports create are then frozen out of the garbage
#: collector's work.
WARM_UP_CODE = """
from rrp_helpers.startup import skip_slow_optional_imports
skip_slow_optional_imports()
import rrp_helpers.charts, rrp_helpers.concepts, rrp_helpers.data, rrp_helpers.explorer
import rrp_helpers.outcomes, rrp_helpers.quality, rrp_helpers.results, rrp_helpers.spc
import IPython.display
import gc
gc.freeze()
from rrp_helpers.reports import isolation
isolation.snapshot()
"""
#: Run (silently) before every notebook.
RESET_CODE = '__import__("rrp_helpers.reports.isolation").reports.isolation.restore(get_ipython())'


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels listen on IPC sockets instead of TCP.

    Each kernel's sockets get a path of their own in a private temporary folder (jupyter_client
    would otherwise name them ``kernel-ipc-N`` in the working folder, the same for every worker:
    two kernels would then read each other's messages). They are removed when the kernel stops.
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    @default("ip")
    def _ip_default(self) -> str:
        if self.transport != "ipc":
            return super()._ip_default()
        return str(Path(tempfile.mkdtemp(prefix="rrp-kernel-")) / "ipc")

    def cleanup_ipc_files(self) -> None:
        super().cleanup_ipc_files()
        folder = Path(self.ip).parent
        if self.transport == "ipc" and folder.name.startswith("rrp-kernel-"):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty


class _Kernel:
    """The worker's warm kernel: manager, client and how many notebooks it has executed."""

    km: Any = None
    kc: Any = None
    notebooks = 0
    restart_every = DEFAULT_RESTART_EVERY


def _kernel_alive() -> bool:
    from jupyter_core.utils import run_sync

    if _Kernel.km is None:
        return False
    try:
        return bool(run_sync(_Kernel.km.is_alive)())
    except Exception:  # noqa: BLE001
        return False


def start_warm_kernel(kernel_name: str = "python3", *, warm_up: str = WARM_UP_CODE, cwd: str | None = None,
                      restart_every: int | None = None) -> None:
    """Start the worker's kernel (if not running) and run ``warm_up`` in it."""
    import nbformat
    from nbclient import NotebookClient

    if restart_every is not None:
        _Kernel.restart_every = restart_every
    if _kernel_alive():
        return
    shutdown_warm_kernel()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(warm_up)] if warm_up else [])
    client = NotebookClient(notebook, km=IPCKernelManager(kernel_name=kernel_name), timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": cwd or os.getcwd()}})
    client.execute(cleanup_kc=False)
    _Kernel.km, _Kernel.kc, _Kernel.notebooks = client.km, client.kc, 0


def shutdown_warm_kernel() -> None:
    """Stop the worker's kernel (idempotent)."""
    from jupyter_core.utils import run_sync

    km, kc = _Kernel.km, _Kernel.kc
    _Kernel.km = _Kernel.kc = None
    if kc is not None:
        with contextlib.suppress(Exception):
            kc.stop_channels()
    if km is not None:
        with contextlib.suppress(Exception):
            run_sync(km.shutdown_kernel)(now=True)


def _make_engine():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.utils import merge_kwargs, remove_args

    class WarmKernelEngine(NBClientEngine):
        """papermill engine executing every notebook in the worker's one warm kernel."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                     start_timeout=60, execution_timeout=None, **kwargs):
            if _Kernel.notebooks >= _Kernel.restart_every:
                shutdown_warm_kernel()
            start_warm_kernel(kernel_name)
            kwargs = remove_args(["input_path", "kernel_manager_class"], **kwargs)
            final_kwargs = merge_kwargs(
                remove_args(["timeout", "startup_timeout"], **kwargs),
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout, kernel_name=kernel_name, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file,
            )
            client = PapermillNotebookClient(nb_man, km=_Kernel.km, **final_kwargs)
            client.kc = _Kernel.kc
            reply = client.wait_for_reply(_Kernel.kc.execute(RESET_CODE, silent=True, store_history=False))
            if reply is None or reply["content"].get("status") != "ok":
                shutdown_warm_kernel()
                raise RuntimeError("could not reset the warm kernel")
            _Kernel.notebooks += 1
            try:
                return client.execute(cleanup_kc=False)
            except BaseException:
                if not _kernel_alive():
                    shutdown_warm_kernel()
                raise

    return WarmKernelEngine


def register_engine() -> None:
    """Register the ``rrp-warm`` engine with papermill (in this process)."""
    from papermill.engines import papermill_engines

    if ENGINE_NAME not in papermill_engines._engines:
        papermill_engines.register(ENGINE_NAME, _make_engine())


def execute_notebook(input_path: Path, output_path: Path, parameters: dict[str, Any], *, isolated: bool = False):
    """Execute ``input_path`` with papermill into ``output_path`` (written even on failure).

    Returns the executed notebook; raises ``PapermillExecutionError`` when a cell failed.
    ``isolated`` runs it in a new kernel of its own (papermill's engine) instead of the warm one.
    """
    import papermill

    if not isolated:
        register_engine()
    return papermill.execute_notebook(
        str(input_path),
        str(output_path),
        parameters=parameters,
        engine_name=None if isolated else ENGINE_NAME,
        kernel_name="python3",
        progress_bar=False,
        request_save_on_cell_execute=False,
        store_widget_state=False,
        execution_timeout=CELL_TIMEOUT,
        log_output=False,
        kernel_manager_class=IPCKernelManager,
    )
