"""Making Data Count icon verdicts of SPC series: variation and assurance (statistics only).

The input is :func:`rrp_helpers.chart_data.chart_points`' frame, for one or many series; a
series is a ``measure`` (of a ``ward_id`` when the points carry that column). The drawings are
:mod:`rrp_helpers.charts.icons`', which take the texts of this module as arguments.

Conventions follow NHSRplotthedots 0.2 (NHS-R Community), the R implementation of NHS England's
Making Data Count: ``ptd_get_icons`` (R/geom_ptd_icon.R) and ``ptd_calculate_assurance_type``
(R/ptd_calculate_assurance_type.R).

* Variation: the latest point's class alone decides, judged against its own phase's lines.
  *High*/*low* come from the class and the improvement direction: improvement is high when the
  direction is ``up`` and low when ``down``; concern is the reverse. With no direction the
  signal is *neither* improvement nor concern, high or low by the side of its signal: the
  direction of travel for a trend (when the point is not also outside the limits, the rule
  NHSRplotthedots reads first), otherwise its side of the centre line.
* Assurance: the latest phase's process limits against the target, strictly: direction
  ``down``: ``ucl < target`` passes, ``lcl > target`` fails; ``up``: ``lcl > target`` passes,
  ``ucl < target`` fails; a target between or on the limits is hit and miss. No target or no
  direction gives no assurance icon.

Where this differs from NHSRplotthedots, and why:

* The latest *non-missing* point decides (a month not yet reported says nothing).
* Point classes are the workbook's (:func:`rrp_helpers.spc.classify_points`, under the rule
  preset the points were made with), not always the MDC rules.
* A trend's direction of travel is the sign of the latest point's step from the last earlier,
  different value of its phase (ties are skipped within a trend). A special-cause point exactly
  on its centre line (only a trend can flag one) takes its side from it too.
* A missing target or missing limits (hidden for publication, or a run chart) give ``none``;
  NHSRplotthedots' ``case_when`` would fall through to "inconsistent". Limits that vary month
  to month (u, p charts) are the latest month's of the latest phase where they are known.
* A series whose latest point has no centre line (hidden for publication) gets no variation
  verdict (``none``): the verdict is a statistic of that phase.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "ASSURANCE_TEXTS",
    "VARIATION_TEXTS",
    "aim_targets",
    "assurance",
    "icon_table",
    "variation",
]

#: Variation categories and their text alternatives, in the order of a key.
VARIATION_TEXTS: dict[str, str] = {
    "common_cause": "Common cause variation only",
    "improvement_high": "Special cause variation: improvement (higher)",
    "improvement_low": "Special cause variation: improvement (lower)",
    "concern_high": "Special cause variation: concern (higher)",
    "concern_low": "Special cause variation: concern (lower)",
    "neither_high": "Special cause variation: neither improvement nor concern (higher)",
    "neither_low": "Special cause variation: neither improvement nor concern (lower)",
    "none": "Variation not assessed: no value with a centre line to judge",
}
#: Assurance categories and their general text alternatives (a series' own text names its target).
ASSURANCE_TEXTS: dict[str, str] = {
    "pass": "The target is consistently met",
    "fail": "The target is consistently missed",
    "hit_and_miss": "The target is met in some months and missed in others",
    "none": "No target set",
}
_DIRECTIONS = ("down", "up", None)
_COLUMNS = ("measure", "x", "y", "cl", "ucl", "lcl", "part", "point_type")

Targets = pd.DataFrame | Mapping[str, float] | Mapping[tuple[str, str], float] | None


def _series_keys(points: pd.DataFrame) -> list[str]:
    """The columns naming a series: ``ward_id`` (when present) and ``measure``."""
    return ["ward_id", "measure"] if "ward_id" in points.columns else ["measure"]


def _checked(points: pd.DataFrame) -> list[str]:
    missing = [column for column in _COLUMNS if column not in points.columns]
    if missing:
        raise ValueError(f"points lack the column(s) {', '.join(missing)}; pass chart_data.chart_points' frame")
    keys = _series_keys(points)
    if points.duplicated([*keys, "x"]).any():
        raise ValueError(f"points have more than one row for a month of a series ({' × '.join(keys)})")
    return keys


def _directions_for(measures: pd.Series, directions: Mapping[str, str | None]) -> np.ndarray:
    """Each row's improvement direction; a measure not in ``directions`` is ``down``, the
    default :mod:`rrp_helpers.chart_data` classified it with (the ``total``)."""
    found = np.array([directions.get(measure, "down") for measure in measures], dtype=object)
    wrong = sorted({str(d) for d in found if d not in _DIRECTIONS})
    if wrong:
        raise ValueError(f"directions must be 'down', 'up' or None, not {', '.join(wrong)}")
    return found


def _series(points: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return points[keys].drop_duplicates(ignore_index=True)


def _step_sign(points: pd.DataFrame, keys: list[str], row: pd.Series) -> float:
    """Sign of ``row``'s step from the last earlier, different value of its series and phase (0 if none)."""
    same = points["part"].eq(row["part"]) & points["x"].lt(row["x"]) & points["y"].notna() & points["y"].ne(row["y"])
    for key in keys:
        same &= points[key].eq(row[key]) | (points[key].isna() & pd.isna(row[key]))
    earlier = points[same].sort_values("x", kind="stable")
    return float(np.sign(row["y"] - earlier["y"].iloc[-1])) if len(earlier) else 0.0


def _flag(table: pd.DataFrame, column: str) -> np.ndarray:
    """A rule column as booleans (False where absent or unknown)."""
    if column not in table.columns:
        return np.zeros(len(table), dtype=bool)
    return table[column].eq(True).to_numpy(dtype=bool)


def _variation_categories(point_type: pd.Series, side: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Icon categories from point classes, sides of the centre line (+1, -1, 0/NaN unknown) and directions."""
    better = np.where(direction == "up", 1, np.where(direction == "down", -1, 0))
    kind = point_type.to_numpy(dtype=object)
    # A special-cause point classed neutral although the measure has a direction sat on its line.
    on_line = (kind == "neutral") & (better != 0)
    kind = np.where(on_line & (side * better > 0), "improvement", np.where(on_line & (side * better < 0), "concern", kind))
    if ((kind == "improvement") | (kind == "concern"))[better == 0].any():
        raise ValueError("points classed improvement or concern, but directions gives no direction for their measure")
    improvement_high = better > 0
    return np.select(
        [
            kind == "common_cause",
            (kind == "improvement") & improvement_high,
            kind == "improvement",
            (kind == "concern") & improvement_high,
            kind == "concern",
            (kind == "neutral") & (better == 0) & (side > 0),
            (kind == "neutral") & (better == 0) & (side < 0),
        ],
        ["common_cause", "improvement_high", "improvement_low", "concern_low", "concern_high", "neither_high", "neither_low"],
        "none",
    )


def variation(points: pd.DataFrame, directions: Mapping[str, str | None]) -> pd.DataFrame:
    """The variation icon of each series, from its latest non-missing point.

    ``directions``: measure → ``"down"``, ``"up"`` or ``None`` (no improvement direction). Returns
    one row per series (in the points' order): the series columns, ``x`` (the month judged; NaT
    when none) and ``variation``, one of :data:`VARIATION_TEXTS`' keys. Conventions in the module
    docstring.
    """
    keys = _checked(points)
    observed = points[points["y"].notna()].sort_values("x", kind="stable")
    rules = [column for column in ("trend", "sigma_signal") if column in points.columns]
    latest = observed.drop_duplicates(keys, keep="last")[[*keys, "x", "y", "cl", "part", "point_type", *rules]]
    table = _series(points, keys).merge(latest, on=keys, how="left")
    side = np.sign(table["y"].to_numpy(dtype=float) - table["cl"].to_numpy(dtype=float))
    special = table["point_type"].notna().to_numpy() & table["point_type"].ne("common_cause").to_numpy()
    trend_first = _flag(table, "trend") & ~_flag(table, "sigma_signal")
    for k in np.flatnonzero(special & (trend_first | (side == 0))):
        side[k] = _step_sign(points, keys, table.iloc[k]) or side[k]
    categories = _variation_categories(table["point_type"], side, _directions_for(table["measure"], directions))
    table["variation"] = np.where(table["cl"].isna(), "none", categories)
    return table[[*keys, "x", "variation"]]


def _latest_phase_limits(points: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per series: the latest row's phase (``part``) and that phase's latest known ``lcl``, ``ucl``."""
    ordered = points.sort_values("x", kind="stable")
    last = ordered.drop_duplicates(keys, keep="last")[[*keys, "part"]]
    in_phase = ordered.merge(last, on=[*keys, "part"])
    known = in_phase[in_phase["ucl"].notna() & in_phase["lcl"].notna()]
    limits = known.drop_duplicates(keys, keep="last")[[*keys, "lcl", "ucl"]]
    return last.merge(limits, on=keys, how="left")


def _target_frame(targets: Targets) -> pd.DataFrame:
    """Targets as a frame with ``measure``, ``target`` and, when they are per ward, ``ward_id``."""
    if isinstance(targets, pd.DataFrame):
        if not {"measure", "target"} <= set(targets.columns):
            raise ValueError("a targets frame needs the columns measure and target (and ward_id for targets per ward)")
        return targets
    if not isinstance(targets, Mapping):
        raise TypeError(f"targets must be a DataFrame, a mapping or None, not {type(targets).__name__}")
    per_ward = [isinstance(key, tuple) for key in targets]
    if any(per_ward) and not all(per_ward):
        raise ValueError("targets mix measure keys and (ward_id, measure) keys; use one kind")
    values = [math.nan if value is None else float(value) for value in targets.values()]
    if per_ward and all(per_ward):
        return pd.DataFrame({"ward_id": [k[0] for k in targets], "measure": [k[1] for k in targets], "target": values})
    return pd.DataFrame({"measure": list(targets), "target": values})


def _targets_for(series: pd.DataFrame, targets: Targets, keys: list[str]) -> np.ndarray:
    """Each series' target (NaN when it has none)."""
    if targets is None:
        return np.full(len(series), np.nan)
    frame = _target_frame(targets)
    target_keys = ["ward_id", "measure"] if "ward_id" in frame.columns else ["measure"]
    if not set(target_keys) <= set(keys):
        raise ValueError("targets are per ward, but the points have no ward_id column")
    if frame.duplicated(target_keys).any():
        raise ValueError(f"targets hold more than one target for a {' × '.join(target_keys)}")
    merged = series[keys].merge(frame[[*target_keys, "target"]], on=target_keys, how="left")
    return merged["target"].to_numpy(dtype=float)


def assurance(points: pd.DataFrame, directions: Mapping[str, str | None], targets: Targets = None) -> pd.DataFrame:
    """The assurance icon of each series: its latest phase's process limits against its target.

    ``targets`` on the plotted scale (a count a month for c charts, a rate for u charts): a frame
    with ``measure``, ``target`` and optionally ``ward_id``, or a mapping measure → target or
    (ward_id, measure) → target; a series with no target gets ``none``, as does one with no
    direction or unknown limits. Returns one row per series: the series columns, ``part``,
    ``lcl``, ``ucl``, ``target`` and ``assurance`` (``pass``, ``fail``, ``hit_and_miss`` or
    ``none``). Comparisons are strict (module docstring): a target on a limit is hit and miss.
    """
    keys = _checked(points)
    table = _series(points, keys).merge(_latest_phase_limits(points, keys), on=keys, how="left")
    table["target"] = _targets_for(table, targets, keys)
    direction = _directions_for(table["measure"], directions)
    target, ucl, lcl = (table[c].to_numpy(dtype=float) for c in ("target", "ucl", "lcl"))
    has_direction = np.array([d is not None for d in direction], dtype=bool)
    known = ~np.isnan(target) & ~np.isnan(ucl) & ~np.isnan(lcl) & has_direction
    down = direction == "down"
    passing = np.where(down, ucl < target, lcl > target)
    failing = np.where(down, lcl > target, ucl < target)
    table["assurance"] = np.select([~known, passing, failing], ["none", "pass", "fail"], "hit_and_miss")
    return table[[*keys, "part", "lcl", "ucl", "target", "assurance"]]


def _aim_factor(direction: str | None, aim_reduction_pct: float) -> float:
    if direction is None:
        return math.nan
    if direction == "up":
        return 1 + aim_reduction_pct / 100
    if direction == "down":
        return 1 - aim_reduction_pct / 100
    raise ValueError(f"directions must be 'down', 'up' or None, not {direction!r}")


def aim_targets(
    baseline_means: pd.DataFrame | Mapping[str, float] | Mapping[tuple[str, str], float],
    aim_reduction_pct: float,
    directions: Mapping[str, str | None],
) -> pd.DataFrame | dict:
    """Targets from an aim: baseline mean × (1 − aim/100) for direction ``down``, × (1 + aim/100) for ``up``.

    ``aim_reduction_pct`` in percent (33 → a third better). ``baseline_means`` (on the plotted
    scale) is a frame with ``measure``, ``baseline_mean`` and optionally ``ward_id`` (returned as
    the same keys plus ``target``, ready for :func:`assurance`), or a mapping measure or
    (ward_id, measure) → mean (returned as a dict with the same keys). No direction gives NaN.
    """
    aim = float(aim_reduction_pct)
    if not math.isfinite(aim) or not 0 <= aim <= 100:
        raise ValueError(f"aim_reduction_pct must be a percentage from 0 to 100, not {aim_reduction_pct!r}")
    if isinstance(baseline_means, pd.DataFrame):
        keys = _series_keys(baseline_means)
        factor = [_aim_factor(directions.get(m, "down"), aim) for m in baseline_means["measure"]]
        table = baseline_means[keys].reset_index(drop=True)
        table["target"] = baseline_means["baseline_mean"].to_numpy(dtype=float) * np.asarray(factor, dtype=float)
        return table
    return {
        key: float(mean) * _aim_factor(directions.get(key[1] if isinstance(key, tuple) else key, "down"), aim)
        for key, mean in baseline_means.items()
    }


def _number_text(value: float) -> str:
    """A target for a sentence: three significant figures, no exponent, no trailing zeros."""
    if value == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _assurance_text(category: str, target: float, direction: str | None) -> str:
    if category != "none":
        verdict = {"pass": "is consistently met", "fail": "is consistently missed",
                   "hit_and_miss": "is met in some months and missed in others"}[category]
        return f"The target of {_number_text(target)} {verdict}"
    if math.isnan(target):
        return ASSURANCE_TEXTS["none"]
    if direction is None:
        return "No improvement direction, so the target is not assessed"
    return "Process limits not known, so the target is not assessed"


def icon_table(points: pd.DataFrame, directions: Mapping[str, str | None], targets: Targets = None) -> pd.DataFrame:
    """Both icons of each series with their text alternatives.

    Columns: ``ward_id`` (when the points have it), ``measure``, ``variation``, ``assurance``,
    ``variation_text`` and ``assurance_text`` (the target named, e.g. "The target of 12.3 is
    consistently met"; a ``none`` says why: no target, no direction or limits not known).
    """
    keys = _series_keys(points)
    table = variation(points, directions)[[*keys, "variation"]]
    verdicts = assurance(points, directions, targets)
    table = table.merge(verdicts[[*keys, "target", "assurance"]], on=keys, how="left")
    direction = _directions_for(table["measure"], directions)
    table["variation_text"] = table["variation"].map(VARIATION_TEXTS)
    table["assurance_text"] = [
        _assurance_text(c, t, d) for c, t, d in zip(table["assurance"], table["target"], direction, strict=True)
    ]
    return table[[*keys, "variation", "assurance", "variation_text", "assurance_text"]]
