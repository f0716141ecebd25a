"""rrp_helpers.spc.options: ChartOptions, its validation, and the keyword / options= API."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import spc
from rrp_helpers.spc.options import ChartOptions

# ----------------------------------------------------------------------------------------------
# Invalid options (invalid data: test_spc_inputs.py)
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(y=[1, 2], chart="x"), "unknown chart"),
        (dict(y=[1, 2], chart="c", rules="weco"), "unknown rules"),
        (dict(y=[1, 2, 3], chart="c", part=[0]), "part"),
        (dict(y=[1, 2, 3], chart="c", part=[3]), "part"),
        (dict(y=[1, 2, 3], chart="c", part=[1.5]), "part"),
        (dict(y=[1, 2, 3], chart="c", part=[1, 1]), "repeated"),
        (dict(y=[1, 2, 3], chart="c", exclude=[-1]), "exclude"),
        (dict(y=[1, 2, 3], chart="c", exclude=[3]), "exclude"),
        (dict(y=[1, 2, 3], chart="c", freeze=0), "freeze"),
        # freeze=4 on 3 points is no longer an error: every point is baseline (test_spc_api.py).
        (dict(y=[1, 2, 3], chart="c", freeze=2.5), "freeze"),
        (dict(y=[1, 2, 3], chart="c", shift_points=1), "shift_points"),
        (dict(y=[1, 2, 3], chart="c", trend_points=2.0), "trend_points"),
        (dict(y=[1, 2, 3], chart="c", multiply=0), "multiply"),
    ],
)
def test_invalid_options_raise_value_error(arguments: dict, message: str) -> None:
    y = arguments.pop("y")
    n = arguments.pop("n", None)
    with pytest.raises(ValueError, match=message):
        spc.control_chart(y, n, **arguments)


# ----------------------------------------------------------------------------------------------
# ChartOptions
# ----------------------------------------------------------------------------------------------


def test_options_are_normalised() -> None:
    options = ChartOptions("u", freeze=np.int64(12), part=[24, 12], exclude=3, multiply=1000)
    assert options.part == (12, 24) and options.exclude == (3,)
    assert options.freeze == 12 and type(options.freeze) is int
    assert options.multiply == 1000.0 and isinstance(options.multiply, float)
    assert ChartOptions("c").part == () and ChartOptions("c", part=None).exclude == ()
    assert ChartOptions("c", y_neg=0).y_neg is False


def test_options_validate_when_made() -> None:
    with pytest.raises(ValueError, match="unknown chart"):
        ChartOptions("xbar")
    with pytest.raises(ValueError, match="repeated"):
        ChartOptions("c", exclude=[2, 2])
    with pytest.raises(ValueError, match="multiply"):
        ChartOptions("c", multiply="lots")
    with pytest.raises(ValueError, match="part"):
        ChartOptions("c", part="12")
    with pytest.raises(ValueError, match="freeze"):
        dataclasses.replace(ChartOptions("c"), freeze=-1)  # copies are validated too
    with pytest.raises(dataclasses.FrozenInstanceError):
        ChartOptions("c").freeze = 3  # type: ignore[misc]


def test_preset_applies_the_overrides() -> None:
    assert ChartOptions("i").preset is spc.RULE_PRESETS["collaborative"]
    preset = ChartOptions("i", rules="mdc", shift_points=9, trend_points=5).preset
    assert preset == spc.RulePreset(9, True, 5, True, "mdc", True)


def test_positions_beyond_the_longest_series() -> None:
    options = ChartOptions("c", part=[5], exclude=[2])
    options.check_positions(6)
    with pytest.raises(ValueError, match="part"):
        options.check_positions(5)
    with pytest.raises(ValueError, match="exclude"):
        ChartOptions("c", exclude=[7]).check_positions(7)
    ChartOptions("c", part=[99]).check_positions(0)  # no rows: nothing to check


def test_options_object_equals_the_keywords() -> None:
    counts = [12, 9, 14, 8, 11, 10, 13, 7, 4, 5, 3, 6, 4, 5]
    keywords = dict(chart="c", freeze=6, part=[8], exclude=[2], multiply=10, y_neg=False, rules="ihi",
                    shift_points=4, trend_points=3)
    by_keywords = spc.control_chart(counts, **keywords)
    by_options = spc.control_chart(counts, options=ChartOptions(**keywords))
    pd.testing.assert_frame_equal(by_keywords, by_options)
    frame = pd.DataFrame({"ward": "A", "month": range(len(counts)), "count": counts})
    grouped = spc.control_charts(frame, by="ward", x="month", y="count", options=ChartOptions(**keywords))
    pd.testing.assert_frame_equal(grouped.drop(columns="ward"), by_keywords.assign(x=grouped["x"]))


def test_options_and_keywords_are_exclusive() -> None:
    options = ChartOptions("c", freeze=3)
    with pytest.raises(ValueError, match="not both"):
        spc.control_chart([1, 2, 3], chart="c", options=options)
    with pytest.raises(ValueError, match="not both"):
        spc.control_chart([1, 2, 3], multiply=100, options=options)
    # Keywords left at their defaults are fine.
    spc.control_chart([1, 2, 3], multiply=1, rules="collaborative", options=options)
    with pytest.raises(TypeError, match="chart"):
        spc.control_chart([1, 2, 3])
    with pytest.raises(TypeError, match="ChartOptions"):
        spc.control_chart([1, 2, 3], options={"chart": "c"})  # type: ignore[arg-type]
