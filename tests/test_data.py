"""Tests of rrp_helpers.data: loading, validation messages, Excel workbooks and privacy.

A valid collaborative (3 wards × 24 months × 3 measures, with every optional file) is built
in tmp_path by :func:`build`; each test breaks one thing and asserts the problem's file, row,
column and key words. Folder-per-fault cases live in tests/bad_inputs (test_data_corpus.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rrp_helpers import paths
from rrp_helpers.data import (
    MEASURES,
    TOTAL,
    Collaborative,
    CollaborativeConfig,
    DataError,
    MeasureSpec,
    Problem,
    ValidationReport,
    load_collaborative,
    validate,
)
from rrp_helpers.privacy import contains_nhs_number, identifier_column_reason, is_valid_nhs_number

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


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return base_tables()


@pytest.fixture
def good(tmp_path: Path, tables) -> Path:
    return write_dir(tmp_path / "collab", tables)


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


# ----------------------------------------------------------------------------- valid data


def test_valid_collaborative_loads_with_typed_tables(good: Path) -> None:
    report = validate(good)
    assert report.ok and report.problems == (), report.format()
    c = load_collaborative(good)
    assert isinstance(c, Collaborative) and c.problems == ()
    assert c.config.name == "Test collaborative (synthetic)" and c.config.synthetic
    assert c.config.measure_names() == MEASURES
    assert len(c.monthly) == 3 * 24 * 3
    assert list(c.monthly.columns) == ["ward_id", "month", "measure", "count",
                                       "occupied_bed_days", "source", "suppressed"]
    assert c.monthly["count"].dtype == "Int64"
    assert c.monthly["occupied_bed_days"].dtype == "Float64"
    assert c.monthly["suppressed"].dtype == bool and not c.monthly["suppressed"].any()
    assert pd.api.types.is_datetime64_any_dtype(c.monthly["month"])
    assert (c.monthly["month"].dt.day == 1).all()
    assert c.monthly.equals(c.monthly.sort_values(["ward_id", "measure", "month"]).reset_index(drop=True))
    assert c.wards["ward_id"].tolist() == WARDS
    assert c.wards["beds"].dtype == "Int64" and c.wards["beds"].isna().sum() == 1
    got = c.monthly.set_index(["ward_id", "month", "measure"])["count"]
    assert got[("ward-a", pd.Timestamp("2019-01-01"), "restraint")] == 4
    assert c.safety_cross["count"].sum() == 4 and c.safety_cross["count"].dtype == "int64"
    assert c.change_ideas["pdsa_cycles"].tolist()[1] is pd.NA
    assert c.change_ideas["started"].dt.day.eq(1).all()
    assert c.annotations["measure"].isna().sum() == 1 and "ALL" in c.annotations["ward_id"].tolist()
    assert c.engagement["learning_set_attended"].dtype == "boolean"
    assert c.engagement["data_on_time"].tolist() == [True, False]
    assert c.change_package.shape == (3, 3)
    assert TOTAL not in c.monthly["measure"].unique()


def test_config_periods_and_measures(good: Path) -> None:
    cfg = load_collaborative(good).config
    assert isinstance(cfg, CollaborativeConfig)
    assert len(cfg.months()) == 24 and cfg.months()[0] == pd.Timestamp("2018-01-01")
    assert len(cfg.baseline_months()) == 12 and len(cfg.testing_months()) == 12
    assert cfg.testing_months()[0] == pd.Timestamp("2019-01-01")
    assert cfg.measure("seclusion") == MeasureSpec("seclusion", "Seclusion", "down", "outcome")
    assert cfg.measure("restraint").label == "Physical restraint"
    assert (cfg.shift_points, cfg.trend_points, cfg.aim_reduction_pct, cfg.rate_per) == (8, 6, 33.0, 1000)
    assert cfg.values_rounded_to is None
    with pytest.raises(KeyError):
        cfg.measure("restrain")


def test_monitoring_only_without_testing_period(tmp_path: Path, tables) -> None:
    toml = TOML.replace('testing = ["2019-01", "2019-12"]\n', "").replace(
        '"2018-12"', '"2019-12"')
    c = load_collaborative(write_dir(tmp_path / "c", tables, toml))
    assert c.config.testing_start is None and len(c.config.testing_months()) == 0
    assert len(c.config.months()) == 24


def test_measures_table_with_balancing_measure(tmp_path: Path, tables) -> None:
    toml = TOML + "".join(
        f'\n[measures.{m}]\nlabel = "{m.title()}"\ndirection = "down"\nkind = "outcome"\n'
        for m in MEASURES) + '\n[measures.staff_injuries]\nlabel = "Staff injuries"\ndirection = "up"\nkind = "balancing"\n'
    m = tables["monthly"]
    extra = m[m["measure"] == "restraint"].assign(measure="staff_injuries")
    tables["monthly"] = pd.concat([m, extra], ignore_index=True)
    c = load_collaborative(write_dir(tmp_path / "c", tables, toml))
    assert c.config.measure("staff_injuries") == MeasureSpec("staff_injuries", "Staff injuries", "up", "balancing")
    assert len(c.monthly) == 3 * 24 * 4


# ------------------------------------------------------------------- missing and suppressed


def test_missing_ward_months_are_na_with_one_warning_per_ward(tmp_path: Path, tables) -> None:
    m = tables["monthly"]
    drop = ((m["ward_id"] == "ward-b") & m["month"].isin(["2018-03", "2019-01", "2019-02"])) | \
           ((m["ward_id"] == "ward-c") & (m["month"] == "2018-06") & (m["measure"] == "seclusion"))
    tables["monthly"] = m[~drop]
    c = load_collaborative(write_dir(tmp_path / "c", tables))
    assert len(c.monthly) == 216
    gone = c.monthly[(c.monthly["ward_id"] == "ward-b") & (c.monthly["month"] == "2019-02-01")]
    assert gone["count"].isna().all() and len(gone) == 3         # NA, never 0
    assert gone["occupied_bed_days"].isna().all()
    warns = [p for p in c.problems if "no count" in p.message]
    assert [p.message.split(":")[0] for p in warns] == ["ward ward-b", "ward ward-c"]
    assert "2018-03, 2019-01 to 2019-02 (3 months)" in warns[0].message
    assert "2018-06: seclusion" in warns[1].message
    assert all(p.file == "monthly.csv" and p.column == "count" for p in warns)


def test_empty_count_is_missing_not_zero(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[row_of(1, 5, 2) - 2, "count"] = ""
    d = write_dir(tmp_path / "c", tables)
    report = validate(d)
    assert report.ok
    one(report, "monthly.csv", row_of(1, 5, 2), "count", "warning", "ward ward-b", "2018-06",
        "never counted as 0")
    c = load_collaborative(d)
    cell = c.monthly[(c.monthly["ward_id"] == "ward-b") & (c.monthly["month"] == "2018-06-01")
                     & (c.monthly["measure"] == "rapid_tranquillisation")]
    assert cell["count"].isna().all()
    assert cell["occupied_bed_days"].notna().all()


def test_star_is_suppressed_and_reported_once(tmp_path: Path, tables) -> None:
    rows = [row_of(0, m, 1) for m in range(4)]
    tables["monthly"].loc[[r - 2 for r in rows], "count"] = "*"
    d = write_dir(tmp_path / "c", tables)
    report = validate(d)
    stars = [p for p in report.problems if "'*'" in p.message]
    assert len(stars) == 1 and stars[0].row == rows[0] and "4 counts" in stars[0].message
    c = load_collaborative(d)
    sup = c.monthly[c.monthly["suppressed"]]
    assert len(sup) == 4 and sup["count"].isna().all()


def test_values_rounded_to(tmp_path: Path, tables) -> None:
    tables["monthly"]["count"] = "5"
    tables["monthly"].loc[row_of(0, 12, 0) - 2, "source"] = "incident_report"
    tables["monthly"].loc[10, "count"] = "7"
    del tables["safety_cross"]
    c = load_collaborative(write_dir(tmp_path / "c", tables, TOML + "values_rounded_to = 5\n"))
    assert c.config.values_rounded_to == 5
    assert any("multiples of 5" in p.message and p.row == 12 for p in c.problems)


# ------------------------------------------------------------------------------ bad values


BAD_COUNTS = [("-1", ("whole numbers", "negative")), ("1.5", ("whole numbers", "fractions")),
              ("lots", ("not a number",)), ("1,000", ("not a number",)), ("inf", ("not a number",)),
              (NHS_DIGITS[:-1], ("implausibly large",))]


def test_bad_counts(tmp_path: Path, tables) -> None:
    rows = [row_of(2, 20 - i, 1) for i in range(len(BAD_COUNTS))]
    for r, (value, _) in zip(rows, BAD_COUNTS):
        tables["monthly"].loc[r - 2, "count"] = value
    report = validate(write_dir(tmp_path / "c", tables))
    assert len(report.errors) == len(BAD_COUNTS)
    for r, (value, words) in zip(rows, BAD_COUNTS):
        p = one(report, "monthly.csv", r, "count", "error", *words)
        assert p.value == value
        assert str(p).startswith(f"monthly.csv row {r}, column 'count': value '{value}' — ")


def test_count_like_values_accepted(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[0, "count"] = " 3.0 "
    c = load_collaborative(write_dir(tmp_path / "c", tables))
    got = c.monthly.set_index(["ward_id", "month", "measure"])["count"]
    assert got[("ward-a", pd.Timestamp("2018-01-01"), "restraint")] == 3


BAD_MONTHS = [("2018-13", ("no month 13",)), ("March 2018", ("YYYY-MM",)), ("2018-03-15", ("1st",)),
              ("15/03/2018", ("day/month/year",)), ("", ("empty",))]


def test_bad_months(tmp_path: Path, tables) -> None:
    rows = [row_of(0, i, 0) for i in range(len(BAD_MONTHS))]
    for r, (value, _) in zip(rows, BAD_MONTHS):
        tables["monthly"].loc[r - 2, "month"] = value
    report = validate(write_dir(tmp_path / "c", tables))
    for r, (value, words) in zip(rows, BAD_MONTHS):
        one(report, "monthly.csv", r, "month", "error", *words)


def test_first_of_month_date_accepted(tmp_path: Path, tables) -> None:
    tables["monthly"]["month"] = tables["monthly"]["month"] + "-01"
    assert validate(write_dir(tmp_path / "c", tables)).ok


def test_bad_bed_days_and_sources(tmp_path: Path, tables) -> None:
    m = tables["monthly"]
    m.loc[row_of(1, 1, 0) - 2, "occupied_bed_days"] = "-5"
    m.loc[row_of(1, 2, 0) - 2, "source"] = "Safety Cross"
    m.loc[row_of(1, 3, 0) - 2, "source"] = "datix"
    report = validate(write_dir(tmp_path / "c", tables))
    one(report, "monthly.csv", row_of(1, 1, 0), "occupied_bed_days", "error", "number ≥ 0")
    one(report, "monthly.csv", row_of(1, 2, 0), "source", "error", "unknown source", "'safety_cross'")
    one(report, "monthly.csv", row_of(1, 3, 0), "source", "error", "incident_report")


def test_total_must_not_be_stored(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[5, "measure"] = "total"
    report = validate(write_dir(tmp_path / "c", tables))
    one(report, "monthly.csv", 7, "measure", "error", "derived")


def test_many_unknown_wards_reported_once_per_value(tmp_path: Path, tables) -> None:
    m = tables["monthly"]
    m.loc[m["ward_id"] == "ward-c", "ward_id"] = "ward-z"
    report = validate(write_dir(tmp_path / "c", tables))
    hits = [p for p in report.errors if p.value == "ward-z"]
    assert len(hits) == 1 and hits[0].row == row_of(2, 0, 0) and "and 66 more" in hits[0].message


def test_whitespace_around_ids_is_ignored(tmp_path: Path, tables) -> None:
    tables["monthly"]["ward_id"] = " " + tables["monthly"]["ward_id"] + "  "
    assert validate(write_dir(tmp_path / "c", tables)).ok


def test_safety_cross_matching_sum_is_fine_and_mismatch_named(tmp_path: Path, tables) -> None:
    assert validate(write_dir(tmp_path / "ok", tables)).ok
    tables["safety_cross"].loc[0, "count"] = "3"
    report = validate(write_dir(tmp_path / "bad", tables))
    one(report, "monthly.csv", row_of(0, 12, 0), "count", "error", "ward-a", "2019-01",
        "restraint", "is 4", "add up to 7")


def test_safety_cross_duplicate_and_bad_dates(tmp_path: Path, tables) -> None:
    sc = tables["safety_cross"]
    sc.loc[4, "date"] = "2019-01-04"          # row 6 repeats row 5's date
    sc.loc[10, "date"] = "2019-04-31"         # row 12
    report = validate(write_dir(tmp_path / "c", tables))
    one(report, "safety_cross.csv", 5, None, "error", "rows 5 and 6", "2019-01-04")
    one(report, "safety_cross.csv", 12, "date", "error", "April 2019 has 30 days")


def test_change_ideas_checks(tmp_path: Path, tables) -> None:
    ideas = tables["change_ideas"]
    ideas.loc[1, "change_concept"] = "Something new"
    ideas.loc[0, "started"] = "2019-02-31"
    ideas.loc[0, "pdsa_cycles"] = "two"
    report = validate(write_dir(tmp_path / "c", tables))
    one(report, "change_ideas.csv", 3, "change_concept", "error", "not in the change package")
    one(report, "change_ideas.csv", 2, "started", "error", "February 2019 has 28 days")
    one(report, "change_ideas.csv", 2, "pdsa_cycles", "error", "whole number")


def test_change_package_duplicates_and_paths(tmp_path: Path, tables, monkeypatch) -> None:
    pkg = tables["change_package"]
    tables["change_package"] = pd.concat([pkg, pkg.iloc[[0]].assign(change_concept="safety huddles")],
                                         ignore_index=True)
    report = validate(write_dir(tmp_path / "dup", tables))
    one(report, "change_package.csv", 2, None, "error", "rows 2 and 5", "unique")
    # a package elsewhere, named in the TOML
    tables = base_tables()
    ref = tmp_path / "reference"
    ref.mkdir()
    tables.pop("change_package").to_csv(ref / "pkg.csv", index=False)
    d = write_dir(tmp_path / "c", tables, TOML + 'change_package = "../reference/pkg.csv"\n')
    assert validate(d).ok
    d2 = write_dir(tmp_path / "c2", tables, TOML + 'change_package = "nowhere.csv"\n')
    one(validate(d2), "collaborative.toml", 10, "change_package", "error", "not found")
    # nothing configured, nothing beside: the shipped package is used
    (ref / "pkg.csv").rename(ref / "change_package.csv")
    monkeypatch.setattr(paths, "REFERENCE_DIR", ref)
    d3 = write_dir(tmp_path / "c3", tables)
    c = load_collaborative(d3)
    assert c.change_package["change_concept"].tolist()[0] == "Safety huddles"


def test_annotations_and_engagement(tmp_path: Path, tables) -> None:
    tables["annotations"].loc[1, "ward_id"] = "ward-x"
    tables["engagement"].loc[1, "coach_contacts"] = "-2"
    tables["engagement"] = pd.concat([tables["engagement"], tables["engagement"].iloc[[0]]])
    report = validate(write_dir(tmp_path / "c", tables))
    one(report, "annotations.csv", 3, "ward_id", "error", "not listed in wards.csv")
    one(report, "engagement.csv", 3, "coach_contacts", "error", "whole number ≥ 0")
    one(report, "engagement.csv", 2, None, "error", "rows 2 and 4")


def test_missing_columns_in_optional_file_with_suggestion(tmp_path: Path, tables) -> None:
    tables["change_ideas"] = tables["change_ideas"].rename(columns={"started": "Start Date",
                                                                    "idea": "Idea"})
    report = validate(write_dir(tmp_path / "c", tables))
    p = one(report, "change_ideas.csv", 1, None, "error", "missing required column", "'started'")
    assert "idea" not in p.message.split("(found")[0]          # 'Idea' is accepted (case only)
    assert "'Start Date'" in p.message


def test_ragged_rows_and_unnamed_columns(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    text = (d / "wards.csv").read_text().splitlines()
    text[2] += ",extra"
    (d / "wards.csv").write_text("\n".join(text) + "\n")
    report = validate(d)
    one(report, "wards.csv", 3, "H", "warning", "no name")


def test_semicolon_separated_file_loads(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    tables["wards"].to_csv(d / "wards.csv", index=False, sep=";")
    assert validate(d).ok


def test_title_lines_above_csv_header(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    (d / "wards.csv").write_text("Wards of the collaborative\n\n" + (d / "wards.csv").read_text())
    report = validate(d)
    assert report.ok
    one(report, "wards.csv", 3, None, "warning", "column names are on row 3")


# ------------------------------------------------------------------------ files and folders


def test_missing_path_and_files(tmp_path: Path) -> None:
    report = validate(tmp_path / "nope")
    assert not report.ok and "does not exist" in report.format()
    (tmp_path / "empty").mkdir()
    report = validate(tmp_path / "empty")
    for f in ("collaborative.toml", "wards.csv", "monthly.csv"):
        one(report, f, None, None, "error", "required file", "missing")


def test_empty_files(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    (d / "wards.csv").write_text("")
    (d / "engagement.csv").write_text("")
    (d / "annotations.csv").write_text("ward_id,month,note\n")
    report = validate(d)
    one(report, "wards.csv", None, None, "error", "empty (0 bytes)")
    one(report, "engagement.csv", None, None, "warning", "empty")
    assert not problems_at(report, "annotations.csv", None, None)


def test_header_only_optional_file_gives_empty_frame(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    (d / "annotations.csv").write_text("ward_id,month,note,measure\n")
    (d / "engagement.csv").unlink()
    c = load_collaborative(d)
    assert c.annotations.empty and list(c.annotations.columns) == ["ward_id", "month", "note", "measure"]
    assert c.engagement.empty and "coach_contacts" in c.engagement.columns


def test_undecodable_bytes_do_not_crash(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    raw = (d / "wards.csv").read_bytes().replace(b"Ward A", b"Ward \x81\x8d")
    (d / "wards.csv").write_bytes(raw)
    report = validate(d)
    assert report.ok
    one(report, "wards.csv", None, None, "warning", "Latin-1")


def test_inputs_are_not_modified(good: Path) -> None:
    before = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
              for p in good.iterdir()}
    load_collaborative(good)
    validate(good)
    after = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
             for p in good.iterdir()}
    assert before == after


def test_large_file_validates(tmp_path: Path) -> None:
    wards = [f"w{i:04d}" for i in range(1500)]
    months = pd.date_range("2016-01-01", periods=60, freq="MS").strftime("%Y-%m")
    idx = pd.MultiIndex.from_product([wards, months, MEASURES], names=["ward_id", "month", "measure"])
    m = idx.to_frame(index=False)
    m["count"] = np.random.default_rng(0).poisson(4, len(m))
    m["occupied_bed_days"] = 540
    d = tmp_path / "big"
    d.mkdir()
    (d / "collaborative.toml").write_text(TOML.replace("2018-01", "2016-01").replace(
        '"2018-12"', '"2017-12"').replace('"2019-01"', '"2018-01"').replace('"2019-12"', '"2020-12"'))
    pd.DataFrame({"ward_id": wards, "ward_name": wards, "trust": "T", "specialty": "Acute",
                  "ward_type": "Adult", "gender": "Mixed"}).to_csv(d / "wards.csv", index=False)
    m.iloc[123, m.columns.get_loc("count")] = -1
    m.to_csv(d / "monthly.csv", index=False)
    report = validate(d)
    assert len(m) == 270_000
    assert [(p.row, p.column) for p in report.errors] == [(125, "count")], report.format()


# -------------------------------------------------------------------------- configuration


@pytest.mark.parametrize("edit, row, column, words", [
    (lambda t: t.replace('name = "Test collaborative (synthetic)"\n', ""), None, "name", ("needs a name",)),
    (lambda t: t.replace('baseline = ["2018-01", "2018-12"]\n', ""), None, "baseline", ("missing",)),
    (lambda t: t.replace('"2018-12"', '"2018-13"'), 4, "baseline", ("no month 13",)),
    (lambda t: t.replace('["2019-01", "2019-12"]', '["2019-12", "2019-01"]'), 5, "testing", ("reversed",)),
    (lambda t: t.replace('["2019-01", "2019-12"]', '["2017-01", "2017-06"]'), 5, "testing", ("overlap",)),
    (lambda t: t.replace('["2018-01", "2018-12"]', '["2018-01"]'), 4, "baseline", ("two months",)),
    (lambda t: t.replace("shift_points = 8", "shift_points = 0"), 6, "shift_points", ("at least 5",)),
    (lambda t: t.replace("shift_points = 8", "shift_points = 1"), 6, "shift_points", ("at least 5", "by chance")),
    (lambda t: t.replace("trend_points = 6", 'trend_points = "six"'), 7, "trend_points", ("whole number",)),
    (lambda t: t.replace("aim_reduction_pct = 33", "aim_reduction_pct = 330"), 8, "aim_reduction_pct",
     ("between 0 and 100",)),
    (lambda t: t + '\n[measures.Restraint]\nlabel = "R"\n', 11, "measures", ("snake_case",)),
    (lambda t: t + '\n[measures.restraint]\nkind = "primary"\n', 12, "kind", ("'balancing'",)),
])
def test_config_errors(tmp_path: Path, tables, edit, row, column, words) -> None:
    report = validate(write_dir(tmp_path / "c", tables, edit(TOML)))
    one(report, "collaborative.toml", row, column, "error", *words)


def test_config_unknown_measure_key_warns(tmp_path: Path, tables) -> None:
    toml = TOML + "".join(f'\n[measures.{m}]\nlabel = "{m}"\n' for m in MEASURES) + 'directon = "up"\n'
    report = validate(write_dir(tmp_path / "c", tables, toml))
    assert report.ok
    one(report, "collaborative.toml", 19, "directon", "warning", "'direction'")


def test_config_toml_path_and_alternative_period_keys(tmp_path: Path, tables) -> None:
    toml = TOML.replace('baseline = ["2018-01", "2018-12"]',
                        'baseline_start = "2018-01"\nbaseline_end = 2018-12-01')
    d = write_dir(tmp_path / "c", tables, toml)
    c = load_collaborative(d / "collaborative.toml")
    assert c.config.baseline_end == pd.Timestamp("2018-12-01")


# ------------------------------------------------------------------------------- privacy


IDENTIFIER_COLUMNS = ["NHS number", "nhs_no", "NHSNumber", "Patient Name", "patient", "name",
                      "Forename", "surname", "First name", "last_name", "DOB", "Date of birth",
                      "postcode", "Address", "Hospital Number", "MRN", "name_of_patient"]


def test_identifier_column_names_refused(tmp_path: Path, tables) -> None:
    for name in IDENTIFIER_COLUMNS:
        tables["annotations"][name] = "x"
    report = validate(write_dir(tmp_path / "c", tables))
    for name in IDENTIFIER_COLUMNS:
        one(report, "annotations.csv", 1, name, "error", "patient-identifiable")
    assert len(report.errors) == len(IDENTIFIER_COLUMNS)


@pytest.mark.parametrize("name", ["ward_name", "trust", "specialty", "patient_days",
                                  "patients_admitted", "staff_grade", "notes", "named_nurse_model"])
def test_ordinary_column_names_accepted(name: str) -> None:
    assert identifier_column_reason(name) is None


NHS_TEXTS = [NHS, NHS_DIGITS, "943-476-5919", f"Pt {NHS_DIGITS}.", "ref:4010232137"]


def test_nhs_numbers_in_free_text_refused_and_never_echoed(tmp_path: Path, tables) -> None:
    ideas = pd.concat([tables["change_ideas"]] * 3, ignore_index=True)
    ideas["idea_id"] = [f"I{i}" for i in range(len(ideas))]
    for i, text in enumerate(NHS_TEXTS):
        ideas.loc[i, "idea"] = text
    tables["change_ideas"] = ideas
    report = validate(write_dir(tmp_path / "c", tables))
    assert len(report.errors) == len(NHS_TEXTS)
    everything = report.format() + repr(report.problems)
    for i, text in enumerate(NHS_TEXTS):
        p = one(report, "change_ideas.csv", i + 2, "idea", "error", "looks like an NHS number")
        assert p.value is None
        digits = "".join(ch for ch in text if ch.isdigit())
        assert digits not in everything.replace(" ", "").replace("-", "")
        assert text not in everything


def test_nhs_number_in_count_and_bed_days_columns(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[0, "count"] = NHS_DIGITS
    tables["monthly"].loc[1, "occupied_bed_days"] = "401 023 2137"
    report = validate(write_dir(tmp_path / "c", tables))
    one(report, "monthly.csv", 2, "count", "error", "NHS number")
    one(report, "monthly.csv", 3, "occupied_bed_days", "error", "NHS number")
    assert len(problems_at(report, "monthly.csv", 2, "count")) == 1   # no second 'not a count' echo
    text = report.format()
    assert NHS_DIGITS not in text and "4010232137" not in text and "401 023 2137" not in text


def test_nhs_number_in_toml_refused(tmp_path: Path, tables) -> None:
    toml = TOML.replace("Three wards, two years", f"Contact {NHS}")
    report = validate(write_dir(tmp_path / "c", tables, toml))
    one(report, "collaborative.toml", 3, "description", "error", "NHS number")
    assert NHS not in report.format()


def test_non_nhs_numbers_pass(tmp_path: Path, tables) -> None:
    texts = [NOT_NHS, "943 476 5918", "2019-01-01", "12345678901", "0.9434765919", "01234 567890"]
    tables["annotations"] = pd.DataFrame({"ward_id": "ward-a", "month": "2019-02",
                                          "note": [f"ref {t}" for t in texts], "measure": ""})
    report = validate(write_dir(tmp_path / "c", tables))
    assert report.ok and not report.problems, report.format()


def test_nhs_checksum() -> None:
    assert is_valid_nhs_number("9434765919") and is_valid_nhs_number("4010232137")
    assert not is_valid_nhs_number("9434765918") and not is_valid_nhs_number("943476591")
    assert not is_valid_nhs_number("1000000010")       # check digit would be 10: invalid
    assert contains_nhs_number("x 943-476-5919 y") and not contains_nhs_number("19434765919")


def _nhs_from(nine: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    check = (11 - total % 11) % 11
    return None if check == 10 else nine + str(check)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nine=st.text("0123456789", min_size=9, max_size=9), style=st.sampled_from(["plain", "space", "dash"]))
def test_property_valid_nhs_numbers_never_leak(tmp_path: Path, nine: str, style: str) -> None:
    nhs = _nhs_from(nine)
    if nhs is None:
        assert not any(is_valid_nhs_number(nine + str(c)) for c in range(10))
        return
    assert is_valid_nhs_number(nhs)
    shown = {"plain": nhs, "space": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
             "dash": f"{nhs[:3]}-{nhs[3:6]}-{nhs[6:]}"}[style]
    p = Problem("error", "x.csv", 2, "note", shown, f"value {shown}", f"hint {nhs}")
    assert nhs not in str(p) and shown not in str(p)
    assert ValidationReport(tmp_path, (p,)).format().count("[NHS number removed]") == 3


# -------------------------------------------------------------------------------- reports


def test_problem_and_report_format(tmp_path: Path, tables) -> None:
    p = Problem("error", "monthly.csv", 14, "count", "-3", "counts must be whole numbers ≥ 0",
                "correct the count")
    assert str(p) == ("monthly.csv row 14, column 'count': value '-3' — counts must be whole "
                      "numbers ≥ 0. Fix: correct the count")
    tables["monthly"].loc[0:119, "count"] = "x"
    report = validate(write_dir(tmp_path / "c", tables))
    text = report.format()
    assert len(report.errors) == 120
    assert text.splitlines()[0].startswith("120 errors and")
    assert "… and 70 more in monthly.csv" in text
    assert text.count("ERROR") == 50


def test_data_error_carries_report(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[0, "count"] = "-1"
    d = write_dir(tmp_path / "c", tables)
    with pytest.raises(DataError) as exc:
        load_collaborative(d)
    assert isinstance(exc.value.report, ValidationReport) and not exc.value.report.ok
    assert str(exc.value) == exc.value.report.format()
    assert "monthly.csv" in str(exc.value) and "row 2" in str(exc.value)


# ---------------------------------------------------------------------------------- Excel


def _frames_equal(a: Collaborative, b: Collaborative) -> None:
    assert a.config == b.config
    for name in ("wards", "monthly", "safety_cross", "incident_reports", "change_ideas",
                 "change_package", "annotations", "engagement"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


@pytest.mark.parametrize("native", [True, False])
def test_excel_workbook_loads_equal_to_csv(tmp_path: Path, good: Path, tables, native: bool) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", tables, native=native)
    report = validate(book)
    assert report.ok and not report.problems, report.format()
    _frames_equal(load_collaborative(good), load_collaborative(book))


def test_excel_settings_with_period_keys_and_measures_sheet(tmp_path: Path, tables) -> None:
    rows = [r for r in SETTINGS if r[0] not in ("baseline", "testing")] + [
        ("baseline_start", dt.datetime(2018, 1, 1)), ("baseline_end", "2018-12"),
        ("testing_start", "2019-01"), ("testing_end", dt.datetime(2019, 12, 1))]
    book = write_xlsx(tmp_path / "book.xlsx", tables, rows)
    wb = openpyxl.load_workbook(book)
    ws = wb.create_sheet("measures")
    ws.append(["name", "label", "direction", "kind"])
    for m in MEASURES:
        ws.append([m, m.title(), "down", "outcome"])
    wb.save(book)
    c = load_collaborative(book)
    assert c.config.testing_end == pd.Timestamp("2019-12-01") and c.config.measure("seclusion").label == "Seclusion"


def test_excel_title_rows_give_excel_row_numbers(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[4, "count"] = "-2"         # data row index 4
    book = write_xlsx(tmp_path / "book.xlsx", tables, title_rows=2)
    report = validate(book)
    # 2 title rows + header on row 3: data index 4 is Excel row 8
    p = one(report, "book.xlsx[monthly]", 8, "count", "error", "whole numbers")
    assert str(p).startswith("book.xlsx[monthly] row 8, column 'count': value '-2'")
    assert len(report.errors) == 1


def test_excel_merged_cells(tmp_path: Path, tables) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", tables)
    wb = openpyxl.load_workbook(book)
    ws = wb["monthly"]
    ws.merge_cells("A2:A10")                       # ward_id merged over 9 rows: filled down
    ws.merge_cells("E2:E4")                        # bed days merged over a ward-month: filled
    wb.save(book)
    assert validate(book).ok
    ws.merge_cells("D11:D13")                      # counts merged: refused
    wb.save(book)
    report = validate(book)
    one(report, "book.xlsx[monthly]", 11, "count", "error", "merged", "unmerge")


def test_excel_nhs_numbers_and_identifier_columns(tmp_path: Path, tables) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", tables)
    wb = openpyxl.load_workbook(book)
    wb["annotations"]["C3"] = f"Patient {NHS} restrained"
    wb["change_ideas"]["C2"] = int(NHS_DIGITS)          # a number cell
    wb["wards"]["H1"] = "Surname"
    wb["wards"]["H2"] = "Smith"
    wb["monthly"].insert_rows(1)
    wb["monthly"]["A1"] = f"Extract for {NHS_DIGITS}"  # even in a title row
    wb["engagement"]["B1"] = f"month {NHS}"           # even a header cell
    extra = wb.create_sheet("notes")
    extra["B4"] = "943-476-5919"
    wb.save(book)
    report = validate(book)
    one(report, "book.xlsx[annotations]", 3, "note", "error", "NHS number")
    one(report, "book.xlsx[change_ideas]", 2, "idea", "error", "NHS number")
    one(report, "book.xlsx[wards]", 1, "Surname", "error", "patient-identifiable")
    one(report, "book.xlsx[monthly]", 1, "A", "error", "NHS number")
    one(report, "book.xlsx[notes]", 4, "B", "error", "NHS number")
    one(report, "book.xlsx[engagement]", 1, "B", "error", "NHS number")
    one(report, "book.xlsx[engagement]", 1, None, "error", "missing required column 'month'")
    text = report.format() + repr(report.problems)
    assert NHS not in text and NHS_DIGITS not in text and "943-476-5919" not in text
    assert "Smith" not in text
    assert "NHS number removed" not in text          # nothing needed the safety net
    assert len(report.errors) == 7, report.format()


def test_excel_missing_sheet_and_bad_file(tmp_path: Path, tables) -> None:
    t = dict(tables)
    t["Monthly data"] = t.pop("monthly")
    book = write_xlsx(tmp_path / "book.xlsx", t)
    report = validate(book)
    one(report, "book.xlsx[monthly]", None, None, "error", "no sheet called 'monthly'")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    one(validate(fake), "fake.xlsx", None, None, "error", "could not be read")


def test_excel_config_sheet_errors(tmp_path: Path, tables) -> None:
    rows = [r if r[0] != "testing" else ("testing", "2018-06 to 2019-12") for r in SETTINGS]
    rows.append(("shift_pionts", 7))
    book = write_xlsx(tmp_path / "book.xlsx", tables, rows)
    report = validate(book)
    one(report, "book.xlsx[collaborative]", 6, "value", "error", "overlap")
    one(report, "book.xlsx[collaborative]", 11, "key", "warning", "'shift_points'")
