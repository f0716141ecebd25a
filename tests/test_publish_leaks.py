"""``--publish`` on a collaborative built to have small counts: no statistic derived from fewer than
five incidents reaches any published file (CSV, workbook, executed notebooks, HTML pages, chart
data, the index), while the same statistics of well-populated wards are published."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from notebook_charts import chart_specs, specs_in_text

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BASELINE = [f"2017-{m:02d}" for m in range(8, 13)] + [f"2018-{m:02d}" for m in range(1, 8)]
SMALL = ("alder", "ash")  # alder: restraint's only baseline count is 3; ash: one month of 2, one of 1
NORMAL = "oak"


def _small_collaborative(folder: Path) -> Path:
    shutil.copytree(ROOT / "data" / "demo", folder)
    monthly = pd.read_csv(folder / "monthly.csv", dtype=str, keep_default_na=False)
    alder = monthly["ward_id"].eq("alder") & monthly["measure"].eq("restraint") & monthly["month"].isin(BASELINE)
    monthly.loc[alder, "count"] = ""
    monthly.loc[alder & monthly["month"].eq("2017-08"), "count"] = "3"
    ash = monthly["ward_id"].eq("ash")
    monthly.loc[ash, "count"] = ""
    monthly.loc[ash & monthly["month"].eq("2017-09"), "count"] = "2"
    monthly.loc[ash & monthly["month"].eq("2018-09"), "count"] = "1"
    monthly.to_csv(folder / "monthly.csv", index=False)
    for table in ("safety_cross", "incident_reports"):
        frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        frame[~frame["ward_id"].isin(SMALL)].to_csv(folder / f"{table}.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    base = tmp_path_factory.mktemp("leaks")
    data = _small_collaborative(base / "data")
    rrp = [sys.executable, "-m", "rrp_helpers.cli"]
    results = subprocess.run([*rrp, "results", str(data), "--out", str(base / "results"), "--publish"], capture_output=True, text=True)
    assert results.returncode == 0, results.stderr
    reports = subprocess.run([*rrp, "reports", str(data), "--out", str(base / "reports"), "--publish", "--wards", *SMALL, NORMAL,
                              "--jobs", "2", "--quiet"], capture_output=True, text=True)
    assert reports.returncode == 0, reports.stdout + reports.stderr
    return base / "results", base / "reports"


def _team_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index(["ward_id", "measure"])


def test_results_files_suppress_statistics_from_few_incidents(published):
    results, _ = published
    from_csv = _team_rows(pd.read_csv(results / "team_results.csv", dtype=str, keep_default_na=False))
    from_xlsx = _team_rows(pd.read_excel(results / "results.xlsx", sheet_name="team_results", dtype=str).fillna(""))
    for table in (from_csv, from_xlsx):
        assert table.loc[("alder", "restraint"), "baseline_mean"] == "*"
        assert "baseline: *" in table.loc[("alder", "restraint"), "phase_means"] or table.loc[("alder", "restraint"), "phase_means"] == ""
        for measure in ("restraint", "seclusion", "rapid_tranquillisation"):
            row = table.loc[("ash", measure)]
            assert row["baseline_mean"] == "*" and row["testing_mean"] == "*", (measure, dict(row))
        total = table.loc[("ash", "total")]  # 2 + 2 + 2 incidents in the baseline: publishable; 3 in testing: not
        assert (total["baseline_mean"], total["testing_mean"]) == ("6", "*")
        assert re.fullmatch(r"\d+", table.loc[(NORMAL, "restraint"), "baseline_mean"])  # published, rounded
        assert not any(column.endswith("_incidents") for column in table.columns)


def _charts_of(page_or_notebook) -> list[dict]:
    return specs_in_text(page_or_notebook) if isinstance(page_or_notebook, str) else chart_specs(page_or_notebook)


def _points(specs: list[dict]) -> list[dict]:
    return [row for spec in specs for rows in spec.get("datasets", {}).values() for row in rows if "point_type" in row]


def test_charts_carry_no_limit_or_count_from_few_incidents(published):
    _, reports = published
    for ward in SMALL:
        notebook = nbformat.read(reports / "notebooks" / "wards" / f"{ward}.ipynb", as_version=4)
        page = (reports / "wards" / ward / f"{ward}.html").read_text()
        for specs in (_charts_of(notebook), _charts_of(page)):
            points = _points(specs)
            assert points
            assert all(row["y"] is None or row["y"] % 5 == 0 for row in points)
        panels = {spec["title"]["text"].split(": ")[-1]: spec for spec in
                  [panel for row in _charts_of(notebook)[0]["vconcat"] for panel in row["hconcat"]]}
        # ash's total had 6 incidents in its baseline (2 + 2 + 2): its limits may be published.
        suppressed_panels = ["Physical restraint"] if ward == "alder" else ["Physical restraint", "Seclusion", "Rapid tranquillisation"]
        dashboard = _charts_of(notebook)[0]
        for title in suppressed_panels:
            names = {layer["data"]["name"] for layer in panels[title].get("layer", []) if "data" in layer}
            names.add(panels[title].get("data", {}).get("name"))
            rows = [row for name in names if name for row in dashboard["datasets"].get(name, []) if "cl" in row]
            first = min(row["part"] for row in rows)
            first_phase = [row for row in rows if row["part"] == first]
            assert first_phase and all(row["cl"] is None and row["ucl"] is None for row in first_phase), (ward, title)


def test_notebook_tables_and_the_index_suppress_them_too(published):
    _, reports = published
    from bs4 import BeautifulSoup

    notebook = nbformat.read(reports / "notebooks" / "wards" / "ash.ipynb", as_version=4)
    columns = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for table in BeautifulSoup(str(output.get("data", {}).get("text/html", "")), "html.parser").find_all("table"):
                header = [th.get_text(strip=True) for th in table.find("thead").find_all("th")] if table.find("thead") else []
                if "Baseline mean" in header:  # the ward's results table, with people's headers
                    position = header.index("Baseline mean")
                    columns.append([row.find_all(["th", "td"])[position].get_text(strip=True)
                                    for row in table.find("tbody").find_all("tr")])
    assert columns and columns[0][:3] == ["*", "*", "*"], columns
    index = (reports / "index.html").read_text()
    soup = BeautifulSoup(index, "html.parser")
    measures = [th.get_text(strip=True).rstrip("\u2195 ") for th in soup.select("#matrix thead th")][4:-2]
    for ward, label in (("alder", "Physical restraint"), ("ash", "Seclusion")):
        row = next(tr for tr in soup.select("#wards tr") if tr.select_one("div.muted").get_text() == ward)
        cell = row.select("td.cell")[measures.index(label)].get_text(" ", strip=True)
        assert not re.search(r"\d+% from", cell), cell  # a change from few incidents: its direction at most
    collaborative = nbformat.read(reports / "notebooks" / "01_collaborative.ipynb", as_version=4)
    text = json.dumps([cell.get("outputs", []) for cell in collaborative.cells])
    assert "rounded to the nearest 5" in text
