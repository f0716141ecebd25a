"""rrp_helpers.reports.tasks: a task whose notebook raises is reported as failed with the error's
first line, keeps its executed notebook as ``*.failed.ipynb``, writes no page (the previous good
report stays) and never raises."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from rrp_helpers.reports import kernel
from rrp_helpers.reports.tasks import STATUS_FAILED, Task, run_task

pytestmark = pytest.mark.slow  # executes a notebook in a Jupyter kernel


@pytest.fixture
def warm_kernel():
    kernel.shutdown_warm_kernel()
    yield
    kernel.shutdown_warm_kernel()


def _task(tmp_path: Path, notebook: Path) -> Task:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return Task(
        key="ward:alder", label="alder", notebook=notebook, parameters={}, notebook_out=out / "alder.ipynb",
        failed_out=out / "alder.failed.ipynb", html_out=out / "alder.html", title="Alder", caption="",
        index_href="../index.html",
    )


def test_a_notebook_that_raises_is_failed_with_its_first_line(tmp_path, warm_kernel):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell('raise ValueError("ward data broken\\nsecond line")'),
    ])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "raises.ipynb")
    task = _task(tmp_path, tmp_path / "raises.ipynb")
    task.html_out.write_text("the previous good report")
    result = run_task(task)
    assert (result.key, result.status) == ("ward:alder", STATUS_FAILED)
    assert result.error == "ValueError: ward data broken"
    failed = nbformat.read(task.failed_out, as_version=4)
    assert failed.cells[-1].outputs[0]["ename"] == "ValueError"
    assert task.html_out.read_text() == "the previous good report"
    assert not task.notebook_out.exists()
    assert sorted(p.name for p in task.html_out.parent.iterdir()) == ["alder.failed.ipynb", "alder.html"]


def test_a_task_that_cannot_start_is_failed_not_raised(tmp_path, warm_kernel):
    task = _task(tmp_path, tmp_path / "missing.ipynb")
    result = run_task(task)
    assert result.status == STATUS_FAILED and "missing.ipynb" in result.error
    assert not task.html_out.exists() and not task.notebook_out.exists() and not task.failed_out.exists()
