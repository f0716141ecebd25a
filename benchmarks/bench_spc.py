"""Benchmark of rrp_helpers.spc at national scale, side by side with a bare floor and PyPI peers.

Run: ``python benchmarks/bench_spc.py`` (options: ``--wards``, ``--repeats``, ``--peer-series``).

Problem: 1,500 wards x 4 measures x 60 months = 6,000 series of seeded Poisson counts in one tidy
long frame (ward_id, measure, month, count), sorted by ward, measure and month. Every series is a
c-chart with its limits frozen on the first 12 months; every rule and the Anhøj runs analysis are
computed.

Contenders, timed in the same process (best of ``--repeats``, the machine is noisy):

1. ours: ``rrp_helpers.spc.control_charts`` on the whole frame in one call;
2. floor: the least numpy/pandas code that gives c-chart limits (12-month freeze) plus a shift
   rule (8 points, centre-line points skipped) for every series at once, written below;
3. PyPI peers that work one series at a time (``pip install -e '.[bench]'``), timed on a
   subsample of series and reported per series: clinical-qikit (a qicharts2 port), abspc
   (NHS Making Data Count) and pyspc. A peer that cannot be imported or fails is reported and
   skipped.

This is a script, not a unit test: it prints timings and ratios and asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rrp_helpers import spc  # noqa: E402

MEASURES = ("prone_restraint", "rapid_tranquillisation", "restraint", "seclusion")  # sorted
MONTHS = 60
FREEZE = 12
SEED = 20250601


def make_national_frame(n_wards: int = 1500, months: int = MONTHS, seed: int = SEED) -> pd.DataFrame:
    """Seeded Poisson counts, one row per ward x measure x month, sorted by those keys.

    Each series has its own baseline rate (1-20 per month) and about a third of the series
    fall by 30 % after month 30, so shifts, trends and sigma signals all occur.
    """
    rng = np.random.default_rng(seed)
    n_series = n_wards * len(MEASURES)
    base_rate = rng.uniform(1.0, 20.0, n_series)
    improves = rng.random(n_series) < 1 / 3
    month_index = np.arange(months)
    rate = base_rate[:, None] * np.where(improves[:, None] & (month_index >= 30), 0.7, 1.0)
    counts = rng.poisson(rate).ravel()
    ward_ids = np.array([f"W{number:04d}" for number in range(n_wards)], dtype=object)
    return pd.DataFrame(
        {
            "ward_id": np.repeat(ward_ids, len(MEASURES) * months),
            "measure": np.tile(np.repeat(np.array(MEASURES, dtype=object), months), n_wards),
            "month": np.tile(pd.date_range("2020-01-01", periods=months, freq="MS").to_numpy(), n_series),
            "count": counts,
        }
    )


# ----------------------------------------------------------------------------------------------
# Contenders
# ----------------------------------------------------------------------------------------------


def ours(frame: pd.DataFrame) -> pd.DataFrame:
    return spc.control_charts(
        frame, by=["ward_id", "measure"], x="month", y="count", chart="c", freeze=FREEZE
    )


def floor(frame: pd.DataFrame) -> pd.DataFrame:
    """Bare floor: c-chart limits on a 12-month freeze and the shift rule (8), all series at once.

    Assumes what the frame already guarantees (sorted by ward, measure, month; no missing
    values) and checks nothing.
    """
    count = frame["count"].to_numpy(dtype=np.float64)
    size = count.size
    ward = frame["ward_id"].to_numpy()
    measure = frame["measure"].to_numpy()
    new_series = np.empty(size, dtype=bool)
    new_series[0] = True
    new_series[1:] = (ward[1:] != ward[:-1]) | (measure[1:] != measure[:-1])
    start = np.flatnonzero(new_series)
    length = np.diff(np.append(start, size))
    position = np.arange(size) - np.repeat(start, length)
    cl = np.add.reduceat(np.where(position < FREEZE, count, 0.0), start) / np.minimum(length, FREEZE)
    sigma = np.sqrt(cl)
    cl_row = np.repeat(cl, length)
    ucl = np.repeat(cl + 3 * sigma, length)
    lcl = np.repeat(np.maximum(cl - 3 * sigma, 0.0), length)
    sigma_signal = (count > ucl) | (count < lcl)
    side = np.sign(count - cl_row)
    useful = np.flatnonzero(side != 0)
    useful_side = side[useful]
    useful_series = np.repeat(np.arange(start.size), length)[useful]
    breaks = (useful_side[1:] != useful_side[:-1]) | (useful_series[1:] != useful_series[:-1])
    run_start = np.concatenate(([0], np.flatnonzero(breaks) + 1))
    run_length = np.diff(np.append(run_start, useful.size))
    long_start, long_length = run_start[run_length >= 8], run_length[run_length >= 8]
    offsets = np.cumsum(long_length) - long_length
    in_long_run = np.repeat(long_start - offsets, long_length) + np.arange(long_length.sum())
    shift = np.zeros(size, dtype=bool)
    shift[useful[in_long_run]] = True
    return pd.DataFrame(
        {
            "ward_id": frame["ward_id"].array,
            "measure": frame["measure"].array,
            "month": frame["month"].array,
            "y": count,
            "cl": cl_row,
            "ucl": ucl,
            "lcl": lcl,
            "sigma_signal": sigma_signal,
            "shift": shift,
        },
        copy=False,
    )


def qikit_per_series(series: list[pd.DataFrame]) -> None:
    from qikit import qic

    for one in series:
        qic(x=one["month"], y=one["count"], chart="c", freeze=FREEZE, method="anhoej")


def abspc_per_series(series: list[pd.DataFrame]) -> None:
    # abspc has no freeze: limits come from the whole series (Making Data Count rules).
    from abspc import calculate_control_limits, detect_special_causes

    for one in series:
        limits = calculate_control_limits(one.rename(columns={"count": "value"}), "c")
        detect_special_causes(limits)


class _NoAxes:
    """pyspc's rules draw on a matplotlib axis while they compute; this one draws nothing."""

    def plot(self, *args: Any, **kwargs: Any) -> None:
        return None


def pyspc_per_series(series: list[pd.DataFrame]) -> None:
    # pyspc computes inside its plotting layers: c-chart limits from the whole series
    # (no freeze) and its BASIC rules (7 on one side, beyond 3 sigma) on a no-op axis.
    from pyspc import c, rules

    chart = c()
    checks = rules()
    axes = _NoAxes()
    for one in series:
        counts = one["count"].to_numpy(dtype=float)
        data = np.column_stack([np.ones_like(counts), counts])
        values, centre, lcl, ucl, _ = chart.plot(axes, data, 1)
        for rule in checks.rules:
            rule(axes, values, centre, lcl, ucl)


PEERS: dict[str, tuple[str, Callable[[list[pd.DataFrame]], None]]] = {
    "clinical-qikit": ("clinical-qikit", qikit_per_series),
    "abspc": ("abspc", abspc_per_series),
    "pyspc": ("pyspc", pyspc_per_series),
}


# ----------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------


def best_of(function: Callable[[], Any], repeats: int) -> float:
    """Smallest wall time in seconds over ``repeats`` calls (after one warm-up call)."""
    function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wards", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=7, help="best of k for the national runs")
    parser.add_argument("--peer-series", type=int, default=200, help="series per peer subsample")
    parser.add_argument("--peer-repeats", type=int, default=3, help="best of k for the peers")
    args = parser.parse_args(argv)

    frame = make_national_frame(args.wards)
    n_series = args.wards * len(MEASURES)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"problem: {args.wards} wards x {len(MEASURES)} measures x {MONTHS} months = "
          f"{n_series} series, {len(frame):,} rows; c charts, freeze {FREEZE}")

    result = ours(frame)
    reference = floor(frame)
    agree = (
        np.allclose(result["ucl"], reference["ucl"])
        and np.allclose(result["lcl"], reference["lcl"])
        and bool((result["sigma_signal"].to_numpy() == reference["sigma_signal"].to_numpy()).all())
        and bool((result["shift"].to_numpy() == reference["shift"].to_numpy()).all())
    )
    print(f"ours and floor agree on limits, sigma signals and shifts: {agree}")
    print(f"signals found by ours: sigma {int(result['sigma_signal'].sum())}, "
          f"shift {int(result['shift'].sum())}, trend {int(result['trend'].sum())}, "
          f"two_of_three {int(result['two_of_three'].sum())}, "
          f"series with a runs signal {int(result.groupby(['ward_id', 'measure'])['runs_signal'].any().sum())}")

    ours_time = best_of(lambda: ours(frame), args.repeats)
    floor_time = best_of(lambda: floor(frame), args.repeats)
    ours_per_series = ours_time / n_series
    print()
    print(f"{'contender':<34}{'total':>12}{'per series':>14}")
    print(f"{'ours (control_charts, all rules)':<34}{ours_time * 1e3:>10.1f}ms{ours_per_series * 1e6:>12.2f}us")
    print(f"{'floor (c limits + shift only)':<34}{floor_time * 1e3:>10.1f}ms{floor_time / n_series * 1e6:>12.2f}us")
    print(f"ratio ours / floor: {ours_time / floor_time:.2f}x (target <= 5x)")

    keys = frame[["ward_id", "measure"]].drop_duplicates()
    rng = np.random.default_rng(SEED)
    chosen = keys.iloc[np.sort(rng.choice(len(keys), size=min(args.peer_series, len(keys)), replace=False))]
    grouped = dict(tuple(frame.groupby(["ward_id", "measure"], sort=False)))
    subsample = [grouped[(ward, measure)].reset_index(drop=True) for ward, measure in chosen.itertuples(index=False)]
    print()
    print(f"peers, one series at a time on {len(subsample)} series (best of {args.peer_repeats}):")
    for name, (distribution, run) in PEERS.items():
        installed = version(distribution)
        try:
            peer_time = best_of(lambda run=run: run(subsample), args.peer_repeats)
        except Exception as error:  # noqa: BLE001 - a failing peer is reported, not fatal
            print(f"  {name} {installed}: FAILED ({type(error).__name__}: {error})")
            traceback.print_exc(limit=2, file=sys.stdout)
            continue
        per_series = peer_time / len(subsample)
        print(f"  {name} {installed}: {per_series * 1e3:.3f} ms per series; "
              f"{name} / ours per series = {per_series / ours_per_series:,.0f}x")
    print()
    print("clinical-qikit / ours target >= 100x; peers compute less (no freeze for abspc/pyspc,"
          " pyspc has no runs analysis), so the per-series ratios flatter them.")


if __name__ == "__main__":
    main()
