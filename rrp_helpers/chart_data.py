"""The SPC points every chart of a ward or of the collaborative draws: phases from the team-level
method, limits and signals from :mod:`rrp_helpers.spc`, small counts suppressed for publication.
One source for every view (reports, notebooks, explorer, slides).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rrp_helpers import publish, spc
from rrp_helpers.data import Collaborative
from rrp_helpers.outcomes import collaborative_monthly, reported_measures, ward_monthly
from rrp_helpers.sustained import sustained_change

__all__ = ["phased_chart", "chart_points"]

def phased_chart(
    values: np.ndarray,
    months: pd.DatetimeIndex,
    n_baseline: int,
    phase_starts: tuple[int, ...],
    *,
    chart: str,
    direction: str,
    shift_points: int,
    trend_points: int,
    rules: str = "collaborative",
    denominators: np.ndarray | None = None,
    multiply: float = 1,
) -> pd.DataFrame:
    """SPC points of one series, drawn the way the sustained-change method reads it.

    The first phase (baseline and the testing months before the first shift) has its centre
    line and limits frozen on the ``n_baseline`` baseline months; each later phase, starting at
    a position of ``phase_starts``, has its own, from all of its points, so the centre lines equal
    the phase means of :func:`sustained_change`. Points are classified for display by
    :func:`rrp_helpers.spc.classify_points`.
    """
    options = dict(chart=chart, rules=rules, shift_points=shift_points, trend_points=trend_points, multiply=multiply)
    first_stop = phase_starts[0] if phase_starts else len(values)
    slices = [(0, first_stop, n_baseline if n_baseline < len(values) else None)]
    if phase_starts:
        slices.append((first_stop, len(values), None))
    frames = []
    for start, stop, freeze in slices:
        part = [p - start for p in phase_starts[1:]] if start else None
        frame = spc.control_chart(
            values[start:stop],
            None if denominators is None else denominators[start:stop],
            x=months[start:stop],
            freeze=freeze,
            part=part,
            **options,
        )
        if start:
            frame["part"] += frames[0]["part"].max()
            frame["baseline"] = False
        frame["position"] = np.arange(start, stop)
        frames.append(frame)
    points = pd.concat(frames, ignore_index=True)
    return spc.classify_points(points, direction=direction)


def phase_incidents(part: np.ndarray, counts: np.ndarray, n_baseline: int) -> np.ndarray:
    """Per point, the incidents behind its centre line and limits: the baseline's for the first
    phase (frozen on the baseline), the phase's own for a later one."""
    counts = np.where(np.isnan(counts), 0.0, counts)
    first = part == part.min() if len(part) else part.astype(bool)
    totals = pd.Series(counts).groupby(part).transform("sum").to_numpy()
    return np.where(first, counts[first][:n_baseline].sum(), totals)


def chart_points(
    collab: Collaborative,
    *,
    ward_id: str | None = None,
    chart: str | None = None,
    rules: str = "collaborative",
    ward_frame: pd.DataFrame | None = None,
    measures: list[str] | None = None,
    publish_rule: publish.PublishRule | None = None,
) -> pd.DataFrame:
    """SPC points of every measure and the total, for one ward or (``ward_id=None``) the collaborative.

    ``measures`` restricts the output (default: every measure, then ``total``); ``ward_frame``
    is :func:`ward_monthly`'s frame when the caller has it already. With ``publish_rule`` the
    plotted counts are suppressed and rounded (:func:`rrp_helpers.publish.publish_points`);
    the statistics are computed from the exact counts first.

    Default chart: the collaborative's ``ward_chart`` (``c``, counts, unless set) for a ward and
    ``collaborative_chart`` (``i``, XmR, unless set) for the collaborative sum, whose
    month-to-month variation across many wards is wider than a Poisson count's (overdispersion),
    which would make c-chart limits too narrow. ``u``/``up`` charts plot incidents per
    ``rate_per`` occupied bed days (for the collaborative: over the units reporting both), and
    the phases come from the sustained-change method applied to those rates. Returns the ``spc``
    columns plus ``measure``, ``count`` (the numerator), ``phase_incidents`` (the incidents behind
    the point's centre line and limits), ``suppressed`` (a value hidden by the publisher or by
    ``publish_rule``), ``point_type`` and ``rules_fired``.
    """
    config = collab.config
    months = config.months()
    n_baseline = len(config.baseline_months())
    frame = ward_monthly(collab) if ward_frame is None else ward_frame
    if ward_id is None:
        frame = collaborative_monthly(collab, frame)
        chart = chart or config.collaborative_chart
        numerator, denominator = ("count_with_bed_days", "bed_days_reported") if chart in ("u", "up") else ("count", None)
    else:
        if ward_id not in set(collab.wards["ward_id"]):
            raise ValueError(f"unknown ward_id {ward_id!r}; choose one of: {', '.join(collab.wards['ward_id'][:10])} ...")
        frame = frame[frame["ward_id"].eq(ward_id)]
        chart = chart or config.ward_chart
        numerator, denominator = ("count", "occupied_bed_days") if chart in ("u", "up") else ("count", None)
    multiply = config.rate_per if denominator else 1
    directions = {m.name: m.direction for m in config.measures}
    frames = []
    for measure in measures or reported_measures(collab):
        rows = frame[frame["measure"].eq(measure)].set_index("month").reindex(months)
        counts = rows[numerator].to_numpy(dtype=float)
        days = rows[denominator].to_numpy(dtype=float) if denominator else None
        if days is not None:
            missing = np.isnan(counts) | np.isnan(days) | (days <= 0)
            counts, days = np.where(missing, np.nan, counts), np.where(missing, np.nan, days)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = counts if days is None else counts / days * multiply
        direction = directions.get(measure, "down")
        if config.testing_start is None:
            starts: tuple[int, ...] = ()
        else:
            starts = sustained_change(values, n_baseline, shift_points=config.shift_points, direction=direction).phase_starts
        points = phased_chart(
            counts,
            months,
            n_baseline,
            starts,
            chart=chart,
            direction=direction,
            shift_points=config.shift_points,
            trend_points=config.trend_points,
            rules=rules,
            denominators=days,
            multiply=multiply,
        )
        points.insert(0, "measure", measure)
        points["count"] = counts
        points["phase_incidents"] = phase_incidents(points["part"].to_numpy(), counts, n_baseline)
        hidden = rows["suppressed"].to_numpy(dtype=bool) if "suppressed" in rows else np.zeros(len(months), dtype=bool)
        points["suppressed"] = hidden
        if publish_rule is not None:
            # A count chart plots the count itself; a rate chart is hidden with its count.
            published = publish.publish_points(points, publish_rule, count_column="count" if denominator else "y")
            published["suppressed"] = published["suppressed"] | hidden
            points = published
        frames.append(points)
    return pd.concat(frames, ignore_index=True)
