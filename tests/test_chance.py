"""Chance flags of the sustained-change method: the vectorised method, exact small cases, the tables."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rrp_helpers import chance
from rrp_helpers.outcomes import sustained_change

MEASURES = ("restraint", "seclusion", "rapid_tranquillisation")


def baseline_frame(levels: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    """A tidy baseline frame from ward -> measure -> monthly counts (NaN = missing month)."""
    rows = [
        {"ward_id": ward, "measure": measure, "month": f"2017-{month + 1:02d}", "count": float(count)}
        for ward, measures in levels.items()
        for measure, counts in measures.items()
        for month, count in enumerate(counts)
    ]
    return pd.DataFrame(rows)


def random_collaborative(n_wards: int, seed: int) -> pd.DataFrame:
    """Twelve baseline months of Poisson counts for each ward x measure, levels 0.5-20 a month."""
    rng = np.random.default_rng(seed)
    return baseline_frame(
        {
            f"ward{w:02d}": {m: list(rng.poisson(rng.uniform(0.5, 20.0), 12)) for m in MEASURES}
            for w in range(n_wards)
        }
    )


# ----------------------------------------------------------------------------------------------
# The vectorised method agrees with outcomes.sustained_change
# ----------------------------------------------------------------------------------------------


def random_series(rng: np.random.Generator, n_series: int, n_months: int) -> np.ndarray:
    """Small counts (many points on the centre line) with 0-3 step changes up or down, gaps, halves."""
    level = rng.uniform(0.0, 4.0, n_series)[:, None] * np.ones(n_months)
    for _ in range(3):
        step_at = rng.integers(1, n_months, n_series)
        factor = np.where(rng.random(n_series) < 0.5, rng.uniform(0.0, 0.6, n_series), rng.uniform(1.5, 4.0, n_series))
        changes = rng.random(n_series) < 0.6
        level = np.where(changes[:, None] & (np.arange(n_months) >= step_at[:, None]), level * factor[:, None], level)
    values = rng.poisson(level).astype(float)
    values[rng.random(n_series) < 0.2] /= 2  # halves: sums stay exact, means are not integers
    values[rng.random(values.shape) < rng.uniform(0.0, 0.3, n_series)[:, None]] = np.nan
    values[rng.random(n_series) < 0.03, :12] = np.nan  # no baseline at all
    return values


@pytest.mark.parametrize("direction", ["down", "up"])
@pytest.mark.parametrize("n_baseline", [0, 3, 12])
@pytest.mark.parametrize("shift_points", [1, 3, 5, 8])
def test_rows_agree_exactly_with_sustained_change(shift_points, n_baseline, direction):
    rng = np.random.default_rng(1000 * shift_points + 10 * n_baseline + (direction == "up"))
    values = random_series(rng, 100, 31)
    rows = chance.sustained_change_rows(values, n_baseline, shift_points=shift_points, direction=direction)
    expected = [sustained_change(row, n_baseline, shift_points=shift_points, direction=direction) for row in values]
    assert list(rows.sustained) == [e.sustained for e in expected]
    np.testing.assert_array_equal(rows.n_shifts, [e.n_shifts for e in expected])
    np.testing.assert_array_equal(rows.final_phase_start, [e.phase_starts[-1] if e.phase_starts else -1 for e in expected])
    # Bit-for-bit: every sum of these values is exact, so the means must be the same floats.
    np.testing.assert_array_equal(rows.baseline_mean, [e.baseline_mean for e in expected])
    np.testing.assert_array_equal(rows.final_mean, [e.final_mean for e in expected])
    np.testing.assert_array_equal(rows.reduction_pct, [e.reduction_pct for e in expected])
    if n_baseline == 12 and shift_points == 5:  # the sample exercises what it should
        assert {"improvement", "deterioration", "none"} <= set(rows.sustained)
        assert rows.n_shifts.max() >= 2


def test_rows_refuse_what_sustained_change_refuses():
    with pytest.raises(ValueError, match="direction"):
        chance.sustained_change_rows(np.zeros((2, 5)), 2, direction="sideways")
    with pytest.raises(ValueError, match="2-D"):
        chance.sustained_change_rows(np.zeros(5), 2)
    with pytest.raises(ValueError, match="n_baseline"):
        chance.sustained_change_rows(np.zeros((2, 5)), 6)


# ----------------------------------------------------------------------------------------------
# Exact small cases: n_baseline 2, n_testing 4, runs of 3
# ----------------------------------------------------------------------------------------------

SMALL = {"n_baseline": 2, "n_testing": 4, "shift_points": 3}
SMALL_MONTHS = SMALL["n_baseline"] + SMALL["n_testing"]
SMALL_RUNS = 400_000


@pytest.fixture(scope="module")
def sequences_0_to_4() -> tuple[np.ndarray, np.ndarray]:
    """Every sequence of six monthly counts 0..4 and whether ``sustained_change`` calls it improvement."""
    sequences = np.array(list(itertools.product(range(5), repeat=SMALL_MONTHS)), dtype=float)
    improved = np.array(
        [sustained_change(s, 2, shift_points=3).sustained == "improvement" for s in sequences]
    )
    return sequences, improved


def assert_agrees_with_exact(p_simulated: float, p_exact: float, tail_mass: float) -> None:
    """Within 4 standard errors of [p_exact, p_exact + tail_mass] (the tail may all be improvements)."""
    standard_error = math.sqrt(p_exact * (1 - p_exact) / SMALL_RUNS)
    assert p_exact - 4 * standard_error <= p_simulated <= p_exact + tail_mass + 4 * standard_error


def test_small_case_vectorised_method_matches_every_sequence(sequences_0_to_4):
    sequences, improved = sequences_0_to_4
    rows = chance.sustained_change_rows(sequences, 2, shift_points=3)
    np.testing.assert_array_equal(rows.verdict == chance.VERDICT_IMPROVEMENT, improved)


def test_small_case_poisson_simulation_matches_exact_probability(sequences_0_to_4):
    sequences, improved = sequences_0_to_4
    # Ten baseline months, four of them 1: mean 0.4, not overdispersed -> Poisson(0.4).
    frame = baseline_frame({"w": {"restraint": [0, 1, 0, 0, 1, 0, 1, 0, 1, 0]}})
    simulation = chance._simulate_chance(frame, **SMALL, runs=SMALL_RUNS, seed=11)
    row = simulation.table.iloc[0]
    assert (row["model"], row["baseline_mean"]) == ("poisson", pytest.approx(0.4))

    probability = stats.poisson(0.4).pmf(sequences).prod(axis=1)
    p_exact = probability[improved].sum()
    tail_mass = 1 - probability.sum()  # sequences with a count above 4: about 4e-4
    assert 0.2 < p_exact < 0.3 and tail_mass < 1e-3
    assert_agrees_with_exact(row["p_false_reduction"], p_exact, tail_mass)


def test_small_case_negative_binomial_simulation_matches_exact_probability():
    # Counts 0..8 (tail mass 3e-4): too many sequences for the one-series function, so the
    # vectorised method (checked against it on every sequence of 0..4 above) classifies them.
    sequences = np.indices((9,) * SMALL_MONTHS).reshape(SMALL_MONTHS, -1).T.astype(float)
    improved = chance.sustained_change_rows(sequences, 2, shift_points=3).verdict == chance.VERDICT_IMPROVEMENT
    mean, size = 0.5, 1.0  # variance 0.75
    probability = stats.nbinom(size, size / (size + mean)).pmf(np.arange(9))[sequences.astype(int)].prod(axis=1)
    p_exact, tail_mass = probability[improved].sum(), 1 - probability.sum()
    models = pd.DataFrame(
        {"ward_id": ["w"], "measure": ["restraint"], "baseline_mean": [mean], "model": ["negative_binomial"],
         "nb_size": [size], "baseline_months": [12]}
    )
    flagged = chance._simulate_flags(models, **SMALL, runs=SMALL_RUNS, seed=12)
    assert tail_mass < 4e-4
    assert_agrees_with_exact(flagged.mean(), p_exact, tail_mass)
    # Overdispersion changes the answer: Poisson at the same mean gives a different probability.
    poisson = stats.poisson(mean).pmf(np.arange(9))[sequences.astype(int)].prod(axis=1)
    assert abs(p_exact - poisson[improved].sum()) > 0.005


# ----------------------------------------------------------------------------------------------
# Null models
# ----------------------------------------------------------------------------------------------


def test_overdispersed_baseline_gets_negative_binomial_by_moments():
    # Mean 0.5, variance 1.0: D = 11 x 1.0 / 0.5 = 22 > chi2(11) 95 % point 19.68.
    frame = baseline_frame({"w": {"restraint": [0] * 9 + [1, 2, 3], "seclusion": [0, 1] * 6}})
    models = chance.null_models(frame).set_index("measure")
    assert models.loc["restraint", "model"] == "negative_binomial"
    assert models.loc["restraint", "nb_size"] == pytest.approx(0.5**2 / (1.0 - 0.5))
    assert models.loc["seclusion", "model"] == "poisson"
    assert math.isnan(models.loc["seclusion", "nb_size"])


def test_negative_binomial_draws_have_the_model_mean_and_variance():
    models = pd.DataFrame(
        {"ward_id": ["w"], "measure": ["restraint"], "baseline_mean": [6.0], "model": ["negative_binomial"],
         "nb_size": [3.0], "baseline_months": [12]}
    )
    draws = chance._draw_counts(np.random.default_rng(5), models, 100_000, 2).ravel()
    assert draws.mean() == pytest.approx(6.0, rel=0.01)
    assert draws.var() == pytest.approx(6.0 + 6.0**2 / 3.0, rel=0.03)


def test_zero_baseline_is_never_flagged():
    frame = baseline_frame({"w": {"restraint": [0] * 12, "seclusion": [3, 5, 4, 2, 6, 4, 3, 5, 4, 4, 2, 6]}})
    table = chance.chance_table(frame, n_baseline=12, n_testing=19, runs=2_000, seed=3).set_index("measure")
    assert table.loc["restraint", "model"] == "poisson"
    assert table.loc["restraint", "baseline_mean"] == 0
    assert table.loc["restraint", "p_false_reduction"] == 0
    assert table.loc["seclusion", "p_false_reduction"] > 0
    assert table.loc["total", "baseline_mean"] == pytest.approx(4.0)


def test_missing_baseline_months_are_skipped_and_series_simulated_complete():
    counts = [4, np.nan, 6, 5, np.nan, 3, 5, 4, 6, 5, 4, np.nan]  # nine months present, mean 42/9
    frame = baseline_frame({"w": {"restraint": counts, "seclusion": [2] * 12}, "v": {"restraint": [5] * 12}})
    frame = frame[~((frame["ward_id"] == "w") & (frame["month"] == "2017-02"))]  # a row absent, too
    table = chance.chance_table(frame, n_baseline=12, n_testing=19, runs=4_000, seed=4)
    row = table.set_index(["ward_id", "measure"]).loc[("w", "restraint")]
    assert row["baseline_mean"] == pytest.approx(42 / 9)
    assert row["baseline_months"] == 9
    assert row["model"] == "poisson"
    assert 0 < row["p_false_reduction"] < 0.5
    # Ward v has no seclusion at all: the method never flags a series without a baseline, nor its total.
    missing = table.set_index(["ward_id", "measure"]).loc["v"]
    assert missing.loc["seclusion", "model"] == "no_baseline"
    assert missing.loc["seclusion", "p_false_reduction"] == 0
    assert missing.loc["total", "p_false_reduction"] == 0


# ----------------------------------------------------------------------------------------------
# Tables, determinism, refusal, words
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulation() -> chance.ChanceSimulation:
    return chance.simulate_chance(random_collaborative(10, seed=7), n_baseline=12, n_testing=19, runs=1_200, seed=8)


def test_same_seed_gives_identical_output_and_another_seed_does_not(simulation):
    frame = random_collaborative(10, seed=7)
    again = chance.simulate_chance(frame, n_baseline=12, n_testing=19, runs=1_200, seed=8)
    pd.testing.assert_frame_equal(again.table, simulation.table)
    np.testing.assert_array_equal(again.flagged, simulation.flagged)
    other = chance.chance_table(frame, n_baseline=12, n_testing=19, runs=1_200, seed=9)
    assert not other["p_false_reduction"].equals(simulation.table["p_false_reduction"])


def test_table_has_a_row_per_ward_and_measure_with_total(simulation):
    table = simulation.table
    assert list(table.columns[:5]) == ["ward_id", "measure", "baseline_mean", "model", "p_false_reduction"]
    assert len(table) == 10 * 4
    assert list(table["measure"][:4]) == [*MEASURES, "total"]
    assert set(table.loc[table["measure"] != "total", "model"]) <= {"poisson", "negative_binomial"}
    assert (table.loc[table["measure"] == "total", "model"] == "sum").all()
    assert table["p_false_reduction"].between(0, 1).all()


@pytest.mark.parametrize("shift_points", [1, 4])
def test_runs_shorter_than_five_are_refused(shift_points):
    frame = random_collaborative(2, seed=1)
    with pytest.raises(ValueError, match="shift_points=.* too short"):
        chance.chance_table(frame, n_baseline=12, n_testing=19, shift_points=shift_points, runs=10)


def test_summary_counts_come_from_the_runs(simulation):
    summary = chance.chance_summary(simulation, {"any": 9, "restraint": 4})
    assert list(summary.columns) == [
        "measure", "n_wards", "expected_wards", "interval_low", "interval_high", "observed_wards",
    ]
    assert list(summary["measure"]) == [*MEASURES, "total", "any"]
    assert (summary["n_wards"] == 10).all()
    table = simulation.table
    by_measure = summary.set_index("measure")
    for measure in (*MEASURES, "total"):
        p = table.loc[table["measure"] == measure, "p_false_reduction"]
        assert by_measure.loc[measure, "expected_wards"] == pytest.approx(p.sum())
    assert by_measure.loc["any", "expected_wards"] >= by_measure.loc[list(MEASURES), "expected_wards"].max()
    assert (summary["interval_low"] <= summary["expected_wards"]).all()
    assert (summary["expected_wards"] <= summary["interval_high"]).all()
    assert by_measure.loc["any", "observed_wards"] == 9
    assert pd.isna(by_measure.loc["seclusion", "observed_wards"])


def test_summary_interval_matches_exact_poisson_binomial(simulation):
    # Wards are independent, so the count of wards flagged is Poisson-binomial in their p.
    summary = chance.chance_summary(simulation).set_index("measure")
    p = simulation.table.loc[simulation.table["measure"] == "restraint", "p_false_reduction"].to_numpy()
    pmf = np.array([1.0])
    for p_ward in p:
        pmf = np.convolve(pmf, [1 - p_ward, p_ward])
    cdf = np.cumsum(pmf)
    low, high = np.searchsorted(cdf, 0.025), np.searchsorted(cdf, 0.975)
    assert abs(summary.loc["restraint", "interval_low"] - low) <= 1
    assert abs(summary.loc["restraint", "interval_high"] - high) <= 1


def test_sentence_uses_the_summary_numbers():
    summary = pd.DataFrame(
        {"measure": ["seclusion", "any"], "n_wards": [38, 38], "expected_wards": [1.04, 4.06],
         "interval_low": [0, 1], "interval_high": [3, 8], "observed_wards": pd.array([1, 24], dtype="Int64")}
    )
    assert chance.chance_sentence(summary) == (
        "Under no real change, the method would flag about 4.1 of 38 wards as improved on at least one "
        "outcome measure by chance (95 % interval 1–8); 24 were flagged."
    )
    assert chance.chance_sentence(summary, "seclusion").endswith(
        "on seclusion by chance (95 % interval 0–3); 1 was flagged."
    )
    summary["observed_wards"] = pd.array([None, None], dtype="Int64")
    assert chance.chance_sentence(summary).endswith("(95 % interval 1–8).")
    with pytest.raises(ValueError, match="restraint"):
        chance.chance_sentence(summary, "restraint")


def test_observed_improvements_counts_wards():
    results = pd.DataFrame(
        {
            "ward_id": ["a", "a", "a", "a", "b", "b", "b", "b"],
            "measure": [*MEASURES, "total"] * 2,
            "sustained": ["improvement", "improvement", "none", "improvement", "none", "deterioration", "none", "none"],
        }
    )
    assert chance.observed_improvements(results) == {
        "restraint": 1, "seclusion": 1, "rapid_tranquillisation": 0, "total": 1, "any": 1,
    }
