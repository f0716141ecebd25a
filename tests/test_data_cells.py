"""rrp_helpers.data.cells: parsing one cell (months, first-of-month dates, counts)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data_support import one, row_of, write_dir
from rrp_helpers.data import load_collaborative, validate


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


def test_count_like_values_accepted(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[0, "count"] = " 3.0 "
    c = load_collaborative(write_dir(tmp_path / "c", tables))
    got = c.monthly.set_index(["ward_id", "month", "measure"])["count"]
    assert got[("ward-a", pd.Timestamp("2018-01-01"), "restraint")] == 3
