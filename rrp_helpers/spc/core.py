"""The vectorised engine: every output column for the rows of all series, sorted by series then x.

:func:`compute` runs the steps in order: layout (series and phases), values and masks, lines
(:mod:`~rrp_helpers.spc.limits`), scaling, sigma signals, runs analysis and pattern rules
(:mod:`~rrp_helpers.spc.rules`). Each step works on all series at once.
"""

from __future__ import annotations

import numpy as np

from rrp_helpers.spc.layout import Layout, count_true
from rrp_helpers.spc.limits import Lines, Masks, chart_lines
from rrp_helpers.spc.options import ChartOptions, RulePreset
from rrp_helpers.spc.rules import (
    runs_analysis,
    shift_flags,
    trend_points,
    two_of_three_flags,
)

_FLOAT_COLUMNS = ("y", "n", "cl", "ucl", "lcl", "ucl_2sigma", "lcl_2sigma", "longest_run", "longest_run_max",
                  "n_crossings", "n_crossings_min")
_INTEGER_COLUMNS = ("position", "part", "n_useful", "n_obs")
_FLAG_COLUMNS = ("baseline", "include", "sigma_signal", "runs_signal", "shift", "trend", "two_of_three")


def empty_columns() -> dict[str, np.ndarray]:
    """The output columns of no rows, with their dtypes."""
    columns = {name: np.zeros(0, dtype=np.float64) for name in _FLOAT_COLUMNS}
    columns.update({name: np.zeros(0, dtype=np.int64) for name in _INTEGER_COLUMNS})
    columns.update({name: np.zeros(0, dtype=bool) for name in _FLAG_COLUMNS})
    return columns


def _values(y: np.ndarray, n: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """(value, y, n, missing): value is y or y / n; a point is missing if y or n is (both set NaN)."""
    if n is None:
        missing = np.isnan(y)
        return y, y, None, missing
    missing = np.isnan(y) | np.isnan(n)
    if missing.any():
        y = np.where(missing, np.nan, y)
        n = np.where(missing, np.nan, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return y / n, y, n, missing


def _scaled(lines: Lines, multiply: float, layout: Layout) -> tuple[np.ndarray, ...]:
    """Plotted value, centre line and limits per row, times ``multiply``; non-finite limits NaN."""
    cl_row = layout.per_row(lines.cl)
    if multiply == 1:
        plotted, cl_out = lines.value, cl_row
    else:
        plotted, cl_out = lines.value * multiply, cl_row * multiply
    limits = []
    for limit in (lines.ucl, lines.lcl, lines.ucl_2, lines.lcl_2):
        limit = limit * multiply
        not_finite = ~np.isfinite(limit)
        if not_finite.any():
            limit[not_finite] = np.nan
        limits.append(layout.rows(limit))
    return (plotted, cl_out, *limits)


def _floor_when_no_negative(plotted: np.ndarray, limits: list[np.ndarray], layout: Layout) -> list[np.ndarray]:
    """``y_neg=False``: lower limits below 0 become 0 in series without a negative value."""
    group_min = np.fmin.reduceat(plotted, layout.group_start)
    floor = np.repeat(~(group_min < 0), layout.group_length)
    return [np.where(floor & (limit < 0), 0.0, limit) for limit in limits]


def _pattern_flags(
    value: np.ndarray,
    lines: tuple[np.ndarray, ...],
    present: np.ndarray | None,
    layout: Layout,
    preset: RulePreset,
) -> tuple[np.ndarray, np.ndarray]:
    """Trend and two-of-three flags over the ``present`` rows (included, non-missing) in order."""
    seq_index = None if present is None else np.flatnonzero(present)

    def seq(values: np.ndarray) -> np.ndarray:
        return values if seq_index is None else values[seq_index]

    seq_phase = seq(layout.phase_id)
    trend = np.zeros(layout.size, dtype=bool)
    flagged = trend_points(seq(value), seq_phase, preset)
    trend[flagged if seq_index is None else seq_index[flagged]] = True
    flags = two_of_three_flags(*(seq(line) for line in lines), seq_phase, preset)
    if seq_index is None:
        return trend, flags
    two_of_three = np.zeros(layout.size, dtype=bool)
    two_of_three[seq_index] = flags
    return trend, two_of_three


def compute(
    y: np.ndarray, n: np.ndarray | None, group_start: np.ndarray, options: ChartOptions
) -> dict[str, np.ndarray]:
    """Every output column for rows sorted by group then x; ``group_start`` = first row of each group.

    ``y`` and ``n`` are float64 with NaN for missing values, already checked by
    :func:`~rrp_helpers.spc.inputs.check_values`.
    """
    size = y.shape[0]
    if size == 0:
        return empty_columns()
    preset = options.preset
    layout = Layout.build(size, group_start, options.part)
    value, y, n, missing = _values(y, n)
    include = ~np.isin(layout.position, np.asarray(options.exclude, dtype=np.int64)) if options.exclude else None
    baseline = np.ones(size, dtype=bool) if options.freeze is None else layout.position_in_phase < options.freeze
    ranges = baseline if include is None else baseline & include
    masks = Masks(calc=ranges & ~missing, ranges=ranges)

    lines = chart_lines(options.chart, value, y, n, masks, layout, screen_mr=options.screen_mr,
                        mdc_limits=preset.mdc_limits)
    plotted, cl_out, ucl, lcl, ucl_2, lcl_2 = _scaled(lines, options.multiply, layout)
    sigma_signal = (plotted > ucl) | (plotted < lcl)
    if not options.y_neg:
        lcl, lcl_2 = _floor_when_no_negative(plotted, [lcl, lcl_2], layout)

    with np.errstate(invalid="ignore"):
        side = np.sign(lines.value - layout.per_row(lines.cl))  # NaN where missing or without a centre line
    runs = runs_analysis(side, include, layout)
    shift = shift_flags(side, include, layout, runs, preset)
    present = None  # every row
    if include is not None or missing.any():
        present = ~missing if include is None else include & ~missing
    trend, two_of_three = _pattern_flags(lines.value, (plotted, cl_out, ucl, lcl, ucl_2, lcl_2), present, layout,
                                         preset)
    n_obs = layout.phase_length if include is None else count_true(include, layout.phase_start)
    per_row = layout.per_row
    return {
        "position": layout.position,
        "y": plotted,
        "n": n if n is not None else np.full(size, np.nan),
        "cl": cl_out,
        "ucl": ucl,
        "lcl": lcl,
        "ucl_2sigma": ucl_2,
        "lcl_2sigma": lcl_2,
        "part": per_row(layout.phase_number),
        "baseline": baseline,
        "include": np.ones(size, dtype=bool) if include is None else include,
        "sigma_signal": sigma_signal,
        "runs_signal": per_row(runs.runs_signal),
        "longest_run": per_row(runs.longest_run),
        "longest_run_max": per_row(runs.longest_run_max),
        "n_crossings": per_row(runs.n_crossings),
        "n_crossings_min": per_row(runs.n_crossings_min),
        "n_useful": per_row(runs.n_useful),
        "n_obs": per_row(n_obs),
        "shift": shift,
        "trend": trend,
        "two_of_three": two_of_three,
    }
