"""The SPC points every chart of a ward or of the collaborative draws: phases from the team-level
method, limits and signals from :mod:`rrp_helpers.spc`, small counts suppressed for publication.
One source for every view (reports, notebooks, explorer, slides).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rrp_helpers import publish, spc
from rrp_helpers.data import Collaborative
from rrp_helpers.outcomes import collaborative_monthly, outcome_measures, reported_measures, ward_monthly
from rrp_helpers.sustained import sustained_change

__all__ = ["phased_chart", "chart_points", "every_ward_points", "RARE_BASELINE_MEDIAN", "rare_measures", "gap_points",
           "DOWNLOAD_COLUMNS", "download_table"]

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
    the phases come from the sustained-change method applied to those rates.

    Two readings of the same points (``docs/design.md``, section 5): the **phases** the team-level
    method found (``cl``, ``ucl``, ``lcl``, ``point_type``, ``reason``, ``phase_label``, ``phase_type``: each phase
    its own centre line and limits, the run that proved a shift coloured as the evidence of that
    shift), and the **baseline limits** alone extended over every month (``cl_base``,
    ``ucl_base``, ``lcl_base``, ``point_type_base``, ``reason_base``). Also ``measure``, ``count``
    (the numerator), ``phase_incidents`` (the incidents behind the point's centre line and
    limits), ``suppressed`` (a value hidden by the publisher or by ``publish_rule``), ``aim`` (the
    collaborative's aim on the plotted scale: the baseline mean reduced by ``aim_reduction_pct``,
    for outcome measures) and ``rules_fired``.
    """
    config = collab.config
    frame = ward_monthly(collab, ward_id) if ward_frame is None else ward_frame
    if ward_id is None:
        frame = collaborative_monthly(collab, frame)
        chart = chart or config.collaborative_chart
        numerator, denominator = ("count_with_bed_days", "bed_days_reported") if chart in ("u", "up") else ("count", None)
    else:
        if collab.ward_rows("wards", ward_id).empty:
            raise ValueError(f"unknown ward_id {ward_id!r}; choose one of: {', '.join(collab.wards['ward_id'][:10])} ...")
        frame = frame[frame["ward_id"].eq(ward_id)] if ward_frame is not None else frame
        chart = chart or config.ward_chart
        numerator, denominator = ("count", "occupied_bed_days") if chart in ("u", "up") else ("count", None)
    frames = []
    for measure in measures or reported_measures(collab):
        rows = frame[frame["measure"].eq(measure)].set_index("month").reindex(config.months())
        counts = rows[numerator].to_numpy(dtype=float)
        days = rows[denominator].to_numpy(dtype=float) if denominator else None
        hidden = rows["suppressed"].to_numpy(dtype=bool) if "suppressed" in rows else np.zeros(len(rows), dtype=bool)
        points = _series_points(collab, measure, counts, days, chart=chart, rules=rules)
        points["suppressed"] = hidden
        if publish_rule is not None:
            points = _published(points, publish_rule, rate=denominator is not None, hidden=hidden)
        frames.append(points)
    return pd.concat(frames, ignore_index=True)


def every_ward_points(collab: Collaborative, *, chart: str | None = None, rules: str = "collaborative",
                      publish_rule: publish.PublishRule | None = None, ward_ids: list[str] | None = None) -> pd.DataFrame:
    """:func:`chart_points` of every ward (or of ``ward_ids``), one after the other in the
    collaborative's order, with ``ward_id``; each ward's points computed from its own rows only."""
    chosen = list(collab.wards["ward_id"]) if ward_ids is None else list(ward_ids)
    parts = [
        chart_points(collab, ward_id=ward_id, chart=chart, rules=rules, publish_rule=publish_rule).assign(ward_id=ward_id)
        for ward_id in chosen
    ]
    return pd.concat(parts, ignore_index=True)


def _series_points(collab: Collaborative, measure: str, counts: np.ndarray, days: np.ndarray | None, *,
                   chart: str, rules: str) -> pd.DataFrame:
    """Both readings of one series (see :func:`chart_points`)."""
    config = collab.config
    months, n_baseline = config.months(), len(config.baseline_months())
    multiply = config.rate_per if days is not None else 1
    if days is not None:
        missing = np.isnan(counts) | np.isnan(days) | (days <= 0)
        counts, days = np.where(missing, np.nan, counts), np.where(missing, np.nan, days)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = counts if days is None else counts / days * multiply
    spec = next((m for m in config.measures if m.name == measure), None)
    direction = spec.direction if spec else "down"
    change = None if config.testing_start is None else sustained_change(
        values, n_baseline, shift_points=config.shift_points, direction=direction)
    options = dict(chart=chart, direction=direction, shift_points=config.shift_points, trend_points=config.trend_points,
                   rules=rules, denominators=days, multiply=multiply)
    points = phased_chart(counts, months, n_baseline, change.phase_starts if change else (), **options)
    base = phased_chart(counts, months, n_baseline, (), **options)
    for column in ("cl", "ucl", "lcl", "point_type", "reason"):
        points[f"{column}_base"] = base[column].to_numpy()
    points.insert(0, "measure", measure)
    points["count"] = counts
    points["phase_incidents"] = phase_incidents(points["part"].to_numpy(), counts, n_baseline)
    points["phase_label"] = ""
    points["phase_type"] = ""
    if change is not None:
        _mark_evidence(points, values, change, direction, months)
    aim_pct = config.aim_reduction_pct
    is_outcome = spec is None or spec.kind == "outcome"
    points["aim"] = (points["cl_base"] * (1 - aim_pct / 100 if direction == "down" else 1 + aim_pct / 100)
                     if is_outcome and direction else np.nan)
    points["aim_label"] = f"aim: {aim_pct:g}% {'below' if direction == 'down' else 'above'} the baseline mean"
    return points


def _mark_evidence(points: pd.DataFrame, values: np.ndarray, change, direction: str, months: pd.DatetimeIndex) -> None:
    """Colour each run that proved a sustained shift as the evidence of that shift (its
    direction's class, whatever its own phase's limits say), and label each phase with what
    changed and by how much against the baseline."""
    better = -1 if direction == "down" else 1
    centre = change.baseline_mean
    positions = points["position"].to_numpy()
    for k, (start, end, side) in enumerate(zip(change.phase_starts, change.signal_ends, change.signal_sides)):
        run = values[start:end + 1]
        on_side = ~np.isnan(run) & (np.sign(run - centre) == side)
        evidence = np.isin(positions, np.arange(start, end + 1)[on_side])
        improving = side == better
        word = "below" if side < 0 else "above"
        reference = "the baseline mean" if k == 0 else "the level before"
        when = f"{months[start]:%b %Y}"
        points.loc[evidence, "point_type"] = "improvement" if improving else "concern"
        points.loc[evidence, "reason"] = f"{int(on_side.sum())} months {word} {reference}: a sustained shift from {when}"
        points.loc[evidence, "special_cause"] = True
        phase_mean = change.phase_means[k + 1]
        moved = "reduction" if phase_mean < change.baseline_mean else "increase"
        label = f"from {when}: sustained {moved}"
        if change.baseline_mean:
            label += f", {(phase_mean - change.baseline_mean) / change.baseline_mean * 100:+.0f}% against the baseline"
        phase = points["part"].eq(k + 2)
        points.loc[phase, "phase_label"] = label.replace("-", "\u2212")
        points.loc[phase, "phase_type"] = "improvement" if (phase_mean - change.baseline_mean) * better > 0 else "concern"
        centre = float(np.nanmean(run))


def _published(points: pd.DataFrame, rule: publish.PublishRule, *, rate: bool, hidden: np.ndarray) -> pd.DataFrame:
    """The points as published: small counts hidden, limits and the baseline reading's limits of
    few incidents hidden, and a phase's change left out of its label when few incidents lie behind it."""
    # A count chart plots the count itself; a rate chart is hidden with its count.
    published = publish.publish_points(points, rule, count_column="count" if rate else "y")
    published["suppressed"] = published["suppressed"] | hidden
    baseline_incidents = published.loc[published["part"].eq(published["part"].min()), "phase_incidents"]
    if len(baseline_incidents) and publish.is_small(float(baseline_incidents.iloc[0]), rule):
        published[["cl_base", "ucl_base", "lcl_base", "aim"]] = np.nan
        small = np.ones(len(published), dtype=bool)
    else:
        small = publish.is_small(published["phase_incidents"], rule)
    published["phase_label"] = published["phase_label"].where(~small, published["phase_label"].str.split(",").str[0])
    return published


#: Incidents a month: a measure whose baseline median monthly count for a ward is below this is
#: rare for that ward, and its report adds a g chart of the days between incidents.
RARE_BASELINE_MEDIAN = 2


def rare_measures(collab: Collaborative, ward_id: str, ward_frame: pd.DataFrame | None = None) -> dict[str, float]:
    """The ward's rare outcome measures (baseline median below :data:`RARE_BASELINE_MEDIAN`) that
    have safety-cross records: ``{measure: baseline median}``, in the collaborative's order."""
    frame = ward_monthly(collab, ward_id) if ward_frame is None else ward_frame[ward_frame["ward_id"].eq(ward_id)]
    rows = frame[frame["period"].eq("baseline")]
    medians = rows.groupby("measure", sort=False)["count"].median()
    recorded = set(collab.ward_rows("safety_cross", ward_id)["measure"])
    return {measure: float(medians[measure]) for measure in outcome_measures(collab)
            if measure in medians and medians[measure] < RARE_BASELINE_MEDIAN and measure in recorded}


def gap_points(collab: Collaborative, ward_id: str, measure: str, *, rules: str = "collaborative") -> pd.DataFrame | None:
    """A g chart of the ward's incident-free days between consecutive incidents of ``measure``,
    from its daily safety cross (:func:`rrp_helpers.spc.events_between`; qicharts2's g chart: the
    centre line the median, limits from the mean), in :func:`chart_points`' columns so every SPC
    chart draws it. Each point is dated by the incident that closes the gap; longer gaps are
    better for a measure that should fall. None with fewer than two gaps."""
    config = collab.config
    crosses = collab.ward_rows("safety_cross", ward_id)
    daily = crosses[crosses["measure"].eq(measure)][["date", "count"]]
    gaps = spc.events_between(daily, "g") if len(daily) else pd.DataFrame({"date": [], "value": []})
    if len(gaps) < 2:
        return None
    spec = next((m for m in config.measures if m.name == measure), None)
    better_gaps = {"down": "up", "up": "down"}.get(spec.direction if spec else "down")
    points = spc.control_chart(gaps["value"].to_numpy(dtype=float), chart="g", rules=rules,
                               shift_points=config.shift_points, trend_points=config.trend_points)
    points = spc.classify_points(points, direction=better_gaps)
    points["x"] = pd.to_datetime(gaps["date"]).to_numpy()  # for display: several gaps may close on one day
    points.insert(0, "measure", measure)
    for column in ("cl", "ucl", "lcl", "point_type", "reason"):
        points[f"{column}_base"] = points[column]
    points["count"] = np.nan
    points["phase_incidents"] = float(daily["count"].sum())
    points["phase_label"] = ""
    points["phase_type"] = ""
    points["aim"] = np.nan
    points["aim_label"] = ""
    points["suppressed"] = False
    return points


#: The columns of a chart's data as people download it: ``chart_points`` column -> CSV header.
DOWNLOAD_COLUMNS = {
    "measure": "measure", "x": "month", "y": "value", "count": "incidents", "suppressed": "hidden",
    "cl": "centre_line", "ucl": "upper_limit", "lcl": "lower_limit", "point_type": "signal", "reason": "reason",
    "phase_label": "phase", "cl_base": "baseline_centre_line", "ucl_base": "baseline_upper_limit",
    "lcl_base": "baseline_lower_limit", "point_type_base": "signal_against_baseline", "aim": "aim",
}


def download_table(points: pd.DataFrame) -> pd.DataFrame:
    """:func:`chart_points` as the CSV behind a chart: the columns of :data:`DOWNLOAD_COLUMNS`
    renamed, months as ``YYYY-MM``."""
    table = points[[column for column in DOWNLOAD_COLUMNS if column in points]].rename(columns=DOWNLOAD_COLUMNS)
    table["month"] = pd.to_datetime(table["month"]).dt.strftime("%Y-%m")
    return table.reset_index(drop=True)
