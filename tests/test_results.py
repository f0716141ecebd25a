"""rrp_helpers.results: every results table of a collaborative, written as CSV files and one
workbook, and the tables as published (small counts suppressed, floats rounded)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import results
from rrp_helpers.data import load_collaborative
from rrp_helpers.publish import PublishRule

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="module")
def demo_tables():
    return results.compute_results(load_collaborative(DEMO))


def test_compute_results_returns_every_table(demo_tables):
    assert list(demo_tables) == list(results.TABLES)
    assert all(isinstance(table, pd.DataFrame) and not table.empty for table in demo_tables.values())


def test_write_results_writes_a_csv_per_table_a_workbook_and_the_notice(demo_tables, tmp_path):
    out = tmp_path / "published"
    notice = "Published: counts of 1-4 are shown as *."
    written = results.write_results(demo_tables, out, notice=notice)
    expected = [out / "NOTICE.txt", *(out / f"{stem}.csv" for stem in results.TABLES), out / "results.xlsx"]
    assert sorted(written) == sorted(expected) and all(path.is_file() for path in expected)
    assert (out / "NOTICE.txt").read_text() == notice + "\n"
    for stem, table in demo_tables.items():
        written_table = pd.read_csv(out / f"{stem}.csv")
        assert list(written_table.columns) == list(table.columns) and len(written_table) == len(table), stem
    sheets = pd.read_excel(out / "results.xlsx", sheet_name=None)
    assert list(sheets) == ["notice", *results.TABLES]
    assert sheets["notice"].iloc[0, 0] == notice
    assert sheets["team_results"].shape == demo_tables["team_results"].shape


def test_write_results_without_a_notice(demo_tables, tmp_path):
    out = tmp_path / "internal"
    results.write_results(demo_tables, out)
    assert not (out / "NOTICE.txt").exists()
    assert list(pd.read_excel(out / "results.xlsx", sheet_name=None)) == list(results.TABLES)


def test_published_table_suppresses_count_columns_and_rounds_floats():
    monthly = pd.DataFrame({
        "month": ["2020-01"] * 7,
        "count": [0, 1, 4, 5, 7, 12, np.nan],
        "count_reported": [0.0, 3.0, 4.0, 6.0, 7.0, 13.0, 2.0],
        "wards_missing": [0, 0, 0, 0, 0, 0, 1],
        "share": [1.26, 3.7, 0.2, 10.49, 99.6, 0.0, np.nan],
    })
    published = results.published_table("collaborative_monthly", monthly, PublishRule())
    assert published["count"].tolist() == ["0", "*", "*", "5", "5", "10", None]
    assert published["count_reported"].tolist() == ["0", "*", "*", "5", "5", "15", "*"]
    assert published["wards_missing"].tolist() == [0, 0, 0, 0, 0, 0, 1]  # wards, not incidents
    assert published["share"].tolist()[:6] == [1.0, 4.0, 0.0, 10.0, 100.0, 0.0]
    assert monthly["count"].iloc[1] == 1  # the input is left as it was
    # Other tables: no incident counts to suppress, floats rounded; no rule: unchanged.
    table1 = pd.DataFrame({"category": ["Male"], "n": [3], "percent": [12.5001]})
    assert results.published_table("table1", table1, PublishRule()).to_dict("list") == {
        "category": ["Male"], "n": [3], "percent": [13.0]}
    assert results.published_table("collaborative_monthly", monthly, None) is monthly
