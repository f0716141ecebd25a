"""The two entry points: :func:`control_chart` (one series) and :func:`control_charts` (a tidy frame).

``control_chart`` is ``control_charts`` applied to a single group. Both take the chart options as
keywords or as ``options=ChartOptions(...)`` (:mod:`~rrp_helpers.spc.options`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rrp_helpers.spc.core import compute
from rrp_helpers.spc.inputs import as_float, check_values, group_rows
from rrp_helpers.spc.options import ChartOptions, ChartType, resolve_options

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


def control_chart(
    y: Any,
    n: Any = None,
    *,
    chart: ChartType | str | None = None,
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
    options: ChartOptions | None = None,
) -> pd.DataFrame:
    """Run or control chart of one series; one row per point.

    Parameters
    ----------
    y: counts (c, u, p, up, pp: numerators), values (run, i), opportunities between events (g,
        e.g. incident-free days) or times between events (t, > 0). Missing values are skipped.
    n: denominators for u, p, up and pp (e.g. occupied bed days, admissions); optional for run
        and i charts (then the value is y / n); not allowed for c, g and t charts.
    chart: ``run`` (median), ``i`` (XmR), ``c``, ``u``, ``p``, ``up``/``pp`` (Laney u'/p'),
        ``g`` or ``t`` (rare events, qicharts2 conventions).
    x: subgroup labels (dates, numbers or labels); rows are sorted by x (stable) and positions
        refer to that order. Default 1..N. Duplicate or missing x raise ValueError.
    freeze: number of leading points of each phase that set its centre line and limits; a
        series (or phase) shorter than that is all baseline, as in qicharts2.
    part: 0-based positions where a new phase starts (qicharts2 ``part = c(12)`` is ``[12]``).
    exclude: 0-based positions left out of every calculation (still returned, ``include=False``).
    multiply: scale of the plotted values, e.g. 1000 for a rate per 1,000 bed days.
    y_neg: False floors the lower limits at 0 when no value is negative.
    screen_mr: drop moving ranges >= 3.267 x their mean once before computing sigma (i, t, up, pp).
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
    options: all of the above (chart to trend_points) as one :class:`ChartOptions`; then leave
        those keywords at their defaults.

    Returns
    -------
    DataFrame with the columns of :data:`OUTPUT_COLUMNS`: ``x``, ``position`` (0-based), ``y``
    (plotted value), ``n`` (NaN when not given or missing), ``cl``, ``ucl``, ``lcl``,
    ``ucl_2sigma``, ``lcl_2sigma``, ``part`` (phase number 1, 2, ...), ``baseline`` (inside the
    freeze of its phase; all True without freeze), ``include``, ``sigma_signal``, the Anhøj
    statistics of the phase (``runs_signal``, ``longest_run``, ``longest_run_max``,
    ``n_crossings``, ``n_crossings_min``, ``n_useful``, ``n_obs``) and the per-point pattern flags
    ``shift``, ``trend``, ``two_of_three``.

    Raises ValueError for an unknown chart or preset, negative counts or g values, t values
    <= 0, n <= 0, y > n on p charts, mismatched lengths, or positions outside the series.
    """
    resolved = resolve_options(
        options, chart=chart, freeze=freeze, part=part, exclude=exclude, multiply=multiply, y_neg=y_neg,
        screen_mr=screen_mr, rules=rules, shift_points=shift_points, trend_points=trend_points,
    )
    y_values = as_float(y, "y")
    n_values = as_float(n, "n") if n is not None else None
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
    return control_charts(frame, by=[], y="y", n="n" if n_values is not None else None, x="x", options=resolved)


def control_charts(
    frame: pd.DataFrame,
    *,
    by: str | Sequence[str],
    y: str,
    n: str | None = None,
    x: str,
    chart: ChartType | str | None = None,
    freeze: int | None = None,
    part: int | Iterable[int] | None = None,
    exclude: int | Iterable[int] | None = None,
    multiply: float = 1,
    y_neg: bool = True,
    screen_mr: bool = True,
    rules: str = "collaborative",
    shift_points: int | None = None,
    trend_points: int | None = None,
    options: ChartOptions | None = None,
) -> pd.DataFrame:
    """Run or control charts of every group of a tidy long frame in one vectorised pass.

    ``by`` names the columns identifying a series (e.g. ``["ward_id", "measure"]``), ``x`` the
    subgroup column (e.g. ``"month"``), ``y`` the count or value column and ``n`` the denominator
    column. ``freeze``, ``part`` and ``exclude`` apply to every group by 0-based position within
    the group (after sorting by x); a ``part``/``exclude`` position beyond a shorter group simply
    does not occur in it, and a group shorter than ``freeze`` is all baseline. Other options (or
    ``options=ChartOptions(...)``) and the output columns are as in :func:`control_chart`, plus
    the ``by`` columns first; rows are sorted by ``by`` then ``x``. Missing ``by`` or ``x`` values
    and duplicate ``x`` within a group raise ValueError.
    """
    resolved = resolve_options(
        options, chart=chart, freeze=freeze, part=part, exclude=exclude, multiply=multiply, y_neg=y_neg,
        screen_mr=screen_mr, rules=rules, shift_points=shift_points, trend_points=trend_points,
    )
    by_columns = [by] if isinstance(by, str) else list(by)
    needed = [*by_columns, x, y] + ([n] if n is not None else [])
    missing_columns = [column for column in needed if column not in frame.columns]
    if missing_columns:
        raise ValueError(f"frame has no column(s) {missing_columns}; columns are {list(frame.columns)}")
    size = len(frame)

    order, group_start = group_rows(frame, by_columns, x)
    y_values = as_float(frame[y], y)
    n_values = as_float(frame[n], n) if n is not None else None
    if order is not None:
        y_values = y_values[order]
        n_values = n_values[order] if n_values is not None else None
    resolved.check_positions(int(np.diff(np.append(group_start, size)).max()) if size else 0)
    check_values(resolved.chart, y_values, n_values)

    columns: dict[str, Any] = compute(y_values, n_values, group_start, resolved)
    for column, name in [*((c, c) for c in by_columns), (x, "x")]:
        values = frame[column].array
        columns[name] = values.take(order) if order is not None else values
    return pd.DataFrame({name: columns[name] for name in [*by_columns, *OUTPUT_COLUMNS]}, copy=False)
