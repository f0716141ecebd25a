"""rrp_helpers.outcomes: outcome tables on tiny hand-made collaboratives, with expected values
worked by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from conftest import series_rows
from outcomes_support import MEASURES, full_rows, with_shift_rule
from rrp_helpers import outcomes
from rrp_helpers.data import load_collaborative


@pytest.fixture
def two_wards(make_collaborative):
    a = {"restraint": [4, 6, 5, 1, 2, 3], "seclusion": [1, 1, 1, 0, 0, 0], "rapid_tranquillisation": [2, 2, 2, 2, 2, 2]}
    b = {"restraint": [10, None, 10, 8, 8, 8], "seclusion": [0, 0, 0, 1, 1, 1], "rapid_tranquillisation": [1, 1, 1, 1, 1, 1]}
    folder = make_collaborative(
        [{"ward_id": "a", "gender": "Male"}, {"ward_id": "b"}],
        full_rows("a", a) + full_rows("b", b),
    )
    return with_shift_rule(load_collaborative(folder), 3)


def test_ward_total_is_missing_when_any_measure_is_missing(two_wards):
    frame = outcomes.ward_monthly(two_wards)
    total = frame[frame["measure"].eq("total")].set_index(["ward_id", "month"])["count"]
    assert total[("a", np.datetime64("2020-01-01"))] == 4 + 1 + 2
    assert math.isnan(total[("b", np.datetime64("2020-02-01"))])


def test_collaborative_sum_is_missing_not_partial_when_a_ward_is_missing(two_wards):
    frame = outcomes.collaborative_monthly(two_wards).set_index(["measure", "month"])
    feb = frame.loc[("restraint", np.datetime64("2020-02-01"))]
    assert math.isnan(feb["count"])
    assert feb["count_reported"] == 6
    assert (feb["wards_reporting"], feb["wards_missing"]) == (1, 1)
    jan = frame.loc[("restraint", np.datetime64("2020-01-01"))]
    assert (jan["count"], jan["wards_missing"]) == (14, 0)


def test_collaborative_results_use_complete_months_only(two_wards):
    results = outcomes.collaborative_results(two_wards).set_index("measure")
    # Restraint sums: Jan 14, Feb missing, Mar 15 -> baseline 14.5; Apr 9, May 10, Jun 11 -> 10.
    assert results.loc["restraint", "baseline_mean"] == pytest.approx(14.5)
    assert results.loc["restraint", "testing_mean"] == pytest.approx(10.0)
    assert results.loc["restraint", "change_pct"] == pytest.approx((14.5 - 10) / 14.5 * 100)
    assert results.loc["restraint", "months_incomplete"] == 1
    # Three points below 14.5 with a shift rule of 3: sustained, final mean 10.
    assert results.loc["restraint", "sustained"] == "improvement"
    assert results.loc["restraint", "shift_start"] == "2020-04"


def test_team_results_per_ward_and_measure(two_wards):
    team = outcomes.team_results(two_wards).set_index(["ward_id", "measure"])
    a = team.loc[("a", "restraint")]
    assert (a["baseline_mean"], a["final_mean"], a["sustained"]) == (5.0, 2.0, "improvement")
    assert a["reduction_pct"] == pytest.approx(60.0)
    b = team.loc[("b", "restraint")]
    assert b["baseline_months"] == 2 and b["baseline_mean"] == 10
    assert b["sustained"] == "improvement" and b["reduction_pct"] == pytest.approx(20.0)
    flat = team.loc[("a", "rapid_tranquillisation")]
    assert flat["sustained"] == "none" and flat["shift_start"] == "" and math.isnan(flat["reduction_pct"])
    worse = team.loc[("b", "seclusion")]
    assert worse["sustained"] == "deterioration"
    summary = outcomes.team_summary(two_wards, team.reset_index()).set_index(["statement", "measure"])
    assert summary.loc[("improved_any", "any"), "wards"] == 2
    assert summary.loc[("improved_in_2", "any"), "wards"] == 1  # a: restraint and seclusion
    assert summary.loc[("improved_in_1", "any"), "wards"] == 1  # b: restraint
    assert summary.loc[("improved", "restraint"), "mean_reduction_pct"] == pytest.approx(40.0)
    assert summary.loc[("deteriorated", "seclusion"), "wards"] == 1


def test_table1_rounds_percentages_half_up(make_collaborative):
    wards = [{"ward_id": f"w{i}", "gender": "Male" if i == 0 else "Female"} for i in range(8)]
    rows = []
    for w in wards:
        rows += full_rows(w["ward_id"], {m: [1] * 6 for m in MEASURES})
    table = outcomes.table1(load_collaborative(make_collaborative(wards, rows))).set_index("category")
    assert table.loc["Male", "n"] == 1 and table.loc["Male", "percent"] == 13  # 12.5 -> 13
    assert table.loc["Female", "percent"] == 88  # 87.5 -> 88
    assert table.loc["General adult", "percent"] == 100


def test_monitoring_only_collaborative_reports_no_reductions(make_collaborative):
    rows = full_rows("a", {m: [1, 2, 3, 4, 5, 6] for m in MEASURES})
    collab = load_collaborative(make_collaborative([{"ward_id": "a"}], rows, baseline=("2020-01", "2020-06"), testing=None))
    team = outcomes.team_results(collab)
    assert set(team["sustained"]) == {"none"}
    assert team["reduction_pct"].isna().all()
    assert team.set_index("measure").loc["restraint", "baseline_mean"] == 3.5


def test_team_results_for_one_ward_equal_that_wards_rows(two_wards):
    """``ward_id=`` computes one ward alone: the same numbers, even when its months are absent."""
    frame = outcomes.ward_monthly(two_wards)
    frame = frame[~(frame["ward_id"].eq("b") & frame["month"].isin(frame["month"].unique()[:2]))]  # b lacks 2 months
    full = outcomes.team_results(two_wards, frame)
    for ward_id in ("a", "b"):
        one = outcomes.team_results(two_wards, frame, ward_id=ward_id)
        expected = full[full["ward_id"].eq(ward_id)].reset_index(drop=True)
        pd.testing.assert_frame_equal(one.reset_index(drop=True), expected)
    b = outcomes.team_results(two_wards, frame, ward_id="b").set_index("measure")
    assert b.loc["seclusion", "baseline_months"] == 1  # 6 months, baseline 3, the first 2 absent
    with pytest.raises(ValueError, match="unknown ward id 'zz'"):
        outcomes.team_results(two_wards, ward_id="zz")


def test_zero_bed_days_make_the_rate_missing_not_inflated(make_collaborative):
    """A ward-month with zero bed days has no rate: its count leaves the numerator as its (absent)
    bed days leave the denominator, and the month says so."""
    rows = full_rows("a", {m: [2] * 6 for m in MEASURES}) + full_rows("b", {m: [4] * 6 for m in MEASURES})
    for row in rows:
        row["occupied_bed_days"] = 0 if (row["ward_id"] == "b" and row["month"] == "2020-01") else 500
    collab = load_collaborative(make_collaborative([{"ward_id": "a"}, {"ward_id": "b"}], rows))
    frame = outcomes.collaborative_monthly(collab).set_index(["measure", "month"])
    january = frame.loc[("restraint", np.datetime64("2020-01-01"))]
    assert january["rate"] == pytest.approx(2 / 500 * 1000)  # ward a alone: not (2 + 4) / 500
    assert (january["count_with_bed_days"], january["bed_days_reported"], january["wards_without_bed_days"]) == (2, 500, 1)
    february = frame.loc[("restraint", np.datetime64("2020-02-01"))]
    assert february["rate"] == pytest.approx(6 / 1000 * 1000) and february["wards_without_bed_days"] == 0


def _twenty_wards(make_collaborative, setting: str | None, missing: int):
    """20 wards, restraint only: every ward 2 a month; in February ``missing`` wards have no count."""
    months = ["2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-06"]
    wards = [{"ward_id": f"w{k:02d}"} for k in range(20)]
    rows = []
    for k, ward in enumerate(wards):
        rows += series_rows(ward["ward_id"], "restraint", months, [2, None if k < missing else 2, 2, 2, 2, 2])
    folder = make_collaborative(wards, rows)
    if setting:
        toml = folder / "collaborative.toml"
        toml.write_text(f'collaborative_sum = "{setting}"\n' + toml.read_text())
    return load_collaborative(folder)


def test_a_scaled_sum_keeps_a_month_with_a_few_wards_missing(make_collaborative):
    collab = _twenty_wards(make_collaborative, "scaled", missing=2)  # 18 of 20 report: 90 %
    feb = outcomes.collaborative_monthly(collab).set_index(["measure", "month"]).loc[("restraint", np.datetime64("2020-02-01"))]
    assert feb["count_reported"] == 36 and feb["share_reporting"] == 0.9
    assert feb["count"] == 36 * 20 / 18  # the 18 wards' mean, for every ward: 40
    assert "scaled up from the wards reporting each month (the fewest reporting in a month: 90.0%;" in outcomes.chart_note(collab)


def test_a_scaled_sum_leaves_out_a_month_with_too_few_wards(make_collaborative):
    collab = _twenty_wards(make_collaborative, "scaled", missing=3)  # 17 of 20: below 90 %
    feb = outcomes.collaborative_monthly(collab).set_index(["measure", "month"]).loc[("restraint", np.datetime64("2020-02-01"))]
    assert math.isnan(feb["count"])


def test_auto_keeps_the_papers_method_for_small_collaboratives(make_collaborative):
    collab = _twenty_wards(make_collaborative, None, missing=1)  # 20 wards: complete months
    assert outcomes.collaborative_sum_method(collab) == "complete_months"
    feb = outcomes.collaborative_monthly(collab).set_index(["measure", "month"]).loc[("restraint", np.datetime64("2020-02-01"))]
    assert math.isnan(feb["count"])
