"""``import_mhsds`` (the package's entry point, what ``rrp import-mhsds`` calls): the shipped
extract reimported byte for byte, periods, and refusals before anything is read or written."""

from __future__ import annotations

import pandas as pd
import pytest
from importers_mhsds_samples import RAW, assert_is_the_shipped_collaborative, raw_hashes

from rrp_helpers.data import load_collaborative, validate
from rrp_helpers.importers import mhsds
from rrp_helpers.importers.mhsds import ImportRefused, import_mhsds


def test_reimporting_the_shipped_extract_gives_the_shipped_collaborative_byte_for_byte(tmp_path):
    before = raw_hashes()
    out = tmp_path / "collaborative"
    imported = import_mhsds([RAW], out)
    assert_is_the_shipped_collaborative(out)
    assert raw_hashes() == before  # inputs are only read
    assert imported.summary[0] == "Read 36 file(s): 36 provider extract (no header row)"
    assert validate(out).errors == ()


def test_baseline_and_testing_periods(tmp_path):
    out = tmp_path / "c"
    import_mhsds([str(RAW)], str(out), baseline="2021-09:2022-02", testing="2022-03:2022-08")
    cfg = load_collaborative(out).config
    assert (cfg.testing_start, cfg.testing_end) == (pd.Timestamp("2022-03-01"), pd.Timestamp("2022-08-01"))
    assert len(cfg.baseline_months()) == 6


@pytest.mark.parametrize(("baseline", "why"), [("2021-9:2022-02", "--baseline '2021-9:2022-02': write the period"),
                                               ("2021-01:2021-12", "include 2021-01 to 2021-08")])
def test_a_period_that_cannot_be_imported_is_refused_and_nothing_written(tmp_path, baseline, why):
    out = tmp_path / "out"
    with pytest.raises(ImportRefused) as refused:
        import_mhsds([RAW], out, baseline=baseline)
    assert why in refused.value.problems[0]
    assert list(tmp_path.iterdir()) == []


def test_the_output_may_not_land_inside_or_replace_an_input(tmp_path):
    inputs = tmp_path / "inputs"
    (inputs / "raw").mkdir(parents=True)
    (inputs / "raw" / "rstr.csv").write_text("01/09/2021,A TRUST,MHS76,10\n")
    with pytest.raises(ImportRefused, match="is inside the input folder"):
        import_mhsds([inputs / "raw"], inputs / "raw" / "out")
    with pytest.raises(ImportRefused, match="holds the input"):
        import_mhsds([inputs / "raw" / "rstr.csv"], inputs)
    assert [p.name for p in (inputs / "raw").iterdir()] == ["rstr.csv"]


def test_the_package_has_no_command_line_code():
    assert not hasattr(mhsds, "run") and not hasattr(mhsds, "add_arguments")
    assert mhsds.__doc__.startswith("Import NHS Digital MHSDS restrictive-intervention files as a collaborative")
