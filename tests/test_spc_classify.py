"""rrp_helpers.spc.classify: point types and the rules that fired, on a hand-made frame."""

from __future__ import annotations

import pandas as pd
import pytest

from rrp_helpers import spc


def points() -> pd.DataFrame:
    return pd.DataFrame({
        "y": [5.0, 12.0, 3.0, 10.0, 2.0],
        "cl": [10.0] * 5,
        "sigma_signal": [False, True, False, False, False],
        "shift": [False, True, True, False, False],
        "trend": [False, False, True, True, False],
        "two_of_three": [False, False, False, False, True],
    })


def test_point_types_follow_the_direction() -> None:
    frame = points()
    down = spc.classify_points(frame, direction="down")
    assert down["special_cause"].tolist() == [False, True, True, True, True]
    assert down["point_type"].tolist() == ["common_cause", "concern", "improvement", "neutral", "improvement"]
    assert down["rules_fired"].tolist() == ["", "outside limits, shift", "shift, trend", "trend", "two of three"]
    up = spc.classify_points(frame, direction="up")
    assert up["point_type"].tolist() == ["common_cause", "improvement", "concern", "neutral", "concern"]
    neither = spc.classify_points(frame, direction=None)
    assert neither["point_type"].tolist() == ["common_cause", "neutral", "neutral", "neutral", "neutral"]
    assert set(down["point_type"]) <= set(spc.POINT_TYPES)
    assert "special_cause" not in frame.columns  # a new frame


def test_classifies_a_control_chart() -> None:
    chart = spc.control_chart([10, 11, 9, 10, 30, 10], chart="c", freeze=4)
    classified = spc.classify_points(chart, direction="down")
    assert classified["point_type"].iloc[4] == "concern"
    assert classified["rules_fired"].iloc[4] == "outside limits"


def test_unknown_direction() -> None:
    with pytest.raises(ValueError, match="direction"):
        spc.classify_points(points(), direction="sideways")
