"""rrp_helpers.reports.batch: the batch on a small subset (files, a failing ward, ``--rerun-failed``,
skipping unchanged wards, errors that write nothing)."""

from __future__ import annotations

import json
import shutil

import pytest
from report_support import FAILURE, ROOT, options
from test_reports_index import index_rows

from rrp_helpers import cli
from rrp_helpers.errors import EXIT_FAILED, EXIT_OK
from rrp_helpers.reports import COLLABORATIVE_NOTEBOOKS, build_reports


@pytest.mark.slow
def test_files_written(first_run):
    out, summary = first_run
    assert (out / "index.html").exists() and (out / "manifest.json").exists()
    for stem in COLLABORATIVE_NOTEBOOKS:
        assert (out / "collaborative" / f"{stem}.html").exists()
        assert (out / "notebooks" / f"{stem}.ipynb").exists()
    assert (out / "wards" / "alder" / "alder.html").exists()
    assert (out / "notebooks" / "wards" / "alder.ipynb").exists()
    pngs = sorted(p.name for p in (out / "wards" / "alder").glob("*.png"))
    assert pngs == ["alder-rapid_tranquillisation.png", "alder-restraint.png", "alder-seclusion.png", "alder-total.png"]
    assert all((out / "wards" / "alder" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert not list(out.rglob(".rrp-tmp-*"))  # no temporary file left


@pytest.mark.slow
def test_failed_ward_does_not_stop_the_others(first_run):
    out, summary = first_run
    assert summary.exit_code == EXIT_FAILED
    assert not (out / "wards" / "ash" / "ash.html").exists()
    failed = out / "notebooks" / "wards" / "ash.failed.ipynb"
    assert failed.exists() and "ValueError" in failed.read_text()
    manifest = json.loads((out / "manifest.json").read_text())["entries"]
    assert manifest["ward:alder"]["status"] == "ok"
    assert manifest["ward:ash"]["status"] == "failed"
    assert manifest["ward:ash"]["error"] == f"ValueError: {FAILURE}"
    assert manifest["ward:birch"]["status"] == "no data"
    assert all(manifest[f"collaborative:{stem}"]["status"] == "ok" for stem in COLLABORATIVE_NOTEBOOKS)


@pytest.mark.slow
def test_unchanged_wards_are_skipped_and_rerun_failed(report_setup, first_run, tmp_path):
    _, data, _ = report_setup
    out = tmp_path / "out"  # a copy of the first run, so other tests keep seeing it as it was
    shutil.copytree(first_run[0], out)
    notebooks = tmp_path / "notebooks"
    shutil.copytree(report_setup[2], notebooks)
    alder_html = out / "wards" / "alder" / "alder.html"
    before = alder_html.stat().st_mtime_ns
    # Fix the ward notebook, then rerun just what failed.
    shutil.copy(ROOT / "notebooks" / "02_ward_report.ipynb", notebooks / "02_ward_report.ipynb")
    rerun = build_reports(options(data, out, notebooks, rerun_failed=True))
    assert [r.key for r in rerun.results] == ["ward:ash"]
    assert rerun.exit_code == EXIT_OK, rerun.format()
    assert (out / "wards" / "ash" / "ash.html").exists()
    assert not (out / "notebooks" / "wards" / "ash.failed.ipynb").exists()
    assert alder_html.stat().st_mtime_ns == before
    # The notebook changed since alder's report; a plain run redoes alder, then nothing.
    again = build_reports(options(data, out, notebooks, collaborative=False))
    assert [r.key for r in again.results] == ["ward:alder"]
    idle = build_reports(options(data, out, notebooks, collaborative=False))
    assert idle.results == [] and idle.exit_code == EXIT_OK
    assert "unchanged" in index_rows(out)["alder"]


def test_cli_errors_write_nothing(tmp_path, report_setup, capsys):
    _, data, _ = report_setup
    out = tmp_path / "out"
    assert cli.main(["reports", str(data), "--out", str(out), "--wards", "alder", "no-such-ward"]) == 2
    assert "no-such-ward" in capsys.readouterr().out
    bad = ROOT / "tests" / "bad_inputs" / "count_negative"
    assert cli.main(["reports", str(bad), "--out", str(out)]) == 2
    assert cli.main(["reports", str(data), "--out", str(out), "--jobs", "0"]) == 2
    assert not out.exists()
