"""Statistical process control (SPC) for run and control charts, vectorised across series.

Two entry points:

* :func:`control_chart` -- one series (``y`` and optional denominators ``n``);
* :func:`control_charts` -- every series of a tidy long frame (for example all wards x measures)
  in one vectorised pass; ``control_chart`` is this core applied to a single group.

Both return one row per point with the centre line, 3-sigma and 2-sigma limits, the Anhøj runs
analysis of the point's phase and one boolean column per special-cause rule.

Conventions (they reproduce qicharts2 0.8.1 and, for ``rules="mdc"``, NHSRplotthedots 0.2.2;
see ``tests/fixtures/spc_oracle/README.md``):

* Positions are 0-based and counted within each series (group) after sorting by ``x``:
  ``part=[12]`` starts a new phase at the 13th point (qicharts2 ``part = 12``); ``exclude=[4]``
  leaves the 5th point out of every calculation (it is still returned, with ``include=False``).
* ``freeze=k`` computes the centre line and limits of each phase from the first ``k`` points of
  that phase (its baseline) and extends them forward. Unlike qicharts2, which ignores ``freeze``
  when ``part`` is given (anhoej/qicharts2#20), ``freeze`` applies within every phase, as
  NHSRplotthedots' ``fix_after_n_points`` does. A phase shorter than ``k`` is all baseline.
* Missing values (NaN, None, ``pd.NA``) are skipped, never read as zero. When ``n`` is given, a
  point is missing if either ``y`` or ``n`` is; its ``y`` and ``n`` are returned as NaN (qicharts2
  reports ``n = 0`` there) and rate charts (u, p, up, pp) give it NaN limits. Run, i and c charts
  keep drawing their (constant) centre line and limits through missing points.
* ``y`` in the output is the plotted value: ``y * multiply`` for run/i/c and ``y / n * multiply``
  when ``n`` is given. ``cl`` and the limits are multiplied likewise (p/pp caps at 1 are applied
  before ``multiply``). ``x`` is the given ``x`` or 1..N (qicharts2's point index).
* Lower limits of c/u/p/up/pp are floored at 0 and the upper limits of p/pp capped at 1.
  ``y_neg=False`` floors ``lcl``/``lcl_2sigma`` at 0 for any chart when the series has no
  negative values (qicharts2 ``y.neg``).
* Non-finite limits are NaN; a point is a ``sigma_signal`` when strictly outside the 3-sigma
  limits (NaN compares False). It is evaluated on every point, excluded ones included.
* Runs analysis (Anhøj) per phase on the included, non-missing points that are not exactly on the
  centre line: ``longest_run_max = round(log2(n_useful)) + 3`` and ``n_crossings_min`` = the
  5 % quantile of Binomial(n_useful - 1, 0.5) (smallest k with P(X <= k) >= 0.05, computed exactly).
  ``runs_signal = longest_run > longest_run_max or n_crossings < n_crossings_min``. When
  ``n_useful`` is 0 the statistics are NaN and the signal is False. The statistics are float
  columns (NaN when undefined) repeated on every row of the phase.
* Pattern rules (``shift``, ``trend``, ``two_of_three``) look only at included, non-missing points
  of the same phase, in order; excluded and missing points are never flagged by them. Every
  point belonging to a pattern is flagged.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "CHART_TYPES",
    "RULE_PRESETS",
    "RulePreset",
    "OUTPUT_COLUMNS",
    "control_chart",
    "control_charts",
    "crossings_min",
]

ChartType = Literal["run", "i", "c", "u", "p", "up", "pp"]
CHART_TYPES: tuple[str, ...] = ("run", "i", "c", "u", "p", "up", "pp")
_RATE_CHARTS = frozenset({"u", "p", "up", "pp"})
_COUNT_CHARTS = frozenset({"c", "u", "p", "up", "pp"})

# Constants of the XmR chart.
_D2 = 1.128  # E[moving range] / sigma for n = 2 (qicharts2 divides AMR by 1.128)
_MR_SCREEN = 3.267  # moving ranges >= 3.267 x AMR are dropped once before computing sigma
_MDC_LIMIT = 2.66  # Making Data Count: limits = mean +/- 2.66 x AMR


@dataclass(frozen=True)
class RulePreset:
    """Exact definition of a special-cause rule set.

    * ``shift_points``: a run of at least this many consecutive points on one side of the centre
      line is a shift.
    * ``centre_line_breaks_shift``: a point exactly on the centre line breaks a run (True, Making
      Data Count) or is skipped, neither counting nor breaking (False, Anhøj/IHI/collaborative).
    * ``trend_points``: at least this many consecutive points each strictly above (or below) the
      previous one form a trend; a trend may cross the centre line.
    * ``trend_ties_break``: equal neighbours break a trend (True) or are ignored, neither counting
      nor breaking, as in the IHI run chart rules ("like values do not make or break a trend";
      the tied points inside or at the ends of the trend are flagged with it) (False).
    * ``two_of_three``: ``"beyond_2sigma"`` -- 2 of 3 consecutive points strictly beyond the same
      2-sigma line (beyond 3 sigma counts too; the third point may be anywhere); the points beyond
      the line are flagged. ``"mdc"`` -- at least 2 of 3 consecutive points "close to the limits"
      (strictly beyond 2 sigma but not beyond the 3-sigma limits) and all 3 strictly on the same
      side of the centre line; only the close points are flagged (NHSRplotthedots 0.2.2).
    * ``mdc_limits``: i charts use mean +/- 2.66 x AMR (2-sigma band: 2/3 of that) instead of
      mean +/- 3 x AMR / 1.128.
    """

    shift_points: int
    centre_line_breaks_shift: bool
    trend_points: int
    trend_ties_break: bool
    two_of_three: Literal["beyond_2sigma", "mdc"]
    mdc_limits: bool


RULE_PRESETS: dict[str, RulePreset] = {
    # The collaborative's rules (the paper's and LifeQI's): shift 8, trend 6.
    "collaborative": RulePreset(8, False, 6, False, "beyond_2sigma", False),
    # NHS England Making Data Count as NHSRplotthedots 0.2.2 computes it.
    "mdc": RulePreset(7, True, 7, True, "mdc", True),
    # IHI run/control chart rules: shift 6, trend 5, two of three beyond 2 sigma, astronomical
    # points = sigma_signal.
    "ihi": RulePreset(6, False, 5, False, "beyond_2sigma", False),
}

OUTPUT_COLUMNS: tuple[str, ...] = (
    "x",
    "position",
    "y",
    "n",
    "cl",
    "ucl",
    "lcl",
    "ucl_2sigma",
    "lcl_2sigma",
    "part",
    "baseline",
    "include",
    "sigma_signal",
    "runs_signal",
    "longest_run",
    "longest_run_max",
    "n_crossings",
    "n_crossings_min",
    "n_useful",
    "n_obs",
    "shift",
    "trend",
    "two_of_three",
)


# --------------------------------------------------------------------------------------------
# Small exact helpers
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
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


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _count_true(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Number of True values in each contiguous segment beginning at ``starts``."""
    return np.add.reduceat(mask.view(np.int8), starts, dtype=np.int64)


def _run_starts(values: np.ndarray, segment: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run-length encoding of ``values`` (a run also breaks where ``segment`` changes).

    Returns (start index of each run, length of each run).
    """
    m = values.shape[0]
    if m == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    change = values[1:] != values[:-1]
    if segment is not None:
        change |= segment[1:] != segment[:-1]
    run_start = np.concatenate((np.zeros(1, dtype=np.int64), np.flatnonzero(change) + 1))
    run_length = np.diff(np.append(run_start, m))
    return run_start, run_length


def _range_indices(first: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Concatenation of the index ranges [first[k], first[k] + length[k])."""
    if first.size == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(length) - length
    return np.repeat(first - offsets, length) + np.arange(int(length.sum()))


def _empty_columns() -> dict[str, np.ndarray]:
    floats = ("y", "n", "cl", "ucl", "lcl", "ucl_2sigma", "lcl_2sigma", "longest_run",
              "longest_run_max", "n_crossings", "n_crossings_min")
    integers = ("position", "part", "n_useful", "n_obs")
    columns = {name: np.zeros(0, dtype=np.float64) for name in floats}
    columns.update({name: np.zeros(0, dtype=np.int64) for name in integers})
    for name in ("baseline", "include", "sigma_signal", "runs_signal", "shift", "trend", "two_of_three"):
        columns[name] = np.zeros(0, dtype=bool)
    return columns


# --------------------------------------------------------------------------------------------
# Vectorised core on sorted arrays
# --------------------------------------------------------------------------------------------


def _core(
    y: np.ndarray,
    n: np.ndarray | None,
    group_start: np.ndarray,
    *,
    chart: str,
    freeze: int | None,
    part: np.ndarray,
    exclude: np.ndarray,
    multiply: float,
    y_neg: bool,
    screen_mr: bool,
    preset: RulePreset,
) -> dict[str, np.ndarray]:
    """Compute every column for rows sorted by group then x; ``group_start`` = first row of each group.

    Groups and phases are contiguous row segments, so per-phase statistics are ``reduceat``
    sums over segment starts and are broadcast back with ``np.repeat``.
    """
    size = y.shape[0]
    if size == 0:
        return _empty_columns()
    group_length = np.diff(np.append(group_start, size))
    position = np.arange(size) - np.repeat(group_start, group_length)

    # Phases: a new one at every group start and at every `part` position.
    if part.size:
        is_phase_start = np.isin(position, part)
        is_phase_start[group_start] = True
        phase_start = np.flatnonzero(is_phase_start)
    else:
        phase_start = group_start
    n_phases = phase_start.size
    phase_length = np.diff(np.append(phase_start, size))
    phase_id = np.repeat(np.arange(n_phases), phase_length)
    position_in_phase = np.arange(size) - np.repeat(phase_start, phase_length) if part.size else position
    group_of_phase = np.searchsorted(group_start, phase_start, side="right") - 1
    phase_number = np.arange(n_phases) - np.searchsorted(phase_start, group_start)[group_of_phase] + 1

    def per_row(per_phase: np.ndarray) -> np.ndarray:
        return np.repeat(per_phase, phase_length)

    # Values: y, or y / n when denominators are given; a point is missing if y or n is.
    if n is not None:
        missing = np.isnan(y) | np.isnan(n)
        if missing.any():
            y = np.where(missing, np.nan, y)
            n = np.where(missing, np.nan, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = y / n
    else:
        missing = np.isnan(y)
        value = y
    any_missing = bool(missing.any())

    all_included = exclude.size == 0
    include = np.ones(size, dtype=bool) if all_included else ~np.isin(position, exclude)
    baseline = np.ones(size, dtype=bool) if freeze is None else position_in_phase < freeze
    calc = ~missing
    if freeze is not None:
        calc &= baseline
    if not all_included:
        calc &= include
    calc_count = _count_true(calc, phase_start)

    # Centre line per phase (before multiply).
    if chart == "run":
        cl = _segment_medians(value, calc, phase_id, n_phases)
    elif chart in _RATE_CHARTS:
        cl = _safe_divide(
            np.add.reduceat(np.where(calc, y, 0.0), phase_start),
            np.add.reduceat(np.where(calc, n, 0.0), phase_start),
        )
    else:  # i, c (and run/i on y / n: mean of the ratios, as qicharts2)
        cl = _safe_divide(np.add.reduceat(np.where(calc, value, 0.0), phase_start), calc_count.astype(float))
    cl_row = per_row(cl)

    # Limits: per phase (run, i, c) or per row (u, p, up, pp), before multiply.
    with np.errstate(divide="ignore", invalid="ignore"):
        if chart == "run":
            nan = np.full(n_phases, np.nan)
            limits = [nan, nan, nan, nan]
        elif chart == "i":
            used = baseline & include
            amr = _average_moving_range(value, used, phase_id, n_phases, screen_mr)
            width_3, width_2 = (
                (_MDC_LIMIT * amr, (2.0 * (_MDC_LIMIT / 3.0)) * amr)
                if preset.mdc_limits
                else (3.0 * (amr / _D2), 2.0 * (amr / _D2))
            )
            limits = [cl + width_3, cl - width_3, cl + width_2, cl - width_2]
        elif chart == "c":
            sigma = np.sqrt(cl)
            limits = [cl + 3.0 * sigma, cl - 3.0 * sigma, cl + 2.0 * sigma, cl - 2.0 * sigma]
        else:
            if chart in ("u", "up"):
                sigma = np.sqrt(cl_row / n)
            else:  # p, pp
                sigma = np.sqrt(cl_row * (1.0 - cl_row) / n)
            if chart in ("up", "pp"):
                z = (value - cl_row) / sigma
                amr_z = _average_moving_range(z, baseline & include, phase_id, n_phases, screen_mr)
                sigma = sigma * per_row(amr_z / _D2)
            limits = [cl_row + 3.0 * sigma, cl_row - 3.0 * sigma, cl_row + 2.0 * sigma, cl_row - 2.0 * sigma]
    ucl, lcl, ucl_2, lcl_2 = limits
    if chart in _COUNT_CHARTS:
        lcl = np.maximum(lcl, 0.0)  # NaN propagates
        lcl_2 = np.maximum(lcl_2, 0.0)
    if chart in ("p", "pp"):
        ucl = np.minimum(ucl, 1.0)
        ucl_2 = np.minimum(ucl_2, 1.0)
    limits = []
    for limit in (ucl, lcl, ucl_2, lcl_2):
        limit = limit * multiply
        not_finite = ~np.isfinite(limit)
        if not_finite.any():
            limit[not_finite] = np.nan
        limits.append(limit if limit.shape[0] == size else per_row(limit))
    ucl, lcl, ucl_2, lcl_2 = limits

    plotted = value * multiply if multiply != 1 else value
    cl_out = cl_row * multiply if multiply != 1 else cl_row
    sigma_signal = (plotted > ucl) | (plotted < lcl)
    if not y_neg:
        group_min = np.fmin.reduceat(plotted, group_start)
        floor = np.repeat(~(group_min < 0), group_length)
        lcl = np.where(floor & (lcl < 0), 0.0, lcl)
        lcl_2 = np.where(floor & (lcl_2 < 0), 0.0, lcl_2)

    # Anhøj runs analysis on useful points (included, not missing, not on the centre line).
    side = np.sign(value - cl_row)  # NaN where missing or without a centre line
    useful = side * side == 1.0
    if not all_included:
        useful &= include
    useful_index: np.ndarray | None = None if useful.all() else np.flatnonzero(useful)
    useful_side = side if useful_index is None else side[useful_index]
    useful_phase = phase_id if useful_index is None else phase_id[useful_index]
    run_start, run_length = _run_starts(useful_side, useful_phase)
    n_runs = np.bincount(useful_phase[run_start], minlength=n_phases)
    n_useful = phase_length.copy() if useful_index is None else _count_true(useful, phase_start)
    longest_run = np.zeros(n_phases)
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
    n_obs = phase_length if all_included else _count_true(include, phase_start)

    # Shift: runs of at least shift_points on one side of the centre line.
    shift = np.zeros(size, dtype=bool)
    if preset.centre_line_breaks_shift:
        observed = ~np.isnan(side)
        if not all_included:
            observed &= include
        seq_index = None if observed.all() else np.flatnonzero(observed)
        seq_side = side if seq_index is None else side[seq_index]
        seq_phase = phase_id if seq_index is None else phase_id[seq_index]
        start, length = _run_starts(seq_side, seq_phase)
        long_run = (length >= preset.shift_points) & (seq_side[start] != 0)
    else:
        seq_index, start, length = useful_index, run_start, run_length
        long_run = length >= preset.shift_points
    if long_run.any():
        flagged = _range_indices(start[long_run], length[long_run])
        shift[flagged if seq_index is None else seq_index[flagged]] = True

    # Trend and two-of-three on the included, non-missing points in order.
    present = ~missing if all_included else include & ~missing
    seq_index = np.flatnonzero(present) if (any_missing or not all_included) else None

    def seq(values: np.ndarray) -> np.ndarray:
        return values if seq_index is None else values[seq_index]

    seq_phase = seq(phase_id)
    trend = np.zeros(size, dtype=bool)
    flagged = _trend_points(seq(value), seq_phase, preset)
    trend[flagged if seq_index is None else seq_index[flagged]] = True
    two_of_three = np.zeros(size, dtype=bool)
    flags = _two_of_three_flags(
        seq(plotted), seq(cl_out), seq(ucl), seq(lcl), seq(ucl_2), seq(lcl_2), seq_phase, preset
    )
    if seq_index is None:
        two_of_three = flags
    else:
        two_of_three[seq_index] = flags

    return {
        "position": position,
        "y": plotted,
        "n": n if n is not None else np.full(size, np.nan),
        "cl": cl_out,
        "ucl": ucl,
        "lcl": lcl,
        "ucl_2sigma": ucl_2,
        "lcl_2sigma": lcl_2,
        "part": per_row(phase_number),
        "baseline": baseline,
        "include": include,
        "sigma_signal": sigma_signal,
        "runs_signal": per_row(runs_signal),
        "longest_run": per_row(longest_run),
        "longest_run_max": per_row(longest_run_max),
        "n_crossings": per_row(n_crossings),
        "n_crossings_min": per_row(n_crossings_min),
        "n_useful": per_row(n_useful),
        "n_obs": per_row(n_obs),
        "shift": shift,
        "trend": trend,
        "two_of_three": two_of_three,
    }


def _segment_medians(values: np.ndarray, used: np.ndarray, segment: np.ndarray, size: int) -> np.ndarray:
    """Median of the ``used`` values per segment id (NaN for segments without any)."""
    out = np.full(size, np.nan)
    index = np.flatnonzero(used)
    if index.size == 0:
        return out
    used_values = values[index]
    used_segment = segment[index]
    order = np.lexsort((used_values, used_segment))
    sorted_values = used_values[order]
    counts = np.bincount(used_segment, minlength=size)
    present = np.flatnonzero(counts)
    starts = np.cumsum(counts) - counts
    low = starts[present] + (counts[present] - 1) // 2
    high = starts[present] + counts[present] // 2
    out[present] = (sorted_values[low] + sorted_values[high]) / 2.0
    return out


def _average_moving_range(
    values: np.ndarray, used: np.ndarray, phase_id: np.ndarray, n_phases: int, screen: bool
) -> np.ndarray:
    """Average moving range per phase over consecutive ``used`` rows.

    Rows not ``used`` (outside the baseline or excluded) are removed first, so the range bridges
    them; a missing value makes its two ranges missing and they are dropped (no bridging).
    With ``screen``, ranges >= 3.267 x AMR are dropped once and the AMR recomputed.
    """
    index = None if used.all() else np.flatnonzero(used)
    phase = phase_id if index is None else phase_id[index]
    used_values = values if index is None else values[index]
    moving_range = np.abs(np.diff(used_values))
    keep = (phase[1:] == phase[:-1]) & ~np.isnan(moving_range)
    mr_phase = phase[1:][keep]
    moving_range = moving_range[keep]
    total = np.bincount(mr_phase, weights=moving_range, minlength=n_phases)
    count = np.bincount(mr_phase, minlength=n_phases).astype(np.float64)
    amr = _safe_divide(total, count)
    if screen:
        with np.errstate(invalid="ignore"):
            large = ~(moving_range < _MR_SCREEN * amr[mr_phase])
        if large.any():
            total = total - np.bincount(mr_phase[large], weights=moving_range[large], minlength=n_phases)
            count = count - np.bincount(mr_phase[large], minlength=n_phases)
            amr = _safe_divide(total, count)
    return amr


def _trend_points(values: np.ndarray, phase: np.ndarray, preset: RulePreset) -> np.ndarray:
    """Indices of the points in trends of >= trend_points strictly rising (or falling) values.

    Works on the differences between neighbours: a rising trend is a maximal stretch of
    differences inside one phase that contains no fall (ties allowed and skipped) or, when ties
    break, only rises; it is a trend when it holds at least trend_points - 1 rises. The points it
    covers run from the first point of its first difference to the last point of its last one.
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
            found.append(_range_indices(starts[is_trend], stops[is_trend] - starts[is_trend] + 1))
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


def _two_of_three_flags(
    y: np.ndarray,
    cl: np.ndarray,
    ucl: np.ndarray,
    lcl: np.ndarray,
    ucl_2: np.ndarray,
    lcl_2: np.ndarray,
    phase: np.ndarray,
    preset: RulePreset,
) -> np.ndarray:
    """Flag the qualifying points of every window of 3 consecutive points in one phase."""
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


# --------------------------------------------------------------------------------------------
# Argument handling
# --------------------------------------------------------------------------------------------


def _as_float(values: Any, name: str) -> np.ndarray:
    """1-D float64 array with NaN for every missing value (None, NaN, pd.NA)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        if values.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {values.shape}")
        return values.astype(np.float64, copy=False)
    series = values if isinstance(values, pd.Series) else None
    if series is None:
        if np.ndim(values) != 1:
            raise ValueError(f"{name} must be a one-dimensional sequence of numbers")
        series = pd.Series(list(values) if not hasattr(values, "dtype") else values)
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiub":
        return series.to_numpy(dtype=np.float64)
    try:
        numeric = pd.to_numeric(series, errors="raise")
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must contain numbers or missing values: {error}") from None
    return numeric.to_numpy(dtype=np.float64, na_value=np.nan)


def _positions(values: int | Iterable[int] | None, name: str) -> np.ndarray:
    if values is None:
        return np.zeros(0, dtype=np.int64)
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
        values = [values]
    result = []
    for value in values:  # type: ignore[union-attr]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must hold integer 0-based positions, got {value!r}")
        result.append(int(value))
    array = np.array(sorted(result), dtype=np.int64)
    if np.unique(array).size != array.size:
        raise ValueError(f"{name} has repeated positions: {result}")
    return array


def _validate_options(
    chart: str,
    freeze: int | None,
    part: np.ndarray,
    exclude: np.ndarray,
    multiply: float,
    rules: str,
    shift_points: int | None,
    trend_points: int | None,
    longest_group: int,
) -> RulePreset:
    if chart not in CHART_TYPES:
        raise ValueError(f"unknown chart {chart!r}; use one of {', '.join(CHART_TYPES)}")
    if rules not in RULE_PRESETS:
        raise ValueError(f"unknown rules preset {rules!r}; use one of {', '.join(RULE_PRESETS)}")
    preset = RULE_PRESETS[rules]
    for name, points in (("shift_points", shift_points), ("trend_points", trend_points)):
        if points is not None and (
            isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2
        ):
            raise ValueError(f"{name} must be an integer >= 2, got {points!r}")
    if shift_points is not None or trend_points is not None:
        preset = RulePreset(
            int(shift_points) if shift_points is not None else preset.shift_points,
            preset.centre_line_breaks_shift,
            int(trend_points) if trend_points is not None else preset.trend_points,
            preset.trend_ties_break,
            preset.two_of_three,
            preset.mdc_limits,
        )
    if freeze is not None:
        if isinstance(freeze, bool) or not isinstance(freeze, (int, np.integer)) or freeze < 1:
            raise ValueError(f"freeze must be a positive integer number of points, got {freeze!r}")
        if longest_group and freeze > longest_group:
            raise ValueError(
                f"freeze={freeze} is longer than the series ({longest_group} points); "
                "pass at most the number of points or leave freeze=None"
            )
    if longest_group:
        bad_part = part[(part < 1) | (part >= longest_group)]
        if bad_part.size:
            raise ValueError(
                f"part positions must be 0-based starts of a new phase between 1 and "
                f"{longest_group - 1}; got {bad_part.tolist()}"
            )
        bad_exclude = exclude[(exclude < 0) | (exclude >= longest_group)]
        if bad_exclude.size:
            raise ValueError(
                f"exclude positions must be 0-based between 0 and {longest_group - 1}; "
                f"got {bad_exclude.tolist()}"
            )
    else:
        if (part.size and part.min() < 1) or (exclude.size and exclude.min() < 0):
            raise ValueError("part positions must be >= 1 and exclude positions >= 0")
    if not np.isfinite(multiply) or multiply <= 0:
        raise ValueError(f"multiply must be a positive finite number, got {multiply!r}")
    return preset


def _validate_values(chart: str, y: np.ndarray, n: np.ndarray | None) -> None:
    if chart in _RATE_CHARTS and n is None:
        raise ValueError(f"a {chart} chart needs denominators: pass n")
    if chart == "c" and n is not None:
        raise ValueError("a c chart takes counts without denominators; use chart='u' for rates")
    if np.isinf(y).any():
        raise ValueError("y has infinite values; use NaN/None for missing values")
    if chart in _COUNT_CHARTS and (y < 0).any():
        raise ValueError(f"a {chart} chart needs non-negative counts; y has negative values")
    if n is not None:
        if np.isinf(n).any():
            raise ValueError("n has infinite values; use NaN/None for missing values")
        if (n <= 0).any():
            raise ValueError("denominators n must be > 0 (use NaN/None for a missing subgroup)")
        if chart in ("p", "pp") and (y > n).any():
            raise ValueError(f"a {chart} chart needs y <= n (proportions); some y exceed n")


def _sortable(values: np.ndarray | pd.Series) -> np.ndarray:
    """Numeric keys that sort like ``values`` (datetimes, numbers or labels)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if series.isna().any():
        raise ValueError("x has missing values; drop or fill those rows first")
    kind = series.dtype.kind
    if kind in "iub":
        return series.to_numpy(dtype=np.int64)
    if kind == "f":
        return series.to_numpy(dtype=np.float64)
    if kind in "mM":
        return series.to_numpy().view(np.int64)
    codes, _ = pd.factorize(series, sort=True)
    return codes


def _key_array(series: pd.Series, name: str) -> np.ndarray:
    """Values of a ``by`` column that compare element-wise with ``!=`` (missing raise)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        if (codes < 0).any():
            raise ValueError(f"column {name!r} has missing values; drop or fill them first")
        return codes
    return series.to_numpy()  # zero-copy for numpy and python-string columns


def _group_rows(frame: pd.DataFrame, by_columns: list[str], x: str) -> tuple[np.ndarray | None, np.ndarray]:
    """Row order (None if already sorted by ``by`` then ``x``) and the first row of each group.

    Consecutive rows with equal ``by`` values form blocks; only the block keys are factorised,
    so a frame that is already grouped and sorted costs a few element-wise comparisons.
    """
    size = len(frame)
    x_key = _sortable(frame[x])
    if size == 0:
        return None, np.zeros(0, dtype=np.int64)
    key_arrays = [_key_array(frame[column], column) for column in by_columns]
    change = np.zeros(size - 1, dtype=bool)
    for column, values in zip(by_columns, key_arrays):
        try:
            change |= values[1:] != values[:-1]
        except TypeError:  # values that do not compare element-wise: compare their codes
            codes = pd.factorize(values, sort=False)[0]
            if (codes < 0).any():
                raise ValueError(f"column {column!r} has missing values; drop or fill them first") from None
            change |= codes[1:] != codes[:-1]
    block_start = np.flatnonzero(np.concatenate((np.ones(1, dtype=bool), change)))
    block_key = np.zeros(block_start.size, dtype=np.int64)
    for column, values in zip(by_columns, key_arrays):
        codes, uniques = pd.factorize(values[block_start], sort=True)
        if (codes < 0).any():
            raise ValueError(f"column {column!r} has missing values; drop or fill them first")
        block_key = block_key * max(len(uniques), 1) + codes
    if block_start.size == 1 or bool((np.diff(block_key) > 0).all()):
        x_increasing = np.diff(x_key) > 0
        x_increasing[block_start[1:] - 1] = True
        if x_increasing.all():
            return None, block_start
    row_key = np.repeat(block_key, np.diff(np.append(block_start, size)))
    order = np.lexsort((x_key, row_key))
    row_key = row_key[order]
    x_key = x_key[order]
    if ((row_key[1:] == row_key[:-1]) & (x_key[1:] == x_key[:-1])).any():
        raise ValueError("x has duplicate values within a series; aggregate them first")
    group_start = np.flatnonzero(np.concatenate((np.ones(1, dtype=bool), row_key[1:] != row_key[:-1])))
    return order, group_start


def _frame(columns: dict[str, Any], order: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({name: columns[name] for name in order}, copy=False)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def control_chart(
    y: Any,
    n: Any = None,
    *,
    chart: ChartType | str,
    x: Any = None,
    freeze: int | None = None,
    part: int | Iterable[int] | None = None,
    exclude: int | Iterable[int] | None = None,
    multiply: float = 1,
    y_neg: bool = True,
    screen_mr: bool = True,
    rules: str = "collaborative",
    shift_points: int | None = None,
    trend_points: int | None = None,
) -> pd.DataFrame:
    """Run or control chart of one series; one row per point.

    Parameters
    ----------
    y: counts (c, u, p, up, pp: numerators) or values (run, i). Missing values are skipped.
    n: denominators for u, p, up and pp (e.g. occupied bed days, admissions); optional for run
        and i charts (then the value is y / n); not allowed for c charts.
    chart: ``run`` (median), ``i`` (XmR), ``c``, ``u``, ``p``, ``up``/``pp`` (Laney u'/p').
    x: subgroup labels (dates, numbers or labels); rows are sorted by x (stable) and positions
        refer to that order. Default 1..N. Duplicate or missing x raise ValueError.
    freeze: number of leading points of each phase that set its centre line and limits.
    part: 0-based positions where a new phase starts (qicharts2 ``part = c(12)`` is ``[12]``).
    exclude: 0-based positions left out of every calculation (still returned, ``include=False``).
    multiply: scale of the plotted values, e.g. 1000 for a rate per 1,000 bed days.
    y_neg: False floors the lower limits at 0 when no value is negative.
    screen_mr: drop moving ranges >= 3.267 x their mean once before computing sigma (i, up, pp).
    rules: ``"collaborative"``, ``"mdc"`` or ``"ihi"``; see :data:`RULE_PRESETS` / :class:`RulePreset`.
        ``"collaborative"``: shift >= 8 points on one side (points on the centre line skipped:
        they neither count nor break a run), trend >= 6 points rising or falling (ties skipped),
        two of three consecutive points beyond the same 2-sigma line.
        ``"mdc"``: NHS Making Data Count as NHSRplotthedots 0.2.2 computes it: i-chart limits
        mean +/- 2.66 x AMR (2-sigma band 2/3 of that), shift >= 7 with a point on the mean
        breaking the run, trend >= 7 points (6 strict rises or falls; ties break), at least two
        of three consecutive points between 2 and 3 sigma with all three strictly on the same
        side (only those close points flagged). Other chart types keep their own limits.
        ``"ihi"``: shift >= 6 (centre-line points skipped), trend >= 5 (ties skipped), two of
        three beyond 2 sigma; astronomical points are ``sigma_signal``.
    shift_points, trend_points: override the preset's run lengths.

    Returns
    -------
    DataFrame with the columns of :data:`OUTPUT_COLUMNS`: ``x``, ``position`` (0-based), ``y``
    (plotted value), ``n`` (NaN when not given or missing), ``cl``, ``ucl``, ``lcl``,
    ``ucl_2sigma``, ``lcl_2sigma``, ``part`` (phase number 1, 2, ...), ``baseline`` (inside the
    freeze of its phase; all True without freeze), ``include``, ``sigma_signal``, the Anhøj
    statistics of the phase (``runs_signal``, ``longest_run``, ``longest_run_max``,
    ``n_crossings``, ``n_crossings_min``, ``n_useful``, ``n_obs``) and the per-point pattern flags
    ``shift``, ``trend``, ``two_of_three``.

    Raises ValueError for an unknown chart or preset, negative counts, n <= 0, y > n on p charts,
    mismatched lengths, or positions outside the series.
    """
    y_values = _as_float(y, "y")
    n_values = _as_float(n, "n") if n is not None else None
    size = y_values.shape[0]
    if n_values is not None and n_values.shape[0] != size:
        raise ValueError(f"y and n must have the same length, got {size} and {n_values.shape[0]}")
    if x is None:
        x_values: Any = np.arange(1, size + 1)
    else:
        x_values = x if isinstance(x, pd.Series) else pd.Series(list(x) if not hasattr(x, "dtype") else x)
        if len(x_values) != size:
            raise ValueError(f"x and y must have the same length, got {len(x_values)} and {size}")
        x_values = x_values.reset_index(drop=True)
    frame = pd.DataFrame({"x": x_values, "y": y_values})
    if n_values is not None:
        frame["n"] = n_values
    result = control_charts(
        frame,
        by=[],
        y="y",
        n="n" if n_values is not None else None,
        x="x",
        chart=chart,
        freeze=freeze,
        part=part,
        exclude=exclude,
        multiply=multiply,
        y_neg=y_neg,
        screen_mr=screen_mr,
        rules=rules,
        shift_points=shift_points,
        trend_points=trend_points,
    )
    return result


def control_charts(
    frame: pd.DataFrame,
    *,
    by: str | Sequence[str],
    y: str,
    n: str | None = None,
    x: str,
    chart: ChartType | str,
    freeze: int | None = None,
    part: int | Iterable[int] | None = None,
    exclude: int | Iterable[int] | None = None,
    multiply: float = 1,
    y_neg: bool = True,
    screen_mr: bool = True,
    rules: str = "collaborative",
    shift_points: int | None = None,
    trend_points: int | None = None,
) -> pd.DataFrame:
    """Run or control charts of every group of a tidy long frame in one vectorised pass.

    ``by`` names the columns identifying a series (e.g. ``["ward_id", "measure"]``), ``x`` the
    subgroup column (e.g. ``"month"``), ``y`` the count or value column and ``n`` the denominator
    column. ``freeze``, ``part`` and ``exclude`` apply to every group by 0-based position within
    the group (after sorting by x); a ``part``/``exclude`` position beyond a shorter group simply
    does not occur in it, and a group shorter than ``freeze`` is all baseline. Other options and
    the output columns are as in :func:`control_chart`, plus the ``by`` columns first; rows are
    sorted by ``by`` then ``x``. Missing ``by`` or ``x`` values and duplicate ``x`` within a group
    raise ValueError.
    """
    by_columns = [by] if isinstance(by, str) else list(by)
    needed = [*by_columns, x, y] + ([n] if n is not None else [])
    missing_columns = [column for column in needed if column not in frame.columns]
    if missing_columns:
        raise ValueError(f"frame has no column(s) {missing_columns}; columns are {list(frame.columns)}")
    size = len(frame)

    order, group_start = _group_rows(frame, by_columns, x)

    y_values = _as_float(frame[y], y)
    n_values = _as_float(frame[n], n) if n is not None else None
    if order is not None:
        y_values = y_values[order]
        n_values = n_values[order] if n_values is not None else None
    part_positions = _positions(part, "part")
    exclude_positions = _positions(exclude, "exclude")
    longest_group = int(np.diff(np.append(group_start, size)).max()) if size else 0
    preset = _validate_options(
        chart,
        freeze,
        part_positions,
        exclude_positions,
        float(multiply),
        rules,
        shift_points,
        trend_points,
        longest_group,
    )
    _validate_values(chart, y_values, n_values)

    columns = _core(
        y_values,
        n_values,
        group_start,
        chart=chart,
        freeze=int(freeze) if freeze is not None else None,
        part=part_positions,
        exclude=exclude_positions,
        multiply=float(multiply),
        y_neg=y_neg,
        screen_mr=screen_mr,
        preset=preset,
    )
    for column, name in [*((c, c) for c in by_columns), (x, "x")]:
        values = frame[column].array
        columns[name] = values.take(order) if order is not None else values
    return _frame(columns, [*by_columns, *OUTPUT_COLUMNS])


#: Display classes of points, in the Making Data Count convention.
POINT_TYPES: tuple[str, ...] = ("common_cause", "improvement", "concern", "neutral")
_RULE_COLUMNS = (("sigma_signal", "outside limits"), ("shift", "shift"), ("trend", "trend"), ("two_of_three", "two of three"))


def classify_points(points: pd.DataFrame, direction: str | None = "down") -> pd.DataFrame:
    """Add ``special_cause``, ``point_type`` and ``rules_fired`` to a control-chart frame.

    A point is special cause when any rule flags it (``sigma_signal``, ``shift``, ``trend``,
    ``two_of_three``). Its type is ``improvement`` when it lies on the better side of its centre
    line for ``direction`` (``down``: below), ``concern`` on the worse side, and ``neutral`` when
    the measure has no direction (``None``) or the point is on the centre line. ``rules_fired``
    names the rules, e.g. ``"shift, trend"`` (empty for common cause). Returns a new frame.
    """
    if direction not in ("down", "up", None):
        raise ValueError(f"direction must be 'down', 'up' or None, not {direction!r}")
    result = points.copy()
    flags = np.column_stack([result[column].to_numpy(dtype=bool) for column, _ in _RULE_COLUMNS])
    special = flags.any(axis=1)
    names = np.array([name for _, name in _RULE_COLUMNS], dtype=object)
    result["special_cause"] = special
    result["rules_fired"] = [", ".join(names[row]) for row in flags]
    side = np.sign(result["y"].to_numpy(dtype=float) - result["cl"].to_numpy(dtype=float))
    better = {"down": -1, "up": 1}.get(direction, 0) if direction else 0
    point_type = np.where(side == better, "improvement", np.where(side == -better, "concern", "neutral"))
    if not better:
        point_type = np.full(len(result), "neutral", dtype=object)
    result["point_type"] = np.where(special, point_type, "common_cause")
    return result
