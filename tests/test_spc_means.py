"""rrp_helpers.spc.means: R's mean(), sum(), median() and ^, and what they change on a chart.

The reference for R's algorithms is a plain loop over ``np.longdouble`` scalars written from R's
``summary.c`` description (sum left to right in long double, divide, one correction pass, round
to double); for the decimal series the reference is the exact mean (``fractions.Fraction``).
"""

from __future__ import annotations

import math
import platform
from fractions import Fraction

import numpy as np
import pytest

from rrp_helpers import spc
from rrp_helpers.spc import means

X87 = platform.machine() in ("x86_64", "AMD64", "i686") and np.finfo(np.longdouble).nmant == 63
needs_x87 = pytest.mark.skipif(not X87, reason="the expected last bits are those of 80-bit long double")


def r_mean_loop(values: list[float]) -> float:
    """R's mean() of doubles, one value at a time."""
    n = np.longdouble(len(values))
    total = np.longdouble(0.0)
    for value in values:
        total += np.longdouble(value)
    mean = total / n
    if math.isfinite(float(mean)):
        correction = np.longdouble(0.0)
        for value in values:
            correction += np.longdouble(value) - mean
        mean += correction / n
    return float(mean)


def r_sum_loop(values: list[float]) -> float:
    total = np.longdouble(0.0)
    for value in values:
        total += np.longdouble(value)
    return float(total)


def one_segment(values: list[float]) -> tuple[np.ndarray, None, np.ndarray, int]:
    return np.array(values, dtype=np.float64), None, np.zeros(len(values), dtype=np.int64), 1


def test_long_double_is_extended_on_this_machine() -> None:
    """On x86-64 numpy's long double is the 80-bit x87 type R's LDOUBLE is (64-bit mantissa)."""
    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("checks the x86-64 build")
    assert np.finfo(np.longdouble).nmant == 63
    assert means.EXTENDED_PRECISION


def test_sequential_sums_add_left_to_right() -> None:
    rng = np.random.default_rng(4)
    counts = np.array([0, 1, 2, 3, 7, 8, 9, 0, 40, 130, 5, 1000, 0, 2])
    values = (rng.standard_normal(counts.sum()) * 10.0 ** rng.integers(-8, 8, counts.sum())).astype(np.longdouble)
    sums = means.sequential_sums(values, counts)
    starts = np.cumsum(counts) - counts
    for k, (start, count) in enumerate(zip(starts, counts)):
        expected = np.longdouble(0.0)
        for value in values[start:start + count]:
            expected += value
        assert sums[k] == expected, k
    # Why not numpy's own reductions: they add in another order (pairwise, unrolled).
    tiny = np.array([1.0] + [1e-20] * 100, dtype=np.longdouble)
    assert means.sequential_sums(tiny, np.array([101]))[0] == 1.0  # each 1e-20 is lost, as in R
    if X87:
        assert np.add.reduce(tiny) != 1.0


def test_r_means_follow_r_per_segment() -> None:
    rng = np.random.default_rng(9)
    for _ in range(200):
        counts = rng.integers(0, 25, rng.integers(1, 6))
        values = np.round(rng.uniform(0, 2, counts.sum()), rng.integers(1, 4))
        segment = np.repeat(np.arange(counts.size), counts)
        used = rng.random(counts.sum()) < 0.8
        ours = means.r_means(values, used, segment, counts.size)
        for k in range(counts.size):
            chosen = values[(segment == k) & used].tolist()
            expected = r_mean_loop(chosen) if chosen else math.nan
            assert ours[k] == expected or (math.isnan(ours[k]) and math.isnan(expected))
        sums = means.r_sums(values, used, segment, counts.size)
        assert sums.tolist() == [r_sum_loop(values[(segment == k) & used].tolist()) for k in range(counts.size)]


def test_r_medians() -> None:
    assert means.r_medians(*one_segment([3.0, 1.0, 2.0]))[0] == 2.0
    assert means.r_medians(*one_segment([4.0, 1.0, 2.0, 3.0]))[0] == 2.5
    segments = means.r_medians(np.array([5.0, 1.0, 9.0, 2.0]), np.array([True, True, False, True]),
                               np.array([0, 0, 2, 2]), 3)
    assert segments[0] == 3.0 and math.isnan(segments[1]) and segments[2] == 2.0
    # Even counts: R's mean() of the two middle values, which is not always (a + b) / 2.
    a, b = 1.6105690012887868, 4.6873727152379776e-11
    assert means.r_medians(*one_segment([a, b]))[0] == r_mean_loop([a, b])


@needs_x87
def test_the_median_of_two_is_r_mean_not_half_the_double_sum() -> None:
    a, b = 1.6105690012887868, 4.6873727152379776e-11
    assert r_mean_loop([a, b]) != (a + b) / 2


def test_c_pow_is_the_c_library_pow() -> None:
    rng = np.random.default_rng(2)
    base = np.concatenate((rng.exponential(10.0, 2000), [0.0, 1.0, np.nan, -2.0]))
    for exponent in (1 / 3.6, 3.6):
        ours = means.c_pow(base, exponent)
        expected = [math.pow(value, exponent) if value >= 0 else math.nan for value in base]
        np.testing.assert_array_equal(ours, expected)


# ----------------------------------------------------------------------------------------------
# What it changes on a chart
# ----------------------------------------------------------------------------------------------

# Rates rounded to one decimal whose decimal mean is 0.4 (sum 8.0 over 20 points): 4 points
# above 0.4, a point of 0.4, 3 points above, then 12 points mostly below.
RATES = [0.7, 0.8, 0.6, 0.7, 0.4, 0.5, 0.6, 0.7, 0.2, 0.0, 0.5, 0.1, 0.2, 0.6, 0.2, 0.1, 0.1, 0.6, 0.1, 0.3]


def test_a_point_on_the_r_mean_does_not_count_in_runs() -> None:
    exact = float(sum(Fraction(value) for value in RATES) / len(RATES))
    assert exact == 0.4 == r_mean_loop(RATES)
    # A plain double mean misses it by one bit either way, putting 0.4 above its centre line.
    assert sum(RATES) / len(RATES) < 0.4 and float(np.sum(RATES)) / len(RATES) < 0.4

    result = spc.control_chart(RATES, chart="i")
    assert (result["cl"] == 0.4).all()
    first = result.iloc[0]
    assert first["n_useful"] == 19  # the point of 0.4 is on the line: skipped
    assert first["longest_run"] == 7  # 4 + 3 above, not 8
    assert first["longest_run_max"] == 7 and not first["runs_signal"]
    assert not result["shift"].any()  # no false shift of 8 (collaborative) ...
    assert not spc.control_chart(RATES, chart="i", rules="mdc")["shift"].any()  # ... nor of 7 (mdc: it breaks)
    flagged = np.flatnonzero(spc.control_chart(RATES, chart="i", shift_points=7)["shift"]).tolist()
    assert flagged == [0, 1, 2, 3, 5, 6, 7]  # a run of 7 passes over the point on the line


def test_r_mean_on_the_rates_of_a_u_chart_run() -> None:
    """i charts of y / n use R's mean of the ratios (qicharts2's mean of the plotted rates)."""
    bed_days = [10.0] * len(RATES)
    counts = [rate * 10.0 for rate in RATES]
    ratios = [count / days for count, days in zip(counts, bed_days)]
    result = spc.control_chart(counts, bed_days, chart="i")
    assert result["cl"].iloc[0] == r_mean_loop(ratios)
