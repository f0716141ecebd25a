"""Small-number suppression (NHS Digital's rule by default) for published outputs."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import publish

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def test_one_to_four_hidden_others_rounded_to_five():
    counts = pd.Series([0, 1, 4, 5, 7, 7.5, 12, 13, None])
    assert list(publish.publish_counts(counts)) == ["0", "*", "*", "5", "5", "10", "10", "15", None]


def test_custom_rule():
    rule = publish.PublishRule(threshold=10, rounding=1)
    assert list(publish.publish_counts(pd.Series([3, 9, 10, 11]), rule)) == ["*", "*", "10", "11"]
    with pytest.raises(ValueError, match="threshold"):
        publish.PublishRule(threshold=0)


def test_points_hide_small_counts_and_their_rates():
    points = pd.DataFrame({"y": [0.5, 20.0, 4.0], "count": [1, 40, 8], "cl": [10.0] * 3, "ucl": [30.0] * 3})
    rates = publish.publish_points(points, count_column="count")
    assert np.isnan(rates.loc[0, "y"]) and list(rates["suppressed"]) == [True, False, False]
    assert list(rates["count"][1:]) == [40, 10]
    counts = publish.publish_points(pd.DataFrame({"y": [3.0, 6.0], "cl": [5.0, 5.0]}))
    assert np.isnan(counts.loc[0, "y"]) and counts.loc[1, "y"] == 5 and list(counts["cl"]) == [5.0, 5.0]


@pytest.mark.slow
def test_results_publish_writes_no_exact_small_counts(tmp_path):
    out = tmp_path / "pub"
    result = subprocess.run(
        [sys.executable, "-m", "rrp_helpers.cli", "results", str(DEMO), "--out", str(out), "--publish"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "rounded to the nearest 5" in (out / "NOTICE.txt").read_text()
    monthly = pd.read_csv(out / "collaborative_monthly.csv", dtype=str)
    values = monthly["count"].dropna()
    assert values.map(lambda v: v == "*" or int(v) % 5 == 0).all()
    notice = pd.read_excel(out / "results.xlsx", sheet_name="notice")
    assert "nearest 5" in notice.iloc[0, 0]


@pytest.mark.slow
def test_reports_publish_hides_small_counts_in_chart_data(tmp_path):
    import nbformat

    from notebook_charts import chart_specs

    out = tmp_path / "reports"
    result = subprocess.run(
        [sys.executable, "-m", "rrp_helpers.cli", "reports", str(DEMO), "--out", str(out), "--wards", "alder",
         "--jobs", "1", "--no-collaborative", "--no-png", "--quiet", "--publish"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "rounded to the nearest 5" in (out / "index.html").read_text()
    page = (out / "wards" / "alder" / "alder.html").read_text()
    assert "rounded to the nearest 5" in page and "Not shown in published reports" in page
    notebook = nbformat.read(out / "notebooks" / "wards" / "alder.ipynb", as_version=4)
    values = [
        row["y"]
        for spec in chart_specs(notebook)
        for rows in spec.get("datasets", {}).values()
        for row in rows
        if "point_type" in row
    ]
    assert values and all(v is None or v % 5 == 0 for v in values)
    assert not any(v in (1, 2, 3, 4) for v in values)
