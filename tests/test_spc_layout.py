"""rrp_helpers.spc.layout: series and phases as row segments."""

from __future__ import annotations

import numpy as np

from rrp_helpers.spc.layout import Layout, range_indices, run_starts


def test_phases_of_two_series() -> None:
    # Series of 5 and 3 rows; part=(2,) starts a phase at the 3rd row of each series that has one.
    layout = Layout.build(8, np.array([0, 5]), (2,))
    assert layout.position.tolist() == [0, 1, 2, 3, 4, 0, 1, 2]
    assert layout.phase_start.tolist() == [0, 2, 5, 7] and layout.n_phases == 4
    assert layout.phase_id.tolist() == [0, 0, 1, 1, 1, 2, 2, 3]
    assert layout.position_in_phase.tolist() == [0, 1, 0, 1, 2, 0, 1, 0]
    assert layout.phase_number.tolist() == [1, 2, 1, 2]
    assert layout.per_row(np.array([10, 20, 30, 40])).tolist() == [10, 10, 20, 20, 20, 30, 30, 40]
    assert layout.rows(np.arange(8)).tolist() == list(range(8))


def test_runs_and_ranges() -> None:
    start, length = run_starts(np.array([1, 1, -1, -1, -1, 1]), np.array([0, 0, 0, 1, 1, 1]))
    assert start.tolist() == [0, 2, 3, 5] and length.tolist() == [2, 1, 2, 1]
    assert range_indices(np.array([3, 10]), np.array([2, 3])).tolist() == [3, 4, 10, 11, 12]
    assert range_indices(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).size == 0
