"""rrp_helpers.spc.rules: runs analysis, shift, trend and two of three on hand-built series.

Expected values are worked out by hand in each test (the agreement with qicharts2 and
NHSRplotthedots is in test_spc_oracle.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spc_support import SIGMA, flagged, i_chart

from rrp_helpers import spc

# A baseline whose mean is exactly 10 and whose moving ranges are all 2:


# ----------------------------------------------------------------------------------------------
# Hand-built scenarios per rule
# ----------------------------------------------------------------------------------------------


def test_shift_exactly_seven_is_not_a_collaborative_shift_but_eight_is() -> None:
    seven = i_chart([12.0] * 7 + [8.0])
    assert flagged(seven, "shift") == []
    eight = i_chart([12.0] * 8 + [8.0])
    assert flagged(eight, "shift") == list(range(8, 16))
    # Making Data Count needs only 7.
    assert flagged(i_chart([12.0] * 7 + [8.0], rules="mdc"), "shift") == list(range(8, 15))
    # IHI needs 6; the override beats the preset.
    assert flagged(i_chart([12.0] * 6 + [8.0], rules="ihi"), "shift") == list(range(8, 14))
    assert flagged(i_chart([12.0] * 7 + [8.0], shift_points=7), "shift") == list(range(8, 15))


def test_point_on_the_centre_line_inside_a_run() -> None:
    values = [12.0] * 4 + [10.0] + [12.0] * 4  # 4 above, one ON the line, 4 above
    collaborative = i_chart(values)
    # Skipped: 8 points on one side make a shift; the point on the line is not part of it.
    assert flagged(collaborative, "shift") == [8, 9, 10, 11, 13, 14, 15, 16]
    assert collaborative["longest_run"].iloc[0] == 8
    # Making Data Count: the point on the mean breaks the run into 4 + 4.
    assert flagged(i_chart(values, rules="mdc"), "shift") == []
    assert flagged(i_chart([12.0] * 7 + [10.0] + [12.0], rules="mdc"), "shift") == list(range(8, 15))


def test_trend_with_ties() -> None:
    tied = [1.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0]  # 6 distinct rising values, one tie
    # Collaborative (6, ties neither count nor break): all 7 points, the tie included.
    assert flagged(spc.control_chart(tied, chart="i"), "trend") == list(range(7))
    # Making Data Count (7 points, ties break): 1-2-3 and 3-4-5-6 are too short.
    assert flagged(spc.control_chart(tied, chart="i", rules="mdc"), "trend") == []
    # Ties at either end belong to the trend too.
    assert flagged(spc.control_chart([9.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 6.0, 2.0], chart="i"), "trend") == list(
        range(1, 9)
    )
    strict_seven = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 3.0]
    assert flagged(spc.control_chart(strict_seven, chart="i", rules="mdc"), "trend") == list(range(7))
    strict_six = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 3.0]
    assert flagged(spc.control_chart(strict_six, chart="i", rules="mdc"), "trend") == []
    assert flagged(spc.control_chart(strict_six, chart="i"), "trend") == list(range(6))
    # Falling trends count the same way; five falls make an IHI trend.
    falling = [9.0, 8.0, 7.0, 6.0, 5.0, 6.0]
    assert flagged(spc.control_chart(falling, chart="i", rules="ihi"), "trend") == list(range(5))
    assert flagged(spc.control_chart(falling, chart="i"), "trend") == []


def test_two_of_three_straddling_the_centre_line_does_not_fire() -> None:
    high, low = 10 + 2.5 * SIGMA, 10 - 2.5 * SIGMA  # between 2 and 3 sigma
    straddle = i_chart([high, 10.5, low, 10.5])
    assert flagged(straddle, "two_of_three") == []
    assert flagged(i_chart([high, 10.5, low, 10.5], rules="mdc"), "two_of_three") == []
    same_side = i_chart([high, 9.5, high, 10.5])
    assert flagged(same_side, "two_of_three") == [8, 10]  # only the points beyond 2 sigma
    # Making Data Count needs all three points on the same side of the mean.
    assert flagged(i_chart([high, 9.5, high, 10.5], rules="mdc"), "two_of_three") == []
    assert flagged(i_chart([high, 10.5, high, 9.5], rules="mdc"), "two_of_three") == [8, 10]


def test_two_of_three_with_a_point_beyond_three_sigma() -> None:
    high, beyond = 10 + 2.5 * SIGMA, 10 + 4 * SIGMA
    values = [high, beyond, 10.5, 9.5]
    collaborative = i_chart(values)
    assert flagged(collaborative, "two_of_three") == [8, 9]  # beyond 3 sigma also beyond 2
    assert flagged(collaborative, "sigma_signal") == [9]
    # Making Data Count (NHSRplotthedots 0.2.2): a point beyond the limits is not "close".
    assert flagged(i_chart(values, rules="mdc"), "two_of_three") == []


def test_runs_analysis_by_hand() -> None:
    # 10 points, median 5.5: below x5, above x5 -> 2 runs, 1 crossing, longest run 5.
    result = spc.control_chart([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], chart="run")
    first = result.iloc[0]
    assert first["cl"] == 5.5
    assert first["n_useful"] == 10
    assert first["longest_run"] == 5
    assert first["n_crossings"] == 1
    assert first["longest_run_max"] == round(math.log2(10)) + 3 == 6
    assert first["n_crossings_min"] == 2  # qbinom(0.05, 9, 0.5) = 2
    assert bool(first["runs_signal"])  # 1 crossing < 2
    assert not result["sigma_signal"].any()
    assert result["ucl"].isna().all()


@pytest.mark.parametrize(
    ("n_useful", "expected"),
    # qbinom(0.05, n - 1, 0.5) (R; identical to scipy.stats.binom.ppf), as in Anhøj 2014 table 1.
    [(0, 0), (1, 0), (2, 0), (5, 0), (10, 2), (12, 3), (20, 6), (24, 8), (30, 10), (50, 19), (100, 41)],
)
def test_crossings_minimum_matches_binomial_quantiles(n_useful: int, expected: int) -> None:
    assert spc.crossings_min(n_useful) == expected


# ----------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------

counts = st.lists(st.one_of(st.integers(0, 40), st.none()), min_size=0, max_size=40)


@settings(max_examples=60, deadline=None)
@given(values=counts, chart=st.sampled_from(["run", "i", "c"]))
def test_reversal_keeps_the_runs_statistics(values: list, chart: str) -> None:
    forward = spc.control_chart(values, chart=chart)
    backward = spc.control_chart(values[::-1], chart=chart)
    for column in ["longest_run", "n_crossings", "n_useful", "runs_signal"]:
        a = forward[column].to_numpy(dtype=float)
        b = backward[column].to_numpy(dtype=float)[::-1]
        assert np.array_equal(a, b, equal_nan=True), column
    # Rules that read the series both ways flag the same points.
    for column in ["shift", "two_of_three", "sigma_signal", "trend"]:
        assert forward[column].tolist() == backward[column].tolist()[::-1], column


@settings(max_examples=60, deadline=None)
@given(values=counts, chart=st.sampled_from(["g", "t"]))
def test_reversal_keeps_the_runs_statistics_of_rare_event_charts(values: list, chart: str) -> None:
    if chart == "t":
        values = [value + 0.5 if value is not None else None for value in values]  # times > 0
    forward = spc.control_chart(values, chart=chart)
    backward = spc.control_chart(values[::-1], chart=chart)
    for column in ["longest_run", "n_crossings", "n_useful", "runs_signal"]:
        a = forward[column].to_numpy(dtype=float)
        b = backward[column].to_numpy(dtype=float)[::-1]
        assert np.array_equal(a, b, equal_nan=True), column
    for column in ["shift", "trend", "sigma_signal"]:
        assert forward[column].tolist() == backward[column].tolist()[::-1], column
