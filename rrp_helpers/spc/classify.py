"""Display classes of the points of a control chart, in the Making Data Count convention."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Display classes of points, in the Making Data Count convention.
POINT_TYPES: tuple[str, ...] = ("common_cause", "improvement", "concern", "neutral")
_RULE_COLUMNS = (
    ("sigma_signal", "outside limits"),
    ("shift", "shift"),
    ("trend", "trend"),
    ("two_of_three", "two of three"),
)


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
