"""Execute the workbook's notebooks in place, so the outputs stored for nbval come from a real run.

Usage: ``python tools/execute_notebooks.py [NAME ...]`` (default: every notebook in notebooks/).
Uses nbclient directly (not papermill) so no run-specific metadata lands in the files, and
stores no widget state (it would add about 1 MB of JavaScript to a notebook).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from rrp_helpers.paths import NOTEBOOKS_DIR
from rrp_helpers.reports.kernel import IPCKernelManager


def execute(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}, store_widget_state=False,
        kernel_manager_class=IPCKernelManager,
    )
    client.execute()
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return time.perf_counter() - started


def main(names: list[str]) -> None:
    paths = [NOTEBOOKS_DIR / f"{name}.ipynb" for name in names] or sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
    for path in paths:
        print(f"{path.name}: executed in {execute(path):.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
