"""Chart options, validated once: the chart type, baseline, phases, exclusions, scale and rule set.

:class:`ChartOptions` holds everything :func:`~rrp_helpers.spc.control_chart` and
:func:`~rrp_helpers.spc.control_charts` take besides the data. Both functions accept either the
thirteen keywords or ``options=ChartOptions(...)``; :func:`resolve_options` turns either form into
one validated object. Checks that need the data (a ``part`` position beyond the series) run later,
in :meth:`ChartOptions.check_positions`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

ChartType = Literal["run", "i", "c", "u", "p", "up", "pp", "g", "t"]
CHART_TYPES: tuple[str, ...] = ("run", "i", "c", "u", "p", "up", "pp", "g", "t")
#: Charts of y / n with one set of limits per point.
RATE_CHARTS = frozenset({"u", "p", "up", "pp"})
#: Charts of counts: y must be >= 0 and the lower limits are floored at 0.
COUNT_CHARTS = frozenset({"c", "u", "p", "up", "pp"})
#: Rare-event charts (qicharts2 conventions): values between events, no denominators.
RARE_EVENT_CHARTS = frozenset({"g", "t"})


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
    * ``mdc_limits``: i charts use NHSRplotthedots' XmR limits, mean +/- 2.66 x AMR (2-sigma band:
      2/3 of that) with moving ranges of the values, instead of qicharts2's mean +/- 3 x AMR / 1.128
      with moving ranges of the deviations from the mean.
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


def _positions(values: Any, name: str) -> tuple[int, ...]:
    """Sorted 0-based positions from None, one integer or an iterable of integers."""
    if values is None:
        return ()
    if isinstance(values, (int, np.integer)) and not isinstance(values, (bool, np.bool_)):
        values = [values]
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"{name} must hold integer 0-based positions, got {values!r}")
    result = []
    for value in values:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must hold integer 0-based positions, got {value!r}")
        result.append(int(value))
    if len(set(result)) != len(result):
        raise ValueError(f"{name} has repeated positions: {result}")
    return tuple(sorted(result))


def _run_length(points: Any, name: str) -> int | None:
    if points is None:
        return None
    if isinstance(points, (bool, np.bool_)) or not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {points!r}")
    return int(points)


@dataclass(frozen=True)
class ChartOptions:
    """Every option of a run or control chart, validated when the object is made.

    * ``chart``: one of :data:`CHART_TYPES`: ``run`` (median), ``i`` (XmR), ``c``, ``u``, ``p``,
      ``up``/``pp`` (Laney u'/p'), ``g`` (opportunities between events) or ``t`` (time between
      events).
    * ``freeze``: number of leading points of each phase that set its centre line and limits
      (a phase shorter than that is all baseline); None: every point.
    * ``part``: 0-based positions where a new phase starts (qicharts2 ``part = c(12)`` is
      ``(12,)``); ``exclude``: 0-based positions left out of every calculation. Either takes an
      integer or any iterable of integers and is stored as a sorted tuple.
    * ``multiply``: scale of the plotted values (e.g. 1000 per 1,000 bed days), positive.
    * ``y_neg``: False floors the lower limits at 0 when the series has no negative value.
    * ``screen_mr``: drop moving ranges >= 3.267 x their mean once before computing sigma
      (i, t, up, pp).
    * ``rules``: a key of :data:`RULE_PRESETS`; ``shift_points`` / ``trend_points`` override the
      preset's run lengths (integers >= 2).

    Raises ValueError for any invalid value. ``dataclasses.replace(options, freeze=12)`` makes a
    validated copy.
    """

    chart: str
    freeze: int | None = None
    part: tuple[int, ...] = field(default=())
    exclude: tuple[int, ...] = field(default=())
    multiply: float = 1.0
    y_neg: bool = True
    screen_mr: bool = True
    rules: str = "collaborative"
    shift_points: int | None = None
    trend_points: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.chart, str) or self.chart not in CHART_TYPES:
            raise ValueError(f"unknown chart {self.chart!r}; use one of {', '.join(CHART_TYPES)}")
        if not isinstance(self.rules, str) or self.rules not in RULE_PRESETS:
            raise ValueError(f"unknown rules preset {self.rules!r}; use one of {', '.join(RULE_PRESETS)}")
        set_(self, "shift_points", _run_length(self.shift_points, "shift_points"))
        set_(self, "trend_points", _run_length(self.trend_points, "trend_points"))
        freeze = self.freeze
        if freeze is not None:
            if isinstance(freeze, (bool, np.bool_)) or not isinstance(freeze, (int, np.integer)) or freeze < 1:
                raise ValueError(f"freeze must be a positive integer number of points, got {freeze!r}")
            set_(self, "freeze", int(freeze))
        part = _positions(self.part, "part")
        exclude = _positions(self.exclude, "exclude")
        if (part and part[0] < 1) or (exclude and exclude[0] < 0):
            raise ValueError(
                f"part positions must be >= 1 and exclude positions >= 0; got part={list(part)}, "
                f"exclude={list(exclude)}"
            )
        set_(self, "part", part)
        set_(self, "exclude", exclude)
        try:
            multiply = float(self.multiply)
        except (TypeError, ValueError):
            multiply = math.nan
        if not math.isfinite(multiply) or multiply <= 0:
            raise ValueError(f"multiply must be a positive finite number, got {self.multiply!r}")
        set_(self, "multiply", multiply)
        set_(self, "y_neg", bool(self.y_neg))
        set_(self, "screen_mr", bool(self.screen_mr))

    @property
    def preset(self) -> RulePreset:
        """The rule set: the named preset with ``shift_points`` / ``trend_points`` applied."""
        preset = RULE_PRESETS[self.rules]
        if self.shift_points is None and self.trend_points is None:
            return preset
        return RulePreset(
            self.shift_points if self.shift_points is not None else preset.shift_points,
            preset.centre_line_breaks_shift,
            self.trend_points if self.trend_points is not None else preset.trend_points,
            preset.trend_ties_break,
            preset.two_of_three,
            preset.mdc_limits,
        )

    def check_positions(self, longest_series: int) -> None:
        """Raise ValueError for a ``part``/``exclude`` position beyond the longest series.

        ``freeze`` is not checked: a series shorter than the freeze is all baseline (qicharts2).
        """
        if not longest_series:
            return
        bad_part = [p for p in self.part if p >= longest_series]
        if bad_part:
            raise ValueError(
                f"part positions must be 0-based starts of a new phase between 1 and "
                f"{longest_series - 1}; got {bad_part}"
            )
        bad_exclude = [e for e in self.exclude if e >= longest_series]
        if bad_exclude:
            raise ValueError(
                f"exclude positions must be 0-based between 0 and {longest_series - 1}; got {bad_exclude}"
            )


#: The defaults of the option keywords of control_chart / control_charts.
KEYWORD_DEFAULTS: dict[str, Any] = {
    "chart": None,
    "freeze": None,
    "part": None,
    "exclude": None,
    "multiply": 1,
    "y_neg": True,
    "screen_mr": True,
    "rules": "collaborative",
    "shift_points": None,
    "trend_points": None,
}


def resolve_options(options: ChartOptions | None, **keywords: Any) -> ChartOptions:
    """The validated options of a call: ``options`` as given, or built from the keywords.

    Giving ``options`` together with an option keyword that is not at its default raises
    ValueError (one source of truth per call); giving neither a chart nor ``options`` raises
    TypeError, as a missing argument would.
    """
    if options is not None:
        if not isinstance(options, ChartOptions):
            raise TypeError(f"options must be a ChartOptions, got {type(options).__name__}")
        clashes = [name for name, value in keywords.items() if not _is_default(value, KEYWORD_DEFAULTS[name])]
        if clashes:
            raise ValueError(f"pass the chart options either as options= or as keywords, not both (got {clashes})")
        return options
    if keywords.get("chart") is None:
        raise TypeError("a chart type is required: pass chart= (one of "
                        f"{', '.join(CHART_TYPES)}) or options=ChartOptions(...)")
    return ChartOptions(**keywords)


def _is_default(value: Any, default: Any) -> bool:
    if default is None:
        return value is None
    return value is not None and not isinstance(value, (list, tuple, np.ndarray)) and value == default
