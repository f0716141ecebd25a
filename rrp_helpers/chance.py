"""How many wards the team-level sustained-change method flags when nothing changed.

The paper reports that 24 of 38 wards improved: a sustained reduction (``outcomes.sustained_change``)
in at least one outcome measure. This module simulates the same method on series with no real
change, to say how much of that count chance alone could produce. Pure functions on numpy and
pandas; every ward x measure x simulated run is scanned at once (:func:`sustained_change_rows`).

Null model, one per ward x outcome measure, from its baseline monthly counts (incidents/month):

* Counts in every month, baseline and testing, are independent draws around the ward's own
  baseline mean ``m`` (the mean of the baseline months present: a missing month is skipped, never
  read as zero). Simulated series are complete: the real pattern of missing months is not
  modelled (missing testing months leave less room for a run, so fewer flags; missing baseline
  months make the real centre line noisier, so more).
* Poisson(``m``) unless the baseline is overdispersed: index-of-dispersion test, ``D = (n - 1)
  s^2 / m`` against the upper 5 % point of chi-squared(n - 1), with ``n`` baseline months present
  and ``s^2`` their sample variance (ddof 1). If overdispersed, negative binomial with mean ``m``
  and size ``k = m^2 / (s^2 - m)`` (method of moments; variance ``m + m^2 / k``). Fewer than two
  months cannot be tested and stay Poisson; underdispersion is treated as Poisson.
* ``m = 0`` gives all-zero series: the method cannot flag them, ``p_false_reduction = 0``.
  A ward x measure with no baseline month at all gets model ``no_baseline``: the method never
  flags a series without a baseline (its simulated series are all missing).
* The simulated series' own baseline mean is the method's centre line, as with real data; the
  true level ``m`` is not used by the method.
* The outcome measures of a ward are drawn independently of each other but in the same run, and
  ``total`` is their simulated sum (missing if a measure has no baseline), so the ``total`` and
  ``any`` figures come from the same runs as the single measures. Wards are independent.

Results depend only on the inputs and ``seed``: the same call gives identical output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "MINIMUM_SHIFT_POINTS",
    "VERDICT_DETERIORATION",
    "VERDICT_NONE",
    "VERDICT_IMPROVEMENT",
    "SustainedChangeRows",
    "ChanceSimulation",
    "sustained_change_rows",
    "null_models",
    "simulate_chance",
    "chance_table",
    "chance_summary",
    "chance_sentence",
    "observed_improvements",
]

# The names outcomes.sustained_change and team_results use (the agreement tests check the verdicts).
TOTAL = "total"
SUSTAINED_IMPROVEMENT, SUSTAINED_NONE, SUSTAINED_DETERIORATION = "improvement", "none", "deterioration"
ANY = "any"
MINIMUM_SHIFT_POINTS = 5  # a run of 1 would "improve" almost every ward by chance
DISPERSION_LEVEL = 0.05  # upper-tail level of the index-of-dispersion test

VERDICT_DETERIORATION, VERDICT_NONE, VERDICT_IMPROVEMENT = -1, 0, 1
_VERDICT_NAMES = np.array([SUSTAINED_DETERIORATION, SUSTAINED_NONE, SUSTAINED_IMPROVEMENT], dtype=object)

MODEL_POISSON = "poisson"
MODEL_NEGATIVE_BINOMIAL = "negative_binomial"
MODEL_NO_BASELINE = "no_baseline"
MODEL_SUM = "sum"

# Rows (series) scanned per chunk of runs: bounds memory (about 70 MB per 31-month array) and,
# being a constant, keeps the random stream and so the output independent of the machine.
_CHUNK_ROWS = 1 << 18


# ----------------------------------------------------------------------------------------------
# The method, vectorised over rows
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SustainedChangeRows:
    """Result of :func:`sustained_change_rows`: one entry per row (series).

    ``verdict`` is ``VERDICT_IMPROVEMENT`` (1), ``VERDICT_NONE`` (0) or ``VERDICT_DETERIORATION``
    (-1); ``final_phase_start`` is the 0-based column of the last phase's first point (-1 when no
    shift). Means are in the units of the values (incidents/month); ``reduction_pct`` as in
    :func:`rrp_helpers.outcomes.sustained_change`.
    """

    baseline_mean: np.ndarray
    final_mean: np.ndarray
    reduction_pct: np.ndarray
    n_shifts: np.ndarray
    final_phase_start: np.ndarray
    verdict: np.ndarray

    @property
    def sustained(self) -> np.ndarray:
        """The verdicts as ``outcomes.sustained_change`` names them (object array of str)."""
        return _VERDICT_NAMES[self.verdict + 1]


def sustained_change_rows(
    values: np.ndarray, n_baseline: int, *, shift_points: int = 8, direction: str = "down"
) -> SustainedChangeRows:
    """:func:`rrp_helpers.outcomes.sustained_change` applied to every row of a 2-D array at once.

    ``values``: rows = series, columns = months (baseline first), NaN = missing. Same method and
    conventions, same verdicts. Means are sums kept month by month, so for counts (integer values,
    whose sums are exact) every mean, and so every comparison with a centre line, is identical to
    the one-series function; for arbitrary floats they may differ in the last bits.
    """
    series = np.asarray(values, dtype=float)
    if series.ndim != 2:
        raise ValueError(f"values must be 2-D (series x months), not {series.ndim}-D")
    return _scan_months_major(np.ascontiguousarray(series.T), n_baseline, shift_points=shift_points, direction=direction)


def _scan_months_major(
    months_major: np.ndarray, n_baseline: int, *, shift_points: int, direction: str
) -> SustainedChangeRows:
    """:func:`sustained_change_rows` on a (months, series) float array: each month contiguous."""
    if direction not in ("down", "up"):
        raise ValueError(f"direction must be 'down' or 'up', not {direction!r}")
    if shift_points < 1:
        raise ValueError(f"shift_points must be at least 1, not {shift_points}")
    n_months, n_rows = months_major.shape
    if not 0 <= n_baseline <= n_months:
        raise ValueError(f"n_baseline={n_baseline} is outside the series of length {n_months}")

    present = ~np.isnan(months_major)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline_n = present[:n_baseline].sum(axis=0)
        baseline_mean = np.nansum(months_major[:n_baseline], axis=0) / baseline_n  # NaN: never flagged
    centre = baseline_mean.copy()
    run_side = np.zeros(n_rows, dtype=np.int8)
    run_length = np.zeros(n_rows, dtype=np.int32)
    run_start = np.zeros(n_rows, dtype=np.intp)
    n_shifts = np.zeros(n_rows, dtype=np.int32)
    final_phase_start = np.full(n_rows, -1, dtype=np.intp)
    # Sums and counts of the present values since the current run's first point (window) and
    # since the last phase's first point (phase), kept as the scan goes.
    window_sum, window_n = np.zeros(n_rows), np.zeros(n_rows)
    phase_sum, phase_n = np.zeros(n_rows), np.zeros(n_rows)
    for position in range(n_baseline, n_months):
        month = months_major[position]
        month_present = present[position]
        month_value = np.where(month_present, month, 0.0)
        # Comparisons with NaN are False: a missing point (or a NaN centre) is on neither side.
        side = (month > centre).view(np.int8) - (month < centre).view(np.int8)
        moving = side != 0
        continues = moving & (side == run_side)
        starts_run = moving & ~continues
        run_length += continues
        run_length[starts_run] = 1
        run_start[starts_run] = position
        np.copyto(run_side, side, where=moving)
        window_sum += month_value
        window_n += month_present
        np.copyto(window_sum, month_value, where=starts_run)
        np.copyto(window_n, 1.0, where=starts_run)
        phase_sum += month_value
        phase_n += month_present
        signalled = np.flatnonzero(run_length == shift_points)
        if signalled.size:
            centre[signalled] = window_sum[signalled] / window_n[signalled]
            phase_sum[signalled] = window_sum[signalled]
            phase_n[signalled] = window_n[signalled]
            final_phase_start[signalled] = run_start[signalled]
            n_shifts[signalled] += 1
            run_side[signalled] = 0
            run_length[signalled] = 0

    final_mean = np.where(n_shifts > 0, phase_sum / np.maximum(phase_n, 1), baseline_mean)
    return _with_verdicts(baseline_mean, final_mean, n_shifts, final_phase_start, direction)


def _with_verdicts(
    baseline_mean: np.ndarray, final_mean: np.ndarray, n_shifts: np.ndarray, final_phase_start: np.ndarray, direction: str
) -> SustainedChangeRows:
    """Reductions and verdicts from the means, as ``outcomes.sustained_change`` makes them."""
    sign = 1.0 if direction == "down" else -1.0
    better = sign * (baseline_mean - final_mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        reduction = np.where(baseline_mean == 0, np.nan, better / baseline_mean * 100.0)
    verdict = np.where(better > 0, VERDICT_IMPROVEMENT, VERDICT_DETERIORATION).astype(np.int8)
    verdict[(n_shifts == 0) | (final_mean == baseline_mean)] = VERDICT_NONE
    return SustainedChangeRows(baseline_mean, final_mean, reduction, n_shifts, final_phase_start, verdict)


# ----------------------------------------------------------------------------------------------
# Null models
# ----------------------------------------------------------------------------------------------


def _check_baseline(baseline: pd.DataFrame) -> pd.DataFrame:
    """The frame's ``ward_id, measure, month, count`` with count as float; ValueError if unusable."""
    missing = {"ward_id", "measure", "month", "count"} - set(baseline.columns)
    if missing:
        raise ValueError(f"baseline frame lacks column(s) {', '.join(sorted(missing))}")
    frame = baseline[["ward_id", "measure", "month", "count"]].copy()
    frame["count"] = pd.to_numeric(frame["count"], errors="raise").astype(float)
    if (frame["count"] < 0).any():
        raise ValueError("baseline counts must not be negative")
    duplicated = frame.duplicated(["ward_id", "measure", "month"])
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        raise ValueError(f"baseline frame has more than one row for {first['ward_id']} {first['measure']} {first['month']}")
    return frame


def null_models(baseline: pd.DataFrame, measures: Sequence[str] | None = None) -> pd.DataFrame:
    """The null model of every ward x measure (wards in order of first appearance).

    ``baseline``: tidy baseline months, columns ``ward_id, measure, month, count`` (count float,
    NaN = missing; ``total`` rows are ignored). ``measures``: the outcome measures to model
    (default: every measure in the frame except ``total``). A ward with no row for a measure gets
    ``no_baseline``. Columns ``ward_id, measure, baseline_mean, model, nb_size, baseline_months``:
    ``baseline_mean`` in incidents/month, ``nb_size`` the negative binomial ``k`` (NaN otherwise).
    """
    frame = _check_baseline(baseline)
    frame = frame[frame["measure"].ne(TOTAL)]
    measures = list(pd.unique(frame["measure"])) if measures is None else list(measures)
    if TOTAL in measures:
        raise ValueError("'total' is the simulated sum of the measures; do not list it in measures")
    wards = pd.unique(frame["ward_id"])
    grid = pd.MultiIndex.from_product([wards, measures], names=["ward_id", "measure"])
    grouped = frame[frame["measure"].isin(measures)].groupby(["ward_id", "measure"], sort=False)["count"]
    moments = grouped.agg(["count", "mean", "var"]).reindex(grid)
    n_months = moments["count"].fillna(0).to_numpy(int)
    mean = moments["mean"].to_numpy(float)
    variance = moments["var"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        dispersion = (n_months - 1) * variance / mean
        critical = stats.chi2.ppf(1 - DISPERSION_LEVEL, np.maximum(n_months - 1, 1))
        overdispersed = (n_months >= 2) & (mean > 0) & (dispersion > critical)
        nb_size = np.where(overdispersed, mean**2 / (variance - mean), np.nan)
    model = np.where(overdispersed, MODEL_NEGATIVE_BINOMIAL, MODEL_POISSON).astype(object)
    model[n_months == 0] = MODEL_NO_BASELINE
    return pd.DataFrame(
        {
            "ward_id": grid.get_level_values("ward_id"),
            "measure": grid.get_level_values("measure"),
            "baseline_mean": mean,
            "model": model,
            "nb_size": nb_size,
            "baseline_months": n_months,
        }
    )


def _draw_counts(rng: np.random.Generator, models: pd.DataFrame, n_runs: int, n_months: int) -> np.ndarray:
    """Simulated monthly counts, shape (months, runs, series of ``models``); NaN for no baseline."""
    model = models["model"].to_numpy()
    level = models["baseline_mean"].to_numpy(float)
    counts = np.empty((n_months, n_runs, len(models)))
    counts[:, :, model == MODEL_NO_BASELINE] = np.nan
    poisson = np.flatnonzero(model == MODEL_POISSON)
    if poisson.size:
        counts[:, :, poisson] = rng.poisson(level[poisson], size=(n_months, n_runs, poisson.size))
    negative_binomial = np.flatnonzero(model == MODEL_NEGATIVE_BINOMIAL)
    if negative_binomial.size:
        size = models["nb_size"].to_numpy(float)[negative_binomial]
        success = size / (size + level[negative_binomial])  # numpy's p: mean k (1 - p) / p = m
        counts[:, :, negative_binomial] = rng.negative_binomial(
            size, success, size=(n_months, n_runs, negative_binomial.size)
        )
    return counts


# ----------------------------------------------------------------------------------------------
# Simulation
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChanceSimulation:
    """The simulated runs under no real change.

    ``table``: one row per ward x measure (outcome measures then ``total`` within each ward),
    columns ``ward_id, measure, baseline_mean, model, p_false_reduction, nb_size,
    baseline_months`` (for ``total``: the sum of the measures' baseline means and the fewest
    baseline months of any of them). ``flagged``: bool array (runs, rows of ``table``), True where
    the method gave ``improvement`` in that run. ``measures``: the outcome measures (``any`` is over these).
    """

    table: pd.DataFrame
    flagged: np.ndarray
    measures: tuple[str, ...]
    n_baseline: int
    n_testing: int
    shift_points: int
    runs: int
    seed: int


def _check_shift_points(shift_points: int) -> None:
    if shift_points < MINIMUM_SHIFT_POINTS:
        raise ValueError(
            f"shift_points={shift_points} is too short a run for a chance calculation: with runs under "
            f"{MINIMUM_SHIFT_POINTS} points almost every ward 'improves' by chance; use the collaborative's rule (8)"
        )


def _with_total(models: pd.DataFrame, n_measures: int) -> pd.DataFrame:
    """``models`` with a ``total`` row after each ward's measures (when there are two or more)."""
    if n_measures < 2:
        return models.reset_index(drop=True)
    by_ward = models.groupby("ward_id", sort=False)
    total = pd.DataFrame(
        {
            "ward_id": by_ward["ward_id"].first().to_numpy(),
            "measure": TOTAL,
            "baseline_mean": by_ward["baseline_mean"].sum(min_count=n_measures).to_numpy(),
            "model": MODEL_SUM,
            "nb_size": np.nan,
            "baseline_months": by_ward["baseline_months"].min().to_numpy(),
        }
    )
    # Interleave: each ward's measures, then its total.
    slots = np.arange(len(total) * (n_measures + 1)).reshape(len(total), n_measures + 1)
    both = pd.concat([models, total], ignore_index=True)
    return both.iloc[np.argsort(np.concatenate([slots[:, :-1].ravel(), slots[:, -1]]))].reset_index(drop=True)


def _simulate_flags(
    models: pd.DataFrame, *, n_baseline: int, n_testing: int, shift_points: int, runs: int, seed: int
) -> np.ndarray:
    """Improvement flags (runs, wards x (measures [+ total])) for ward-major ``models``.

    ``models`` must hold the same measures, in the same order, for every ward (as
    :func:`null_models` returns). No check on ``shift_points``: callers check.
    """
    n_wards = models["ward_id"].nunique()
    n_measures = len(models) // n_wards
    n_months = n_baseline + n_testing
    n_out = n_measures + (1 if n_measures >= 2 else 0)
    rng = np.random.default_rng(seed)
    runs_per_chunk = max(1, _CHUNK_ROWS // (n_wards * n_out))
    flagged = np.empty((runs, n_wards * n_out), dtype=bool)
    for first in range(0, runs, runs_per_chunk):
        n_runs = min(runs_per_chunk, runs - first)
        counts = _draw_counts(rng, models, n_runs, n_months).reshape(n_months, n_runs, n_wards, n_measures)
        if n_out > n_measures:
            counts = np.concatenate([counts, counts.sum(axis=3, keepdims=True)], axis=3)
        result = _scan_months_major(counts.reshape(n_months, -1), n_baseline, shift_points=shift_points, direction="down")
        flagged[first : first + n_runs] = (result.verdict == VERDICT_IMPROVEMENT).reshape(n_runs, -1)
    return flagged


def _simulate_chance(
    baseline: pd.DataFrame,
    *,
    n_baseline: int,
    n_testing: int,
    shift_points: int,
    runs: int,
    seed: int,
    measures: Sequence[str] | None = None,
) -> ChanceSimulation:
    """:func:`simulate_chance` without the ``shift_points`` floor (for exact checks on tiny cases)."""
    if n_baseline < 1 or n_testing < 1 or runs < 1:
        raise ValueError(f"n_baseline, n_testing and runs must be at least 1 (got {n_baseline}, {n_testing}, {runs})")
    models = null_models(baseline, measures)
    if models.empty:
        raise ValueError("the baseline frame has no ward x measure to simulate")
    outcome_measures = tuple(pd.unique(models["measure"]))
    flagged = _simulate_flags(
        models, n_baseline=n_baseline, n_testing=n_testing, shift_points=shift_points, runs=runs, seed=seed
    )
    table = _with_total(models, len(outcome_measures))
    table.insert(4, "p_false_reduction", flagged.mean(axis=0))
    return ChanceSimulation(table, flagged, outcome_measures, n_baseline, n_testing, shift_points, runs, seed)


def simulate_chance(
    baseline: pd.DataFrame,
    *,
    n_baseline: int,
    n_testing: int,
    shift_points: int = 8,
    runs: int = 10_000,
    seed: int = 0,
    measures: Sequence[str] | None = None,
) -> ChanceSimulation:
    """Run the sustained-change method on ``runs`` simulated collaboratives with no real change.

    ``baseline``: tidy baseline monthly counts, columns ``ward_id, measure, month, count`` (count
    float, NaN = missing); the level and model of each ward x measure are estimated from the months
    present (see the module docstring). ``n_baseline``/``n_testing``: months simulated before and
    after the start of testing (the paper: 12 and 19). ``measures``: the outcome measures (default:
    all in the frame but ``total``). Refuses ``shift_points`` below ``MINIMUM_SHIFT_POINTS``.
    """
    _check_shift_points(shift_points)
    return _simulate_chance(
        baseline, n_baseline=n_baseline, n_testing=n_testing, shift_points=shift_points, runs=runs, seed=seed,
        measures=measures,
    )


def chance_table(
    baseline: pd.DataFrame,
    *,
    n_baseline: int,
    n_testing: int,
    shift_points: int = 8,
    runs: int = 10_000,
    seed: int = 0,
    measures: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per ward x measure (and ``total``): the chance of a false sustained reduction.

    Columns ``ward_id, measure, baseline_mean, model, p_false_reduction, nb_size,
    baseline_months``: ``p_false_reduction`` is the share of simulated runs in which the method
    reports ``improvement`` (Monte Carlo standard error ``sqrt(p (1 - p) / runs)``); ``model`` is
    ``poisson``, ``negative_binomial``, ``no_baseline`` or, for ``total``, ``sum``. Arguments as
    :func:`simulate_chance`; use that and :func:`chance_summary` to get the summary from the same runs.
    """
    return simulate_chance(
        baseline, n_baseline=n_baseline, n_testing=n_testing, shift_points=shift_points, runs=runs, seed=seed,
        measures=measures,
    ).table


# ----------------------------------------------------------------------------------------------
# Summary and words
# ----------------------------------------------------------------------------------------------


def _count_row(measure: str, wards_flagged: np.ndarray, n_wards: int, observed: Mapping[str, int]) -> dict:
    """A summary row from the number of wards flagged in each run."""
    # inverted_cdf: each bound is a count some run actually had; P(below low) < 2.5 % and
    # P(above high) <= 2.5 %, so the interval holds at least 95 % of runs.
    low, high = np.quantile(wards_flagged, [0.025, 0.975], method="inverted_cdf")
    return {
        "measure": measure,
        "n_wards": n_wards,
        "expected_wards": float(wards_flagged.mean()),
        "interval_low": int(low),
        "interval_high": int(high),
        "observed_wards": observed.get(measure, pd.NA),
    }


def chance_summary(simulation: ChanceSimulation, observed: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Wards flagged by chance, per measure (then ``total``) and for ``any`` outcome measure.

    Columns ``measure, n_wards, expected_wards, interval_low, interval_high, observed_wards``.
    ``expected_wards`` is the sum of the wards' ``p_false_reduction`` (for ``any``: of their chance
    of at least one flagged outcome measure). The 95 % interval is the 2.5 % and 97.5 % quantiles
    of the number of wards flagged per simulated run: taken from the same runs, it treats ``any``
    (three measures of a ward jointly) exactly like a single measure and needs no formula; as wards
    are independent it matches the exact Poisson-binomial interval up to Monte Carlo error.
    ``observed``: measure (or ``any``) -> wards actually flagged (``observed_improvements``);
    missing entries are NA.
    """
    observed = dict(observed or {})
    table = simulation.table
    n_wards = table["ward_id"].nunique()
    rows = []
    measure_names = table["measure"].to_numpy()
    for measure in pd.unique(measure_names):
        rows.append(_count_row(measure, simulation.flagged[:, measure_names == measure].sum(axis=1), n_wards, observed))
    outcome = simulation.flagged[:, np.isin(measure_names, simulation.measures)]
    any_flagged = outcome.reshape(simulation.runs, n_wards, len(simulation.measures)).any(axis=2)
    rows.append(_count_row(ANY, any_flagged.sum(axis=1), n_wards, observed))
    summary = pd.DataFrame(rows)
    summary["observed_wards"] = summary["observed_wards"].astype("Int64")
    return summary


def chance_sentence(summary: pd.DataFrame, measure: str = ANY) -> str:
    """One sentence for the notebook from a :func:`chance_summary` row (``any`` by default)."""
    rows = summary[summary["measure"].eq(measure)]
    if rows.empty:
        raise ValueError(f"no row for measure {measure!r} in the summary; measures: {', '.join(summary['measure'])}")
    row = rows.iloc[0]
    if measure == ANY:
        what = "at least one outcome measure"
    elif measure == TOTAL:
        what = "the total of the outcome measures"
    else:
        what = str(measure).replace("_", " ")
    sentence = (
        f"Under no real change, the method would flag about {row['expected_wards']:.1f} of {row['n_wards']} wards "
        f"as improved on {what} by chance (95 % interval {row['interval_low']}–{row['interval_high']})"
    )
    if pd.isna(row["observed_wards"]):
        return sentence + "."
    observed = int(row["observed_wards"])
    return sentence + f"; {observed} {'was' if observed == 1 else 'were'} flagged."


def observed_improvements(results: pd.DataFrame, measures: Sequence[str] | None = None) -> dict[str, int]:
    """Wards with a sustained ``improvement`` per measure and for ``any`` of ``measures``.

    ``results``: one row per ward x measure with columns ``ward_id, measure, sustained`` (as
    ``outcomes.team_results``). ``measures``: the outcome measures counted for ``any`` (default:
    every measure in ``results`` but ``total``).
    """
    improved = results[results["sustained"].eq(SUSTAINED_IMPROVEMENT)]
    counts = {str(m): int(n) for m, n in improved.groupby("measure", sort=False)["ward_id"].nunique().items()}
    for measure in pd.unique(results["measure"]):
        counts.setdefault(str(measure), 0)
    outcome = [m for m in pd.unique(results["measure"]) if m != TOTAL] if measures is None else list(measures)
    counts[ANY] = int(improved.loc[improved["measure"].isin(outcome), "ward_id"].nunique())
    return counts
