"""Collaborative-level and team-level outcomes: the results section of the paper, from data.

Conventions used throughout (all counts are incidents per ward per month):

* ``total`` is the sum of the outcome measures for a ward-month. If any of them is missing
  for that ward-month, the total is missing too: a partial sum would undercount.
* A missing value is skipped by every calculation. It is never read as zero.
* Percentages are reductions in the improvement direction: a positive ``reduction_pct`` is an
  improvement for a measure whose improvement direction is ``down``.

The team-level *sustained change* method (the paper's shift rule, made exact; ``docs/design.md``,
section 4) is :func:`rrp_helpers.sustained.sustained_change` (importable from here too); its
docstring lists the choices the paper leaves open and the reasons for each. The SPC points of the
charts are :mod:`rrp_helpers.chart_data`'s.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from rrp_helpers import publish
from rrp_helpers.text import plural
from rrp_helpers.data import TOTAL, Collaborative
from rrp_helpers.sustained import (  # noqa: F401 - the method is importable from here too
    SUSTAINED_DETERIORATION,
    SUSTAINED_IMPROVEMENT,
    SUSTAINED_NONE,
    SustainedChange,
    sustained_change,
)

#: The incidents behind a row's statistics (the sums of the counts of the baseline, the testing
#: period and the final phase): a statistic from few incidents is suppressed when published.
INCIDENT_COLUMNS = ("baseline_incidents", "testing_incidents", "final_incidents")

def outcome_measures(collab: Collaborative) -> list[str]:
    """Names of the outcome measures (not balancing measures), in configuration order."""
    return [m.name for m in collab.config.measures if m.kind == "outcome"]


def has_total(collab: Collaborative) -> bool:
    """Whether a ``total`` is reported: only when there are at least two outcome measures to add."""
    return len(outcome_measures(collab)) >= 2


def reported_measures(collab: Collaborative) -> list[str]:
    """Every measure in configuration order, then ``total`` when :func:`has_total`."""
    return [*collab.config.measure_names(), *([TOTAL] if has_total(collab) else [])]


def percent_half_up(part: pd.Series | np.ndarray | float, whole: float) -> pd.Series | np.ndarray | float:
    """Whole-number percentages rounded half up, as the paper prints them (60.5 -> 61)."""
    return np.floor(np.asarray(part, dtype=float) / whole * 100 + 0.5)


def table1(collab: Collaborative) -> pd.DataFrame:
    """Table 1: wards by specialty, ward type and gender.

    Columns ``characteristic, category, n, percent`` (percent of all wards, whole numbers rounded
    half up as printed in the paper). Categories are ordered by n, largest first.
    """
    wards = collab.wards
    frames = []
    for characteristic in ("specialty", "ward_type", "gender"):
        counts = wards[characteristic].value_counts().rename_axis("category").reset_index(name="n")
        counts = counts.sort_values(["n", "category"], ascending=[False, True], kind="stable")
        counts.insert(0, "characteristic", characteristic)
        frames.append(counts)
    table = pd.concat(frames, ignore_index=True)
    table["n"] = table["n"].astype(int)
    table["percent"] = percent_half_up(table["n"], len(wards)).astype(int)
    return table


def ward_monthly(collab: Collaborative, ward_id: str | None = None) -> pd.DataFrame:
    """Monthly counts per ward and measure, with the derived ``total``; with ``ward_id``, that
    ward's rows only, computed from its rows only (:meth:`Collaborative.ward_rows`).

    Columns ``ward_id, month, measure, count, occupied_bed_days, suppressed, period``;
    ``count`` is float with NaN for a missing ward-month (``suppressed`` when a publisher hid
    it). The total (only with two or more outcome measures) is missing whenever any outcome
    measure of that ward-month is missing. ``period`` is ``baseline`` or ``testing``.
    """
    config = collab.config
    measures_added = outcome_measures(collab)
    source = collab.monthly if ward_id is None else collab.ward_rows("monthly", ward_id)
    monthly = source[["ward_id", "month", "measure", "count", "occupied_bed_days", "suppressed"]].copy()
    monthly["count"] = monthly["count"].astype("float64")
    monthly["occupied_bed_days"] = monthly["occupied_bed_days"].astype("float64")
    monthly["suppressed"] = monthly["suppressed"].astype(bool)
    frames = [monthly]
    if has_total(collab):
        outcomes = monthly[monthly["measure"].isin(measures_added)]
        grouped = outcomes.groupby(["ward_id", "month"], sort=True)
        total = grouped.agg(
            count=("count", "sum"),
            present=("count", "count"),
            occupied_bed_days=("occupied_bed_days", "first"),
            suppressed=("suppressed", "any"),
        )
        total["count"] = total["count"].where(total["present"].eq(len(measures_added)))
        total = total.drop(columns="present").reset_index()
        total["measure"] = TOTAL
        frames.append(total[monthly.columns])
    frame = pd.concat(frames, ignore_index=True)
    order = {name: k for k, name in enumerate(reported_measures(collab))}
    frame["_order"] = frame["measure"].map(order)
    frame = frame.sort_values(["ward_id", "_order", "month"], kind="stable").drop(columns="_order")
    frame["period"] = np.where(frame["month"] <= config.baseline_end, "baseline", "testing")
    return frame.reset_index(drop=True)


def collaborative_monthly(collab: Collaborative, ward_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The collaborative's monthly sums across wards, per measure and for the total.

    Columns ``month, measure, count, count_reported, wards_reporting, wards_missing,
    share_reporting, count_with_bed_days, bed_days_reported, wards_without_bed_days, rate,
    period``. ``count`` is the collaborative's sum, by :func:`collaborative_sum_method`:

    * ``complete_months`` (the paper's method, the default up to :data:`AUTO_SCALED_ABOVE` wards):
      the sum over all wards, NaN when any ward's value is missing that month: a sum over the
      wards that did report would count a missing ward-month as zero;
    * ``scaled`` (the default beyond): the sum over the wards that reported, times wards /
      wards reporting (their mean, scaled to every ward), when at least
      :data:`MIN_SHARE_REPORTING` of the wards reported, NaN below. With hundreds of wards and a
      few missing at random every month, the paper's method would leave out every month.

    ``count_reported`` is the plain partial sum, for information only. ``rate`` is incidents per ``rate_per`` occupied bed days over the wards
    reporting both a count and bed days: a rate, unlike a sum, stays comparable when some
    units are missing (the collaborative series of ``collaborative_chart = "u"``). Zero or
    missing bed days make that ward-month's rate missing: its count is then left out of the
    rate's numerator as its (absent) bed days are left out of the denominator, and it is counted
    in ``wards_without_bed_days``.
    """
    frame = ward_monthly(collab) if ward_frame is None else ward_frame
    days = frame["occupied_bed_days"].where(frame["occupied_bed_days"] > 0)
    frame = frame.assign(
        _both_count=frame["count"].where(days.notna()),
        _both_days=days.where(frame["count"].notna()),
        _no_days=frame["count"].notna() & days.isna(),
    )
    grouped = frame.groupby(["measure", "month"], sort=False)
    summary = grouped.agg(
        count_reported=("count", "sum"),
        wards_reporting=("count", "count"),
        wards=("ward_id", "size"),
        count_with_bed_days=("_both_count", "sum"),
        bed_days_reported=("_both_days", "sum"),
        wards_without_bed_days=("_no_days", "sum"),
        period=("period", "first"),
    ).reset_index()
    summary["wards_missing"] = summary["wards"] - summary["wards_reporting"]
    summary["share_reporting"] = summary["wards_reporting"] / summary["wards"]
    if collaborative_sum_method(collab) == "scaled":
        scaled = summary["count_reported"] * summary["wards"] / summary["wards_reporting"].where(summary["wards_reporting"] > 0)
        summary["count"] = scaled.where(summary["share_reporting"] >= MIN_SHARE_REPORTING)
    else:
        summary["count"] = summary["count_reported"].where(summary["wards_missing"].eq(0))
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = summary["count_with_bed_days"] / summary["bed_days_reported"] * collab.config.rate_per
    summary["rate"] = rate.where(summary["bed_days_reported"] > 0)
    columns = [
        "month", "measure", "count", "count_reported", "wards_reporting", "wards_missing", "share_reporting",
        "count_with_bed_days", "bed_days_reported", "wards_without_bed_days", "rate", "period",
    ]
    return summary[columns].reset_index(drop=True)


#: With ``collaborative_sum = "scaled"``: a month's sum needs at least this share of the wards.
MIN_SHARE_REPORTING = 0.9
#: With ``collaborative_sum = "auto"``: collaboratives of more wards than this use ``scaled``.
AUTO_SCALED_ABOVE = 100


def collaborative_sum_method(collab: Collaborative) -> str:
    """``complete_months`` or ``scaled``: the collaborative's setting, ``auto`` resolved by size."""
    method = collab.config.collaborative_sum
    if method == "auto":
        return "scaled" if len(collab.wards) > AUTO_SCALED_ABOVE else "complete_months"
    return method


def _series_matrix(
    frame: pd.DataFrame, keys: list[str], value: str = "count", months: list | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Reshape a long frame into one row per series (``keys``) and one column per month.

    The columns are the frame's months in order, or exactly ``months`` when given (a month
    absent from the frame is a column of NaN).
    """
    wide = frame.pivot_table(index=keys, columns="month", values=value, aggfunc="first", dropna=False, sort=False)
    wide = wide.sort_index(axis=1)
    if months is not None:
        wide = wide.reindex(columns=pd.DatetimeIndex(months).astype(wide.columns.dtype))
    return wide.index.to_frame(index=False), wide.to_numpy(dtype=float)


def _change_rows(collab: Collaborative, index: pd.DataFrame, values: np.ndarray, counts: np.ndarray | None = None,
                 publish_rule: publish.PublishRule | None = None) -> pd.DataFrame:
    """Apply :func:`sustained_change` to each row of ``values`` (months in config order).

    ``counts`` are the incidents behind each value (default: the values themselves, which are
    counts); their totals per period go into the ``*_incidents`` columns, so that a statistic
    derived from few incidents can be suppressed for publication. With ``publish_rule``, a phase
    mean from too few incidents is written ``*`` in ``phase_means``.
    """
    config = collab.config
    months = config.months()
    n_baseline = len(config.baseline_months())
    monitoring_only = config.testing_start is None
    directions = {m.name: m.direction for m in config.measures}
    counts = values if counts is None else counts
    records = []
    # The method re-baselines after each shift, so each series is scanned on its own; a row is
    # 31 months, and a collaborative has at most a few thousand series.
    for position, measure in enumerate(index["measure"]):
        row, row_counts = values[position], counts[position]
        baseline, testing = row[:n_baseline], row[n_baseline:]
        record = {
            "baseline_mean": np.nanmean(baseline) if np.isfinite(baseline).any() else np.nan,
            "testing_mean": np.nanmean(testing) if np.isfinite(testing).any() else np.nan,
            "baseline_months": int(np.isfinite(baseline).sum()),
            "testing_months": int(np.isfinite(testing).sum()),
            "baseline_incidents": float(np.nansum(row_counts[:n_baseline])),
            "testing_incidents": float(np.nansum(row_counts[n_baseline:])),
        }
        if monitoring_only:
            record.update(final_mean=np.nan, reduction_pct=np.nan, sustained=SUSTAINED_NONE, shift_start="", n_shifts=0,
                          phase_means="", final_incidents=np.nan)
        else:
            change = sustained_change(row, n_baseline, shift_points=config.shift_points, direction=directions.get(measure, "down"))
            # The phases of phase_means: the baseline, then each phase from its shift to the next.
            starts, ends = [0, *change.phase_starts], [n_baseline, *change.phase_starts[1:], len(row)]
            phase_incidents = [float(np.nansum(row_counts[a:b])) for a, b in zip(starts, ends)]
            labels = ["baseline", *(months[p].strftime("%Y-%m") for p in change.phase_starts)]
            record.update(
                final_mean=change.final_mean,
                reduction_pct=change.reduction_pct if change.sustained != SUSTAINED_NONE else np.nan,
                sustained=change.sustained,
                shift_start=months[change.phase_starts[0]].strftime("%Y-%m") if change.phase_starts else "",
                n_shifts=change.n_shifts,
                phase_means="; ".join(
                    f"{label}: {publish.SUPPRESSED if publish_rule and publish.is_small(total, publish_rule) else f'{mean:.2f}'}"
                    for label, mean, total in zip(labels, change.phase_means, phase_incidents)
                ),
                final_incidents=phase_incidents[-1],
            )
        records.append(record)
    return pd.concat([index.reset_index(drop=True), pd.DataFrame.from_records(records)], axis=1)


def team_results(collab: Collaborative, ward_frame: pd.DataFrame | None = None, *, ward_id: str | None = None,
                 publish_rule: publish.PublishRule | None = None) -> pd.DataFrame:
    """Team-level results: the sustained-change method for every ward x measure and total.

    Columns ``ward_id, measure, baseline_mean, testing_mean, final_mean, reduction_pct,
    sustained, shift_start, n_shifts, phase_means, baseline_months, testing_months``.
    ``reduction_pct`` is from the baseline mean to the final phase mean (positive = better),
    reported only when a sustained change was found; ``shift_start`` is the first month of the
    first shift (``YYYY-MM``, empty when none). Means are incidents per month over the months
    with data; ``baseline_months``/``testing_months`` count those months. ``ward_id`` gives that
    ward's rows only (the same numbers, computed for the one ward).
    """
    columns = [
        "ward_id", "measure", "baseline_mean", "testing_mean", "final_mean", "reduction_pct", "sustained",
        "shift_start", "n_shifts", "phase_means", "baseline_months", "testing_months", *INCIDENT_COLUMNS,
    ]
    if ward_id is not None and collab.ward_rows("wards", ward_id).empty:
        raise ValueError(f"unknown ward id {ward_id!r}; ward ids: {', '.join(collab.wards['ward_id'][:20])} ...")
    if ward_frame is None:
        frame = ward_monthly(collab, ward_id)
    else:
        frame = ward_frame if ward_id is None else ward_frame[ward_frame["ward_id"].eq(ward_id)]
    if ward_id is not None and frame.empty:
        return pd.DataFrame(columns=columns)
    index, values = _series_matrix(frame, ["ward_id", "measure"], months=collab.config.months())
    results = _change_rows(collab, index, values, publish_rule=publish_rule)
    return results[columns]


def collaborative_value(collab: Collaborative) -> str:
    """The collaborative series: ``rate`` for a u or Laney u-prime chart, else the ``count`` sum."""
    return "rate" if collab.config.collaborative_chart in ("u", "up") else "count"


def value_unit(collab: Collaborative, value: str) -> str:
    """Words for the unit of a series value."""
    if value == "rate":
        return f"per {collab.config.rate_per:,} occupied bed days"
    return "incidents per month"


def chart_unit(collab: Collaborative, *, ward: bool) -> str:
    """The y-axis title of a ward's (``ward=True``) or the collaborative's default chart."""
    chart = collab.config.ward_chart if ward else collab.config.collaborative_chart
    return f"Per {collab.config.rate_per:,} occupied bed days" if chart in ("u", "up") else "Incidents per month"


def collaborative_results(collab: Collaborative, collab_frame: pd.DataFrame | None = None, *,
                          publish_rule: publish.PublishRule | None = None) -> pd.DataFrame:
    """Collaborative-level results for each measure and the total.

    Columns ``measure, baseline_mean, testing_mean, change_pct, sustained, shift_start,
    final_mean, final_change_pct, months_incomplete, unit``. Means are of the monthly sums across
    wards (incidents per month) over complete months only (or, with ``collaborative_chart =
    "u"``, of the monthly rates over the reporting units: see ``unit``); ``change_pct`` compares the plain
    period means, as the paper prints them (positive = reduction); ``sustained`` and
    ``final_mean`` come from the same shift-rule method as the team level applied to the
    monthly sums; ``months_incomplete`` counts months left out because a ward's data was missing.
    """
    frame = collaborative_monthly(collab) if collab_frame is None else collab_frame
    value = collaborative_value(collab)
    index, values = _series_matrix(frame, ["measure"], value)
    _, counts = _series_matrix(frame, ["measure"], "count_with_bed_days" if value == "rate" else "count")
    results = _change_rows(collab, index, values, counts, publish_rule=publish_rule)
    with np.errstate(invalid="ignore", divide="ignore"):
        results["change_pct"] = (results["baseline_mean"] - results["testing_mean"]) / results["baseline_mean"] * 100
    results["final_change_pct"] = results["reduction_pct"]
    incomplete = frame.groupby("measure", sort=False)[value].apply(lambda s: int(s.isna().sum()))
    results["months_incomplete"] = results["measure"].map(incomplete).astype(int)
    results["unit"] = value_unit(collab, value)
    columns = [
        "measure", "baseline_mean", "testing_mean", "change_pct", "sustained", "shift_start", "final_mean",
        "final_change_pct", "months_incomplete", "unit", *INCIDENT_COLUMNS,
    ]
    return results[columns]


def team_summary(collab: Collaborative, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """The paper's team-level sentences as a table.

    One row per statement, columns ``statement, measure, wards, percent_of_wards,
    mean_reduction_pct, min_reduction_pct, max_reduction_pct``. ``percent_of_wards`` is of all
    wards (rounded half up). Statements: ``improved_any`` (a sustained reduction in at least one
    outcome measure), ``improved_in_1`` / ``_2`` / ``_3`` ..., ``improved_none``, and per measure
    (and ``total``) ``improved`` and ``deteriorated``. A collaborative without a testing period
    (monitoring only) gets the single statement ``monitoring_only``.
    """
    results = team_results(collab) if results is None else results
    n_wards = len(collab.wards)
    columns = ["statement", "measure", "wards", "percent_of_wards", "mean_reduction_pct", "min_reduction_pct", "max_reduction_pct"]
    if collab.config.testing_start is None:
        # Monitoring only: no before/after comparison, so no statement about improvement.
        return pd.DataFrame([("monitoring_only", "any", n_wards, 100, np.nan, np.nan, np.nan)], columns=columns)
    outcome_measures = [m.name for m in collab.config.measures if m.kind == "outcome"]
    summary_measures = [*outcome_measures, *([TOTAL] if has_total(collab) else [])]
    improved = results[results["sustained"].eq(SUSTAINED_IMPROVEMENT)]
    per_ward = (
        improved[improved["measure"].isin(outcome_measures)].groupby("ward_id").size().reindex(collab.wards["ward_id"], fill_value=0)
    )
    rows = [("improved_any", "any", int((per_ward > 0).sum()), np.nan, np.nan, np.nan)]
    for k in range(1, len(outcome_measures) + 1):
        rows.append((f"improved_in_{k}", "any", int((per_ward == k).sum()), np.nan, np.nan, np.nan))
    rows.append(("improved_none", "any", int((per_ward == 0).sum()), np.nan, np.nan, np.nan))
    for measure in summary_measures:
        reductions = improved.loc[improved["measure"].eq(measure), "reduction_pct"]
        rows.append(
            (
                "improved",
                measure,
                int(len(reductions)),
                reductions.mean() if len(reductions) else np.nan,
                reductions.min() if len(reductions) else np.nan,
                reductions.max() if len(reductions) else np.nan,
            )
        )
    for measure in summary_measures:
        worse = results[results["measure"].eq(measure) & results["sustained"].eq(SUSTAINED_DETERIORATION)]
        rows.append(("deteriorated", measure, int(len(worse)), np.nan, np.nan, np.nan))
    summary = pd.DataFrame(
        rows, columns=["statement", "measure", "wards", "mean_reduction_pct", "min_reduction_pct", "max_reduction_pct"]
    )
    summary.insert(3, "percent_of_wards", percent_half_up(summary["wards"], n_wards).astype(int))
    return summary


def engagement_outcomes(collab: Collaborative, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """Engagement of improving and non-improving wards (descriptive: association, not effect).

    One row per group (``improving``: a sustained reduction in at least one outcome measure;
    ``not_improving``), columns ``group, wards, learning_set_attendance_pct,
    coach_contacts_per_month, data_on_time_pct``. Attendance is over the months that held a
    learning set (non-missing ``learning_set_attended``); the other two are over ward-months
    with a record. NaN when the collaborative has no engagement records.
    """
    results = team_results(collab) if results is None else results
    outcome_measures = [m.name for m in collab.config.measures if m.kind == "outcome"]
    improved = results[results["measure"].isin(outcome_measures) & results["sustained"].eq(SUSTAINED_IMPROVEMENT)]
    improving = collab.wards["ward_id"].isin(improved["ward_id"])
    group_of_ward = pd.Series(np.where(improving, "improving", "not_improving"), index=collab.wards["ward_id"].to_numpy())
    engagement = collab.engagement.copy()
    engagement["group"] = engagement["ward_id"].map(group_of_ward)
    rows = []
    for group in ("improving", "not_improving"):
        part = engagement[engagement["group"].eq(group)]
        attended = part["learning_set_attended"].dropna().astype(float)
        on_time = part["data_on_time"].dropna().astype(float)
        contacts = part["coach_contacts"].dropna().astype(float)
        rows.append(
            (
                group,
                int(group_of_ward.eq(group).sum()),
                attended.mean() * 100 if len(attended) else np.nan,
                contacts.mean() if len(contacts) else np.nan,
                on_time.mean() * 100 if len(on_time) else np.nan,
            )
        )
    return pd.DataFrame(
        rows, columns=["group", "wards", "learning_set_attendance_pct", "coach_contacts_per_month", "data_on_time_pct"]
    )


def _lower_label(label: str) -> str:
    """A label for the middle of a sentence: first letter lower-cased unless it starts an acronym."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def context_notes(collab: Collaborative) -> list[str]:
    """What a reader must know before reading the numbers: monitoring only, a testing period too
    short for the shift rule, trial limits, values rounded by a publisher."""
    config = collab.config
    notes = []
    n_baseline = len(config.baseline_months())
    if config.testing_start is None:
        notes.append(
            "Monitoring only: there is no testing period, so the charts show signals but there are no "
            "before/after comparisons or reductions."
        )
    elif len(config.testing_months()) < config.shift_points:
        notes.append(
            f"The testing period ({len(config.testing_months())} months) is shorter than the shift rule "
            f"({config.shift_points} points): no sustained change can be detected yet."
        )
    if n_baseline < 20:
        notes.append(
            f"Control limits are trial limits: the baseline has {n_baseline} points, fewer than the 20 "
            "usually wanted for stable limits."
        )
    if config.values_rounded_to:
        notes.append(
            f"Values were rounded to the nearest {config.values_rounded_to} by the publisher, and small values "
            "suppressed (shown as missing): counts are coarse."
        )
    return notes


def chart_note(collab: Collaborative, *, ward: bool = False) -> str | None:
    """A short subtitle for charts when their numbers need a caveat (rounded values, trial limits,
    and for the collaborative's charts, sums scaled up from the wards reporting)."""
    parts = []
    if collab.config.values_rounded_to:
        parts.append(f"values rounded to the nearest {collab.config.values_rounded_to} by the publisher; * = suppressed")
    n_baseline = len(collab.config.baseline_months())
    if n_baseline < 20:
        parts.append(f"trial limits ({n_baseline} baseline points)")
    if not ward and collaborative_sum_method(collab) == "scaled":
        monthly = collaborative_monthly(collab)
        reported = monthly.groupby("measure")["wards_reporting"].transform("sum").gt(0)  # measures with data
        fewest = monthly.loc[reported, "share_reporting"].min()
        parts.append(f"collaborative sums scaled up from the {collab.config.unit_label}s reporting each month "
                     f"(the fewest reporting in a month: {fewest:.1%}; a month under {MIN_SHARE_REPORTING:.0%} is left out)")
    return "; ".join(parts).capitalize() if parts else None


def _number(value: object) -> float:
    """A table value as a number: NaN when missing or suppressed (published tables hold text)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def _shown(value: object, precision: int = 0) -> str:
    """A number for a sentence; ``*`` for a value suppressed for publication."""
    if isinstance(value, str) and value == publish.SUPPRESSED:
        return publish.SUPPRESSED
    return f"{_number(value):,.{precision}f}"


def _collaborative_sentence(collab: Collaborative, row, label: str) -> str:
    unit = collab.config.unit_label
    if np.isnan(_number(row.baseline_mean)) and row.baseline_mean != publish.SUPPRESSED:
        return f"Collaborative, {label}: no complete month to summarise (every month misses at least one {unit})."
    per = "a month" if row.unit == "incidents per month" else row.unit
    precision = 0 if row.unit == "incidents per month" else 2
    if collab.config.testing_start is None:
        return (f"Collaborative, {label}: mean {_shown(row.baseline_mean, precision)} {per} over "
                f"{plural(len(collab.config.baseline_months()), 'month')}.")
    change_pct = _number(row.change_pct)
    change = "reduction" if not change_pct < 0 else "increase"
    size = _shown(abs(change_pct)) if not np.isnan(change_pct) else publish.SUPPRESSED
    article = "an" if size.startswith(("8", "11", "18")) else "a"
    shift = {
        SUSTAINED_IMPROVEMENT: f"a sustained improvement from {row.shift_start}",
        SUSTAINED_DETERIORATION: f"a sustained deterioration from {row.shift_start}",
        SUSTAINED_NONE: "no sustained change",
    }[row.sustained]
    testing = "" if np.isnan(_number(row.testing_mean)) and row.testing_mean != publish.SUPPRESSED else (
        f" to {_shown(row.testing_mean, precision)} in the testing period, {article} {size}% {change};"
    )
    return f"Collaborative, {label}: mean {_shown(row.baseline_mean, precision)} {per} in the baseline{testing} the aggregate chart shows {shift}."


def results_sentences(collab: Collaborative, collaborative: pd.DataFrame, summary: pd.DataFrame) -> list[str]:
    """The results section's sentences, with every number taken from the computed tables (as
    published, when they are: a suppressed value is written ``*``)."""
    labels = {m.name: _lower_label(m.label) for m in collab.config.measures}
    labels[TOTAL] = "all restrictive practice combined"
    unit = collab.config.unit_label
    n_wards = len(collab.wards)
    sentences = list(context_notes(collab))
    for row in collaborative.itertuples(index=False):
        sentences.append(_collaborative_sentence(collab, row, labels.get(row.measure, row.measure)))
    by = summary.set_index(["statement", "measure"])
    if ("monitoring_only", "any") in by.index:
        return sentences
    any_wards = int(by.loc[("improved_any", "any"), "wards"])
    n_measures = len(outcome_measures(collab))
    words = {1: "one measure", 2: "two", 3: "three", 4: "four"}
    parts = [
        f"{int(by.loc[(f'improved_in_{k}', 'any'), 'wards'])} in {'all ' if k == n_measures and k > 1 else ''}{words.get(k, str(k))}"
        for k in range(1, n_measures + 1)
    ]
    sentences.append(
        f"{any_wards} of {plural(n_wards, unit)} ({percent_half_up(any_wards, n_wards):.0f}%) "
        f"demonstrated a sustained reduction in at least one measure "
        f"({', '.join(parts)}); {int(by.loc[('improved_none', 'any'), 'wards'])} did not."
    )
    for measure in [*outcome_measures(collab), *([TOTAL] if has_total(collab) else [])]:
        row = by.loc[("improved", measure)]
        wards = int(row["wards"])
        if wards == 0:
            sentences.append(f"No {unit} achieved a sustained reduction in {labels.get(measure, measure)}.")
            continue
        low, high = _shown(row["min_reduction_pct"]), _shown(row["max_reduction_pct"])
        spread = f" (range {low}-{high}%)" if low != high else ""
        mean = "a reduction" if wards == 1 else "a mean reduction"
        sentences.append(
            f"{plural(wards, unit)} achieved a sustained reduction in {labels.get(measure, measure)}, "
            f"with {mean} of {_shown(row['mean_reduction_pct'])}%{spread}."
        )
    worse = by.xs("deteriorated", level="statement")["wards"]
    sentences.append(
        f"{unit.capitalize()}s with a sustained increase: "
        + ", ".join(f"{int(worse[m])} in {labels.get(m, m)}" for m in worse.index)
        + "."
    )
    return sentences



def ward_summary(collab: Collaborative, ward_id: str, *, publish_rule: publish.PublishRule | None = None) -> str:
    """One or two plain-English sentences on a ward's team-level results, from the data, e.g.
    "Physical restraint fell by 57% from November 2018 and has stayed lower; seclusion shows no
    sustained change." A change from few incidents is given without its size when published."""
    results = team_results(collab, ward_id=ward_id, publish_rule=publish_rule)
    if publish_rule is not None:
        results = publish.suppress_statistics(results, publish_rule, {"reduction_pct": ("baseline_incidents", "final_incidents")})
    labels = {m.name: m.label for m in collab.config.measures}
    labels[TOTAL] = "all restrictive practice"
    unit = collab.config.unit_label
    if collab.config.testing_start is None:
        return f"This collaborative has no testing period yet: the charts show this {unit}'s months, with no before and after."
    if results.empty:
        return f"This {unit} has no monthly counts."
    directions = {m.name: m.direction for m in collab.config.measures}
    changed, unchanged = [], []
    for row in results.itertuples(index=False):
        label = labels.get(row.measure, row.measure)
        if row.sustained == SUSTAINED_NONE:
            unchanged.append(_lower_label(label))
            continue
        improved = row.sustained == SUSTAINED_IMPROVEMENT
        fell = improved == (directions.get(row.measure, "down") != "up")
        when = pd.Timestamp(f"{row.shift_start}-01").strftime("%B %Y")
        size = _number(row.reduction_pct)
        by = "" if np.isnan(size) else f" by {abs(size):.0f}%"
        stayed = "has stayed lower" if fell else "has stayed higher"
        changed.append(f"{label if not changed else _lower_label(label)} {'fell' if fell else 'rose'}{by} from {when} and {stayed}")
    parts = list(changed)
    if unchanged:
        verb = "shows" if len(unchanged) == 1 else "show"
        names = unchanged[0] if len(unchanged) == 1 else ", ".join(unchanged[:-1]) + " and " + unchanged[-1]
        parts.append(f"{names} {verb} no sustained change")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def measure_labels(collab: Collaborative) -> dict[str, str]:
    """Measure name -> label, with ``total`` labelled "All restrictive practice"."""
    return {**{m.name: m.label for m in collab.config.measures}, TOTAL: "All restrictive practice"}


def team_results_wide(collab: Collaborative, results: pd.DataFrame) -> pd.DataFrame:
    """One row per ward, one column per measure, each cell a short verdict for people to read.

    Cells: ``"down 62%"`` for a sustained improvement (with its reduction), ``"up 40%"`` for a
    sustained deterioration, ``"-"`` for no sustained change. Columns ``ward_id, ward_name``,
    then the measure labels.
    """
    labels = measure_labels(collab)
    reduction = pd.to_numeric(results["reduction_pct"], errors="coerce").round(0)  # published: "*" is NaN

    def percent(values: pd.Series) -> pd.Series:
        return values.map(lambda v: publish.SUPPRESSED if np.isnan(v) else f"{v:.0f}%")

    verdict = np.select(
        [results["sustained"].eq(SUSTAINED_IMPROVEMENT), results["sustained"].eq(SUSTAINED_DETERIORATION)],
        ["down " + percent(reduction), "up " + percent(-reduction)],
        default="-",
    )
    table = results.assign(verdict=verdict).pivot(index="ward_id", columns="measure", values="verdict")
    order = [m for m in labels if m in table.columns]
    table = table[order].rename(columns=labels).reset_index()
    table.columns.name = None
    table.insert(1, "ward_name", table["ward_id"].map(dict(zip(collab.wards["ward_id"], collab.wards["ward_name"]))))
    return table


def aim_summary(collab: Collaborative, collaborative: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """Progress against the collaborative's aim (e.g. a 33 % reduction), per measure and total.

    Columns ``measure, aim_reduction_pct, collaborative_change_pct, aim_met, wards_meeting_aim,
    percent_of_wards``. The collaborative change compares the period means; a ward meets the
    aim when its sustained reduction (baseline to final phase) is at least the aim.
    """
    aim = float(collab.config.aim_reduction_pct)
    n_wards = len(collab.wards)
    reduction = pd.to_numeric(results["reduction_pct"], errors="coerce")  # published: "*" is not counted
    met = results[results["sustained"].eq(SUSTAINED_IMPROVEMENT) & (reduction >= aim)]
    per_measure = met.groupby("measure").size()
    table = collaborative[["measure", "change_pct"]].rename(columns={"change_pct": "collaborative_change_pct"})
    table.insert(1, "aim_reduction_pct", aim)
    table["aim_met"] = pd.to_numeric(table["collaborative_change_pct"], errors="coerce") >= aim
    table["wards_meeting_aim"] = table["measure"].map(per_measure).fillna(0).astype(int)
    table["percent_of_wards"] = percent_half_up(table["wards_meeting_aim"], n_wards).astype(int)
    return table.reset_index(drop=True)
