"""Tests' helper: an I chart with limits frozen on a baseline whose centre line is exactly 10."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rrp_helpers import spc

# i chart sigma = 2 / 1.128, so the 2-sigma line is 10 + 3.546 and the 3-sigma line 10 + 5.319.
BASELINE = [11.0, 9.0, 11.0, 9.0, 11.0, 9.0, 11.0, 9.0]
SIGMA = 2 / 1.128


def flagged(result: pd.DataFrame, column: str) -> list[int]:
    return np.flatnonzero(result[column].to_numpy()).tolist()


def i_chart(values: list[float], **options: object) -> pd.DataFrame:
    """I chart with limits frozen on BASELINE (centre line exactly 10)."""
    return spc.control_chart(BASELINE + values, chart="i", freeze=len(BASELINE), **options)  # type: ignore[arg-type]
