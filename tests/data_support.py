"""Tests' helper for the data package: a valid collaborative built from plain tables.

A valid collaborative (3 wards x 24 months x 3 measures, with every optional file) is built in a
folder by :func:`write_dir` (or as one workbook by :func:`write_xlsx`) from :func:`base_tables`;
each test breaks one thing and asserts the problem's file, row, column and key words with
:func:`one`. The ``tables`` and ``good`` fixtures (``tests/conftest.py``) hand each test its own
copy. Folder-per-fault cases live in tests/bad_inputs (test_data_corpus.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from rrp_helpers.data import MEASURES, Problem, ValidationReport

WARDS = ["ward-a", "ward-b", "ward-c"]
MONTHS = [f"{y}-{m:02d}" for y in (2018, 2019) for m in range(1, 13)]
TOML = """name = "Test collaborative (synthetic)"
synthetic = true
description = "Three wards, two years"
baseline = ["2018-01", "2018-12"]
testing = ["2019-01", "2019-12"]
shift_points = 8
trend_points = 6
aim_reduction_pct = 33
rate_per = 1000
"""
SETTINGS: list[tuple[str, Any]] = [
    ("name", "Test collaborative (synthetic)"), ("synthetic", True),
    ("description", "Three wards, two years"), ("baseline", "2018-01:2018-12"),
    ("testing", "2019-01:2019-12"), ("shift_points", 8), ("trend_points", 6),
    ("aim_reduction_pct", 33), ("rate_per", 1000),
]
NHS = "943 476 5919"          # a valid NHS number (Modulus 11 passes)
NHS_DIGITS = "9434765919"
NOT_NHS = "9434765918"        # ten digits, check digit wrong


def row_of(ward: int, month: int, measure: int) -> int:
    """Spreadsheet row of a monthly.csv cell in the fixture (header = 1)."""
    return ward * 72 + month * 3 + measure + 2


def base_tables() -> dict[str, pd.DataFrame]:
    """The valid fixture's tables, as text."""
    wards = pd.DataFrame({
        "ward_id": WARDS, "ward_name": ["Ward A", "Ward B", "Ward C"],
        "trust": ["Trust One", "Trust One", "Trust Two"], "specialty": ["Acute", "PICU", "Acute"],
        "ward_type": ["Adult", "Adult", "Older adult"], "gender": ["Mixed", "Male", "Female"],
        "beds": ["18", "12", ""]})
    rows = []
    for w, ward in enumerate(WARDS):
        for m, month in enumerate(MONTHS):
            for k, measure in enumerate(MEASURES):
                rows.append([ward, month, measure, str((w * 3 + m * 7 + k * 5) % 9),
                             str(540 - 30 * w), "incident_report"])
    monthly = pd.DataFrame(rows, columns=["ward_id", "month", "measure", "count",
                                          "occupied_bed_days", "source"])
    # ward-a, 2019-01, restraint comes from a daily safety cross
    i = row_of(0, 12, 0) - 2
    monthly.loc[i, ["count", "source"]] = ["4", "safety_cross"]
    safety = pd.DataFrame({"ward_id": "ward-a",
                           "date": [f"2019-01-{d:02d}" for d in range(1, 32)],
                           "measure": "restraint",
                           "count": ["1" if d in (3, 17, 30) else ("1" if d == 9 else "0")
                                     for d in range(1, 32)]})
    incidents = pd.DataFrame({"ward_id": "ward-a", "month": ["2018-01", "2018-02", "2018-03"],
                              "measure": "restraint", "count": ["3", "4", "5"]})
    package = pd.DataFrame({
        "primary_driver": ["Staff", "Patients", "The ward"],
        "secondary_driver": ["Channels of communication between staff", "Person-centred care",
                             "Physical environment"],
        "change_concept": ["Safety huddles", "Sleep hygiene", "Improved indoor and outdoor space"]})
    ideas = pd.DataFrame({
        "ward_id": ["ward-a", "ward-b"], "idea_id": ["A1", "B1"],
        "idea": ["Huddle at 9 am, café style", "Quiet room"],
        "change_concept": ["Safety huddles", "Improved indoor and outdoor space"],
        "started": ["2019-02", "2019-03"], "pdsa_cycles": ["3", ""], "status": ["adopted", "testing"]})
    ann = pd.DataFrame({"ward_id": ["ALL", "ward-b"], "month": ["2019-01", "2019-06"],
                        "note": ["Testing period starts", "New ward manager <b>"],
                        "measure": ["", "seclusion"]})
    eng = pd.DataFrame({"ward_id": ["ward-a", "ward-b"], "month": ["2019-01", "2019-01"],
                        "learning_set_attended": ["TRUE", ""], "coach_contacts": ["2", "0"],
                        "data_on_time": ["yes", "no"]})
    return {"wards": wards, "monthly": monthly, "safety_cross": safety,
            "incident_reports": incidents, "change_package": package, "change_ideas": ideas,
            "annotations": ann, "engagement": eng}


def write_dir(d: Path, tables: dict[str, pd.DataFrame], toml: str = TOML) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "collaborative.toml").write_text(toml, encoding="utf-8")
    for stem, df in tables.items():
        df.to_csv(d / f"{stem}.csv", index=False)
    return d


def write_xlsx(path: Path, tables: dict[str, pd.DataFrame], settings_rows=SETTINGS,
               title_rows: int = 0, native: bool = True) -> Path:
    """Workbook version; ``native`` writes numbers as numbers and months as Excel dates."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "collaborative"
    ws.append(["key", "value"])
    for k, v in settings_rows:
        ws.append([k, v])
    for stem, df in tables.items():
        ws = wb.create_sheet(stem)
        for t in range(title_rows):
            ws.append([f"Title line {t + 1} for {stem}"])
        ws.append(list(df.columns))
        for rec in df.itertuples(index=False):
            ws.append([_excel_value(c, v) if native else v for c, v in zip(df.columns, rec)])
    wb.save(path)
    return path


def _excel_value(column: str, v: str) -> Any:
    if v == "":
        return None
    if column in ("month", "started") and len(v) == 7:
        return dt.datetime(int(v[:4]), int(v[5:]), 1)
    if column == "date":
        return dt.datetime.strptime(v, "%Y-%m-%d")
    if column in ("count", "beds", "pdsa_cycles", "coach_contacts"):
        return int(v)
    if column == "occupied_bed_days":
        return float(v)
    return v


def problems_at(report: ValidationReport, file: str, row: int | None, column: str | None,
                severity: str | None = None) -> list[Problem]:
    return [p for p in report.problems if (p.file, p.row, p.column) == (file, row, column)
            and (severity is None or p.severity == severity)]


def one(report: ValidationReport, file: str, row: int | None, column: str | None,
        severity: str, *words: str) -> Problem:
    hits = problems_at(report, file, row, column, severity)
    assert hits, f"no {severity} at {file} row {row} column {column}:\n{report.format()}"
    text = " ".join(p.message + " " + p.hint for p in hits)
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"
    return hits[0]
