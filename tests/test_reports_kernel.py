"""rrp_helpers.reports.kernel and .isolation: one warm kernel runs many notebooks, and a notebook
sees nothing of the one before it: neither its variables nor what it changed in the process
(module attributes, pandas options, Altair's data transformer, the working folder, environment
variables); a kernel is replaced after ``restart_every`` notebooks; ``isolated`` runs a kernel each."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from rrp_helpers.reports import kernel

pytestmark = pytest.mark.slow  # executes notebooks in Jupyter kernels


def _notebook(path: Path, *cells: str) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def _text(notebook) -> str:
    return "".join(output.get("text", "") for cell in notebook.cells for output in cell.outputs)


@pytest.fixture
def fresh_kernel():
    kernel.shutdown_warm_kernel()
    yield
    kernel.shutdown_warm_kernel()


def test_warm_kernel_is_reused_and_namespace_reset(tmp_path, fresh_kernel):
    first = _notebook(tmp_path / "a.ipynb", "import os\nsecret = 'ward a'\nprint(os.getpid())")
    second = _notebook(tmp_path / "b.ipynb", "import os, sys\nprint(os.getpid())\nprint('secret' in globals(), 'rrp_helpers.charts' in sys.modules)")
    a = kernel.execute_notebook(first, tmp_path / "a.out.ipynb", {})
    b = kernel.execute_notebook(second, tmp_path / "b.out.ipynb", {})
    pid_a = _text(a).strip()
    pid_b, flags = _text(b).strip().splitlines()
    assert pid_a == pid_b  # the same kernel ran both notebooks
    assert flags == "False True"  # no variable of the first; modules imported by the warm-up stay


CHANGE_EVERYTHING = """
import os, sys, altair as alt, pandas as pd, numpy as np
import rrp_helpers.outcomes as outcomes, rrp_helpers.data.model as model
print(os.getpid())
outcomes.SUSTAINED_IMPROVEMENT = "hacked"
model.BRAND_NEW = 1
pd.set_option("display.max_rows", 3)
alt.data_transformers.disable_max_rows()
alt.renderers.enable("svg")
os.chdir("/")
os.environ["RRP_TEST_LEAK"] = "leaked"
sys.path.insert(0, "/leak")
np.random.seed(1)
"""
LOOK = """
import os, sys, altair as alt, pandas as pd, numpy as np
import rrp_helpers.outcomes as outcomes, rrp_helpers.data.model as model
print(os.getpid())
print(outcomes.SUSTAINED_IMPROVEMENT, hasattr(model, "BRAND_NEW"), pd.get_option("display.max_rows"),
      alt.data_transformers.active, alt.renderers.active, os.getcwd() == START, "RRP_TEST_LEAK" in os.environ,
      "/leak" in sys.path, np.random.get_state()[1][0] == STATE)
"""


def test_a_notebook_sees_nothing_the_one_before_changed(tmp_path, fresh_kernel):
    probe = _notebook(tmp_path / "probe.ipynb", "import os, numpy as np\nprint(os.getcwd())\nprint(np.random.get_state()[1][0])")
    start, state = _text(kernel.execute_notebook(probe, tmp_path / "p.out.ipynb", {})).split()
    changer = _notebook(tmp_path / "change.ipynb", CHANGE_EVERYTHING)
    looker = _notebook(tmp_path / "look.ipynb", f"START = {start!r}\nSTATE = {state}\n" + LOOK)
    changed = _text(kernel.execute_notebook(changer, tmp_path / "c.out.ipynb", {})).split()[0]
    pid, *seen = _text(kernel.execute_notebook(looker, tmp_path / "l.out.ipynb", {})).split()
    assert pid == changed  # the same warm kernel
    assert seen == ["improvement", "False", "60", "default", "default", "True", "False", "False", "True"]


def test_the_kernel_is_replaced_after_restart_every_notebooks(tmp_path, fresh_kernel):
    pid = _notebook(tmp_path / "pid.ipynb", "import os\nprint(os.getpid())")
    kernel.start_warm_kernel(restart_every=2)
    try:
        pids = [_text(kernel.execute_notebook(pid, tmp_path / f"{k}.ipynb", {})).strip() for k in range(5)]
    finally:
        kernel._Kernel.restart_every = kernel.DEFAULT_RESTART_EVERY
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]


def test_isolated_notebooks_get_a_kernel_each(tmp_path, fresh_kernel):
    pid = _notebook(tmp_path / "pid.ipynb", "import os\nprint(os.getpid())")
    pids = {_text(kernel.execute_notebook(pid, tmp_path / f"{k}.ipynb", {}, isolated=True)).strip() for k in range(2)}
    assert len(pids) == 2


def test_kernels_talk_over_ipc_not_tcp(tmp_path, fresh_kernel):
    kernel.start_warm_kernel()
    assert kernel._Kernel.km.transport == "ipc"
