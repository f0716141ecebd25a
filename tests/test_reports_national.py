"""``rrp reports`` at national size: a synthetic collaborative of 1,500 wards x 60 months, two
ward reports and every collaborative notebook, exits 0; the pages summarise instead of drawing
every ward (the charts beyond 60 wards, the explorer, the summary matrix)."""

from __future__ import annotations

import json

import pytest

from rrp_helpers.national import write_national
from rrp_helpers.reports import ReportOptions, build_reports
from rrp_helpers.reports.index import PAGE_ROWS

pytestmark = pytest.mark.slow

WARDS = 1500


@pytest.fixture(scope="module")
def national_reports(tmp_path_factory):
    base = tmp_path_factory.mktemp("national-reports")
    data = write_national(base / "data", WARDS, 60, seed=3)
    out = base / "out"
    summary = build_reports(ReportOptions(data=data, out=out, wards=["ward-0001", "ward-1500"], jobs=2, progress=False))
    return out, summary


def test_every_notebook_runs_at_1500_wards(national_reports):
    out, summary = national_reports
    assert summary.exit_code == 0, summary.format()
    entries = json.loads((out / "manifest.json").read_text())["entries"]
    assert {key: entry["status"] for key, entry in entries.items() if entry["status"] != "ok"} == {}
    assert len(entries) == 2 + 4


def test_the_pages_summarise_beyond_60_wards(national_reports):
    out, _ = national_reports
    page = {name: (out / "collaborative" / f"{name}.html").read_text(encoding="utf-8")
            for name in ("00_data_quality", "01_collaborative", "03_change_concepts", "04_explorer")}
    assert f"The 40 wards with the most missing months, of {WARDS:,}" in page["00_data_quality"]
    assert "Change concepts tested, trust by trust" in page["03_change_concepts"]
    assert f"{WARDS:,} wards: too many for one table here" in page["01_collaborative"]
    assert "too many to carry in one page" in page["04_explorer"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr data-trust=") == PAGE_ROWS and index.count("<tr hidden data-trust=") == WARDS - PAGE_ROWS
    assert 'name="search"' in index  # every ward is in the page; one page of rows is laid out at first
