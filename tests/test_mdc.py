"""rrp_helpers.mdc: Making Data Count verdicts on hand-made SPC points, every expected value worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import mdc

DOWN = {"restraint": "down", "seclusion": "down"}


def series(
    measure: str,
    ys: list[float],
    point_types: list[str],
    *,
    cl: float | list[float] = 10.0,
    ucl: float | list[float] = 15.0,
    lcl: float | list[float] = 5.0,
    parts: list[int] | None = None,
    ward_id: str | None = None,
) -> pd.DataFrame:
    """One series of chart points, months from January 2020."""
    n = len(ys)
    frame = pd.DataFrame({
        "measure": measure,
        "x": pd.date_range("2020-01-01", periods=n, freq="MS"),
        "y": np.asarray(ys, dtype=float),
        "cl": np.broadcast_to(np.asarray(cl, dtype=float), n),
        "ucl": np.broadcast_to(np.asarray(ucl, dtype=float), n),
        "lcl": np.broadcast_to(np.asarray(lcl, dtype=float), n),
        "part": parts or [1] * n,
        "point_type": point_types,
        "reason": "",
    })
    if ward_id is not None:
        frame.insert(0, "ward_id", ward_id)
    return frame


def one_variation(frame: pd.DataFrame, directions: dict) -> str:
    table = mdc.variation(frame, directions)
    assert len(table) == 1
    return table["variation"].iloc[0]


# --- variation -----------------------------------------------------------------------------


def test_common_cause_when_the_latest_point_is_common_cause() -> None:
    # An earlier improvement does not count: only the latest point decides.
    frame = series("restraint", [4, 9, 11], ["improvement", "common_cause", "common_cause"])
    assert one_variation(frame, DOWN) == "common_cause"


@pytest.mark.parametrize(
    ("direction", "y", "point_type", "expected"),
    [
        ("down", 3.0, "improvement", "improvement_low"),  # below the line is better when down
        ("down", 17.0, "concern", "concern_high"),
        ("up", 17.0, "improvement", "improvement_high"),
        ("up", 3.0, "concern", "concern_low"),
        (None, 17.0, "neutral", "neither_high"),
        (None, 3.0, "neutral", "neither_low"),
    ],
)
def test_special_cause_categories(direction, y, point_type, expected) -> None:
    frame = series("restraint", [10.5, 9.5, y], ["common_cause", "common_cause", point_type])
    assert one_variation(frame, {"restraint": direction}) == expected


def test_the_latest_non_missing_point_decides() -> None:
    # March is missing (NaN, classed common cause by the engine): February's improvement counts.
    frame = series("restraint", [9.0, 3.0, np.nan], ["common_cause", "improvement", "common_cause"])
    table = mdc.variation(frame, DOWN)
    assert table["variation"].tolist() == ["improvement_low"]
    assert table["x"].tolist() == [pd.Timestamp("2020-02-01")]


def test_latest_is_by_month_not_by_row_order() -> None:
    frame = series("restraint", [9.0, 17.0], ["common_cause", "concern"]).iloc[::-1]
    assert one_variation(frame, DOWN) == "concern_high"


def test_a_trend_point_on_its_centre_line_takes_the_trend_side() -> None:
    # The last point equals the centre line (10); the values before it fall (14, 12, 12, 10):
    # the last step different from 10 is from 12, so the signal is downwards.
    ys = [14.0, 12.0, 12.0, 10.0]
    types = ["neutral", "neutral", "neutral", "neutral"]
    frame = series("restraint", ys, types)
    assert one_variation(frame, {"restraint": "down"}) == "improvement_low"
    assert one_variation(frame, {"restraint": "up"}) == "concern_low"
    assert one_variation(frame, {"restraint": None}) == "neither_low"
    rising = series("restraint", [6.0, 8.0, 10.0], ["common_cause", "neutral", "neutral"])
    assert one_variation(rising, {"restraint": "up"}) == "improvement_high"


def test_high_and_low_follow_the_class_not_the_side_when_there_is_a_direction() -> None:
    # A falling trend still above its centre line is an improvement for a measure that should
    # fall (the classifier's reading of trends): improvement is "low" when down, whatever the side.
    frame = series("restraint", [16.0, 14.0, 12.0], ["improvement"] * 3)
    assert one_variation(frame, DOWN) == "improvement_low"
    # The same fall for a measure that should rise is a concern: "low" when up, though above the line.
    assert one_variation(frame.assign(point_type="concern"), {"restraint": "up"}) == "concern_low"


def with_rules(frame: pd.DataFrame, trend: bool, outside: bool) -> pd.DataFrame:
    return frame.assign(trend=trend, sigma_signal=outside)


def test_without_a_direction_a_trend_is_high_or_low_by_its_travel() -> None:
    # Falling 18, 16, 14, 12, all above the centre line 10 and inside the limits 5-15 at the end:
    # the trend is the signal, and it falls.
    falling = with_rules(series("restraint", [18.0, 16.0, 14.0, 12.0], ["neutral"] * 4), trend=True, outside=False)
    assert one_variation(falling, {"restraint": None}) == "neither_low"
    # Falling 25, 22, 19, 16 but above the upper limit 15: outside the limits is read first, so high.
    above = with_rules(series("restraint", [25.0, 22.0, 19.0, 16.0], ["neutral"] * 4), trend=True, outside=True)
    assert one_variation(above, {"restraint": None}) == "neither_high"
    # The same values flagged by a shift only: the side of the centre line.
    shift = with_rules(series("restraint", [18.0, 16.0, 14.0, 12.0], ["neutral"] * 4), trend=False, outside=False)
    assert one_variation(shift, {"restraint": None}) == "neither_high"


def test_no_verdict_without_a_value_or_a_centre_line() -> None:
    empty = series("restraint", [np.nan, np.nan], ["common_cause", "common_cause"])
    table = mdc.variation(empty, DOWN)
    assert table["variation"].tolist() == ["none"]
    assert table["x"].isna().all()
    hidden = series("restraint", [3.0, 2.0], ["improvement", "improvement"], cl=np.nan)  # a published small phase
    assert one_variation(hidden, DOWN) == "none"


def test_several_series_at_once_in_the_points_order() -> None:
    frame = pd.concat([
        series("restraint", [9.0, 3.0], ["common_cause", "improvement"], ward_id="oak"),
        series("seclusion", [9.0, 11.0], ["common_cause", "common_cause"], ward_id="oak"),
        series("restraint", [9.0, 18.0], ["common_cause", "concern"], ward_id="ash"),
        series("seclusion", [9.0, 4.0, np.nan], ["common_cause", "concern", "common_cause"], ward_id="ash"),
    ], ignore_index=True)
    directions = {"restraint": "down", "seclusion": "up"}
    table = mdc.variation(frame, directions)
    assert table[["ward_id", "measure"]].values.tolist() == [
        ["oak", "restraint"], ["oak", "seclusion"], ["ash", "restraint"], ["ash", "seclusion"],
    ]
    assert table["variation"].tolist() == ["improvement_low", "common_cause", "concern_high", "concern_low"]


def test_a_measure_without_a_direction_entry_is_down_like_the_total() -> None:
    frame = series("total", [9.0, 3.0], ["common_cause", "improvement"])
    assert one_variation(frame, DOWN) == "improvement_low"


def test_bad_inputs_are_refused() -> None:
    frame = series("restraint", [9.0, 3.0], ["common_cause", "improvement"])
    with pytest.raises(ValueError, match="directions must be"):
        mdc.variation(frame, {"restraint": "lower"})
    with pytest.raises(ValueError, match="no direction"):
        mdc.variation(frame, {"restraint": None})
    with pytest.raises(ValueError, match="point_type"):
        mdc.variation(frame.drop(columns="point_type"), DOWN)
    with pytest.raises(ValueError, match="more than one row"):
        mdc.variation(pd.concat([frame, frame]), DOWN)


# --- assurance -----------------------------------------------------------------------------


def one_assurance(frame: pd.DataFrame, directions: dict, targets) -> str:
    table = mdc.assurance(frame, directions, targets)
    assert len(table) == 1
    return table["assurance"].iloc[0]


@pytest.mark.parametrize(
    ("direction", "target", "expected"),
    [
        # limits 5 to 15
        ("down", 16.0, "pass"),  # ucl 15 < 16
        ("down", 4.0, "fail"),  # lcl 5 > 4
        ("down", 10.0, "hit_and_miss"),
        ("down", 15.0, "hit_and_miss"),  # on the upper limit: not strictly below
        ("down", 5.0, "hit_and_miss"),  # on the lower limit
        ("up", 4.0, "pass"),  # lcl 5 > 4
        ("up", 16.0, "fail"),  # ucl 15 < 16
        ("up", 15.0, "hit_and_miss"),
        ("up", 5.0, "hit_and_miss"),
        (None, 16.0, "none"),
    ],
)
def test_assurance_categories(direction, target, expected) -> None:
    frame = series("restraint", [9.0, 11.0, 10.0], ["common_cause"] * 3)
    assert one_assurance(frame, {"restraint": direction}, {"restraint": target}) == expected


def test_no_target_or_unknown_limits_give_none() -> None:
    frame = series("restraint", [9.0, 11.0], ["common_cause"] * 2)
    assert one_assurance(frame, DOWN, None) == "none"
    assert one_assurance(frame, DOWN, {"seclusion": 3.0}) == "none"
    assert one_assurance(frame, DOWN, {"restraint": None}) == "none"
    run_chart = series("restraint", [9.0, 11.0], ["common_cause"] * 2, ucl=np.nan, lcl=np.nan)
    assert one_assurance(run_chart, DOWN, {"restraint": 100.0}) == "none"


def test_the_latest_phase_limits_decide() -> None:
    # Phase 1: limits 5-15 (target 9 inside: hit and miss); phase 2: limits 2-8 (ucl 8 < 9: pass).
    frame = series(
        "restraint", [10.0, 11.0, 5.0, 4.0, np.nan], ["common_cause"] * 5,
        ucl=[15, 15, 8, 8, 8], lcl=[5, 5, 2, 2, 2], cl=[10, 10, 5, 5, 5], parts=[1, 1, 2, 2, 2],
    )
    table = mdc.assurance(frame, DOWN, {"restraint": 9.0})
    assert table[["part", "lcl", "ucl", "target", "assurance"]].values.tolist() == [[2, 2.0, 8.0, 9.0, "pass"]]


def test_varying_limits_use_the_latest_known_month_of_the_latest_phase() -> None:
    # u-chart limits change each month; the last month has none (no bed days): June's 3-7.5 count.
    frame = series(
        "restraint", [5.0, 6.0, 5.5, np.nan], ["common_cause"] * 4,
        ucl=[9.0, 8.0, 7.5, np.nan], lcl=[1.0, 2.0, 3.0, np.nan], cl=5.0,
    )
    table = mdc.assurance(frame, DOWN, {"restraint": 7.8})
    assert table[["lcl", "ucl", "assurance"]].values.tolist() == [[3.0, 7.5, "pass"]]  # 7.5 < 7.8


def stacked() -> pd.DataFrame:
    return pd.concat([
        series("restraint", [9.0, 11.0], ["common_cause"] * 2, ward_id="oak"),  # limits 5-15
        series("restraint", [3.0, 4.0], ["common_cause"] * 2, ucl=6.0, lcl=1.0, cl=3.5, ward_id="ash"),
    ], ignore_index=True)


def test_targets_per_measure_apply_to_every_ward() -> None:
    # target 7, down: oak 5-15 contains it; ash's ucl 6 < 7.
    table = mdc.assurance(stacked(), DOWN, {"restraint": 7.0})
    assert table[["ward_id", "assurance"]].values.tolist() == [["oak", "hit_and_miss"], ["ash", "pass"]]


def test_targets_per_ward_as_a_mapping_or_a_frame() -> None:
    # oak target 16 (ucl 15 < 16: pass); ash target 0.5 (lcl 1 > 0.5: fail).
    by_key = {("oak", "restraint"): 16.0, ("ash", "restraint"): 0.5}
    frame = pd.DataFrame({"ward_id": ["ash", "oak"], "measure": ["restraint"] * 2, "target": [0.5, 16.0]})
    for targets in (by_key, frame):
        table = mdc.assurance(stacked(), DOWN, targets)
        assert table["assurance"].tolist() == ["pass", "fail"]
        assert table["target"].tolist() == [16.0, 0.5]


def test_bad_targets_are_refused() -> None:
    with pytest.raises(ValueError, match="mix"):
        mdc.assurance(stacked(), DOWN, {"restraint": 1.0, ("oak", "restraint"): 2.0})
    with pytest.raises(ValueError, match="no ward_id"):
        mdc.assurance(series("restraint", [1.0], ["common_cause"]), DOWN, {("oak", "restraint"): 2.0})
    with pytest.raises(ValueError, match="more than one target"):
        mdc.assurance(stacked(), DOWN, pd.DataFrame({"measure": ["restraint"] * 2, "target": [1.0, 2.0]}))
    with pytest.raises(TypeError):
        mdc.assurance(stacked(), DOWN, 3.0)


# --- aim targets ---------------------------------------------------------------------------


def test_aim_targets_from_a_frame() -> None:
    baseline = pd.DataFrame({
        "ward_id": ["oak", "oak", "oak"],
        "measure": ["restraint", "seclusion", "visits"],
        "baseline_mean": [30.0, 12.0, 50.0],
    })
    targets = mdc.aim_targets(baseline, 33, {"restraint": "down", "seclusion": "up", "visits": None})
    assert targets.columns.tolist() == ["ward_id", "measure", "target"]
    # 30 × 0.67 = 20.1; 12 × 1.33 = 15.96; no direction, no target.
    assert targets["target"].iloc[0] == pytest.approx(20.1)
    assert targets["target"].iloc[1] == pytest.approx(15.96)
    assert math.isnan(targets["target"].iloc[2])


def test_aim_targets_from_a_mapping() -> None:
    targets = mdc.aim_targets({"restraint": 20.0, ("oak", "seclusion"): 8.0}, 25, {"seclusion": "down"})
    assert targets == {"restraint": pytest.approx(15.0), ("oak", "seclusion"): pytest.approx(6.0)}


@pytest.mark.parametrize("aim", [-5, 101, float("nan")])
def test_aim_must_be_a_percentage(aim) -> None:
    with pytest.raises(ValueError, match="percentage"):
        mdc.aim_targets({"restraint": 20.0}, aim, DOWN)


# --- both icons with their texts -----------------------------------------------------------


def test_icon_table_columns_and_texts() -> None:
    frame = pd.concat([
        series("restraint", [9.0, 3.0], ["common_cause", "improvement"], ucl=12.0, lcl=2.0, ward_id="oak"),
        series("seclusion", [9.0, 11.0], ["common_cause", "common_cause"], ward_id="oak"),
        series("visits", [9.0, 11.0], ["common_cause", "common_cause"], ward_id="oak"),
        series("restraint", [9.0, 11.0], ["common_cause", "common_cause"], ucl=np.nan, lcl=np.nan, ward_id="ash"),
        series("seclusion", [4.0, 1.0], ["common_cause", "concern"], ward_id="ash"),
    ], ignore_index=True)
    directions = {"restraint": "down", "seclusion": "up", "visits": None}
    targets = {("oak", "restraint"): 12.3, ("oak", "visits"): 5.0, ("ash", "restraint"): 5.0, ("ash", "seclusion"): 1234.4}
    table = mdc.icon_table(frame, directions, targets)
    assert table.columns.tolist() == ["ward_id", "measure", "variation", "assurance", "variation_text", "assurance_text"]
    assert table.values.tolist() == [
        # ucl 12 < 12.3, down: met every month
        ["oak", "restraint", "improvement_low", "pass",
         "Special cause variation: improvement (lower)", "The target of 12.3 is consistently met"],
        ["oak", "seclusion", "common_cause", "none", "Common cause variation only", "No target set"],
        ["oak", "visits", "common_cause", "none",
         "Common cause variation only", "No improvement direction, so the target is not assessed"],
        ["ash", "restraint", "common_cause", "none",
         "Common cause variation only", "Process limits not known, so the target is not assessed"],
        # up, ucl 15 < 1234.4: missed every month; concern below the line when up is low
        ["ash", "seclusion", "concern_low", "fail",
         "Special cause variation: concern (lower)", "The target of 1,234 is consistently missed"],
    ]


def test_icon_table_hit_and_miss_text_and_no_ward_column() -> None:
    frame = series("restraint", [9.0, 11.0], ["common_cause"] * 2)  # limits 5-15
    table = mdc.icon_table(frame, DOWN, {"restraint": 0.35 * 20})
    assert table.columns.tolist() == ["measure", "variation", "assurance", "variation_text", "assurance_text"]
    assert table["assurance_text"].tolist() == ["The target of 7 is met in some months and missed in others"]
    small = mdc.icon_table(frame, DOWN, {"restraint": 0.35})  # lcl 5 > 0.35: fail
    assert small["assurance_text"].tolist() == ["The target of 0.35 is consistently missed"]


def test_every_category_has_a_text() -> None:
    assert set(mdc.VARIATION_TEXTS) == {
        "common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low",
        "neither_high", "neither_low", "none",
    }
    assert set(mdc.ASSURANCE_TEXTS) == {"pass", "fail", "hit_and_miss", "none"}
    assert all(text.strip() for text in [*mdc.VARIATION_TEXTS.values(), *mdc.ASSURANCE_TEXTS.values()])
