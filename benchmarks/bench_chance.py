"""Benchmark of rrp_helpers.chance: the paper's collaborative simulated 10,000 times under no change.

Run: ``python benchmarks/bench_chance.py`` (options: ``--runs``, ``--repeats``, ``--seed``).

Problem: the 38 demo wards (``data/demo/monthly.csv``) x 3 outcome measures, each with its own
null model estimated from its 12 baseline months (2017-08..2018-07), plus ``total``: 38 x 4
series of 31 months (12 baseline + 19 testing, 2018-08..2020-02) per run, ``--runs`` runs, each
scanned with the sustained-change method (shift of 8). Timed: ``simulate_chance`` +
``chance_summary``, best of ``--repeats`` with ``time.perf_counter`` (the machine is noisy).

For scale, the one-series ``outcomes.sustained_change`` is timed on a sample of the same
simulated series and extrapolated to all of them.

This is a script, not a unit test: it prints timings and asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rrp_helpers import chance  # noqa: E402
from rrp_helpers.outcomes import sustained_change  # noqa: E402

BASELINE = ("2017-08", "2018-07")
N_BASELINE, N_TESTING, SHIFT_POINTS = 12, 19, 8
REFERENCE_SAMPLE = 2_000


def demo_baseline() -> pd.DataFrame:
    """Baseline months of the demo collaborative: ``ward_id, measure, month, count`` (float)."""
    monthly = pd.read_csv(ROOT / "data" / "demo" / "monthly.csv", dtype={"month": str})
    baseline = monthly[monthly["month"].between(*BASELINE)]
    return baseline[["ward_id", "measure", "month", "count"]].astype({"count": float})


def best_of(repeats: int, work: Callable[[], object]) -> tuple[float, object]:
    """Fastest wall time of ``repeats`` calls (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def reference_seconds_per_series(baseline: pd.DataFrame, seed: int) -> float:
    """Seconds per series of the one-series method on simulated series like those of the benchmark."""
    models = chance.null_models(baseline)
    n_months = N_BASELINE + N_TESTING
    counts = chance._draw_counts(np.random.default_rng(seed), models, 1 + REFERENCE_SAMPLE // len(models), n_months)
    series = counts.reshape(n_months, -1).T[:REFERENCE_SAMPLE]
    start = time.perf_counter()
    for row in series:
        sustained_change(row, N_BASELINE, shift_points=SHIFT_POINTS)
    return (time.perf_counter() - start) / len(series)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20181001)
    args = parser.parse_args()

    baseline = demo_baseline()
    n_wards, n_measures = baseline["ward_id"].nunique(), baseline["measure"].nunique()

    def work():
        simulation = chance.simulate_chance(
            baseline, n_baseline=N_BASELINE, n_testing=N_TESTING, shift_points=SHIFT_POINTS, runs=args.runs,
            seed=args.seed,
        )
        return simulation, chance.chance_summary(simulation)

    seconds, (simulation, summary) = best_of(args.repeats, work)
    n_series = simulation.flagged.size
    models = simulation.table["model"].value_counts()
    print(
        f"{n_wards} wards x {n_measures} measures + total x {args.runs:,} runs = {n_series:,} series "
        f"of {N_BASELINE + N_TESTING} months"
    )
    print(f"null models: {', '.join(f'{n} {model}' for model, n in models.items())}")
    print(
        f"simulate_chance + chance_summary: {seconds:.2f} s (best of {args.repeats}), "
        f"{seconds / n_series * 1e9:.0f} ns per series"
    )
    per_series = reference_seconds_per_series(baseline, args.seed)
    print(
        f"outcomes.sustained_change one series at a time: {per_series * 1e6:.0f} us per series "
        f"-> about {per_series * n_series:,.0f} s for the same series ({per_series * n_series / seconds:,.0f}x)"
    )
    with pd.option_context("display.width", 120, "display.precision", 2):
        print(summary.to_string(index=False))
    print(chance.chance_sentence(summary))


if __name__ == "__main__":
    main()
