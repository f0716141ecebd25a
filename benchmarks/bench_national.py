"""Benchmark of the workbook at national size: synthetic collaboratives of N wards x M months
(``rrp demo --wards N --months M``), timed by command, with the per-ward report cost against the
demo-sized collaborative's.

Prints ratios, never asserts. Run: ``.venv/bin/python benchmarks/bench_national.py [--sizes 38 300 1500 6000]
[--months 60] [--sample 12] [--jobs 2] [--keep DIR]``.

For each size: ``rrp demo`` (writing the collaborative), ``rrp validate``, ``rrp results``, then
``rrp reports`` for ``--sample`` wards spread over the collaborative (every notebook: the four
collaborative notebooks at that size and the ward reports). The per-ward worker time is the mean
of the ward tasks' own times in the run's manifest: linear cost means it stays flat as the
collaborative grows (the target: within 1.3x of the smallest size's). Wall times include loading
the collaborative in each process.
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


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode not in (0, 1):  # 1: a report failed, shown in the table
        raise SystemExit(f"{' '.join(command)} exited {completed.returncode}:\n{completed.stdout}\n{completed.stderr}")
    return seconds


def _sample(data: Path, n: int) -> list[str]:
    import pandas as pd

    ids = pd.read_csv(data / "wards.csv", dtype=str)["ward_id"].tolist()
    step = max(1, len(ids) // n)
    return ids[::step][:n]


def measure(size: int, months: int, sample: int, jobs: int, folder: Path) -> dict:
    data, results, reports = folder / f"n{size}", folder / f"results{size}", folder / f"reports{size}"
    row = {"wards": size}
    row["demo_s"] = _timed([*RRP, "demo", "--out", str(data), "--wards", str(size), "--months", str(months)])
    row["validate_s"] = _timed([*RRP, "validate", str(data)])
    row["results_s"] = _timed([*RRP, "results", str(data), "--out", str(results)])
    wards = _sample(data, sample)
    row["reports_s"] = _timed([*RRP, "reports", str(data), "--out", str(reports), "--jobs", str(jobs), "--quiet", "--wards", *wards])
    entries = json.loads((reports / "manifest.json").read_text())["entries"]
    ward_seconds = [entry["seconds"] for key, entry in entries.items() if key.startswith("ward:") and entry["status"] == "ok"]
    row["per_ward_s"] = statistics.mean(ward_seconds) if ward_seconds else float("nan")
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
    print(f"\n{args.months} months, {args.jobs} jobs. Per-ward worker time = mean of the ward tasks' own times.")
    print(f"{'wards':>7} {'validate s':>11} {'results s':>10} {'per-ward s':>11} {'vs ' + format(base['wards'], ',') + ' wards':>14}")
    for row in rows:
        print(f"{row['wards']:>7,} {row['validate_s']:>11.1f} {row['results_s']:>10.1f} {row['per_ward_s']:>11.3f} "
              f"{row['per_ward_s'] / base['per_ward_s']:>13.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
