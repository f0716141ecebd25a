"""The data of a call: numbers with NaN for missing, checks per chart type, and series grouping.

:func:`group_rows` finds the series of a tidy frame and the order that sorts it by series then
``x``; :func:`check_values` refuses the values a chart type cannot take.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rrp_helpers.spc.options import COUNT_CHARTS, RARE_EVENT_CHARTS, RATE_CHARTS


def as_float(values: Any, name: str) -> np.ndarray:
    """1-D float64 array with NaN for every missing value (None, NaN, pd.NA)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        if values.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {values.shape}")
        return values.astype(np.float64, copy=False)
    series = values if isinstance(values, pd.Series) else None
    if series is None:
        if np.ndim(values) != 1:
            raise ValueError(f"{name} must be a one-dimensional sequence of numbers")
        series = pd.Series(list(values) if not hasattr(values, "dtype") else values)
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiub":
        return series.to_numpy(dtype=np.float64)
    try:
        numeric = pd.to_numeric(series, errors="raise")
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must contain numbers or missing values: {error}") from None
    return numeric.to_numpy(dtype=np.float64, na_value=np.nan)


def check_values(chart: str, y: np.ndarray, n: np.ndarray | None) -> None:
    """Raise ValueError for values the chart type cannot take.

    Rate charts need ``n``; c, g and t charts take none. Counts (c/u/p/up/pp) and g values must
    be >= 0; t values (times between events) > 0, every non-missing one, excluded points and
    points after the freeze included (qicharts2 refuses them too). ``n`` must be > 0 and, on
    p charts, >= y.
    """
    if chart in RATE_CHARTS and n is None:
        raise ValueError(f"a {chart} chart needs denominators: pass n")
    if chart == "c" and n is not None:
        raise ValueError("a c chart takes counts without denominators; use chart='u' for rates")
    if chart in RARE_EVENT_CHARTS and n is not None:
        raise ValueError(f"a {chart} chart takes the values between events without denominators; do not pass n")
    if np.isinf(y).any():
        raise ValueError("y has infinite values; use NaN/None for missing values")
    if chart in COUNT_CHARTS and (y < 0).any():
        raise ValueError(f"a {chart} chart needs non-negative counts; y has negative values")
    if chart == "g" and (y < 0).any():
        raise ValueError("a g chart counts opportunities (e.g. days) between events: y must be >= 0")
    if chart == "t" and (y <= 0).any():
        bad = np.flatnonzero(y <= 0)
        raise ValueError(
            "a t chart needs times between events greater than zero (as qicharts2, excluded points "
            f"included); y has {bad.size} value(s) <= 0, e.g. {y[bad[0]]!r}"
        )
    if n is not None:
        if np.isinf(n).any():
            raise ValueError("n has infinite values; use NaN/None for missing values")
        if (n <= 0).any():
            raise ValueError("denominators n must be > 0 (use NaN/None for a missing subgroup)")
        if chart in ("p", "pp") and (y > n).any():
            raise ValueError(f"a {chart} chart needs y <= n (proportions); some y exceed n")


def _sortable(values: np.ndarray | pd.Series) -> np.ndarray:
    """Numeric keys that sort like ``values`` (datetimes, numbers or labels)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if series.isna().any():
        raise ValueError("x has missing values; drop or fill those rows first")
    kind = series.dtype.kind
    if kind in "iub":
        return series.to_numpy(dtype=np.int64)
    if kind == "f":
        return series.to_numpy(dtype=np.float64)
    if kind in "mM":
        return series.to_numpy().view(np.int64)
    codes, _ = pd.factorize(series, sort=True)
    return codes


def _key_array(series: pd.Series, name: str) -> np.ndarray:
    """Values of a ``by`` column that compare element-wise with ``!=`` (missing raise)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        if (codes < 0).any():
            raise ValueError(f"column {name!r} has missing values; drop or fill them first")
        return codes
    return series.to_numpy()  # zero-copy for numpy and python-string columns


def _block_starts(key_arrays: list[np.ndarray], by_columns: list[str], size: int) -> np.ndarray:
    """First row of every block of consecutive rows with equal ``by`` values."""
    change = np.zeros(size - 1, dtype=bool)
    for column, values in zip(by_columns, key_arrays, strict=True):
        try:
            change |= values[1:] != values[:-1]
        except TypeError:  # values that do not compare element-wise: compare their codes
            codes = pd.factorize(values, sort=False)[0]
            if (codes < 0).any():
                raise ValueError(f"column {column!r} has missing values; drop or fill them first") from None
            change |= codes[1:] != codes[:-1]
    return np.flatnonzero(np.concatenate((np.ones(1, dtype=bool), change)))


def group_rows(frame: pd.DataFrame, by_columns: list[str], x: str) -> tuple[np.ndarray | None, np.ndarray]:
    """Row order (None if already sorted by ``by`` then ``x``) and the first row of each group.

    Consecutive rows with equal ``by`` values form blocks; only the block keys are factorised,
    so a frame that is already grouped and sorted costs a few element-wise comparisons.
    """
    size = len(frame)
    x_key = _sortable(frame[x])
    if size == 0:
        return None, np.zeros(0, dtype=np.int64)
    key_arrays = [_key_array(frame[column], column) for column in by_columns]
    block_start = _block_starts(key_arrays, by_columns, size)
    block_key = np.zeros(block_start.size, dtype=np.int64)
    for column, values in zip(by_columns, key_arrays, strict=True):
        codes, uniques = pd.factorize(values[block_start], sort=True)
        if (codes < 0).any():
            raise ValueError(f"column {column!r} has missing values; drop or fill them first")
        block_key = block_key * max(len(uniques), 1) + codes
    if block_start.size == 1 or bool((np.diff(block_key) > 0).all()):
        x_increasing = np.diff(x_key) > 0
        x_increasing[block_start[1:] - 1] = True
        if x_increasing.all():
            return None, block_start
    row_key = np.repeat(block_key, np.diff(np.append(block_start, size)))
    order = np.lexsort((x_key, row_key))
    row_key = row_key[order]
    x_key = x_key[order]
    if ((row_key[1:] == row_key[:-1]) & (x_key[1:] == x_key[:-1])).any():
        raise ValueError("x has duplicate values within a series; aggregate them first")
    group_start = np.flatnonzero(np.concatenate((np.ones(1, dtype=bool), row_key[1:] != row_key[:-1])))
    return order, group_start
