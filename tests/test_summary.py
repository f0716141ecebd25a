"""rrp_helpers.summary: the matrix cells agree with the charts' points and the team-level results.

Expectations are worked out here from the demo's counts (baseline means, the last phase's
limits) and from the Making Data Count conventions, not taken from the module's output.
"""

from pathlib import Path

import numpy as np
import pytest

from rrp_helpers import chart_data, publish
from rrp_helpers.data import load_collaborative
from rrp_helpers.outcomes import ward_monthly
from rrp_helpers.summary import COLLABORATIVE, summary_matrix

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="module")
def collab():
    return load_collaborative(DEMO)


@pytest.fixture(scope="module")
def matrix(collab):
    return summary_matrix(collab).set_index(["ward_id", "measure"])


def test_one_row_per_ward_and_measure_with_the_collaborative_first(collab, matrix):
    wards = [COLLABORATIVE, *collab.wards["ward_id"]]
    assert list(dict.fromkeys(matrix.index.get_level_values("ward_id"))) == wards
    assert len(matrix) == len(wards) * 4  # three outcome measures and the total


def test_results_state_the_sustained_change(matrix):
    laurel = matrix.loc[("laurel", "total")]
    assert laurel["verdict"] == "improvement" and laurel["result"] == "\u221293% from Oct 2018"
    alder = matrix.loc[("alder", "seclusion")]
    assert alder["verdict"] == "concern" and alder["result"] == "+77% from Mar 2019"
    assert matrix.loc[("alder", "restraint"), "result"] == "no sustained change"
    assert np.isnan(matrix.loc[("alder", "restraint"), "change_pct"])


def test_assurance_compares_the_last_phase_limits_with_the_aim(collab, matrix):
    monthly = ward_monthly(collab)
    baseline = collab.config.baseline_months()
    checked = set()
    for ward_id in ("laurel", "alder", "poplar", "oak"):
        points = chart_data.chart_points(collab, ward_id=ward_id, ward_frame=monthly)
        for measure, series in points.groupby("measure"):
            counts = monthly[monthly["ward_id"].eq(ward_id) & monthly["measure"].eq(measure)].set_index("month")["count"]
            target = counts.reindex(baseline).mean() * (1 - collab.config.aim_reduction_pct / 100)
            last = series[series["part"].eq(series["part"].max())].iloc[-1]
            expected = "pass" if last["ucl"] < target else "fail" if last["lcl"] > target else "hit_and_miss"
            cell = matrix.loc[(ward_id, measure)]
            assert cell["assurance"] == expected, (ward_id, measure)
            checked.add(expected)
    assert checked >= {"pass", "hit_and_miss"}  # Laurel passes after its fall; Alder does not


def test_variation_reads_the_latest_point(collab, matrix):
    points = chart_data.every_ward_points(collab)
    for (ward_id, measure), series in points.groupby(["ward_id", "measure"]):
        last = series.dropna(subset=["y"]).iloc[-1]
        kind = last["point_type"]
        expected = "common_cause" if kind == "common_cause" else f"{kind}_{'low' if kind == 'improvement' else 'high'}"
        assert matrix.loc[(ward_id, measure), "variation"] == expected, (ward_id, measure)  # every demo measure should fall


def test_published_matrix_keeps_directions_and_hides_sizes_from_few_incidents(collab):
    published = summary_matrix(collab, publish_rule=publish.PublishRule(threshold=100))
    hidden = published[published["result"].str.contains("size not shown")]
    assert len(hidden) and not hidden["result"].str.contains("%").any()
    assert hidden["change_pct"].isna().all()
    assert hidden["verdict"].isin(["improvement", "concern"]).all()
