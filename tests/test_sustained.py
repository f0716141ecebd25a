"""rrp_helpers.sustained: the team-level sustained-change method on hand-built series (expected
values worked by hand)."""

import math

import numpy as np
import pytest

from rrp_helpers.sustained import sustained_change

# Twelve baseline months alternating 9 and 11: mean exactly 10.
BASELINE = [9, 11] * 6


def test_flat_series_has_no_sustained_change():
    result = sustained_change(BASELINE + [9, 11] * 9 + [10], 12)
    assert result.sustained == "none"
    assert result.phase_starts == ()
    assert result.baseline_mean == 10
    assert result.final_mean == 10
    assert result.reduction_pct == 0


def test_eight_points_below_is_an_improvement_from_the_first_of_them():
    values = BASELINE + [11, 9, 11] + [5] * 8 + [6, 4, 5, 5, 5, 5, 5, 5]
    result = sustained_change(values, 12, shift_points=8)
    assert result.sustained == "improvement"
    assert result.phase_starts == (15,)
    # Final phase: sixteen points 5*8 + 6+4+5*6 = 80 -> mean 5; reduction (10 - 5) / 10.
    assert result.final_mean == 5
    assert result.reduction_pct == pytest.approx(50.0)


def test_seven_points_below_is_not_enough_under_the_rule_of_eight():
    values = BASELINE + [9, 11] * 6 + [5] * 7
    assert sustained_change(values, 12, shift_points=8).sustained == "none"
    # ... but is under a rule of seven, starting at the first of the seven.
    result = sustained_change(values, 12, shift_points=7)
    assert result.sustained == "improvement"
    assert result.phase_starts == (24,)


def test_point_on_the_centre_line_neither_counts_nor_breaks_a_run():
    values = BASELINE + [5, 5, 5, 5, 10, 5, 5, 5, 5] + [4, 6] * 5
    result = sustained_change(values, 12)
    assert result.sustained == "improvement"
    assert result.phase_starts == (12,)


def test_point_on_the_other_side_breaks_the_run():
    values = BASELINE + [5, 5, 5, 5, 11, 5, 5, 5] + [9, 11] * 5 + [11]
    assert sustained_change(values, 12).sustained == "none"


def test_missing_months_are_skipped_not_read_as_zero():
    values = BASELINE + [5, 5, np.nan, 5, 5, 5, np.nan, 5, 5, 5] + [4, 6] * 4 + [5]
    result = sustained_change(values, 12)
    assert result.sustained == "improvement"
    assert result.phase_starts == (12,)
    assert result.final_mean == 5
    # Zeros instead of missing would pull the baseline down; missing values must not.
    with_gap = sustained_change([np.nan] + BASELINE[1:] + [9, 11] * 9 + [10], 12)
    assert with_gap.baseline_mean == pytest.approx(111 / 11)  # 120 minus the missing 9


def test_a_run_that_begins_in_the_baseline_does_not_count():
    baseline = [13, 13, 13, 13, 13, 13, 7, 7, 7, 7, 7, 7]  # mean 10, last six below
    values = baseline + [7, 7, 7] + [11, 9] * 8
    # Only three testing points are below: not a shift of eight.
    assert sustained_change(values, 12).sustained == "none"


def test_a_run_above_is_a_deterioration_with_a_negative_reduction():
    values = BASELINE + [15] * 19
    result = sustained_change(values, 12)
    assert result.sustained == "deterioration"
    assert result.reduction_pct == pytest.approx(-50.0)


def test_two_step_changes_rebaseline_on_the_run_that_signalled_each():
    values = BASELINE + [6, 4] * 4 + [2] * 8 + [2, 2, 2]
    result = sustained_change(values, 12)
    # First run: positions 12-19 (mean 5); then eight points below 5 start a second phase.
    assert result.phase_starts == (12, 20)
    assert result.phase_means == pytest.approx((10.0, 5.0, 2.0))
    assert result.reduction_pct == pytest.approx(80.0)
    assert result.n_shifts == 2


def test_improvement_direction_up():
    values = BASELINE + [15] * 19
    result = sustained_change(values, 12, direction="up")
    assert result.sustained == "improvement"
    assert result.reduction_pct == pytest.approx(50.0)


def test_zero_baseline_cannot_fall():
    result = sustained_change([0] * 12 + [2] * 19, 12)
    assert result.sustained == "deterioration"
    assert math.isnan(result.reduction_pct)


def test_all_missing_baseline_gives_no_result():
    result = sustained_change([np.nan] * 12 + [2] * 19, 12)
    assert result.sustained == "none"
    assert math.isnan(result.baseline_mean)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"direction": "sideways"}, "direction"), ({"shift_points": 0}, "shift_points"), ({}, "n_baseline")],
)
def test_invalid_arguments_say_what_to_fix(kwargs, message):
    n_baseline = 99 if message == "n_baseline" else 12
    with pytest.raises(ValueError, match=message):
        sustained_change(BASELINE + [10] * 19, n_baseline, **kwargs)
