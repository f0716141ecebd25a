"""National-size synthetic collaboratives (``rrp demo --wards N --months M``): in the data contract,
the requested shape, about 1 % of ward-months missing, safety crosses that add up, deterministic;
and ``rrp demo`` without the new options still writes the shipped demo."""

import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rrp_helpers.cli import main
from rrp_helpers.data import load_collaborative, validate
from rrp_helpers.data.contract import TABLES
from rrp_helpers.demo import MEASURE_ORDER, TABLE1
from rrp_helpers.errors import UsageError
from rrp_helpers.national import BASELINE_MONTHS, MISSING_SHARE, _csv, build_national, write_national
from rrp_helpers.outputs import LOCK, MARKER

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "demo"
N_WARDS, N_MONTHS, SEED = 40, 24, 7
CSVS = ("wards", "monthly", "safety_cross", "incident_reports", "change_ideas", "annotations", "engagement")


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    return write_national(tmp_path_factory.mktemp("national") / "collab", N_WARDS, N_MONTHS, seed=SEED)


@pytest.fixture(scope="module")
def collab(national):
    return load_collaborative(national)


def test_validates_without_errors_and_warns_only_about_missing_counts(national):
    report = validate(national)
    assert report.errors == ()
    assert {problem.file for problem in report.warnings} <= {"monthly.csv"}


def test_has_the_requested_shape(national, collab):
    assert collab.config.synthetic is True and "synthetic" in collab.config.name.lower()
    assert "invented" in (national / "README.md").read_text().lower()
    assert sorted(p.name for p in national.iterdir() if p.name not in (LOCK, MARKER)) == sorted(
        [f"{stem}.csv" for stem in CSVS] + ["collaborative.toml", "README.md"])
    assert len(collab.wards) == N_WARDS and collab.wards["ward_id"].is_unique
    assert len(collab.config.months()) == N_MONTHS
    assert len(collab.config.baseline_months()) == BASELINE_MONTHS
    assert len(collab.config.testing_months()) == N_MONTHS - BASELINE_MONTHS
    assert sorted(collab.config.measure_names()) == sorted(MEASURE_ORDER)
    assert len(collab.monthly) == N_WARDS * N_MONTHS * len(MEASURE_ORDER)
    assert collab.monthly["occupied_bed_days"].notna().all()
    baseline = collab.monthly["month"] < collab.config.testing_months()[0]
    assert set(collab.monthly.loc[baseline, "source"]) == {"incident_report"}
    assert set(collab.monthly.loc[~baseline, "source"]) == {"safety_cross"}
    for table in ("change_ideas", "engagement", "annotations", "incident_reports"):
        assert len(getattr(collab, table)) > 0, table
    assert collab.engagement["ward_id"].nunique() == N_WARDS
    assert (collab.annotations["ward_id"] == "ALL").sum() >= 2
    for stem in CSVS:  # every column in the contract, in its order
        header = (national / f"{stem}.csv").read_text().splitlines()[0].split(",")
        assert header == [name for name in TABLES[stem].names if name in header], stem


def test_about_one_percent_of_ward_months_are_missing(collab):
    per_ward_month = collab.monthly.groupby(["ward_id", "month"])["count"].apply(lambda c: c.isna().sum())
    assert set(per_ward_month.unique()) <= {0, len(MEASURE_ORDER)}  # whole ward-months, every measure
    share = (per_ward_month > 0).mean()
    assert 0.001 <= share <= 0.03  # 960 ward-months: 1 % is 9.6 +- 3.1
    noted = collab.annotations[collab.annotations["note"].eq("Data not submitted this month")]
    assert len(noted) == (per_ward_month > 0).sum()


def test_about_one_percent_missing_at_national_size():
    built = build_national(3000, 60, seed=SEED)
    missing = built.monthly["count"].isna().to_numpy().reshape(3000, len(MEASURE_ORDER), 60)
    share = missing[:, 0, :].mean()
    assert abs(share - MISSING_SHARE) < 0.001  # 180,000 ward-months: sd 0.00023
    assert (missing == missing[:, :1, :]).all()
    assert missing.all(axis=(1, 2)).sum() == 0  # no ward without data


def test_safety_crosses_add_up_to_the_testing_months(collab):
    crosses = collab.safety_cross.assign(month=collab.safety_cross["date"].dt.to_period("M").dt.to_timestamp())
    assert (crosses["count"] > 0).all()
    daily = crosses.groupby(["ward_id", "month", "measure"])["count"].sum()
    testing = collab.monthly[collab.monthly["source"].eq("safety_cross") & collab.monthly["count"].notna()]
    monthly = testing.set_index(["ward_id", "month", "measure"])["count"].astype(int)
    joined = pd.concat([monthly.rename("monthly"), daily.rename("daily")], axis=1)
    assert joined["monthly"].notna().all()  # no cross outside a testing month with a count
    assert (joined["monthly"] == joined["daily"].fillna(0)).all()
    assert monthly.sum() > 0


def test_incident_reports_are_close_to_the_crosses(collab):
    reports = collab.incident_reports.merge(collab.monthly, on=["ward_id", "month", "measure"], suffixes=("", "_cross"))
    assert len(reports) == len(collab.incident_reports)
    assert (reports["count"].astype(int) - reports["count_cross"].astype(int)).abs().max() <= 1


def test_characteristics_follow_the_demo_proportions():
    wards = build_national(6000, 13, seed=SEED).wards
    for column, counts in TABLE1.items():
        expected = pd.Series(counts, dtype=float) / sum(counts.values())
        observed = wards[column].value_counts(normalize=True).reindex(expected.index, fill_value=0)
        assert (observed - expected).abs().max() < 0.03, column
    per_trust = wards.groupby("trust").size()
    assert per_trust.min() >= 1 and 8 <= per_trust.mean() <= 16
    assert wards["ward_id"].is_unique and wards["ward_name"].is_unique


def test_the_same_seed_gives_byte_identical_files(national, tmp_path):
    again = write_national(tmp_path / "again", N_WARDS, N_MONTHS, seed=SEED)
    names = [f"{stem}.csv" for stem in CSVS] + ["collaborative.toml", "README.md"]
    match, mismatch, errors = filecmp.cmpfiles(national, again, names, shallow=False)
    assert mismatch == [] and errors == []
    other = write_national(tmp_path / "other", N_WARDS, N_MONTHS, seed=SEED + 1)
    assert not filecmp.cmp(national / "monthly.csv", other / "monthly.csv", shallow=False)


def test_the_fast_csv_writer_writes_what_pandas_writes():
    built = build_national(25, 15, seed=3)
    for stem in CSVS:
        frame = getattr(built, stem)
        frame = frame[[name for name in TABLES[stem].names if name in frame.columns]]
        assert _csv(frame) == frame.to_csv(index=False, lineterminator="\n").encode("utf-8"), stem
    odd = pd.DataFrame({"a": pd.Categorical(["x,y", "z"]), "b": np.array([1, 2])})
    assert _csv(odd) == odd.to_csv(index=False, lineterminator="\n").encode("utf-8")


@pytest.mark.parametrize("wards, months", [(0, 24), (10, BASELINE_MONTHS)])
def test_impossible_sizes_are_refused(wards, months):
    with pytest.raises(UsageError):
        build_national(wards, months)


def test_rrp_demo_with_wards_and_months_writes_a_national_collaborative(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "n"), "--wards", "12", "--months", "14", "--seed", "5"]) == 0
    assert "12 wards x 14 months" in capsys.readouterr().out
    collab = load_collaborative(tmp_path / "n")
    assert len(collab.wards) == 12 and len(collab.config.testing_months()) == 2
    assert main(["demo", "--out", str(tmp_path / "bad"), "--wards", "5", "--months", "12"]) == 2
    assert not (tmp_path / "bad" / "monthly.csv").exists()


@pytest.mark.slow
def test_rrp_demo_without_the_new_options_still_writes_the_shipped_demo(tmp_path):
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    shipped = sorted(p.name for p in SHIPPED.iterdir() if p.name != LOCK)
    assert sorted(p.name for p in (tmp_path / "demo").iterdir() if p.name != LOCK) == shipped
    match, mismatch, errors = filecmp.cmpfiles(SHIPPED, tmp_path / "demo", shipped, shallow=False)
    assert mismatch == [] and errors == []
