"""Every bad input of the corpus, through the command line: a clear message, exit 2, no traceback,
nothing written. Warning-only cases exit 0."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import cli
from test_data_corpus import EXPECTED, case_path

ERRORS = sorted(case for case, expected in EXPECTED.items() if expected[0] == "error")


@pytest.mark.parametrize("case", ERRORS)
def test_results_refuses_bad_input_cleanly(case, tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(["results", str(case_path(case)), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert EXPECTED[case][1].split("[")[0] in captured.err  # names the file
    assert "Traceback" not in captured.out + captured.err
    assert not out.exists()


@pytest.mark.parametrize("case", ERRORS)
def test_validate_exits_2(case, capsys):
    assert cli.main(["validate", str(case_path(case))]) == 2
    assert "ERROR" in capsys.readouterr().out


def test_inputs_are_never_modified(tmp_path):
    before = {p: p.read_bytes() for p in (Path(__file__).parent / "bad_inputs").rglob("*") if p.is_file()}
    for case in ERRORS:
        cli.main(["results", str(case_path(case)), "--out", str(tmp_path / case)])
    after = {p: p.read_bytes() for p in before}
    assert before == after


def test_huge_monthly_file_with_one_bad_cell(tmp_path, capsys):
    """A national-size monthly.csv (1,500 wards x 60 months x 3 measures) with one bad count."""
    folder = tmp_path / "huge"
    folder.mkdir()
    months = [f"{year}-{month:02d}" for year in range(2020, 2025) for month in range(1, 13)]
    wards = [f"w{i:04d}" for i in range(1500)]
    (folder / "collaborative.toml").write_text('name = "Huge"\nbaseline = ["2020-01", "2020-12"]\ntesting = ["2021-01", "2024-12"]\n')
    pd.DataFrame({"ward_id": wards, "ward_name": wards, "trust": "T", "specialty": "S", "ward_type": "W", "gender": "G"}).to_csv(
        folder / "wards.csv", index=False
    )
    grid = pd.MultiIndex.from_product([wards, months, ["restraint", "seclusion", "rapid_tranquillisation"]]).to_frame(
        index=False, name=["ward_id", "month", "measure"]
    )
    grid["count"] = np.random.default_rng(1).poisson(3, len(grid)).astype(str)
    grid.loc[200_001, "count"] = "lots"
    grid.to_csv(folder / "monthly.csv", index=False)
    code = cli.main(["results", str(folder), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "row 200003" in err and "'count'" in err and "lots" in err
    assert not (tmp_path / "out").exists()
