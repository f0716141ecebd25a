"""Series and phases as contiguous row segments, and the segment helpers the engine shares.

Rows arrive sorted by series then x. A series (group) and each of its phases is then a
contiguous run of rows, so a per-phase statistic is a reduction over segment starts and is
broadcast back to the rows with ``np.repeat``: one pass over all series, no loop per series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Layout:
    """Where every series and phase starts, and each row's position in them.

    ``position`` is 0-based within the series, ``position_in_phase`` within the phase;
    ``phase_id`` numbers the phases of all series 0, 1, ... and ``phase_number`` numbers them
    1, 2, ... within their series (the output's ``part``).
    """

    size: int
    group_start: np.ndarray
    group_length: np.ndarray
    position: np.ndarray
    phase_start: np.ndarray
    phase_length: np.ndarray
    phase_id: np.ndarray
    position_in_phase: np.ndarray
    phase_number: np.ndarray

    @property
    def n_phases(self) -> int:
        return int(self.phase_start.size)

    @classmethod
    def build(cls, size: int, group_start: np.ndarray, part: tuple[int, ...]) -> Layout:
        """Phases start at every series start and at every ``part`` position of each series."""
        group_length = np.diff(np.append(group_start, size))
        position = np.arange(size) - np.repeat(group_start, group_length)
        if part:
            is_phase_start = np.isin(position, np.asarray(part, dtype=np.int64))
            is_phase_start[group_start] = True
            phase_start = np.flatnonzero(is_phase_start)
        else:
            phase_start = group_start
        phase_length = np.diff(np.append(phase_start, size))
        n_phases = phase_start.size
        phase_id = np.repeat(np.arange(n_phases), phase_length)
        position_in_phase = np.arange(size) - np.repeat(phase_start, phase_length) if part else position
        group_of_phase = np.searchsorted(group_start, phase_start, side="right") - 1
        phase_number = np.arange(n_phases) - np.searchsorted(phase_start, group_start)[group_of_phase] + 1
        return cls(size, group_start, group_length, position, phase_start, phase_length, phase_id,
                   position_in_phase, phase_number)

    def per_row(self, per_phase: np.ndarray) -> np.ndarray:
        """Broadcast one value per phase to the phase's rows."""
        return np.repeat(per_phase, self.phase_length)

    def rows(self, values: np.ndarray) -> np.ndarray:
        """``values`` per row, broadcasting them first if they are per phase."""
        return values if values.shape[0] == self.size else self.per_row(values)


def safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0."""
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def count_true(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Number of True values in each contiguous segment beginning at ``starts``."""
    return np.add.reduceat(mask.view(np.int8), starts, dtype=np.int64)


def run_starts(values: np.ndarray, segment: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run-length encoding of ``values`` (a run also breaks where ``segment`` changes).

    Returns (start index of each run, length of each run).
    """
    m = values.shape[0]
    if m == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    change = values[1:] != values[:-1]
    if segment is not None:
        change |= segment[1:] != segment[:-1]
    run_start = np.concatenate((np.zeros(1, dtype=np.int64), np.flatnonzero(change) + 1))
    run_length = np.diff(np.append(run_start, m))
    return run_start, run_length


def range_indices(first: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Concatenation of the index ranges [first[k], first[k] + length[k])."""
    if first.size == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(length) - length
    return np.repeat(first - offsets, length) + np.arange(int(length.sum()))
