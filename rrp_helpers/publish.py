"""Small-number suppression for outputs that leave the team (``--publish``).

The default rule is NHS Digital's for published mental-health statistics: a count from 1 to 4 is
shown as ``*``, any other count is rounded to the nearest 5 (0 stays 0). A rate is suppressed
whenever its count is. Every statistic derived from fewer incidents than the threshold (but more
than none) is suppressed like a count: a mean, a centre line and its limits, a rate, a percentage
change, a phase's mean; the incidents behind each are carried beside it by the statistics
(``*_incidents`` columns, ``phase_incidents`` of chart points). Internal outputs keep exact
numbers; published ones say on every page that the rule was applied (:func:`notice`).
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
        f"rounded to the nearest {rule.rounding}; rates are suppressed where their count is, and means, control "
        f"limits and percentages derived from 1 to {rule.threshold - 1} incidents are suppressed too."
    )


def is_small(incidents: float | np.ndarray | pd.Series, rule: PublishRule = DEFAULT_RULE) -> bool | np.ndarray:
    """Whether a total of incidents is too small to publish a statistic derived from it
    (1 <= total < threshold; none and missing are not small)."""
    values = np.asarray(pd.to_numeric(pd.Series(incidents), errors="coerce") if not np.isscalar(incidents) else incidents,
                        dtype=float)
    small = (values >= 1) & (values < rule.threshold)
    return bool(small) if np.ndim(small) == 0 else small


def suppress_statistics(table: pd.DataFrame, rule: PublishRule, sources: dict[str, tuple[str, ...]],
                        decimals: dict[str, int] | None = None) -> pd.DataFrame:
    """``table`` with each statistic column of ``sources`` written ``*`` on rows where any of its
    incident columns is small (:func:`is_small`); other values rounded to whole numbers, or to
    ``decimals[column]`` places (yes/no columns stay ``True``/``False``). A copy."""
    table = table.copy()
    decimals = decimals or {}
    for column, incident_columns in sources.items():
        if column not in table.columns:
            continue
        small = np.zeros(len(table), dtype=bool)
        for incidents in incident_columns:
            if incidents in table.columns:
                small |= is_small(table[incidents], rule)
        if table[column].dtype == bool:
            text = table[column].map(str).astype(object)
        else:
            places = decimals.get(column, 0)
            values = pd.to_numeric(table[column], errors="coerce").round(places)
            text = values.map(lambda v: None if pd.isna(v) else f"{v:.{places}f}").astype(object)
        text[small] = SUPPRESSED
        table[column] = text
    return table


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
    centre line and limits of a phase derived from few incidents (``phase_incidents``, when the
    points carry it) are hidden too. For rate charts pass the count column (``count_column``);
    the rate is hidden with its count.
    """
    published = points.copy()
    if "phase_incidents" in published:
        small_phase = is_small(published["phase_incidents"], rule)
        for column in ("cl", "ucl", "lcl", "ucl_2sigma", "lcl_2sigma"):
            if column in published:
                published.loc[small_phase, column] = np.nan
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
