"""Rare events: one ward's daily safety cross turned into g values or t values.

A safety cross records, for every day, how many incidents happened (0 = an incident-free day).
When incidents are rare a monthly count is mostly zeros; charting the gaps between incidents
(g chart: incident-free days; t chart: days between incident days) shows a change sooner.

Conventions (those of the project's rare-event reference cases, computed with qicharts2 0.8.1):

* Each incident is dated by its day; a day with count c gives c incidents.
* g: one value per incident after the first: the number of incident-free days since the
  previous incident (``days between - 1``), 0 for two incidents on the same day or on
  consecutive days. t: one value per incident day after the first: the days since the previous
  incident day (>= 1; several incidents on a day count once, since a t chart needs y > 0).
* The first incident gives no value (the start of the records is not an event), nor do the
  incident-free days after the last incident (a gap still open at the end of the records).
* Days absent from the records, or with a missing count, are days without an incident: the
  safety cross records every day, and a day nobody marked is read as a day nothing happened.
  (Check the records are complete first if that reading is doubtful.)
* Each value is dated by the incident that closes it. Several g values can share a date, so
  chart g values by position (the default ``x``), not by date; t values have distinct dates.
* An intervention date becomes a position with :func:`values_before`: the values closed before
  the date form the first phase or the baseline, and the value spanning the date belongs to the
  new phase: ``part=[values_before(values, date)]`` or ``freeze=values_before(values, date)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rrp_helpers.spc.inputs import as_float


def _daily_records(daily: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """(day of each row, as midnight timestamps, sorted; incident count of each row)."""
    absent = [column for column in ("date", "count") if column not in daily.columns]
    if absent:
        raise ValueError(f"daily needs columns 'date' and 'count'; it has no {absent}")
    try:
        days = pd.to_datetime(daily["date"]).dt.normalize()
    except (TypeError, ValueError) as error:
        raise ValueError(f"date must hold dates: {error}") from None
    if days.isna().any():
        raise ValueError("date has missing values; drop those rows first")
    counts = as_float(daily["count"], "count")
    counts = np.where(np.isnan(counts), 0.0, counts)  # a day without a count: no incident
    if (counts < 0).any() or (counts != np.floor(counts)).any() or np.isinf(counts).any():
        raise ValueError("count must hold whole numbers of incidents >= 0")
    order = np.argsort(days.to_numpy(), kind="stable")
    days = days.iloc[order].reset_index(drop=True)
    if days.duplicated().any():
        raise ValueError("daily has more than one row for a day; add their counts first")
    return days, counts[order].astype(np.int64)


def events_between(daily: pd.DataFrame, kind: str = "g") -> pd.DataFrame:
    """g or t values of one ward from its daily safety-cross rows.

    ``daily`` has columns ``date`` (one row per day; dates or strings) and ``count`` (incidents
    that day). Returns a frame with ``date`` (the day of the incident that closes each value) and
    ``value`` (``kind="g"``: incident-free days since the previous incident; ``kind="t"``: days
    since the previous incident day), in time order. See the module docstring for the
    conventions; fewer than two incidents (g) or incident days (t) give no rows.
    """
    if kind not in ("g", "t"):
        raise ValueError(f"kind must be 'g' or 't', not {kind!r}")
    days, counts = _daily_records(daily)
    day_number = days.to_numpy().astype("datetime64[D]").astype(np.int64)
    if kind == "g":
        rows = np.repeat(np.arange(counts.size), counts)  # one entry per incident
        values = np.maximum(np.diff(day_number[rows]) - 1, 0)
    else:
        rows = np.flatnonzero(counts > 0)  # one entry per incident day
        values = np.diff(day_number[rows])
    closing = rows[1:]
    return pd.DataFrame({"date": days.iloc[closing].reset_index(drop=True), "value": values.astype(np.int64)})


def values_before(values: pd.DataFrame, date: Any) -> int:
    """How many values close before ``date``: the 0-based position where a phase starting then begins.

    Use it as ``part=[k]`` (a new phase from the first value closed on or after the date) or
    ``freeze=k`` (a baseline of the values closed before it); ``values`` as returned by
    :func:`events_between`.
    """
    boundary = pd.Timestamp(date)
    return int((pd.to_datetime(values["date"]) < boundary).sum())
