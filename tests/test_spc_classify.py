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
    # Point 1 lies outside the limits above the centre line; points 2-3 are a rising trend
    # (3 then 10), point 2 also in a shift below the line; point 4 is two-of-three below the line.
    frame = points()
    down = spc.classify_points(frame, direction="down")
    assert down["special_cause"].tolist() == [False, True, True, True, True]
    assert down["point_type"].tolist() == ["common_cause", "concern", "concern", "concern", "improvement"]
    assert down["rules_fired"].tolist() == ["", "outside limits, shift", "trend, shift", "trend", "two of three"]
    assert down["reason"].tolist() == [
        "", "outside the control limits", "a rising trend", "a rising trend", "two of three months near a limit"]
    up = spc.classify_points(frame, direction="up")
    assert up["point_type"].tolist() == ["common_cause", "improvement", "improvement", "improvement", "concern"]
    neither = spc.classify_points(frame, direction=None)
    assert neither["point_type"].tolist() == ["common_cause", "neutral", "neutral", "neutral", "neutral"]
    assert set(down["point_type"]) <= set(spc.POINT_TYPES)
    assert "special_cause" not in frame.columns  # a new frame


def test_a_trend_takes_its_direction_of_travel_not_its_side() -> None:
    # A falling trend entirely above the centre line is an improvement for a measure that should fall.
    frame = pd.DataFrame({"y": [20.0, 18, 16, 14, 12], "cl": [10.0] * 5, "sigma_signal": [False] * 5,
                          "shift": [True] * 5, "trend": [True] * 5, "two_of_three": [False] * 5})
    classified = spc.classify_points(frame, direction="down")
    assert classified["point_type"].tolist() == ["improvement"] * 5
    assert set(classified["reason"]) == {"a falling trend"}


def test_trends_of_different_series_are_read_separately() -> None:
    frame = pd.DataFrame({"ward": ["a", "a", "b", "b"], "y": [1.0, 5, 9, 2], "cl": [4.0] * 4,
                          "sigma_signal": [False] * 4, "shift": [False] * 4, "trend": [True] * 4,
                          "two_of_three": [False] * 4})
    classified = spc.classify_points(frame, direction="down", by=["ward"])
    assert classified["point_type"].tolist() == ["concern", "concern", "improvement", "improvement"]


def test_a_point_on_the_centre_line_is_neutral() -> None:
    frame = pd.DataFrame({"y": [10.0], "cl": [10.0], "sigma_signal": [False], "shift": [False],
                          "trend": [False], "two_of_three": [True]})
    assert spc.classify_points(frame, direction="down")["point_type"].tolist() == ["neutral"]


def test_classifies_a_control_chart() -> None:
    chart = spc.control_chart([10, 11, 9, 10, 30, 10], chart="c", freeze=4)
    classified = spc.classify_points(chart, direction="down")
    assert classified["point_type"].iloc[4] == "concern"
    assert classified["rules_fired"].iloc[4] == "outside limits"


def test_unknown_direction() -> None:
    with pytest.raises(ValueError, match="direction"):
        spc.classify_points(points(), direction="sideways")
