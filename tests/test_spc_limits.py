"""rrp_helpers.spc.limits: centre lines and limits per chart type, edge cases, by hand.

Expected values are worked out by hand in each test (the agreement with qicharts2 is in
test_spc_oracle.py and test_spc_oracle_rare.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from spc_support import SIGMA, flagged, i_chart

from rrp_helpers import spc

# A baseline whose mean is exactly 10 and whose moving ranges are all 2:


# ----------------------------------------------------------------------------------------------
# Limits by hand
# ----------------------------------------------------------------------------------------------


def test_baseline_gives_the_hand_computed_limits() -> None:
    result = i_chart([10.0])
    assert result["cl"].iloc[-1] == 10.0
    assert math.isclose(result["ucl"].iloc[-1], 10 + 3 * SIGMA, rel_tol=1e-12)
    assert math.isclose(result["lcl_2sigma"].iloc[-1], 10 - 2 * SIGMA, rel_tol=1e-12)
    assert result["baseline"].tolist() == [True] * 8 + [False]


def test_sigma_signal_is_strict() -> None:
    result = spc.control_chart([4.0, 4.0, 4.0, 4.0 + 3 * 2.0, 0.0], chart="c", freeze=3)
    # c chart on a baseline of 4: limits 4 +/- 6 -> [0 (floored), 10]; 10 sits on the limit.
    assert result["ucl"].iloc[0] == 10.0
    assert result["lcl"].iloc[0] == 0.0
    assert flagged(result, "sigma_signal") == []


def test_zeros() -> None:
    result = spc.control_chart([0, 0, 0, 0, 0, 0], chart="c")
    assert (result["cl"] == 0).all() and (result["ucl"] == 0).all() and (result["lcl"] == 0).all()
    assert not result[["sigma_signal", "runs_signal", "shift", "trend", "two_of_three"]].any().any()
    assert (result["n_useful"] == 0).all()
    assert result["longest_run"].isna().all() and result["n_crossings_min"].isna().all()


def test_single_point() -> None:
    i = spc.control_chart([5.0], chart="i")
    assert i["cl"].tolist() == [5.0]
    assert i["ucl"].isna().all()  # no moving range
    c = spc.control_chart([4], chart="c")
    assert c["ucl"].iloc[0] == 4 + 3 * 2
    for result in (i, c):
        assert not result[["sigma_signal", "runs_signal", "shift", "trend", "two_of_three"]].any().any()
        assert result["n_useful"].iloc[0] == 0  # the point is on its own centre line


def test_all_equal_values() -> None:
    screened = spc.control_chart([7.0] * 12, chart="i")
    # Every moving range is 0 and screening keeps only ranges < 3.267 x 0: sigma is undefined,
    # as in qicharts2 and NHSRplotthedots.
    assert (screened["cl"] == 7.0).all()
    assert screened["ucl"].isna().all()
    unscreened = spc.control_chart([7.0] * 12, chart="i", screen_mr=False)
    assert (unscreened["ucl"] == 7.0).all() and (unscreened["lcl"] == 7.0).all()
    for result in (screened, unscreened):
        assert not result[["sigma_signal", "runs_signal", "shift", "trend", "two_of_three"]].any().any()
        assert (result["n_useful"] == 0).all()


def test_all_missing() -> None:
    result = spc.control_chart([None, np.nan, pd.NA], chart="i")
    assert len(result) == 3
    assert result[["y", "cl", "ucl", "lcl", "ucl_2sigma", "lcl_2sigma"]].isna().all().all()
    assert not result[["sigma_signal", "runs_signal", "shift", "trend", "two_of_three"]].any().any()
    rates = spc.control_chart([None, None], [None, 10], chart="u")
    assert rates[["y", "n", "cl", "ucl"]].isna().all().all()


def test_missing_values_are_skipped_never_zero() -> None:
    result = spc.control_chart([3, None, 3, pd.NA, 3], chart="c")
    assert (result["cl"] == 3).all()  # not 9 / 5
    assert result["y"].isna().tolist() == [False, True, False, True, False]
    i = spc.control_chart([10.0, np.nan, 14.0, 12.0], chart="i", screen_mr=False)
    # Moving ranges next to the missing point are dropped, not bridged: only |12 - 14| = 2.
    assert math.isclose(i["ucl"].iloc[0], 12.0 + 3 * 2 / 1.128)


def test_missing_denominator_makes_the_subgroup_missing() -> None:
    result = spc.control_chart([2, 5, 3, 4], [100, None, 100, 100], chart="u", multiply=1000)
    assert math.isclose(result["cl"].iloc[0], 9 / 300 * 1000)  # y = 5 is dropped with its n
    assert result["y"].isna().tolist() == [False, True, False, False]
    assert result["n"].isna().tolist() == [False, True, False, False]  # NaN, not qicharts2's 0
    assert result["ucl"].isna().tolist() == [False, True, False, False]
    assert not math.isnan(result["cl"].iloc[1])


def test_excluded_point_is_plotted_and_flagged_but_not_used() -> None:
    result = spc.control_chart([10.0, 12.0, 50.0, 11.0, 13.0], chart="i", exclude=[2], screen_mr=False)
    assert result["include"].tolist() == [True, True, False, True, True]
    assert result["cl"].iloc[0] == 11.5
    # The moving ranges bridge the excluded point: |12-10|, |11-12|, |13-11| -> AMR 5/3.
    assert math.isclose(result["ucl"].iloc[0], 11.5 + 3 * (5 / 3) / 1.128)
    assert flagged(result, "sigma_signal") == [2]
    assert result["n_obs"].iloc[0] == 4


def test_y_neg_false_floors_the_lower_limits() -> None:
    values = [0.0, 1.0, 0.0, 3.0, 0.0, 1.0, 2.0, 0.0]
    assert spc.control_chart(values, chart="i")["lcl"].iloc[0] < 0
    floored = spc.control_chart(values, chart="i", y_neg=False)
    assert (floored["lcl"] == 0).all() and (floored["lcl_2sigma"] >= 0).all()


def test_p_chart_caps_the_upper_limit_before_multiply() -> None:
    result = spc.control_chart([1, 2, 1], [2, 3, 2], chart="p", multiply=100)
    assert (result["ucl"] == 100).all()
    assert (result["lcl"] == 0).all()


def test_parts_have_their_own_centre_lines_and_runs() -> None:
    result = spc.control_chart([10, 12, 10, 12, 2, 4, 2, 4], chart="c", part=[4])
    assert result["part"].tolist() == [1] * 4 + [2] * 4
    assert result["cl"].tolist() == [11.0] * 4 + [3.0] * 4
    assert result["n_useful"].tolist() == [4] * 8


def test_freeze_and_part_combine_within_each_phase() -> None:
    result = spc.control_chart([10, 12, 30, 30, 2, 4, 30, 30], chart="c", part=[4], freeze=2)
    assert result["baseline"].tolist() == [True, True, False, False] * 2
    assert result["cl"].tolist() == [11.0] * 4 + [3.0] * 4


# ----------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------

counts = st.lists(st.one_of(st.integers(0, 40), st.none()), min_size=0, max_size=40)


@settings(max_examples=60, deadline=None)
@given(values=counts, chart=st.sampled_from(["i", "c", "u", "p", "up", "pp"]), freeze=st.integers(1, 12))
def test_limits_are_symmetric_where_not_floored_or_capped(values: list, chart: str, freeze: int) -> None:
    n = [50 if value is not None else None for value in values] if chart in ("u", "p", "up", "pp") else None
    result = spc.control_chart(values, n, chart=chart, freeze=min(freeze, max(len(values), 1)) if values else None)
    cap = 1.0 if chart in ("p", "pp") else math.inf
    for upper, lower in (("ucl", "lcl"), ("ucl_2sigma", "lcl_2sigma")):
        free = (result[lower] > 0) & (result[upper] < cap)
        if chart == "i":
            free = result[upper].notna()
        above = result[upper][free] - result["cl"][free]
        below = result["cl"][free] - result[lower][free]
        assert np.allclose(above, below, rtol=1e-9, atol=1e-12)
        assert (result[upper].dropna() >= result["cl"][result[upper].notna()] - 1e-12).all()


# ----------------------------------------------------------------------------------------------
# Rare events: g and t charts (qicharts2 conventions; the oracle is in test_spc_oracle_rare.py)
# ----------------------------------------------------------------------------------------------


def test_g_chart_centre_line_is_the_median_and_limits_come_from_the_mean() -> None:
    gaps = [1, 2, 3, 10, 14]  # mean 6, median 3
    result = spc.control_chart(gaps, chart="g")
    sigma = math.sqrt(6 * 7)
    assert (result["cl"] == 3).all()
    assert math.isclose(result["ucl"].iloc[0], 6 + 3 * sigma, rel_tol=1e-15)
    assert math.isclose(result["ucl_2sigma"].iloc[0], 6 + 2 * sigma, rel_tol=1e-15)
    assert (result["lcl"] == 0).all() and (result["lcl_2sigma"] == 0).all()  # sqrt(m (m + 1)) > m
    # exclude, freeze and part take the same positions as on any chart.
    excluded = spc.control_chart(gaps, chart="g", exclude=[3])
    assert excluded["cl"].iloc[0] == 2.5 and math.isclose(excluded["ucl"].iloc[0], 5 + 3 * math.sqrt(30))
    frozen = spc.control_chart(gaps, chart="g", freeze=3)
    assert frozen["cl"].iloc[0] == 2 and math.isclose(frozen["ucl"].iloc[0], 2 + 3 * math.sqrt(6))
    phased = spc.control_chart(gaps, chart="g", part=[2], multiply=2)
    assert phased["cl"].tolist() == [3.0, 3.0, 20.0, 20.0, 20.0]
    # The runs analysis compares with the median: the point on it is not useful.
    assert result["n_useful"].iloc[0] == 4 and result["longest_run"].iloc[0] == 2


def test_t_chart_transforms_charts_and_back_transforms() -> None:
    z = [1.0, 2.0, 1.5, 2.5]  # times are z^3.6
    times = [value ** 3.6 for value in z]
    result = spc.control_chart(times, chart="t")
    centre = 1.75
    sigma = (2.5 / 3) / 1.128  # moving ranges 1, 0.5, 1 (none screened): AMR 2.5 / 3
    assert math.isclose(result["cl"].iloc[0], centre ** 3.6, rel_tol=1e-14)
    assert math.isclose(result["ucl"].iloc[0], (centre + 3 * sigma) ** 3.6, rel_tol=1e-14)
    assert math.isclose(result["ucl_2sigma"].iloc[0], (centre + 2 * sigma) ** 3.6, rel_tol=1e-14)
    assert math.isclose(result["lcl_2sigma"].iloc[0], (centre - 2 * sigma) ** 3.6, rel_tol=1e-14)
    assert centre - 3 * sigma < 0 and (result["lcl"] == 0).all()  # negative base: floored at 0
    np.testing.assert_allclose(result["y"], times, rtol=1e-15)  # (y^(1/3.6))^3.6
    # lcl_2sigma is not floored: NaN when its transformed value is negative.
    clustered = spc.control_chart([0.01, 30.0, 0.02, 25.0, 0.01, 40.0], chart="t", screen_mr=False)
    assert (clustered["lcl"] == 0).all() and clustered["lcl_2sigma"].isna().all()
    # multiply comes after the back-transform; y_neg changes nothing (limits are never negative).
    hours = spc.control_chart(times, chart="t", multiply=24, y_neg=False)
    np.testing.assert_allclose(hours[["y", "cl", "ucl"]], 24 * result[["y", "cl", "ucl"]], rtol=1e-15)


def test_t_chart_of_one_point() -> None:
    """No moving range: sigma is undefined; qicharts2 then draws lcl 0 (NaN is set to 0)."""
    result = spc.control_chart([7.0], chart="t")
    assert math.isclose(result["cl"].iloc[0], 7.0, rel_tol=1e-15)
    assert np.isnan(result["ucl"].iloc[0]) and result["lcl"].iloc[0] == 0
    assert not result[["sigma_signal", "runs_signal", "shift", "trend", "two_of_three"]].any().any()


def test_g_and_t_skip_missing_values() -> None:
    gaps = spc.control_chart([4, None, 6, 20, np.nan, 2], chart="g")
    assert gaps["cl"].iloc[0] == 5 and math.isclose(gaps["ucl"].iloc[0], 8 + 3 * math.sqrt(72))
    times = spc.control_chart([4.0, None, 6.0, 20.0], chart="t")
    assert times["y"].isna().tolist() == [False, True, False, False]
    assert times["cl"].notna().all()
