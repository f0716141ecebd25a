"""Tests' helper: comparing our charts with qicharts2's per-point outputs (the oracle fixtures in
tests/fixtures/spc_oracle*/), and the pattern rules re-derived in plain loops from qicharts2's
centre lines and limits (neither R package implements the collaborative's shift of 8)."""

from __future__ import annotations

import numpy as np
import pandas as pd

RTOL = 1e-9
#: Our column -> qicharts2's, for the numbers and for the flags of every point.
NUMBER_COLUMNS = [
    ("cl", "cl"), ("ucl", "ucl"), ("lcl", "lcl"), ("ucl_2sigma", "ucl.95"), ("lcl_2sigma", "lcl.95"),
    ("longest_run", "longest.run"), ("longest_run_max", "longest.run.max"), ("n_crossings", "n.crossings"),
    ("n_crossings_min", "n.crossings.min"), ("n_useful", "n.useful"), ("n_obs", "n.obs"), ("part", "part"),
]
FLAG_COLUMNS = [("sigma_signal", "sigma.signal"), ("runs_signal", "runs.signal"), ("baseline", "baseline"), ("include", "include")]


def int_list(text: str) -> list[int]:
    return [int(value) for value in text.split(";")] if text else []


def assert_close(ours: pd.Series, expected: pd.Series, what: str) -> None:
    ours_values = ours.to_numpy(dtype=float)
    expected_values = expected.to_numpy(dtype=float)
    both_missing = np.isnan(ours_values) & np.isnan(expected_values)
    close = np.isclose(ours_values, expected_values, rtol=RTOL, atol=0.0) | both_missing
    assert close.all(), (
        f"{what} differs at rows {np.flatnonzero(~close).tolist()}: "
        f"ours {ours_values[~close][:5]} expected {expected_values[~close][:5]}"
    )


def assert_flags(ours: pd.Series, expected: pd.Series | np.ndarray, what: str) -> None:
    ours_values = ours.to_numpy(dtype=bool)
    expected_values = np.asarray(expected, dtype=bool)
    assert (ours_values == expected_values).all(), (
        f"{what} differs at rows {np.flatnonzero(ours_values != expected_values).tolist()}"
    )



def assert_matches_qicharts2(ours: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Every point's numbers and flags equal qicharts2's (``y`` included)."""
    assert len(ours) == len(expected)
    for our_column, their_column in [("y", "y"), *NUMBER_COLUMNS]:
        assert_close(ours[our_column], expected[their_column], our_column)
    for our_column, their_column in FLAG_COLUMNS:
        assert_flags(ours[our_column], expected[their_column], our_column)


def phases(expected: pd.DataFrame) -> list[list[int]]:
    """Row indices of the included, non-missing points of each part, in order."""
    phases = []
    for _, rows in expected.groupby("part", sort=True):
        keep = rows["include"].astype(bool) & rows["y"].notna()
        phases.append(rows.index[keep].tolist())
    return phases


def loop_shift(expected: pd.DataFrame, points: int, centre_line_breaks: bool) -> np.ndarray:
    flags = np.zeros(len(expected), dtype=bool)
    for rows in phases(expected):
        run: list[int] = []
        run_side = 0
        for row in rows + [None]:  # type: ignore[operator]
            if row is None:
                side = 2  # sentinel: closes the last run
            else:
                difference = float(expected.at[row, "y"]) - float(expected.at[row, "cl"])
                side = (difference > 0) - (difference < 0)
                if side == 0 and not centre_line_breaks:
                    continue  # on the centre line: neither counts nor breaks
            if side == run_side and side != 0:
                run.append(row)
                continue
            if run_side != 0 and len(run) >= points:
                flags[run] = True
            run, run_side = [row], side
    return flags


def loop_trend(expected: pd.DataFrame, points: int, ties_break: bool) -> np.ndarray:
    flags = np.zeros(len(expected), dtype=bool)
    for rows in phases(expected):
        blocks: list[list] = []  # [first row, last row, value]
        for row in rows:
            value = expected.at[row, "y"]
            if not ties_break and blocks and blocks[-1][2] == value:
                blocks[-1][1] = row
            else:
                blocks.append([row, row, value])
        start = 0
        while start < len(blocks) - 1:
            direction = np.sign(blocks[start + 1][2] - blocks[start][2])
            if direction == 0:
                start += 1
                continue
            end = start + 1
            while end + 1 < len(blocks) and np.sign(blocks[end + 1][2] - blocks[end][2]) == direction:
                end += 1
            if end - start + 1 >= points:
                first, last = blocks[start][0], blocks[end][1]
                flags[[row for row in rows if first <= row <= last]] = True
            start = end
    return flags


def loop_two_of_three(expected: pd.DataFrame) -> np.ndarray:
    flags = np.zeros(len(expected), dtype=bool)
    for rows in phases(expected):
        for window in zip(rows, rows[1:], rows[2:]):
            above = [row for row in window if expected.at[row, "y"] > expected.at[row, "ucl.95"]]
            below = [row for row in window if expected.at[row, "y"] < expected.at[row, "lcl.95"]]
            for beyond in (above, below):
                if len(beyond) >= 2:
                    flags[beyond] = True
    return flags


def assert_summary_matches(ours: pd.DataFrame, row) -> None:
    """One row of qicharts2's per-part summary: the phase's size, first centre line and limits,
    runs statistics and number of points outside the limits."""
    import math

    phase = ours[ours["part"] == row.part]
    assert len(phase) == row.n_points, row.case_id
    first = phase.iloc[0]
    for column in ("n_useful", "longest_run", "n_crossings", "n_crossings_min", "longest_run_max"):
        ours_value, expected = first[column], getattr(row, column)
        assert (math.isnan(ours_value) and math.isnan(expected)) or math.isclose(ours_value, expected, rel_tol=RTOL), row.case_id
    for column in ("cl", "ucl", "lcl"):
        ours_value, expected = first[column], getattr(row, f"{column}_first")
        assert (math.isnan(ours_value) and math.isnan(expected)) or math.isclose(ours_value, expected, rel_tol=RTOL), row.case_id
    assert bool(first["runs_signal"]) == bool(row.runs_signal), row.case_id
    assert int(phase["sigma_signal"].sum()) == row.n_sigma_signals, row.case_id
