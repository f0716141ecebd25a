"""Small-number suppression for outputs that leave the team (``--publish``).

The default rule is NHS Digital's for published mental-health statistics: a count from 1 to 4 is
shown as ``*``, any other count is rounded to the nearest 5 (0 stays 0). A rate is suppressed
whenever its count is. Internal outputs keep exact counts; published ones say on every page that
the rule was applied (:func:`notice`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SUPPRESSED = "*"


@dataclass(frozen=True)
class PublishRule:
    """Counts below ``threshold`` (but above 0) are suppressed; the rest rounded to ``rounding``."""

    threshold: int = 5
    rounding: int = 5

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError(f"the suppression threshold must be at least 1, not {self.threshold}")
        if self.rounding < 1:
            raise ValueError(f"rounding must be a whole number of at least 1, not {self.rounding}")


DEFAULT_RULE = PublishRule()


def notice(rule: PublishRule = DEFAULT_RULE) -> str:
    """The sentence every published page carries."""
    return (
        f"Published output: counts from 1 to {rule.threshold - 1} are shown as '{SUPPRESSED}' and other counts are "
        f"rounded to the nearest {rule.rounding}; rates are suppressed where their count is."
    )


def suppressed_mask(counts: pd.Series | np.ndarray, rule: PublishRule = DEFAULT_RULE) -> np.ndarray:
    """True where a count must not be shown (1 <= count < threshold). Missing counts are not."""
    values = np.asarray(pd.to_numeric(pd.Series(counts), errors="coerce"), dtype=float)
    return (values >= 1) & (values < rule.threshold)


def round_counts(counts: pd.Series | np.ndarray, rule: PublishRule = DEFAULT_RULE) -> np.ndarray:
    """Counts rounded half up to the nearest ``rule.rounding``, suppressed ones as NaN."""
    values = np.asarray(pd.to_numeric(pd.Series(counts), errors="coerce"), dtype=float)
    rounded = np.floor(values / rule.rounding + 0.5) * rule.rounding
    return np.where(suppressed_mask(values, rule), np.nan, rounded)


def publish_counts(counts: pd.Series, rule: PublishRule = DEFAULT_RULE) -> pd.Series:
    """A count column as published text: ``*`` when suppressed, the rounded count otherwise.

    Missing counts stay empty (missing is not the same as suppressed).
    """
    rounded = round_counts(counts, rule)
    hidden = suppressed_mask(counts, rule)
    text = pd.Series([None if np.isnan(v) else f"{v:.0f}" for v in rounded], index=counts.index, dtype="object")
    text[hidden] = SUPPRESSED
    return text


def publish_points(points: pd.DataFrame, rule: PublishRule = DEFAULT_RULE, *, count_column: str = "y") -> pd.DataFrame:
    """SPC points for a published chart: counts rounded, small counts hidden.

    ``y`` (and ``count_column`` if different) is rounded; suppressed points get NaN ``y`` and
    ``suppressed`` True, so charts leave them out of the line and tooltips show ``*``. The
    centre line and limits are kept: they summarise many months and reveal no single count.
    For rate charts pass the count column (``count_column``); the rate is hidden with its count.
    """
    published = points.copy()
    hidden = suppressed_mask(published[count_column], rule)
    if count_column == "y":
        published["y"] = round_counts(published["y"], rule)
        if "count" in published:
            published["count"] = published["y"]
    else:
        published[count_column] = round_counts(published[count_column], rule)
        published.loc[hidden, "y"] = np.nan
    published["suppressed"] = hidden
    return published
