"""rrp_helpers.reports.distributed: the batch on Dask (``rrp reports --dask`` / ``--scheduler``):
the same reports as the local pool, refused workers and schedulers (exit 2, nothing written)."""

from __future__ import annotations

import json

import pytest
from report_support import FAILURE, options

from rrp_helpers import cli
from rrp_helpers.errors import EXIT_DATA, EXIT_FAILED, UsageError
from rrp_helpers.reports import build_reports
from rrp_helpers.reports.batch import LOCAL_CLUSTER

distributed = pytest.importorskip("rrp_helpers.reports.distributed")


@pytest.mark.slow
def test_a_local_dask_cluster_makes_the_same_reports_as_the_pool(report_setup, first_run, tmp_path):
    _, data, notebooks = report_setup
    out = tmp_path / "out"
    summary = build_reports(options(data, out, notebooks, collaborative=False, png=False,
                                    scheduler=LOCAL_CLUSTER))
    assert summary.exit_code == EXIT_FAILED  # ash's notebook raises, as in the pool's run
    entries = json.loads((out / "manifest.json").read_text())["entries"]
    assert {key: entry["status"] for key, entry in entries.items()} == {"ward:alder": "ok", "ward:ash": "failed", "ward:birch": "no data"}
    assert entries["ward:ash"]["error"] == f"ValueError: {FAILURE}"
    pool_out = first_run[0]
    # The same chart data and icons as the local pool's run (the kernels ran the same notebook).
    csv = "wards/alder/alder-chart-data.csv"
    assert (out / csv).read_bytes() == (pool_out / csv).read_bytes()
    pool_entries = json.loads((pool_out / "manifest.json").read_text())["entries"]
    assert entries["ward:alder"]["icons"] == pool_entries["ward:alder"]["icons"]
    assert (out / "wards" / "alder" / "alder.html").stat().st_size > 100_000
    assert not list(out.rglob(".rrp-tmp-*"))


class _FakeClient:
    """What :meth:`DaskRun.check` asks of a client: each worker's view, as given."""

    def __init__(self, views):
        self.views = views

    def run(self, function, *args, on_error="raise"):
        return {address: view(*args) if callable(view) else view for address, view in self.views.items()}


def test_workers_running_other_code_or_seeing_other_files_are_refused(report_setup, tmp_path):
    _, data, notebooks = report_setup
    run = distributed.DaskRun(options(data, tmp_path / "out", notebooks, scheduler="tcp://example:8786"), local=False)
    same = distributed._worker_view
    other_code = lambda *args: {**same(*args), "code": "0" * 64}  # noqa: E731
    blind = lambda inputs, probe, folder: {**same(inputs, probe, folder), "inputs": dict.fromkeys(inputs), "sees_probe": False}  # noqa: E731
    run.client = _FakeClient({"tcp://w1:1": same, "tcp://w2:2": other_code, "tcp://w3:3": blind,
                              "tcp://w4:4": ModuleNotFoundError("No module named 'rrp_helpers'")})
    with pytest.raises(UsageError) as refused:
        run.check()
    message = str(refused.value)
    assert "tcp://w1:1" not in message  # the worker that matches
    assert "tcp://w2:2 runs rrp-workbook" in message and "(code 000000000000)" in message
    assert f"tcp://w3:3 does not see the same files at {data.resolve()}" in message
    assert "tcp://w4:4 cannot run rrp-workbook: ModuleNotFoundError" in message
    assert "Nothing was written" in message and not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".rrp-probe-*"))  # the probe file is removed


def test_an_unreachable_scheduler_is_refused_and_nothing_written(report_setup, tmp_path, monkeypatch, capsys):
    _, data, notebooks = report_setup
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 2)
    out = tmp_path / "out"
    code = cli.main(["reports", str(data), "--out", str(out), "--wards", "alder", "--quiet", "--scheduler", "tcp://127.0.0.1:9"])
    assert code == EXIT_DATA and not out.exists()
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


def test_dask_and_scheduler_together_are_refused(report_setup, tmp_path, capsys):
    _, data, _ = report_setup
    code = cli.main(["reports", str(data), "--out", str(tmp_path / "out"), "--dask", "--scheduler", "tcp://127.0.0.1:9"])
    assert code == EXIT_DATA and not (tmp_path / "out").exists()
    assert "give one of them" in capsys.readouterr().err


def test_the_batch_imports_dask_only_when_asked():
    import subprocess
    import sys

    code = "import sys, rrp_helpers.cli, rrp_helpers.reports.batch; print('distributed' in sys.modules or 'dask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
