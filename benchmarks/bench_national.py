"""Benchmark of the workbook at national size: synthetic collaboratives of N wards x M months
(``rrp demo --wards N --months M``), timed by command, with the per-ward report cost against the
demo-sized collaborative's.

Prints ratios, never asserts. Run: ``.venv/bin/python benchmarks/bench_national.py [--sizes 38 300 1500 6000]
[--months 60] [--sample 12] [--jobs 2] [--keep DIR]``.

For each size: ``rrp demo`` (writing the collaborative), ``rrp validate``, ``rrp results``, then
``rrp reports`` for ``--sample`` wards spread over the collaborative (every notebook: the four
collaborative notebooks at that size and the ward reports). The per-ward worker time is the median
of the ward tasks' own times in the run's manifest (a worker's first task also loads the
collaborative into its kernel: that belongs to the fixed cost): linear cost means it stays flat as
the collaborative grows (the target: within 1.3x of the smallest size's). Also printed: the fixed
cost, the full batch extrapolated to 2 and 16 workers, and the peak memory of the largest process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RRP = [str(Path(sys.executable).with_name("rrp"))]  # the entry point installed beside this Python


# Runs a command and prints the peak resident memory (kB) of it and every process it started
# (getrusage of the children of this small wrapper process, so each command is measured alone).
_PEAK = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)")


def _timed(command: list[str], peaks: list[float]) -> float:
    """Wall seconds of ``command``; its peak memory (MB, the largest process) appended to ``peaks``."""
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-c", _PEAK, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode not in (0, 1):  # 1: a report failed, shown in the table
        raise SystemExit(f"{' '.join(command)} exited {completed.returncode}:\n{completed.stderr}")
    peaks.append(int(completed.stdout.split()[-1]) / 1024)
    return seconds


def _sample(data: Path, n: int) -> list[str]:
    import pandas as pd

    ids = pd.read_csv(data / "wards.csv", dtype=str)["ward_id"].tolist()
    step = max(1, len(ids) // n)
    return ids[::step][:n]


def measure(size: int, months: int, sample: int, jobs: int, folder: Path) -> dict:
    data, results, reports = folder / f"n{size}", folder / f"results{size}", folder / f"reports{size}"
    row: dict = {"wards": size}
    peaks: list[float] = []
    row["demo_s"] = _timed([*RRP, "demo", "--out", str(data), "--wards", str(size), "--months", str(months)], peaks)
    row["validate_s"] = _timed([*RRP, "validate", str(data)], peaks)
    row["results_s"] = _timed([*RRP, "results", str(data), "--out", str(results)], peaks)
    wards = _sample(data, sample)
    row["reports_s"] = _timed([*RRP, "reports", str(data), "--out", str(reports), "--jobs", str(jobs), "--quiet", "--wards", *wards], peaks)
    row["peak_mb"] = max(peaks)
    entries = json.loads((reports / "manifest.json").read_text())["entries"]
    ward_seconds = [entry["seconds"] for key, entry in entries.items() if key.startswith("ward:") and entry["status"] == "ok"]
    # The median: a worker's first task also loads the collaborative into its kernel (part of the fixed cost).
    row["per_ward_s"] = statistics.median(ward_seconds) if ward_seconds else float("nan")
    # Fixed cost: what the run spent besides its ward tasks (loading, the collaborative notebooks,
    # the index), on the run's workers; a full batch then takes about fixed + wards x per-ward / workers.
    row["fixed_s"] = row["reports_s"] - sum(ward_seconds) / jobs
    row["failed"] = sorted(key for key, entry in entries.items() if entry["status"] == "failed")
    row["collaborative_s"] = {key.split(":", 1)[1]: entry["seconds"] for key, entry in entries.items() if key.startswith("collaborative:")}
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[38, 300, 1500, 6000])
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--sample", type=int, default=12, help="wards whose reports are run at each size")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="write the collaboratives and outputs here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rrp-national-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for size in args.sizes:
            rows.append(measure(size, args.months, args.sample, args.jobs, folder))
            row = rows[-1]
            print(f"{size:>6,} wards: demo {row['demo_s']:.1f} s, validate {row['validate_s']:.1f} s, results {row['results_s']:.1f} s, "
                  f"reports ({args.sample} wards + 4 collaborative notebooks) {row['reports_s']:.1f} s; "
                  f"failed: {', '.join(row['failed']) or 'none'}", flush=True)
            print("        collaborative notebooks (s): " + ", ".join(f"{k} {v:.1f}" for k, v in row["collaborative_s"].items()), flush=True)
    base = rows[0]
    print(f"\n{args.months} months, {args.jobs} jobs. Per-ward = median of the ward tasks' own times; fixed = the reports "
          f"run's wall time less its ward tasks' time on {args.jobs} workers; full batch = fixed + wards x per-ward / "
          "workers (an extrapolation, not a run); peak = the largest process of any command.")
    print(f"{'wards':>7} {'validate s':>11} {'results s':>10} {'per-ward s':>11} {'vs ' + format(base['wards'], ','):>9} "
          f"{'fixed s':>8} {'full, 2 workers':>16} {'full, 16 workers':>17} {'peak MB':>8}")
    for row in rows:
        full = [row["fixed_s"] + row["wards"] * row["per_ward_s"] / workers for workers in (2, 16)]
        print(f"{row['wards']:>7,} {row['validate_s']:>11.1f} {row['results_s']:>10.1f} {row['per_ward_s']:>11.3f} "
              f"{row['per_ward_s'] / base['per_ward_s']:>8.2f}x {row['fixed_s']:>8.1f} {full[0] / 60:>12.1f} min "
              f"{full[1] / 60:>13.1f} min {row['peak_mb']:>8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
