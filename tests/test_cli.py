"""The ``rrp`` command line, run as a user runs it (a subprocess), with its exit codes."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rrp_helpers.cli import build_parser

pytestmark = pytest.mark.slow  # every test starts `rrp` in a subprocess

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
RRP = [sys.executable, "-m", "rrp_helpers.cli"]


def run(*args, cwd=None):
    return subprocess.run([*RRP, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


@pytest.mark.parametrize("command", subcommands())
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0
    assert "usage: rrp" in result.stdout and command in result.stdout


def test_validate_demo_exits_0_with_warnings_only():
    result = run("validate", DEMO)
    assert result.returncode == 0, result.stdout
    assert "No errors" in result.stdout


def test_validate_bad_input_exits_2_and_names_file_row_column(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(DEMO, bad)
    lines = (bad / "monthly.csv").read_text().splitlines()
    fields = lines[5].split(",")
    fields[3] = "-3"  # the count column
    lines[5] = ",".join(fields)
    (bad / "monthly.csv").write_text("\n".join(lines) + "\n")
    result = run("validate", bad)
    assert result.returncode == 2
    assert "monthly.csv" in result.stdout and "row 6" in result.stdout and "count" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_results_writes_every_table_and_prints_the_headline(tmp_path):
    out = tmp_path / "out"
    result = run("results", DEMO, "--out", out)
    assert result.returncode == 0, result.stderr
    expected = {
        "table1.csv", "collaborative_results.csv", "team_results.csv", "team_summary.csv", "table2.csv",
        "concept_outcomes.csv", "source_agreement.csv", "results.xlsx",
    }
    assert expected <= {p.name for p in out.iterdir()}
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    team = pd.read_csv(out / "team_results.csv")
    assert {"ward_id", "measure", "baseline_mean", "final_mean", "reduction_pct", "sustained", "shift_start"} <= set(team.columns)
    assert set(team["sustained"]) <= {"improvement", "deterioration", "none"}
    sheets = pd.read_excel(out / "results.xlsx", sheet_name=None)
    assert sheets["team_results"].shape == team.shape
    assert "24 of 38 wards (63%)" in result.stdout


def test_results_on_bad_data_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(DEMO, bad)
    (bad / "wards.csv").write_text("ward_id,ward_name\nx,y\n")
    out = tmp_path / "out"
    result = run("results", bad, "--out", out)
    assert result.returncode == 2
    assert "wards.csv" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_demo_command_writes_a_loadable_collaborative(tmp_path):
    result = run("demo", "--out", tmp_path / "demo", "--seed", "20181001")
    assert result.returncode == 0
    assert (tmp_path / "demo" / "monthly.csv").read_bytes() == (DEMO / "monthly.csv").read_bytes()
