"""Run every benchmark in this folder, one after the other, each in its own process.

Usage: ``python benchmarks/run_all.py [spc] [reports] [report-parts] [chance] [explorer] [national]`` (default: all). Each benchmark prints its
own measurements and ratios side by side; nothing here asserts a time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "spc": HERE / "bench_spc.py",
    "reports": HERE / "bench_reports.py",
    "report-parts": HERE / "bench_report_parts.py",
    "chance": HERE / "bench_chance.py",
    "explorer": HERE / "bench_explorer.py",
    "national": HERE / "bench_national.py",
}


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    status = 0
    for name in names or list(BENCHMARKS):
        print(f"\n=== {name}: {BENCHMARKS[name].name} ===", flush=True)
        status |= subprocess.call([sys.executable, str(BENCHMARKS[name])])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
