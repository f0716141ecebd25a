"""rrp_helpers.spc.inputs: numbers with NaN for missing, value checks per chart, grouping a frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import spc
from rrp_helpers.spc.inputs import as_float, group_rows


def test_missing_values_of_any_kind_become_nan() -> None:
    for values in ([1, None, 3], [1.0, np.nan, 3.0], pd.Series([1, pd.NA, 3], dtype="Int64"),
                   pd.array([1, None, 3], dtype="Float64"), ["1", None, "3"]):
        assert np.array_equal(as_float(values, "y"), [1.0, np.nan, 3.0], equal_nan=True)
    integers = np.array([1, 2], dtype=np.int32)
    assert as_float(integers, "y").dtype == np.float64


def test_group_rows_sorts_only_when_needed() -> None:
    tidy = pd.DataFrame({"ward": ["A", "A", "B"], "month": [1, 2, 1]})
    order, starts = group_rows(tidy, ["ward"], "month")
    assert order is None and starts.tolist() == [0, 2]
    shuffled = pd.DataFrame({"ward": ["B", "A", "A"], "month": [1, 2, 1]})
    order, starts = group_rows(shuffled, ["ward"], "month")
    assert order.tolist() == [2, 1, 0] and starts.tolist() == [0, 2]


def test_grouped_rejects_duplicate_x_and_missing_keys() -> None:
    frame = pd.DataFrame({"ward": ["A", "A", "B"], "month": [1, 1, 1], "count": [1, 2, 3]})
    with pytest.raises(ValueError, match="duplicate"):
        spc.control_charts(frame, by="ward", x="month", y="count", chart="c")
    frame = pd.DataFrame({"ward": ["A", None, "B"], "month": [1, 2, 1], "count": [1, 2, 3]})
    with pytest.raises(ValueError, match="missing"):
        spc.control_charts(frame, by="ward", x="month", y="count", chart="c")
    with pytest.raises(ValueError, match="no column"):
        spc.control_charts(frame, by="ward", x="month", y="counts", chart="c")


# ----------------------------------------------------------------------------------------------
# Invalid data (invalid options: test_spc_options.py)
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(y=[1, -2], chart="c"), "non-negative"),
        (dict(y=[1, -2], n=[5, 5], chart="u"), "non-negative"),
        (dict(y=[1, 2], n=[5, 0], chart="u"), "n must be > 0"),
        (dict(y=[1, 2], n=[5, -1], chart="p"), "n must be > 0"),
        (dict(y=[1, 6], n=[5, 5], chart="p"), "y <= n"),
        (dict(y=[1, 6], n=[5, 5], chart="pp"), "y <= n"),
        (dict(y=[1, 2], chart="u"), "needs denominators"),
        (dict(y=[1, 2], n=[5, 5], chart="c"), "chart='u'"),
        (dict(y=[1, 2, 3], n=[5, 5], chart="u"), "same length"),
        (dict(y=[1, 2, 3], x=[1, 2], chart="c"), "same length"),
        (dict(y=[1, 2, 3], x=[1, 1, 2], chart="c"), "duplicate"),
        (dict(y=[1, 2, 3], x=[1, None, 2], chart="c"), "missing"),
        (dict(y=["a", "b"], chart="c"), "numbers"),
        (dict(y=[[1, 2], [3, 4]], chart="c"), "one-dimensional"),
        (dict(y=[1.0, float("inf")], chart="i"), "infinite"),
        # Rare-event charts.
        (dict(y=[3, -1, 4], chart="g"), "g chart"),
        (dict(y=[3, 1, 4], n=[5, 5, 5], chart="g"), "without denominators"),
        (dict(y=[3.5, 0.0, 4.0], chart="t"), "greater than zero"),
        (dict(y=[3.5, -2.0, 4.0], chart="t", exclude=[1]), "greater than zero"),
        (dict(y=[3.5, 1.0, 4.0], n=[5, 5, 5], chart="t"), "without denominators"),
    ],
)
def test_invalid_values_raise_value_error(arguments: dict, message: str) -> None:
    y = arguments.pop("y")
    n = arguments.pop("n", None)
    with pytest.raises(ValueError, match=message):
        spc.control_chart(y, n, **arguments)


def test_a_t_chart_refuses_a_zero_even_excluded_or_after_the_freeze() -> None:
    """qicharts2 checks every non-missing value of the part (t_20_zero_excluded_error)."""
    times = [5.0, 2.5, 7.0, 1.5, 3.0, 0.0]
    for options in (dict(), dict(exclude=[5]), dict(freeze=3)):
        with pytest.raises(ValueError, match="greater than zero"):
            spc.control_chart(times, chart="t", **options)
    assert len(spc.control_chart([5.0, None, 7.0], chart="t")) == 3  # missing values are fine
