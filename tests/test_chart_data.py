"""rrp_helpers.chart_data: the points every chart draws say what the team-level method found.

The expectations are worked out here from the demo's monthly counts and the team-level results
(``outcomes.team_results``), not from the chart code: the run that signalled each sustained shift
is found by walking the months as the paper's rule describes.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import chart_data, publish
from rrp_helpers.data import load_collaborative
from rrp_helpers.outcomes import team_results, ward_monthly

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="module")
def collab():
    return load_collaborative(DEMO)


@pytest.fixture(scope="module")
def every_ward(collab):
    monthly = ward_monthly(collab)
    points = {ward_id: chart_data.chart_points(collab, ward_id=ward_id, ward_frame=monthly) for ward_id in collab.wards["ward_id"]}
    return monthly, points


def _phases(team_row) -> list[tuple[str, float]]:
    """``[(start month, phase mean), ...]`` of the shifts, from team_results' ``phase_means`` text."""
    parts = [part.split(": ") for part in team_row["phase_means"].split("; ")]
    return [(month, float(mean)) for month, mean in parts[1:]]


def _signalling_run(months: pd.DatetimeIndex, values: np.ndarray, start: str, centre: float, side: int, length: int) -> list:
    """The months of the run that signalled a shift from ``start``: from that month on, the first
    ``length`` values on ``side`` of ``centre`` (missing months and months on the line skipped)."""
    run = []
    for month, value in zip(months, values):
        if month < pd.Timestamp(start) or np.isnan(value) or value == centre:
            continue
        if np.sign(value - centre) != side:
            break
        run.append(month)
        if len(run) == length:
            break
    return run


def test_every_signalling_run_carries_its_changes_colour(collab, every_ward):
    monthly, points = every_ward
    team = team_results(collab)
    changed = team[team["sustained"].ne("none")]
    assert len(changed) >= 10  # the demo has many sustained changes to check
    months = collab.config.months()
    length = collab.config.shift_points
    checked = 0
    for _, row in changed.iterrows():
        series = monthly[monthly["ward_id"].eq(row["ward_id"]) & monthly["measure"].eq(row["measure"])]
        values = series.set_index("month")["count"].reindex(months).to_numpy(dtype=float)
        drawn = points[row["ward_id"]]
        drawn = drawn[drawn["measure"].eq(row["measure"])].set_index("x")
        centre = row["baseline_mean"]
        for start, mean in _phases(row):
            side = int(np.sign(mean - centre))
            run = _signalling_run(months, values, start, centre, side, length)
            assert len(run) == length, (row["ward_id"], row["measure"], start)
            colour = "improvement" if side < 0 else "concern"  # every demo measure should fall
            opposite = "concern" if colour == "improvement" else "improvement"
            assert (drawn.loc[run, "point_type"] == colour).all(), (row["ward_id"], row["measure"], start)
            between = drawn.loc[pd.Timestamp(start):run[-1], "point_type"]
            assert not between.eq(opposite).any(), (row["ward_id"], row["measure"], start)
            label = drawn.loc[pd.Timestamp(start), "phase_label"]
            moved = "reduction" if mean < row["baseline_mean"] else "increase"
            assert label.startswith(f"from {pd.Timestamp(start):%b %Y}: sustained {moved}"), label
            checked += 1
            centre = float(np.nanmean(values[months.get_indexer(pd.DatetimeIndex(run))]))
        # The last phase's label states the team-level result.
        last = drawn["phase_label"].iloc[-1]
        assert last.endswith(f"{-row['reduction_pct']:+.0f}% against the baseline".replace("-", "\u2212")), last
    assert checked >= len(changed)


def test_a_ward_without_a_sustained_change_has_no_phase_label_and_one_phase(collab, every_ward):
    _, points = every_ward
    team = team_results(collab)
    unchanged = team[team["sustained"].eq("none")]
    for _, row in unchanged.iterrows():
        drawn = points[row["ward_id"]]
        drawn = drawn[drawn["measure"].eq(row["measure"])]
        assert drawn["phase_label"].eq("").all() and drawn["part"].nunique() == 1


def test_baseline_reading_and_aim_come_from_the_baseline_months(collab, every_ward):
    monthly, points = every_ward
    months = collab.config.baseline_months()
    for ward_id in ("laurel", "alder", "oak"):
        drawn = points[ward_id]
        for measure, series in drawn.groupby("measure"):
            counts = monthly[monthly["ward_id"].eq(ward_id) & monthly["measure"].eq(measure)].set_index("month")["count"]
            mean = counts.reindex(months).mean()
            np.testing.assert_allclose(series["cl_base"], mean)  # a c-chart frozen on the baseline
            np.testing.assert_allclose(series["ucl_base"], mean + 3 * np.sqrt(mean))
            np.testing.assert_allclose(series["aim"], mean * (1 - collab.config.aim_reduction_pct / 100))
            assert series["aim_label"].iloc[0] == f"aim: {collab.config.aim_reduction_pct:g}% below the baseline mean"


def test_each_point_has_one_class_and_a_reason_when_special(every_ward):
    _, points = every_ward
    drawn = pd.concat(points.values())
    special = drawn["point_type"].ne("common_cause")
    assert drawn.loc[special, "reason"].ne("").all()
    assert drawn.loc[~special, "reason"].eq("").all()
    base_special = drawn["point_type_base"].ne("common_cause")
    assert drawn.loc[base_special, "reason_base"].ne("").all()


def test_published_labels_keep_the_direction_and_drop_the_size_of_a_small_change(collab):
    rule = publish.PublishRule(threshold=10_000)  # every phase is small
    drawn = chart_data.chart_points(collab, ward_id="laurel", publish_rule=rule)
    labels = set(drawn["phase_label"]) - {""}
    assert labels and all("sustained reduction" in label and "%" not in label for label in labels)
    assert drawn["aim"].isna().all() and drawn["cl_base"].isna().all()


def test_rare_measures_get_a_g_chart_of_the_days_between_incidents(collab):
    monthly = ward_monthly(collab)
    baseline = monthly[monthly["ward_id"].eq("hazel") & monthly["period"].eq("baseline")]
    medians = baseline.groupby("measure")["count"].median()
    expected = {m for m in ("restraint", "seclusion", "rapid_tranquillisation") if medians[m] < 2}
    assert set(chart_data.rare_measures(collab, "hazel")) == expected == {"seclusion", "rapid_tranquillisation"}
    crosses = collab.safety_cross
    daily = crosses[crosses["ward_id"].eq("hazel") & crosses["measure"].eq("seclusion")].sort_values("date")
    incidents = [day for day, count in zip(daily["date"], daily["count"]) for _ in range(int(count))]
    gaps = [max((later - earlier).days - 1, 0) for earlier, later in zip(incidents, incidents[1:])]
    points = chart_data.gap_points(collab, "hazel", "seclusion")
    assert points["y"].tolist() == gaps
    assert points["cl"].iloc[0] == np.median(gaps)  # qicharts2's g chart: the centre line is the median
    assert points["x"].tolist() == incidents[1:]
    assert set(points.loc[points["y"] > points["ucl"], "point_type"]) <= {"improvement"}  # long gaps are good news
