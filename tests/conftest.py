"""Shared test helpers: write a small collaborative to a folder from plain Python rows; the
browser timings in the terminal summary (whichever pytest-xdist worker measured them)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

TOML = """name = "Test collaborative"
synthetic = true
description = "tiny hand-made collaborative for tests"
baseline = ["{b0}", "{b1}"]
{testing}
shift_points = {shift_points}
"""


def write_collaborative(
    folder: Path,
    wards: list[dict],
    monthly: list[dict],
    *,
    baseline: tuple[str, str] = ("2020-01", "2020-03"),
    testing: tuple[str, str] | None = ("2020-04", "2020-06"),
    shift_points: int = 8,
    **tables: list[dict],
) -> Path:
    """Write ``collaborative.toml``, ``wards.csv``, ``monthly.csv`` and any other tables given."""
    folder.mkdir(parents=True, exist_ok=True)
    testing_line = f'testing = ["{testing[0]}", "{testing[1]}"]' if testing else ""
    (folder / "collaborative.toml").write_text(
        TOML.format(b0=baseline[0], b1=baseline[1], testing=testing_line, shift_points=shift_points)
    )
    ward_defaults = {"trust": "Trust A", "specialty": "General adult", "ward_type": "Acute/assessment", "gender": "Mixed gender"}
    pd.DataFrame([{**ward_defaults, "ward_name": w["ward_id"].title(), **w} for w in wards]).to_csv(folder / "wards.csv", index=False)
    pd.DataFrame(monthly).to_csv(folder / "monthly.csv", index=False)
    for name, rows in tables.items():
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)
    return folder


def series_rows(ward_id: str, measure: str, months: list[str], counts: list) -> list[dict]:
    """monthly.csv rows for one ward and measure; ``None`` writes an empty (missing) count."""
    return [
        {"ward_id": ward_id, "month": m, "measure": measure, "count": "" if c is None else c}
        for m, c in zip(months, counts)
    ]


@pytest.fixture
def make_collaborative(tmp_path):
    def make(*args, **kwargs):
        return write_collaborative(tmp_path / "collab", *args, **kwargs)

    return make


@pytest.fixture(scope="session", autouse=True)
def _isolated_report_cache(tmp_path_factory):
    """``rrp reports`` keeps its Vega bundle in a per-user cache; tests use their own."""
    import os

    previous = os.environ.get("RRP_CACHE_DIR")
    os.environ["RRP_CACHE_DIR"] = str(tmp_path_factory.mktemp("rrp-cache"))
    yield
    if previous is None:
        os.environ.pop("RRP_CACHE_DIR", None)
    else:
        os.environ["RRP_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def report_setup(tmp_path_factory):
    """A copy of the demo and the notebooks, set up for batch runs (tests/report_support.py)."""
    from report_support import make_setup

    return make_setup(tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="session")
def first_run(report_setup):
    """``rrp reports`` on three wards and the collaborative notebooks: (out, summary)."""
    from report_support import options

    from rrp_helpers.reports import build_reports

    base, data, notebooks = report_setup
    out = base / "out"
    return out, build_reports(options(data, out, notebooks))


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """The valid collaborative's tables of tests/data_support.py, as text: each test its own copy."""
    from data_support import base_tables

    return base_tables()


@pytest.fixture
def good(tmp_path: Path, tables) -> Path:
    """The valid collaborative of tests/data_support.py, written as a folder."""
    from data_support import write_dir

    return write_dir(tmp_path / "collab", tables)


_ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
_TIMINGS = _ARTIFACTS / "timings.json"


def pytest_sessionstart(session):
    """The browser tests' screenshots, logs and timings start afresh, once per run (in the process
    that reports them, before any pytest-xdist worker writes there)."""
    if not hasattr(session.config, "workerinput"):
        import shutil

        shutil.rmtree(_ARTIFACTS, ignore_errors=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The browser tests' timings (tests/browser/browser_support.record_timing), measured by
    whichever worker ran them."""
    import json

    if hasattr(config, "workerinput") or not _TIMINGS.exists():
        return
    terminalreporter.section("browser timings")
    for label, seconds in json.loads(_TIMINGS.read_text()).items():
        terminalreporter.write_line(f"{label}: {seconds:.2f} s")
    terminalreporter.write_line(f"(also in {_TIMINGS.relative_to(_TIMINGS.parents[2])}, with the screenshots)")
