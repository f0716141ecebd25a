"""Statistical process control (SPC) for run and control charts, vectorised across series.

Two entry points:

* :func:`control_chart` -- one series (``y`` and optional denominators ``n``);
* :func:`control_charts` -- every series of a tidy long frame (for example all wards x measures)
  in one vectorised pass; ``control_chart`` is this core applied to a single group.

Both take the chart options as keywords or as one validated ``options=ChartOptions(...)``, and
return one row per point with the centre line, 3-sigma and 2-sigma limits, the Anhøj runs
analysis of the point's phase and one boolean column per special-cause rule.
:func:`classify_points` labels the points for display; :func:`events_between` turns a ward's daily
safety cross into g or t values.

The modules, in the order a call flows through them:

* :mod:`~rrp_helpers.spc.options` -- chart types, rule presets, :class:`ChartOptions`;
* :mod:`~rrp_helpers.spc.api` -- the entry points; :mod:`~rrp_helpers.spc.inputs` -- numbers,
  value checks per chart type, grouping a frame into sorted series;
* :mod:`~rrp_helpers.spc.core` -- the engine: all columns for all series at once;
* :mod:`~rrp_helpers.spc.layout` -- series and phases as row segments;
* :mod:`~rrp_helpers.spc.limits` -- centre lines and limits per chart type, computed with
  :mod:`~rrp_helpers.spc.means` -- R's ``mean()``, ``sum()``, ``median()`` and ``^``;
* :mod:`~rrp_helpers.spc.rules` -- runs analysis, shift, trend, two of three;
* :mod:`~rrp_helpers.spc.classify` -- point types; :mod:`~rrp_helpers.spc.rare` -- g/t values
  from daily records.

Conventions (they reproduce qicharts2 0.8.1 and, for ``rules="mdc"``, NHSRplotthedots 0.2.2;
see ``tests/fixtures/spc_oracle/README.md`` and ``tests/fixtures/spc_oracle_rare/README.md``):

* Positions are 0-based and counted within each series (group) after sorting by ``x``:
  ``part=[12]`` starts a new phase at the 13th point (qicharts2 ``part = 12``); ``exclude=[4]``
  leaves the 5th point out of every calculation (it is still returned, with ``include=False``).
* ``freeze=k`` computes the centre line and limits of each phase from the first ``k`` points of
  that phase (its baseline) and extends them forward. A series or phase shorter than ``k`` is all
  baseline (qicharts2 too: ``baseline = position <= freeze``). Unlike qicharts2, which ignores
  ``freeze`` when ``part`` is given (anhoej/qicharts2#20), ``freeze`` applies within every phase,
  as NHSRplotthedots' ``fix_after_n_points`` does. (No rare-event reference case combines them.)
* Centre lines are computed as R computes them (:mod:`~rrp_helpers.spc.means`): means with R's
  ``mean()`` (long double, with a correction pass), u/p sums with R's ``sum()``, medians with
  R's ``median()``, so a point R puts exactly on the centre line is exactly on ours.
* Missing values (NaN, None, ``pd.NA``) are skipped, never read as zero. When ``n`` is given, a
  point is missing if either ``y`` or ``n`` is; its ``y`` and ``n`` are returned as NaN (qicharts2
  reports ``n = 0`` there) and rate charts (u, p, up, pp) give it NaN limits. Other charts keep
  drawing their (constant) centre line and limits through missing points.
* ``y`` in the output is the plotted value: ``y * multiply`` for run/i/c/g, ``y / n * multiply``
  when ``n`` is given, and for t charts ``(y^(1/3.6))^3.6 * multiply`` (qicharts2's
  back-transformed value, equal to y to about 1e-15). ``cl`` and the limits are multiplied
  likewise (p/pp caps at 1 and all floors at 0 are applied before ``multiply``). ``x`` is the
  given ``x`` or 1..N (qicharts2's point index).
* Lower limits of c/u/p/up/pp/g are floored at 0 and the upper limits of p/pp capped at 1. g:
  centre line the median, limits from the mean m with sigma sqrt(m (m + 1)). t: an i chart of
  y^(1/3.6) back-transformed, ``lcl`` 0 where the back-transform is not a number, ``lcl_2sigma``
  NaN then; t values must be > 0 (every non-missing one). ``y_neg=False`` floors
  ``lcl``/``lcl_2sigma`` at 0 for any chart when the series has no negative values (qicharts2
  ``y.neg``).
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

from rrp_helpers.spc.api import OUTPUT_COLUMNS, control_chart, control_charts
from rrp_helpers.spc.classify import POINT_TYPES, classify_points
from rrp_helpers.spc.options import (
    CHART_TYPES,
    RULE_PRESETS,
    ChartOptions,
    ChartType,
    RulePreset,
)
from rrp_helpers.spc.rare import events_between, values_before
from rrp_helpers.spc.rules import crossings_min

__all__ = [
    "CHART_TYPES",
    "RULE_PRESETS",
    "RulePreset",
    "ChartOptions",
    "ChartType",
    "OUTPUT_COLUMNS",
    "POINT_TYPES",
    "control_chart",
    "control_charts",
    "classify_points",
    "crossings_min",
    "events_between",
    "values_before",
]
