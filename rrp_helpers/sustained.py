"""The team-level method: sustained step changes after a baseline, the paper's shift rule made exact.

See :func:`sustained_change` for the method and the choices the paper leaves open
(``docs/design.md``, section 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SUSTAINED_IMPROVEMENT", "SUSTAINED_DETERIORATION", "SUSTAINED_NONE", "SustainedChange", "sustained_change"]

SUSTAINED_IMPROVEMENT = "improvement"
SUSTAINED_DETERIORATION = "deterioration"
SUSTAINED_NONE = "none"


@dataclass(frozen=True)
class SustainedChange:
    """Result of :func:`sustained_change` for one series.

    ``phase_starts`` are 0-based positions of the first point of each phase after the
    baseline; ``signal_ends`` the position of the point that completed the run signalling each
    (the run is the evidence of the shift: its points from ``phase_starts[k]`` to
    ``signal_ends[k]``, less missing points and points on the centre line); ``signal_sides`` the
    side of the centre line each run was on (-1 below, +1 above); ``phase_means`` are the means of
    every phase, baseline first.
    """

    baseline_mean: float
    phase_starts: tuple[int, ...]
    phase_means: tuple[float, ...]
    final_mean: float
    reduction_pct: float
    sustained: str
    signal_ends: tuple[int, ...] = ()
    signal_sides: tuple[int, ...] = ()

    @property
    def n_shifts(self) -> int:
        return len(self.phase_starts)


def sustained_change(
    values: np.ndarray | pd.Series | list[float],
    n_baseline: int,
    *,
    shift_points: int = 8,
    direction: str = "down",
) -> SustainedChange:
    """Detect sustained step changes after a baseline, re-baselining at each one.

    ``values`` is one ward's monthly series (baseline months first, then the testing months);
    ``n_baseline`` is the number of baseline months at its start.

    Method (``docs/design.md``, section 4):

    1. The baseline centre line is the mean of the non-missing baseline values.
    2. The testing months are scanned for the first run of ``shift_points`` consecutive points
       on one side of the current centre line.
    3. The run's first point starts a new phase. The centre line used to scan onwards is the
       mean of the points of the run that signalled the shift; scanning restarts after the run.
    4. Each phase's reported mean is the mean of all of its points (up to the next phase).
       ``reduction_pct`` = (baseline mean - final phase mean) / baseline mean x 100, signed so
       that a positive value is an improvement in ``direction``.

    Choices the paper leaves open, and why:

    * Points exactly on the centre line neither count towards nor break a run (the
      collaborative's and qicharts2's convention; with small integer counts, points on the line
      are common and breaking runs on them would hide real shifts).
    * Missing months are skipped: they neither count towards nor break a run (a missing
      safety cross is not evidence of anything).
    * Only testing months can start or count towards a run. A run that begins in the baseline
      is common-cause variation by definition (the baseline defines the centre line), and the
      question the paper asks is whether the testing period departed from it.
    * The new centre line after a shift is frozen on the run that signalled it, not on the
      whole phase: the whole phase is not known when the shift is first seen, and using later
      points would make the rule look ahead.
    * ``sustained`` compares the final phase with the baseline: ``improvement`` if it is better
      in ``direction``, ``deterioration`` if worse, ``none`` if no shift was found (or, rarely,
      the final phase mean equals the baseline mean).
    * A baseline mean of zero cannot fall: ``reduction_pct`` is NaN there.
    """
    if direction not in ("down", "up"):
        raise ValueError(f"direction must be 'down' or 'up', not {direction!r}")
    if shift_points < 1:
        raise ValueError(f"shift_points must be at least 1, not {shift_points}")
    series = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    if not 0 <= n_baseline <= len(series):
        raise ValueError(f"n_baseline={n_baseline} is outside the series of length {len(series)}")

    baseline = series[:n_baseline]
    if np.all(np.isnan(baseline)):
        nan = float("nan")
        return SustainedChange(nan, (), (nan,), nan, nan, SUSTAINED_NONE)
    baseline_mean = float(np.nanmean(baseline))

    centre = baseline_mean
    phase_starts: list[int] = []
    signal_ends: list[int] = []
    signal_sides: list[int] = []
    run_side = 0
    run_length = 0
    run_start = -1
    position = n_baseline
    while position < len(series):
        value = series[position]
        side = 0 if np.isnan(value) else int(np.sign(value - centre))
        if side != 0:
            if side == run_side:
                run_length += 1
            else:
                run_side, run_length, run_start = side, 1, position
            if run_length == shift_points:
                phase_starts.append(run_start)
                signal_ends.append(position)
                signal_sides.append(run_side)
                centre = float(np.nanmean(series[run_start : position + 1]))
                run_side, run_length = 0, 0
        position += 1

    boundaries = [n_baseline, *phase_starts, len(series)]
    phase_means = [baseline_mean]
    for start, stop in zip(boundaries[1:-1], boundaries[2:]):
        phase_means.append(float(np.nanmean(series[start:stop])))
    final_mean = phase_means[-1]

    sign = 1.0 if direction == "down" else -1.0
    if baseline_mean == 0:
        reduction = float("nan")
    else:
        reduction = sign * (baseline_mean - final_mean) / baseline_mean * 100.0
    if not phase_starts or final_mean == baseline_mean:
        sustained = SUSTAINED_NONE
    elif sign * (baseline_mean - final_mean) > 0:
        sustained = SUSTAINED_IMPROVEMENT
    else:
        sustained = SUSTAINED_DETERIORATION
    return SustainedChange(
        baseline_mean=baseline_mean,
        phase_starts=tuple(phase_starts),
        phase_means=tuple(phase_means),
        final_mean=final_mean,
        reduction_pct=reduction,
        sustained=sustained,
        signal_ends=tuple(signal_ends),
        signal_sides=tuple(signal_sides),
    )
