"""rrp_helpers.spc: hand-built rule scenarios, edge cases, argument errors and properties.

Expected values are worked out by hand in each test (the agreement with qicharts2 and
NHSRplotthedots is in test_spc_oracle.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rrp_helpers import spc

# A baseline whose mean is exactly 10 and whose moving ranges are all 2:
# i chart sigma = 2 / 1.128, so the 2-sigma line is 10 + 3.546 and the 3-sigma line 10 + 5.319.
BASELINE = [11.0, 9.0, 11.0, 9.0, 11.0, 9.0, 11.0, 9.0]
SIGMA = 2 / 1.128


def flagged(result: pd.DataFrame, column: str) -> list[int]:
    return np.flatnonzero(result[column].to_numpy()).tolist()


def i_chart(values: list[float], **options: object) -> pd.DataFrame:
    """I chart with limits frozen on BASELINE (centre line exactly 10)."""
    return spc.control_chart(BASELINE + values, chart="i", freeze=len(BASELINE), **options)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------
# Hand-built scenarios per rule
# ----------------------------------------------------------------------------------------------


def test_baseline_gives_the_hand_computed_limits() -> None:
    result = i_chart([10.0])
    assert result["cl"].iloc[-1] == 10.0
    assert math.isclose(result["ucl"].iloc[-1], 10 + 3 * SIGMA, rel_tol=1e-12)
    assert math.isclose(result["lcl_2sigma"].iloc[-1], 10 - 2 * SIGMA, rel_tol=1e-12)
    assert result["baseline"].tolist() == [True] * 8 + [False]


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


def test_sigma_signal_is_strict() -> None:
    result = spc.control_chart([4.0, 4.0, 4.0, 4.0 + 3 * 2.0, 0.0], chart="c", freeze=3)
    # c chart on a baseline of 4: limits 4 +/- 6 -> [0 (floored), 10]; 10 sits on the limit.
    assert result["ucl"].iloc[0] == 10.0
    assert result["lcl"].iloc[0] == 0.0
    assert flagged(result, "sigma_signal") == []


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


def test_empty() -> None:
    result = spc.control_chart([], chart="c", freeze=12, part=[3], exclude=[1])
    assert len(result) == 0
    assert list(result.columns) == list(spc.OUTPUT_COLUMNS)
    grouped = spc.control_charts(
        pd.DataFrame({"ward": [], "month": [], "count": []}), by="ward", x="month", y="count", chart="c"
    )
    assert len(grouped) == 0 and list(grouped.columns) == ["ward", *spc.OUTPUT_COLUMNS]


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


def test_x_sorts_the_rows_and_positions_follow() -> None:
    months = pd.to_datetime(["2024-03-01", "2024-01-01", "2024-02-01", "2024-04-01"])
    result = spc.control_chart([30, 10, 20, 40], chart="c", x=months, freeze=2)
    assert result["x"].tolist() == sorted(months)
    assert result["y"].tolist() == [10, 20, 30, 40]
    assert result["cl"].iloc[0] == 15
    assert spc.control_chart([1, 2, 3], chart="c")["x"].tolist() == [1, 2, 3]


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
# Grouped calls
# ----------------------------------------------------------------------------------------------


def test_grouped_equals_one_at_a_time_on_a_shuffled_frame() -> None:
    rng = np.random.default_rng(7)
    frames = []
    for ward in ["W2", "W1", "W3"]:
        for measure in ["seclusion", "restraint"]:
            length = int(rng.integers(5, 30))
            counts = rng.poisson(6, length).astype(float)
            counts[rng.random(length) < 0.1] = np.nan
            frames.append(pd.DataFrame({
                "ward": ward, "measure": measure,
                "month": pd.date_range("2022-01-01", periods=length, freq="MS"),
                "count": counts, "bed_days": rng.integers(300, 600, length),
            }))
    frame = pd.concat(frames).sample(frac=1, random_state=1).reset_index(drop=True)
    options = dict(chart="u", freeze=4, part=[10], exclude=[2], multiply=1000, rules="mdc")
    grouped = spc.control_charts(frame, by=["ward", "measure"], x="month", y="count", n="bed_days", **options)
    assert grouped[["ward", "measure"]].drop_duplicates().apply(tuple, axis=1).tolist() == sorted(
        {(w, m) for w in ["W1", "W2", "W3"] for m in ["restraint", "seclusion"]}
    )
    for (ward, measure), rows in grouped.groupby(["ward", "measure"], sort=False):
        series = frame[(frame["ward"] == ward) & (frame["measure"] == measure)].sort_values("month")
        # Positions beyond a short series do not occur in it (a lone chart rejects them).
        length = len(series)
        alone_options = dict(options, part=[p for p in [10] if p < length] or None,
                             exclude=[e for e in [2] if e < length] or None, freeze=min(4, length))
        alone = spc.control_chart(series["count"], series["bed_days"], x=series["month"], **alone_options)
        pd.testing.assert_frame_equal(rows.drop(columns=["ward", "measure"]).reset_index(drop=True), alone)


def test_grouped_rejects_duplicate_x_and_missing_keys() -> None:
    frame = pd.DataFrame({"ward": ["A", "A", "B"], "month": [1, 1, 1], "count": [1, 2, 3]})
    with pytest.raises(ValueError, match="duplicate"):
        spc.control_charts(frame, by="ward", x="month", y="count", chart="c")
    frame = pd.DataFrame({"ward": ["A", None, "B"], "month": [1, 2, 1], "count": [1, 2, 3]})
    with pytest.raises(ValueError, match="missing"):
        spc.control_charts(frame, by="ward", x="month", y="count", chart="c")
    with pytest.raises(ValueError, match="no column"):
        spc.control_charts(frame, by="ward", x="month", y="counts", chart="c")


# ----------------------------------------------------------------------------------------------
# Invalid arguments
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(y=[1, 2], chart="x"), "unknown chart"),
        (dict(y=[1, 2], chart="c", rules="weco"), "unknown rules"),
        (dict(y=[1, -2], chart="c"), "non-negative"),
        (dict(y=[1, -2], n=[5, 5], chart="u"), "non-negative"),
        (dict(y=[1, 2], n=[5, 0], chart="u"), "n must be > 0"),
        (dict(y=[1, 2], n=[5, -1], chart="p"), "n must be > 0"),
        (dict(y=[1, 6], n=[5, 5], chart="p"), "y <= n"),
        (dict(y=[1, 6], n=[5, 5], chart="pp"), "y <= n"),
        (dict(y=[1, 2], chart="u"), "needs denominators"),
        (dict(y=[1, 2], n=[5, 5], chart="c"), "chart='u'"),
        (dict(y=[1, 2, 3], n=[5, 5], chart="u"), "same length"),
        (dict(y=[1, 2, 3], x=[1, 2], chart="c"), "same length"),
        (dict(y=[1, 2, 3], x=[1, 1, 2], chart="c"), "duplicate"),
        (dict(y=[1, 2, 3], x=[1, None, 2], chart="c"), "missing"),
        (dict(y=[1, 2, 3], chart="c", part=[0]), "part"),
        (dict(y=[1, 2, 3], chart="c", part=[3]), "part"),
        (dict(y=[1, 2, 3], chart="c", part=[1.5]), "part"),
        (dict(y=[1, 2, 3], chart="c", part=[1, 1]), "repeated"),
        (dict(y=[1, 2, 3], chart="c", exclude=[-1]), "exclude"),
        (dict(y=[1, 2, 3], chart="c", exclude=[3]), "exclude"),
        (dict(y=[1, 2, 3], chart="c", freeze=0), "freeze"),
        (dict(y=[1, 2, 3], chart="c", freeze=4), "freeze"),
        (dict(y=[1, 2, 3], chart="c", freeze=2.5), "freeze"),
        (dict(y=[1, 2, 3], chart="c", shift_points=1), "shift_points"),
        (dict(y=[1, 2, 3], chart="c", trend_points=2.0), "trend_points"),
        (dict(y=[1, 2, 3], chart="c", multiply=0), "multiply"),
        (dict(y=["a", "b"], chart="c"), "numbers"),
        (dict(y=[[1, 2], [3, 4]], chart="c"), "one-dimensional"),
        (dict(y=[1.0, float("inf")], chart="i"), "infinite"),
    ],
)
def test_invalid_arguments_raise_value_error(arguments: dict, message: str) -> None:
    y = arguments.pop("y")
    n = arguments.pop("n", None)
    with pytest.raises(ValueError, match=message):
        spc.control_chart(y, n, **arguments)


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


@settings(max_examples=40, deadline=None)
@given(
    groups=st.lists(st.lists(st.one_of(st.integers(0, 30), st.none()), min_size=1, max_size=25), min_size=1, max_size=5),
    chart=st.sampled_from(["run", "i", "c", "u", "pp"]),
    rules=st.sampled_from(["collaborative", "mdc", "ihi"]),
    freeze=st.one_of(st.none(), st.integers(2, 6)),
    seed=st.integers(0, 1000),
)
def test_grouped_equals_one_at_a_time(groups: list, chart: str, rules: str, freeze: int | None, seed: int) -> None:
    rows = []
    for number, values in enumerate(groups):
        for month, value in enumerate(values):
            rows.append({"unit": f"u{number}", "month": month, "y": value, "n": 40})
    frame = pd.DataFrame(rows).sample(frac=1, random_state=seed)
    needs_n = chart in ("u", "pp")
    longest = max(len(values) for values in groups)
    freeze = min(freeze, longest) if freeze else None
    grouped = spc.control_charts(
        frame, by="unit", x="month", y="y", n="n" if needs_n else None, chart=chart, rules=rules, freeze=freeze
    )
    for number, values in enumerate(groups):
        alone = spc.control_chart(values, [40] * len(values) if needs_n else None, chart=chart, rules=rules,
                                  freeze=min(freeze, len(values)) if freeze else None, x=list(range(len(values))))
        mine = grouped[grouped["unit"] == f"u{number}"].drop(columns="unit").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone, check_dtype=False)
