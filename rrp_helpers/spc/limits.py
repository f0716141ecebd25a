"""Centre lines and 3-sigma / 2-sigma limits for every chart type, per phase, all series at once.

Which statistic R computes how (our reading of qicharts2 0.8.1's chart functions and of
NHSRplotthedots 0.2.2's ``ptd_spc_standard``); each is reproduced with the matching function of
:mod:`rrp_helpers.spc.means`:

* ``mean()`` (long double, correction pass): the i chart's centre line (also of y / n) and its
  average moving range (both passes of the screening), the c chart's centre line, the Laney
  AMR of the z-scores (up, pp), the g chart's mean, the t chart's mean of y^(1/3.6) and its
  AMR; NHSRplotthedots' mean and AMR (``mdc``).
* ``sum(y) / sum(n)``, not ``mean()``: u, p, up and pp centre lines; each ``sum()`` accumulates
  in long double and rounds to double, then one double division.
* ``median()``: run and g centre lines (the mean of the two middle values is R's ``mean()``).
* ``sqrt``, products and ``+``/``-`` are plain double arithmetic in the same order as R's.

The charts:

* run: CL = median of the baseline values; no limits.
* i: CL = mean; sigma = AMR / 1.128 where AMR is the mean moving range of the deviations
  ``y - CL`` (qicharts2) over consecutive baseline, included rows, screened once (ranges
  >= 3.267 x AMR dropped) when ``screen_mr``. ``mdc``: AMR of the values themselves,
  limits CL +/- 2.66 x AMR and 2/3 of that (NHSRplotthedots).
* c: CL = mean count; sigma = sqrt(CL).
* u, p: CL = sum(y) / sum(n); sigma_i = sqrt(CL / n_i) or sqrt(CL (1 - CL) / n_i).
  up, pp (Laney): sigma_i x AMR(z) / 1.128 with z = (y_i / n_i - CL) / sigma_i.
* g: CL = median; the limits come from the mean m: m +/- 3 (2) x sqrt(m (m + 1)).
* t: z = y^(1/3.6); the qicharts2 i chart of z (whatever the preset); y, CL and limits raised
  to 3.6 with the C library's ``pow()``.

Floors and caps (before ``multiply``): c/u/p/up/pp/g lower limits at 0 (NaN stays NaN); p/pp
upper limits at 1; t: ``lcl`` is 0 wherever the back-transformed limit is not a number (a
negative base, or sigma undefined), as in qicharts2, while ``lcl_2sigma`` stays NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rrp_helpers.spc.layout import Layout, safe_divide
from rrp_helpers.spc.means import c_pow, r_means, r_medians, r_sums
from rrp_helpers.spc.options import COUNT_CHARTS, RATE_CHARTS

D2 = 1.128  # E[moving range] / sigma for n = 2: sigma = AMR / 1.128
MR_SCREEN = 3.267  # moving ranges >= 3.267 x AMR are dropped once before computing sigma
MDC_LIMIT = 2.66  # Making Data Count: limits = mean +/- 2.66 x AMR
T_POWER = 3.6  # t charts: y^(1/3.6) is roughly normal for exponential times (Nelson 1994)


@dataclass
class Masks:
    """Which rows take part in what.

    ``calc``: rows of the centre line (non-missing, baseline, included); ``ranges``: rows of
    the moving ranges (baseline, included; a missing row gives missing ranges, which are
    dropped, while an excluded row is skipped so that its neighbours form a range).
    """

    calc: np.ndarray
    ranges: np.ndarray


@dataclass
class Lines:
    """A chart's lines before ``multiply``: ``cl`` per phase, limits per phase or per row.

    ``value`` is what the chart plots (y, y / n, or for t charts y after the transform and
    back-transform), before ``multiply``.
    """

    value: np.ndarray
    cl: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    ucl_2: np.ndarray
    lcl_2: np.ndarray


def chart_lines(
    chart: str,
    value: np.ndarray,
    y: np.ndarray,
    n: np.ndarray | None,
    masks: Masks,
    layout: Layout,
    *,
    screen_mr: bool,
    mdc_limits: bool,
) -> Lines:
    """Centre line and limits of every phase for ``chart`` (floors and caps applied)."""
    phase_id, n_phases = layout.phase_id, layout.n_phases
    if chart == "run":
        cl = r_medians(value, masks.calc, phase_id, n_phases)
        nan = np.full(n_phases, np.nan)
        return Lines(value, cl, nan, nan, nan, nan)
    if chart == "t":
        return _t_lines(value, masks, layout, screen_mr)
    if chart in RATE_CHARTS:
        assert n is not None
        lines = _rate_lines(chart, value, y, n, masks, layout, screen_mr)
    elif chart == "i":
        lines = _i_lines(value, masks, layout, screen_mr, mdc_limits)
    elif chart == "c":
        cl = r_means(value, masks.calc, phase_id, n_phases)
        lines = _symmetric(value, cl, cl, np.sqrt(cl))
    elif chart == "g":
        mean = r_means(value, masks.calc, phase_id, n_phases)
        cl = r_medians(value, masks.calc, phase_id, n_phases)
        lines = _symmetric(value, cl, mean, np.sqrt(mean * (mean + 1.0)))
    else:  # pragma: no cover - ChartOptions validates the chart type
        raise ValueError(f"unknown chart {chart!r}")
    if chart in COUNT_CHARTS or chart == "g":
        lines.lcl = np.maximum(lines.lcl, 0.0)  # NaN propagates
        lines.lcl_2 = np.maximum(lines.lcl_2, 0.0)
    if chart in ("p", "pp"):
        lines.ucl = np.minimum(lines.ucl, 1.0)
        lines.ucl_2 = np.minimum(lines.ucl_2, 1.0)
    return lines


def _symmetric(value: np.ndarray, cl: np.ndarray, centre: np.ndarray, sigma: np.ndarray) -> Lines:
    """Lines ``centre +/- 3 sigma`` and ``centre +/- 2 sigma`` around ``centre`` (drawn with ``cl``)."""
    with np.errstate(invalid="ignore"):
        return Lines(value, cl, centre + 3.0 * sigma, centre - 3.0 * sigma, centre + 2.0 * sigma,
                     centre - 2.0 * sigma)


def average_moving_range(values: np.ndarray, used: np.ndarray, layout: Layout, screen: bool) -> np.ndarray:
    """Average moving range per phase over consecutive ``used`` rows (R's ``mean()``).

    Rows not ``used`` (outside the baseline or excluded) are removed first, so the range bridges
    them; a missing value makes its two ranges missing and they are dropped (no bridging).
    With ``screen``, ranges >= 3.267 x AMR are dropped once and the AMR recomputed.
    """
    index = None if used.all() else np.flatnonzero(used)
    phase = layout.phase_id if index is None else layout.phase_id[index]
    used_values = values if index is None else values[index]
    moving_range = np.abs(np.diff(used_values))
    keep = (phase[1:] == phase[:-1]) & ~np.isnan(moving_range)
    mr_phase = phase[1:][keep]
    moving_range = moving_range[keep]
    amr = r_means(moving_range, None, mr_phase, layout.n_phases)
    if screen:
        with np.errstate(invalid="ignore"):
            small = moving_range < MR_SCREEN * amr[mr_phase]
        if not small.all():
            amr = r_means(moving_range, small, mr_phase, layout.n_phases)
    return amr


def _i_lines(value: np.ndarray, masks: Masks, layout: Layout, screen: bool, mdc: bool) -> Lines:
    cl = r_means(value, masks.calc, layout.phase_id, layout.n_phases)
    if mdc:  # NHSRplotthedots: ranges of the values, mean +/- 2.66 x AMR
        amr = average_moving_range(value, masks.ranges, layout, screen)
        width_3, width_2 = MDC_LIMIT * amr, (2.0 * (MDC_LIMIT / 3.0)) * amr
    else:  # qicharts2: ranges of the deviations from the mean, sigma = AMR / 1.128
        with np.errstate(invalid="ignore"):
            deviation = value - layout.per_row(cl)
        sigma = average_moving_range(deviation, masks.ranges, layout, screen) / D2
        width_3, width_2 = 3.0 * sigma, 2.0 * sigma
    return Lines(value, cl, cl + width_3, cl - width_3, cl + width_2, cl - width_2)


def _rate_lines(
    chart: str, value: np.ndarray, y: np.ndarray, n: np.ndarray, masks: Masks, layout: Layout, screen: bool
) -> Lines:
    cl = safe_divide(
        r_sums(y, masks.calc, layout.phase_id, layout.n_phases),
        r_sums(n, masks.calc, layout.phase_id, layout.n_phases),
    )
    cl_row = layout.per_row(cl)
    with np.errstate(divide="ignore", invalid="ignore"):
        if chart in ("u", "up"):
            sigma = np.sqrt(cl_row / n)
        else:  # p, pp
            sigma = np.sqrt(cl_row * (1.0 - cl_row) / n)
        if chart in ("up", "pp"):
            z = (value - cl_row) / sigma
            sigma = sigma * layout.per_row(average_moving_range(z, masks.ranges, layout, screen) / D2)
        return Lines(value, cl, cl_row + 3.0 * sigma, cl_row - 3.0 * sigma, cl_row + 2.0 * sigma,
                     cl_row - 2.0 * sigma)


def _t_lines(value: np.ndarray, masks: Masks, layout: Layout, screen: bool) -> Lines:
    z = c_pow(value, 1.0 / T_POWER)
    on_z = _i_lines(z, masks, layout, screen, mdc=False)
    back = [c_pow(line, T_POWER) for line in (z, on_z.cl, on_z.ucl, on_z.lcl, on_z.ucl_2, on_z.lcl_2)]
    plotted, cl, ucl, lcl, ucl_2, lcl_2 = back
    lcl[~(lcl >= 0)] = 0.0  # a negative base (or no sigma) gives NaN, drawn as 0
    return Lines(plotted, cl, ucl, lcl, ucl_2, lcl_2)
