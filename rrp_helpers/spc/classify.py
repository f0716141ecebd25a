"""Display classes of the points of a control chart, in the Making Data Count convention.

Each point gets one class and one reason. A point flagged by several rules takes the first of
them in NHSRplotthedots' order (outside the limits, trend, two of three, shift), and the class
follows that rule's direction: the side of the centre line for the limits, two-of-three and shift
rules, and the direction of travel for a trend (a falling trend of a measure that should fall is an
improvement, even where it starts above the centre line).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Display classes of points, in the Making Data Count convention.
POINT_TYPES: tuple[str, ...] = ("common_cause", "improvement", "concern", "neutral")
#: Rule columns in order of precedence, with the names ``rules_fired`` lists.
_RULE_COLUMNS = (
    ("sigma_signal", "outside limits"),
    ("trend", "trend"),
    ("two_of_three", "two of three"),
    ("shift", "shift"),
)
_REASONS = {
    "sigma_signal": "outside the control limits",
    "two_of_three": "two of three months near a limit",
    "shift": "a run of months on one side of the centre line",
}


def _trend_travel(points: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    """Per point flagged ``trend``, the direction of its trend (+1 rising, -1 falling); 0 elsewhere.

    A trend is a stretch of consecutive flagged points of one series and phase; its direction is
    that of its last value against its first."""
    flagged = points["trend"].to_numpy(dtype=bool)
    travel = np.zeros(len(points))
    if not flagged.any():
        return travel
    keys = [points[column].to_numpy() for column in (*by, "part") if column in points]
    start = np.ones(len(points), dtype=bool)
    start[1:] = ~flagged[:-1]
    for key in keys:
        start[1:] |= key[1:] != key[:-1]
    stretch = np.cumsum(start)
    y = pd.Series(points["y"].to_numpy(dtype=float)).where(flagged)
    grouped = y.groupby(stretch)
    travel = np.sign(grouped.transform("last") - grouped.transform("first")).to_numpy()
    return np.where(flagged, np.nan_to_num(travel), 0.0)


def classify_points(points: pd.DataFrame, direction: str | None = "down", *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Add ``special_cause``, ``point_type``, ``reason`` and ``rules_fired`` to a control-chart frame.

    A point is special cause when any rule flags it (``sigma_signal``, ``trend``, ``two_of_three``,
    ``shift``). Its class comes from the first rule that flags it (see the module docstring):
    ``improvement`` in the better direction for ``direction`` (``down``: below the centre line, or
    falling), ``concern`` in the worse one, ``neutral`` when the measure has no direction (``None``)
    or the point is on its centre line. ``reason`` says which rule, in words (empty for common
    cause); ``rules_fired`` names every rule that flags the point. ``by`` names the columns that
    tell series apart when the frame holds several. Returns a new frame.
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
    travel = _trend_travel(result, by)
    first_rule = np.argmax(flags, axis=1)  # the first flagged rule of each point (0 when none)
    is_trend = special & (first_rule == 1)
    movement = np.where(is_trend, travel, np.nan_to_num(side))
    better = {"down": -1, "up": 1}.get(direction, 0) if direction else 0
    point_type = np.where(movement == better, "improvement", np.where(movement == -better, "concern", "neutral"))
    if not better:
        point_type = np.full(len(result), "neutral", dtype=object)
    result["point_type"] = np.where(special, point_type, "common_cause")
    reasons = np.array([_REASONS.get(column, "") for column, _ in _RULE_COLUMNS], dtype=object)
    reason = np.where(special, reasons[first_rule], "")
    reason = np.where(is_trend, np.where(travel > 0, "a rising trend", "a falling trend"), reason)
    result["reason"] = reason
    return result
