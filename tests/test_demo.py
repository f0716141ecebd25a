"""The demo generator: deterministic, and its data keep the promises of the data contracts."""

import filecmp
from pathlib import Path

import pandas as pd
import pytest

from rrp_helpers.data import load_collaborative, validate
from rrp_helpers.demo import DEFAULT_SEED, write_demo
from rrp_helpers.outputs import LOCK

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "demo"


@pytest.mark.slow
def test_rrp_demo_regenerates_the_shipped_demo_byte_for_byte(tmp_path):
    out = write_demo(tmp_path / "demo", seed=DEFAULT_SEED)
    # The lock file stays by design (removing it would race another run); git ignores it.
    shipped = sorted(p.name for p in SHIPPED.iterdir() if p.name != LOCK)
    assert sorted(p.name for p in out.iterdir() if p.name != LOCK) == shipped
    match, mismatch, errors = filecmp.cmpfiles(SHIPPED, out, shipped, shallow=False)
    assert mismatch == [] and errors == []


def test_shipped_demo_validates_without_errors():
    report = validate(SHIPPED)
    assert report.errors == ()


def test_demo_is_labelled_synthetic():
    collab = load_collaborative(SHIPPED)
    assert collab.config.synthetic is True
    assert "synthetic" in collab.config.name.lower()
    assert "invented" in (SHIPPED / "README.md").read_text().lower()


def test_safety_crosses_sum_exactly_to_the_testing_months():
    collab = load_collaborative(SHIPPED)
    crosses = collab.safety_cross.assign(month=collab.safety_cross["date"].dt.to_period("M").dt.to_timestamp())
    daily = crosses.groupby(["ward_id", "month", "measure"])["count"].sum()
    testing = collab.monthly[collab.monthly["source"].eq("safety_cross") & collab.monthly["count"].notna()]
    monthly = testing.set_index(["ward_id", "month", "measure"])["count"].astype(int)
    joined = pd.concat([monthly.rename("monthly"), daily.rename("daily")], axis=1).fillna(0)
    assert (joined["monthly"] == joined["daily"]).all()
    assert set(collab.monthly.loc[collab.monthly["month"] < "2018-08-01", "source"].dropna()) == {"incident_report"}


def test_demo_has_a_few_missing_ward_months_and_a_23_ward_cross_check():
    collab = load_collaborative(SHIPPED)
    missing = collab.monthly[collab.monthly["count"].isna()].drop_duplicates(["ward_id", "month"])
    assert 1 <= len(missing) <= 10
    assert collab.incident_reports["ward_id"].nunique() == 23
    assert collab.wards["trust"].nunique() == 26
