"""Runs analysis (Anhøj) and the pattern rules: shift, trend, two of three.

All of them look at the included, non-missing points of one phase, in order; excluded and
missing points are never flagged by the pattern rules, and every point belonging to a pattern
is flagged. Functions take the rows of all series at once (phases as segments).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from rrp_helpers.spc.layout import Layout, count_true, range_indices, run_starts
from rrp_helpers.spc.options import RulePreset


@functools.cache
def crossings_min(n_useful: int) -> int:
    """Fewest expected crossings for ``n_useful`` useful points: R's ``qbinom(0.05, n - 1, 0.5)``.

    The smallest k with P(X <= k) >= 0.05 for X ~ Binomial(max(n_useful - 1, 0), 0.5), computed
    in exact integer arithmetic (20 * sum_{i<=k} C(m, i) >= 2**m).
    """
    m = max(int(n_useful) - 1, 0)
    total = 1 << m
    coefficient = 1
    cumulative = 0
    for k in range(m + 1):
        cumulative += coefficient
        if 20 * cumulative >= total:
            return k
        coefficient = coefficient * (m - k) // (k + 1)
    return m  # pragma: no cover - the loop always returns


def _crossings_min_array(n_useful: np.ndarray) -> np.ndarray:
    values, inverse = np.unique(n_useful, return_inverse=True)
    table = np.array([crossings_min(int(v)) for v in values], dtype=np.float64)
    return table[inverse]


@dataclass
class RunsAnalysis:
    """Anhøj statistics per phase, and the runs of useful points they came from.

    ``useful_index`` holds the rows of the useful points (None: every row is useful);
    ``run_start``/``run_length`` index into those useful points.
    """

    n_useful: np.ndarray
    longest_run: np.ndarray
    longest_run_max: np.ndarray
    n_crossings: np.ndarray
    n_crossings_min: np.ndarray
    runs_signal: np.ndarray
    useful_index: np.ndarray | None
    run_start: np.ndarray
    run_length: np.ndarray


def runs_analysis(side: np.ndarray, include: np.ndarray | None, layout: Layout) -> RunsAnalysis:
    """Anhøj runs analysis of every phase.

    ``side`` is the sign of (value - centre line), NaN where missing; the useful points are the
    included ones not missing and not on the centre line. ``longest_run_max = round(log2(n)) + 3``
    and ``n_crossings_min = qbinom(0.05, n - 1, 0.5)``; the signal is a longer run or fewer
    crossings. Without useful points the statistics are NaN and there is no signal.
    """
    useful = side * side == 1.0
    if include is not None:
        useful &= include
    useful_index = None if useful.all() else np.flatnonzero(useful)
    useful_side = side if useful_index is None else side[useful_index]
    useful_phase = layout.phase_id if useful_index is None else layout.phase_id[useful_index]
    run_start, run_length = run_starts(useful_side, useful_phase)
    n_runs = np.bincount(useful_phase[run_start], minlength=layout.n_phases)
    n_useful = layout.phase_length.copy() if useful_index is None else count_true(useful, layout.phase_start)
    longest_run = np.zeros(layout.n_phases)
    has_runs = n_runs > 0
    if has_runs.any():
        first_run = (np.cumsum(n_runs) - n_runs)[has_runs]
        longest_run[has_runs] = np.maximum.reduceat(run_length, first_run)
    has_useful = n_useful > 0
    longest_run_max = np.round(np.log2(np.maximum(n_useful, 1))) + 3.0
    n_crossings = np.maximum(n_runs - 1, 0).astype(np.float64)
    n_crossings_min = _crossings_min_array(n_useful)
    runs_signal = has_useful & ((longest_run > longest_run_max) | (n_crossings < n_crossings_min))
    for statistic in (longest_run, longest_run_max, n_crossings, n_crossings_min):
        statistic[~has_useful] = np.nan
    return RunsAnalysis(n_useful, longest_run, longest_run_max, n_crossings, n_crossings_min, runs_signal,
                        useful_index, run_start, run_length)


def shift_flags(
    side: np.ndarray, include: np.ndarray | None, layout: Layout, runs: RunsAnalysis, preset: RulePreset
) -> np.ndarray:
    """Points in runs of at least ``shift_points`` on one side of the centre line.

    Points on the centre line are skipped (the runs of the runs analysis) or, when the preset
    says so, break the run.
    """
    shift = np.zeros(layout.size, dtype=bool)
    if preset.centre_line_breaks_shift:
        observed = ~np.isnan(side)
        if include is not None:
            observed &= include
        seq_index = None if observed.all() else np.flatnonzero(observed)
        seq_side = side if seq_index is None else side[seq_index]
        seq_phase = layout.phase_id if seq_index is None else layout.phase_id[seq_index]
        start, length = run_starts(seq_side, seq_phase)
        long_run = (length >= preset.shift_points) & (seq_side[start] != 0)
    else:
        seq_index, start, length = runs.useful_index, runs.run_start, runs.run_length
        long_run = length >= preset.shift_points
    if long_run.any():
        flagged = range_indices(start[long_run], length[long_run])
        shift[flagged if seq_index is None else seq_index[flagged]] = True
    return shift


def trend_points(values: np.ndarray, phase: np.ndarray, preset: RulePreset) -> np.ndarray:
    """Indices of the points in trends of >= trend_points strictly rising (or falling) values.

    ``values`` are the included, non-missing points in order. Works on the differences between
    neighbours: a rising trend is a maximal stretch of differences inside one phase that contains
    no fall (ties allowed and skipped) or, when ties break, only rises; it is a trend when it
    holds at least trend_points - 1 rises. The points it covers run from the first point of its
    first difference to the last point of its last one.
    """
    m = values.shape[0]
    needed = preset.trend_points - 1
    if m <= needed:
        return np.zeros(0, dtype=np.int64)
    same_phase = phase[1:] == phase[:-1]
    rises = values[1:] > values[:-1]
    falls = values[1:] < values[:-1]
    found = []
    for move, against in ((rises, falls), (falls, rises)):
        inside = (move if preset.trend_ties_break else ~against) & same_phase
        moves_so_far = np.cumsum((move & inside).view(np.int8), dtype=np.int32)
        if moves_so_far[-1] < needed:
            continue
        breaks = np.flatnonzero(~inside)
        # Stretch r covers differences starts[r] .. stops[r] - 1 (points starts[r] .. stops[r]).
        starts = np.concatenate((np.zeros(1, dtype=np.int64), breaks + 1))
        stops = np.concatenate((breaks, np.full(1, m - 1, dtype=np.int64)))
        before = np.concatenate((np.zeros(1, dtype=np.int32), moves_so_far))
        is_trend = before[stops] - before[starts] >= needed
        if is_trend.any():
            found.append(range_indices(starts[is_trend], stops[is_trend] - starts[is_trend] + 1))
    if not found:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(found)


def _spread_windows(fire: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Flag ``member`` points inside any firing window of 3 (window j covers j, j+1, j+2)."""
    covered = np.zeros(member.shape[0], dtype=bool)
    covered[:-2] |= fire
    covered[1:-1] |= fire
    covered[2:] |= fire
    return covered & member


def two_of_three_flags(
    y: np.ndarray,
    cl: np.ndarray,
    ucl: np.ndarray,
    lcl: np.ndarray,
    ucl_2: np.ndarray,
    lcl_2: np.ndarray,
    phase: np.ndarray,
    preset: RulePreset,
) -> np.ndarray:
    """Flag the qualifying points of every window of 3 consecutive points in one phase.

    The arrays hold the included, non-missing points in order (plotted values and lines).
    """
    m = y.shape[0]
    flags = np.zeros(m, dtype=bool)
    if m < 3:
        return flags
    window_in_phase = phase[2:] == phase[:-2]
    if preset.two_of_three == "mdc":
        outside = (y > ucl) | (y < lcl)
        close = ~outside & ((y < lcl_2) | (y > ucl_2))
        if not close.any():
            return flags
        count = close.view(np.int8)
        count = count[:-2] + count[1:-1] + count[2:]
        side = np.sign(y - cl)
        same_side = np.abs(side[:-2] + side[1:-1] + side[2:]) == 3
        return _spread_windows((count >= 2) & same_side & window_in_phase, close)
    for beyond in (y > ucl_2, y < lcl_2):
        if not beyond.any():
            continue
        count = beyond.view(np.int8)
        count = count[:-2] + count[1:-1] + count[2:]
        flags |= _spread_windows((count >= 2) & window_in_phase, beyond)
    return flags
