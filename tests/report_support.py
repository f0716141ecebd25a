"""Tests' helper: a small collaborative and notebooks set up for batch runs (see conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pandas as pd

from rrp_helpers.reports import ReportOptions

ROOT = Path(__file__).resolve().parents[1]
WARDS = ["alder", "ash", "birch"]  # alder ok, ash made to fail, birch without data
EVIL_NAME = 'Alder <script>alert("x")</script> & Co'
EVIL_NOTE = "New lead <img src=x onerror=alert(1)> </script><script>alert(2)</script>"
FAILURE = "ward data broken: <b>ash</b>"


def make_setup(base: Path) -> tuple[Path, Path, Path]:
    """(base, data, notebooks): the demo with a hostile ward name and note, a ward without data,
    and a ward notebook that raises for ``ash``."""
    from rrp_helpers.data import validate

    data = base / "data" / "demo"
    shutil.copytree(ROOT / "data" / "demo", data)
    shutil.copytree(ROOT / "data" / "reference", base / "data" / "reference")
    wards = pd.read_csv(data / "wards.csv", dtype=str, keep_default_na=False)
    wards.loc[wards["ward_id"].eq("alder"), "ward_name"] = EVIL_NAME
    wards.to_csv(data / "wards.csv", index=False)
    with (data / "annotations.csv").open("a") as annotations:
        annotations.write(f'alder,2019-03,"{EVIL_NOTE}",\n')
    monthly = pd.read_csv(data / "monthly.csv", dtype=str, keep_default_na=False)
    monthly.loc[monthly["ward_id"].eq("birch"), "count"] = ""  # every count missing: "no data"
    monthly.to_csv(data / "monthly.csv", index=False)
    for table in ("safety_cross", "incident_reports"):  # they would no longer add up to birch's counts
        frame = pd.read_csv(data / f"{table}.csv", dtype=str, keep_default_na=False)
        frame[~frame["ward_id"].eq("birch")].to_csv(data / f"{table}.csv", index=False)
    assert not validate(data).errors
    # A ward report that raises for one ward (no valid data we found makes the shipped notebook
    # fail: validation catches it first), and an error text that must be escaped in the index.
    notebooks = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    ward_nb = nbformat.read(notebooks / "02_ward_report.ipynb", as_version=4)
    broken = nbformat.v4.new_code_cell(f'if ward_id == "ash":\n    raise ValueError({FAILURE!r})')
    ward_nb.cells.insert(4, broken)
    nbformat.write(ward_nb, notebooks / "02_ward_report.ipynb")
    return base, data, notebooks


def options(data: Path, out: Path, notebooks: Path, **overrides) -> ReportOptions:
    return ReportOptions(data=data, out=out, wards=WARDS, jobs=2, progress=False, notebooks_dir=notebooks,
                         **({"png": True} | overrides))
