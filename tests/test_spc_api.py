"""rrp_helpers.spc.api: control_chart and control_charts: sorting, grouping, empty input, freeze.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from rrp_helpers import spc


def test_x_sorts_the_rows_and_positions_follow() -> None:
    months = pd.to_datetime(["2024-03-01", "2024-01-01", "2024-02-01", "2024-04-01"])
    result = spc.control_chart([30, 10, 20, 40], chart="c", x=months, freeze=2)
    assert result["x"].tolist() == sorted(months)
    assert result["y"].tolist() == [10, 20, 30, 40]
    assert result["cl"].iloc[0] == 15
    assert spc.control_chart([1, 2, 3], chart="c")["x"].tolist() == [1, 2, 3]


def test_empty() -> None:
    result = spc.control_chart([], chart="c", freeze=12, part=[3], exclude=[1])
    assert len(result) == 0
    assert list(result.columns) == list(spc.OUTPUT_COLUMNS)
    grouped = spc.control_charts(
        pd.DataFrame({"ward": [], "month": [], "count": []}), by="ward", x="month", y="count", chart="c"
    )
    assert len(grouped) == 0 and list(grouped.columns) == ["ward", *spc.OUTPUT_COLUMNS]


# ----------------------------------------------------------------------------------------------
# Grouped calls
# ----------------------------------------------------------------------------------------------


def test_grouped_equals_one_at_a_time_on_a_shuffled_frame() -> None:
    rng = np.random.default_rng(7)
    frames = []
    for ward in ["W2", "W1", "W3"]:
        for measure in ["seclusion", "restraint"]:
            length = int(rng.integers(5, 30))
            counts = rng.poisson(6, length).astype(float)
            counts[rng.random(length) < 0.1] = np.nan
            frames.append(pd.DataFrame({
                "ward": ward, "measure": measure,
                "month": pd.date_range("2022-01-01", periods=length, freq="MS"),
                "count": counts, "bed_days": rng.integers(300, 600, length),
            }))
    frame = pd.concat(frames).sample(frac=1, random_state=1).reset_index(drop=True)
    options = dict(chart="u", freeze=4, part=[10], exclude=[2], multiply=1000, rules="mdc")
    grouped = spc.control_charts(frame, by=["ward", "measure"], x="month", y="count", n="bed_days", **options)
    assert grouped[["ward", "measure"]].drop_duplicates().apply(tuple, axis=1).tolist() == sorted(
        {(w, m) for w in ["W1", "W2", "W3"] for m in ["restraint", "seclusion"]}
    )
    for (ward, measure), rows in grouped.groupby(["ward", "measure"], sort=False):
        series = frame[(frame["ward"] == ward) & (frame["measure"] == measure)].sort_values("month")
        # Positions beyond a short series do not occur in it (a lone chart rejects them).
        length = len(series)
        alone_options = dict(options, part=[p for p in [10] if p < length] or None,
                             exclude=[e for e in [2] if e < length] or None, freeze=min(4, length))
        alone = spc.control_chart(series["count"], series["bed_days"], x=series["month"], **alone_options)
        pd.testing.assert_frame_equal(rows.drop(columns=["ward", "measure"]).reset_index(drop=True), alone)


@settings(max_examples=40, deadline=None)
@given(
    groups=st.lists(st.lists(st.one_of(st.integers(0, 30), st.none()), min_size=1, max_size=25), min_size=1, max_size=5),
    chart=st.sampled_from(["run", "i", "c", "u", "pp"]),
    rules=st.sampled_from(["collaborative", "mdc", "ihi"]),
    freeze=st.one_of(st.none(), st.integers(2, 6)),
    seed=st.integers(0, 1000),
)
def test_grouped_equals_one_at_a_time(groups: list, chart: str, rules: str, freeze: int | None, seed: int) -> None:
    rows = []
    for number, values in enumerate(groups):
        for month, value in enumerate(values):
            rows.append({"unit": f"u{number}", "month": month, "y": value, "n": 40})
    frame = pd.DataFrame(rows).sample(frac=1, random_state=seed)
    needs_n = chart in ("u", "pp")
    longest = max(len(values) for values in groups)
    freeze = min(freeze, longest) if freeze else None
    grouped = spc.control_charts(
        frame, by="unit", x="month", y="y", n="n" if needs_n else None, chart=chart, rules=rules, freeze=freeze
    )
    for number, values in enumerate(groups):
        alone = spc.control_chart(values, [40] * len(values) if needs_n else None, chart=chart, rules=rules,
                                  freeze=min(freeze, len(values)) if freeze else None, x=list(range(len(values))))
        mine = grouped[grouped["unit"] == f"u{number}"].drop(columns="unit").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone, check_dtype=False)


# ----------------------------------------------------------------------------------------------
# freeze longer than a series
# ----------------------------------------------------------------------------------------------


def test_freeze_longer_than_the_series_makes_every_point_baseline() -> None:
    """qicharts2: ``baseline = position <= freeze``, so a freeze beyond the series is all of it.

    control_chart used to raise here while control_charts made a short group all baseline; both
    now do the latter.
    """
    counts = [4, 7, 5, 9, 6]
    longer = spc.control_chart(counts, chart="c", freeze=12)
    assert longer["baseline"].all()
    pd.testing.assert_frame_equal(longer, spc.control_chart(counts, chart="c"))
    pd.testing.assert_frame_equal(longer, spc.control_chart(counts, chart="c", freeze=5))
    # Within phases too: each phase shorter than the freeze is all baseline.
    phased = spc.control_chart(counts, chart="c", freeze=12, part=[3])
    assert phased["baseline"].all() and phased["cl"].tolist() == [16 / 3] * 3 + [7.5] * 2

    frame = pd.DataFrame({"ward": ["A"] * 5 + ["B"] * 3, "month": [*range(5), *range(3)],
                          "count": [*counts, 2, 3, 7]})
    grouped = spc.control_charts(frame, by="ward", x="month", y="count", chart="c", freeze=12)
    assert grouped["baseline"].all()
    for ward, rows in grouped.groupby("ward"):
        alone = spc.control_chart(frame.loc[frame["ward"] == ward, "count"], chart="c", freeze=12,
                                  x=frame.loc[frame["ward"] == ward, "month"])
        pd.testing.assert_frame_equal(rows.drop(columns="ward").reset_index(drop=True), alone)


def test_rare_event_charts_run_grouped() -> None:
    """g and t charts take every option and group like the others."""
    rng = np.random.default_rng(11)
    frame = pd.DataFrame({
        "ward": np.repeat(["A", "B", "C"], 20),
        "event": np.tile(np.arange(20), 3),
        "gap": rng.geometric(0.1, 60) - 1,
    })
    frame["days"] = frame["gap"] + rng.uniform(0.1, 1.0, 60)
    for chart, column in (("g", "gap"), ("t", "days")):
        options = dict(chart=chart, freeze=8, exclude=[3], part=[12], multiply=24 if chart == "t" else 1,
                       rules="ihi")
        grouped = spc.control_charts(frame, by="ward", x="event", y=column, **options)
        for ward, rows in grouped.groupby("ward"):
            series = frame[frame["ward"] == ward]
            alone = spc.control_chart(series[column], x=series["event"], **options)
            pd.testing.assert_frame_equal(rows.drop(columns="ward").reset_index(drop=True), alone)
