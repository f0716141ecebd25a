"""rrp_helpers.data.columns: checks shared by tables (counts, numbers, derived measures,
unknown ids reported once per value, whitespace around ids).
"""

from __future__ import annotations

from pathlib import Path

from data_support import NHS_DIGITS, one, row_of, write_dir
from rrp_helpers.data import validate


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
