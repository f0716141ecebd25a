"""Means, sums, medians and powers computed the way R computes them, per segment, vectorised.

Why: a point exactly on the centre line neither counts towards nor breaks a run (Anhøj), so the
last bit of a centre line decides whether a point counts. Plain float64 ``sum / n`` differs from
R in that bit: with rates rounded to one decimal, a point of 0.4 can sit 5e-17 off a mean that R
computes as exactly 0.4, count in a run and make a false shift.

What R does (``src/main/summary.c``, R 4.2 as used for the reference outputs):

* ``mean(x)`` of doubles accumulates ``s = sum(x)`` from 0, left to right, in ``long double``,
  divides by n, then, if that is finite, adds one correction pass ``s += sum(x - s) / n`` (again
  in long double, with ``x - s`` in long double) and rounds to double. ``mean`` of nothing is NaN.
* ``sum(x)`` accumulates left to right in long double and rounds to double.
* ``median(x)`` is the middle value, or ``mean()`` of the two middle values.
* ``x ^ y`` calls the C library's ``pow()`` (on Linux, where the reference outputs were made).

Here: :func:`sequential_sums` adds in R's order (numpy's own reductions use pairwise and
unrolled summation, which can round differently), in ``np.longdouble``; :func:`r_means`,
:func:`r_sums` and :func:`r_medians` apply R's algorithms per segment; :func:`c_pow` calls the C
``pow()`` (numpy's ``power`` may use SIMD code that differs from it in the last bit).

Platforms: ``np.longdouble`` is the C ``long double`` numpy was built with. On x86-64 Linux and
Intel macOS it is the 80-bit x87 extended type R uses there (64-bit mantissa), so results match
R's bit for bit; on aarch64 Linux both use 128-bit quad precision. Where numpy's long double is
plain double (:data:`EXTENDED_PRECISION` False: Windows builds with MSVC, macOS on Apple silicon)
the same algorithm runs in double: R on Apple silicon does the same, but R on Windows (MinGW,
80-bit) can then differ from us in the last bit of a mean, as it did before this module.
"""

from __future__ import annotations

import math

import numpy as np

from rrp_helpers.spc.layout import range_indices

#: True when ``np.longdouble`` carries more precision than float64 (80-bit or 128-bit).
EXTENDED_PRECISION: bool = np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant

_POW = np.frompyfunc(math.pow, 2, 1)


def sequential_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sums of consecutive segments of ``values`` (``counts[k]`` values each), left to right.

    Each sum starts from 0 and adds its values in order, in the dtype of ``values`` (as R's
    ``sum`` and ``mean`` do in long double). Vectorised: segments are the rows of a matrix,
    zero-padded on the right, accumulated along the rows (``np.add.accumulate`` is strictly
    sequential, and adding the padding zeros changes nothing); segments are bucketed by length
    in powers of two, so padding at most doubles the work. (Starting from the first value
    instead of 0 only changes the sign of an all-zero sum, which ``+ 0.0`` restores.)
    """
    sums = np.zeros(counts.shape[0], dtype=values.dtype)
    if values.shape[0] == 0:
        return sums
    if counts.min() == counts.max():  # every segment as long: a plain reshape
        return np.add.accumulate(values.reshape(counts.size, int(counts[0])), axis=1)[:, -1] + 0.0
    starts = np.cumsum(counts) - counts
    nonempty = np.flatnonzero(counts)
    bucket = np.frexp((counts[nonempty] - 1).astype(np.float64))[1]
    for key in np.unique(bucket):  # one pass per power of two of the segment lengths
        segments = nonempty[bucket == key]
        length = counts[segments]
        width = int(length.max())
        index = range_indices(starts[segments], length)
        offset = np.repeat(np.arange(segments.size) * width - starts[segments], length)
        matrix = np.zeros(segments.size * width, dtype=values.dtype)
        matrix[index + offset] = values[index]
        sums[segments] = np.add.accumulate(matrix.reshape(segments.size, width), axis=1)[:, -1] + 0.0
    return sums


def _compact(
    values: np.ndarray, used: np.ndarray | None, segment: np.ndarray, n_segments: int
) -> tuple[np.ndarray, np.ndarray]:
    """The used values in order and how many fall in each segment (segment ids non-decreasing)."""
    if used is not None and not used.all():
        values = values[used]
        segment = segment[used]
    return values, np.bincount(segment, minlength=n_segments)


def r_sums(values: np.ndarray, used: np.ndarray | None, segment: np.ndarray, n_segments: int) -> np.ndarray:
    """R's ``sum()`` of the ``used`` values of each segment (0 for an empty segment)."""
    compact, counts = _compact(values, used, segment, n_segments)
    sums = sequential_sums(compact.astype(np.longdouble), counts)
    with np.errstate(over="ignore"):
        return sums.astype(np.float64)


def r_means(values: np.ndarray, used: np.ndarray | None, segment: np.ndarray, n_segments: int) -> np.ndarray:
    """R's ``mean()`` of the ``used`` values of each segment (NaN for an empty segment).

    ``segment`` gives each row's segment id (non-decreasing); ``used`` None means every row.
    """
    compact, counts = _compact(values, used, segment, n_segments)
    return _two_pass_means(compact.astype(np.longdouble), counts)


def _two_pass_means(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    n = counts.astype(np.longdouble)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = sequential_sums(values, counts) / n
        finite = np.isfinite(mean.astype(np.float64))
        correction = sequential_sums(values - np.repeat(mean, counts), counts)
        mean = np.where(finite, mean + correction / n, mean)
        return mean.astype(np.float64)


def r_medians(values: np.ndarray, used: np.ndarray | None, segment: np.ndarray, n_segments: int) -> np.ndarray:
    """R's ``median()`` of the ``used`` values of each segment (NaN for an empty segment)."""
    out = np.full(n_segments, np.nan)
    compact, counts = _compact(values, used, segment, n_segments)
    if compact.size == 0:
        return out
    segment_of = np.repeat(np.arange(n_segments), counts)
    ordered = compact[np.lexsort((compact, segment_of))]
    present = np.flatnonzero(counts)
    starts = (np.cumsum(counts) - counts)[present]
    low = ordered[starts + (counts[present] - 1) // 2]
    high = ordered[starts + counts[present] // 2]
    pairs = np.column_stack((low, high)).ravel().astype(np.longdouble)
    even = counts[present] % 2 == 0
    out[present] = np.where(even, _two_pass_means(pairs, np.full(present.size, 2)), low)
    return out


def c_pow(base: np.ndarray, exponent: float) -> np.ndarray:
    """``base ** exponent`` by the C library's ``pow()``, as R's ``^``; NaN for a negative base."""
    base = np.asarray(base, dtype=np.float64)
    out = np.full(base.shape, np.nan)
    valid = base >= 0  # NaN compares False
    if valid.any():
        out[valid] = _POW(base[valid], float(exponent)).astype(np.float64)
    return out
