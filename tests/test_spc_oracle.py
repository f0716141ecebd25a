"""rrp_helpers.spc against the reference outputs of qicharts2 0.8.1 and NHSRplotthedots 0.2.2.

The fixtures in tests/fixtures/spc_oracle/ are copies of the shared oracle (see its README.md):
54 input series with the per-point outputs the two R packages computed. Nothing here compares
the module with its own output: expectations are the R outputs, or rules re-derived in plain
Python loops from the R packages' per-point centre lines and limits.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from qicharts2_oracle import (
    assert_close,
    assert_flags,
    assert_matches_qicharts2,
    assert_summary_matches,
    int_list,
    loop_shift,
    loop_trend,
    loop_two_of_three,
)

from rrp_helpers import spc

FIXTURES = Path(__file__).parent / "fixtures" / "spc_oracle"


# ----------------------------------------------------------------------------------------------
# Loading the fixtures
# ----------------------------------------------------------------------------------------------



@dataclass(frozen=True)
class Case:
    case_id: str
    chart: str
    x: pd.Series
    y: pd.Series
    n: pd.Series | None
    freeze: int | None
    part: list[int]  # qicharts2 convention: last point of each phase before a break
    exclude: list[int]  # 1-based
    multiply: float
    y_neg: bool
    screened: bool
    ptd_fix_after: int | None
    ptd_rebase_at: list[int]  # 1-based first point of each new phase
    ptd_screen: bool


def _load_cases() -> dict[str, Case]:
    index = pd.read_csv(FIXTURES / "cases" / "cases_index.csv", dtype=str, keep_default_na=False)
    data = pd.read_csv(FIXTURES / "cases" / "cases_data.csv", dtype={"x": str})
    cases = {}
    for row in index.itertuples(index=False):
        points = data[data["case_id"] == row.case_id].sort_values("idx")
        cases[row.case_id] = Case(
            case_id=row.case_id,
            chart=row.chart,
            x=points["x"].reset_index(drop=True),
            y=points["y"].astype(float).reset_index(drop=True),
            n=points["n"].astype(float).reset_index(drop=True) if row.has_denominator == "True" else None,
            freeze=int(row.freeze) if row.freeze else None,
            part=int_list(row.part),
            exclude=int_list(row.exclude),
            multiply=float(row.multiply),
            y_neg=row.y_neg == "True",
            screened=row.screenedmr == "True",
            ptd_fix_after=int(row.ptd_fix_after_n_points) if row.ptd_fix_after_n_points else None,
            ptd_rebase_at=int_list(row.ptd_rebase_at),
            ptd_screen=row.ptd_screen_outliers == "True",
        )
    return cases


CASES = _load_cases()
QIC = pd.read_csv(FIXTURES / "expected" / "qic_expected.csv")
PTD = pd.read_csv(FIXTURES / "expected" / "ptd_expected.csv")
QIC_SUMMARY = pd.read_csv(FIXTURES / "expected" / "qic_summary.csv").rename(
    columns=lambda name: name.replace(".", "_")
)
PTD_CASES = sorted(PTD["case_id"].unique())


def _qic_rows(case_id: str) -> pd.DataFrame:
    return QIC[QIC["case_id"] == case_id].sort_values("idx").reset_index(drop=True)


def _ptd_rows(case_id: str) -> pd.DataFrame:
    return PTD[PTD["case_id"] == case_id].sort_values("idx").reset_index(drop=True)


def _ours_as_qicharts2(case: Case, **overrides: object) -> pd.DataFrame:
    """Our chart with the options qicharts2 actually applied (it ignores freeze when part is set)."""
    options: dict[str, object] = dict(
        chart=case.chart,
        freeze=None if case.part else case.freeze,
        part=case.part or None,  # qicharts2's part = c(12) is our part=[12]
        exclude=[position - 1 for position in case.exclude] or None,
        multiply=case.multiply,
        y_neg=case.y_neg,
        screen_mr=case.screened,
    )
    options.update(overrides)
    return spc.control_chart(case.y, case.n, **options)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------
# qicharts2 0.8.1: every case, every point
# ----------------------------------------------------------------------------------------------


def test_fixtures_are_complete() -> None:
    assert len(CASES) == 54
    assert set(QIC["case_id"]) == set(CASES)
    assert set(PTD_CASES) == set(CASES) - {"run_24_na"}  # ptd errors on run_24_na


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_agrees_with_qicharts2(case_id: str) -> None:
    case = CASES[case_id]
    expected = _qic_rows(case_id)
    ours = _ours_as_qicharts2(case)
    assert_matches_qicharts2(ours, expected)

    # Denominators: qicharts2 reports a missing subgroup as n = 0; we report NaN (documented).
    if case.n is not None:
        reported = expected["n"] > 0
        assert_close(ours["n"][reported], expected["n"][reported], "n")
        assert ours["n"][~reported].isna().all()
    else:
        assert ours["n"].isna().all()


def test_summary_per_part_agrees_with_qicharts2() -> None:
    """The per-part summary file: first CL/limits and runs statistics of every phase."""
    for row in QIC_SUMMARY.itertuples(index=False):
        ours = _ours_as_qicharts2(CASES[row.case_id])
        assert_summary_matches(ours, row)


# ----------------------------------------------------------------------------------------------
# Pattern rules re-derived in plain loops from qicharts2's per-point centre lines and limits
# (neither R package implements the collaborative's shift of 8; see the oracle README).
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_collaborative_and_ihi_rules_match_rules_derived_from_qicharts2(case_id: str) -> None:
    case = CASES[case_id]
    expected = _qic_rows(case_id)
    collaborative = _ours_as_qicharts2(case, rules="collaborative")
    assert_flags(collaborative["shift"], loop_shift(expected, 8, centre_line_breaks=False), "shift 8")
    assert_flags(collaborative["trend"], loop_trend(expected, 6, ties_break=False), "trend 6")
    assert_flags(collaborative["two_of_three"], loop_two_of_three(expected), "two of three")
    ihi = _ours_as_qicharts2(case, rules="ihi")
    assert_flags(ihi["shift"], loop_shift(expected, 6, centre_line_breaks=False), "ihi shift 6")
    assert_flags(ihi["trend"], loop_trend(expected, 5, ties_break=False), "ihi trend 5")
    assert_flags(ihi["two_of_three"], loop_two_of_three(expected), "ihi two of three")
    # Astronomical points are the same under every preset for non-i charts and for i charts
    # outside mdc: qicharts2's sigma.signal.
    assert_flags(ihi["sigma_signal"], expected["sigma.signal"], "ihi sigma_signal")


def test_shift_of_seven_versus_eight_on_the_designed_case() -> None:
    """i_24_shift7_exact: exactly 7 points above the mean (positions 9-15, 1-based)."""
    case = CASES["i_24_shift7_exact"]
    expected = _qic_rows("i_24_shift7_exact")
    assert expected["longest.run"].iloc[0] == 7
    assert not _ours_as_qicharts2(case)["shift"].any()  # collaborative: 8 needed
    seven = _ours_as_qicharts2(case, shift_points=7)["shift"]
    assert np.flatnonzero(seven.to_numpy()).tolist() == list(range(8, 15))


# ----------------------------------------------------------------------------------------------
# freeze within each phase: the one case where we differ from qicharts2 on purpose
# ----------------------------------------------------------------------------------------------


def test_freeze_applies_within_each_phase() -> None:
    """i_31_shift_part12_freeze6: qicharts2 ignores freeze=6 when part is given; we freeze each phase."""
    case = CASES["i_31_shift_part12_freeze6"]
    y = case.y.to_numpy()
    ours = spc.control_chart(y, chart="i", freeze=6, part=[12])

    # Independent expectation: each phase charted on its own with its first 6 points frozen.
    for phase_number, (start, stop) in enumerate([(0, 12), (12, 31)], start=1):
        alone = spc.control_chart(y[start:stop], chart="i", freeze=6)
        phase = ours.iloc[start:stop].reset_index(drop=True)
        assert (phase["part"] == phase_number).all()
        for column in ["cl", "ucl", "lcl", "ucl_2sigma", "lcl_2sigma", "longest_run", "n_crossings",
                       "n_useful", "longest_run_max", "n_crossings_min"]:
            assert_close(phase[column], alone[column], column)
        for column in ["baseline", "sigma_signal", "runs_signal", "shift", "trend", "two_of_three"]:
            assert_flags(phase[column], alone[column], column)
        assert phase["baseline"].tolist() == [True] * 6 + [False] * (stop - start - 6)

    # Hand check of phase 1: mean and screened average moving range of its first 6 points.
    baseline = [float(value) for value in y[:6]]
    centre = statistics.fmean(baseline)
    ranges = [abs(b - a) for a, b in zip(baseline, baseline[1:])]
    average_range = statistics.fmean(ranges)
    screened = [r for r in ranges if r < 3.267 * average_range]
    sigma = statistics.fmean(screened) / 1.128
    assert math.isclose(ours["cl"].iloc[0], centre, rel_tol=1e-12)
    assert math.isclose(ours["ucl"].iloc[0], centre + 3 * sigma, rel_tol=1e-12)
    assert math.isclose(ours["lcl"].iloc[11], centre - 3 * sigma, rel_tol=1e-12)

    # ... and that is different from what qicharts2 drew (it used all 12 points of phase 1).
    qicharts2 = _qic_rows("i_31_shift_part12_freeze6")
    assert not math.isclose(ours["cl"].iloc[0], qicharts2["cl"].iloc[0], rel_tol=1e-6)
    # Without freeze we reproduce qicharts2 exactly (its output equals i_31_shift_part12).
    assert_close(
        spc.control_chart(y, chart="i", part=[12])["ucl"], qicharts2["ucl"], "ucl without freeze"
    )


# ----------------------------------------------------------------------------------------------
# NHSRplotthedots 0.2.2 (Making Data Count): the "mdc" preset on XmR charts
# ----------------------------------------------------------------------------------------------


def _ours_as_ptd(case: Case, y: pd.Series) -> pd.DataFrame:
    return spc.control_chart(
        y,
        chart="i",  # ptd only draws XmR charts; u/p cases were fed to it as rates
        freeze=case.ptd_fix_after,
        part=[position - 1 for position in case.ptd_rebase_at] or None,
        screen_mr=case.ptd_screen,
        rules="mdc",
    )


def _defined(expected: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Mask of the rows where ptd gave TRUE/FALSE (not NA), and those values."""
    defined = expected.notna().to_numpy()
    values = expected[defined].map(lambda value: str(value).upper() == "TRUE").to_numpy(dtype=bool)
    return defined, values


@pytest.mark.parametrize("case_id", PTD_CASES)
def test_mdc_preset_agrees_with_nhsrplotthedots(case_id: str) -> None:
    case = CASES[case_id]
    expected = _ptd_rows(case_id)
    ours = _ours_as_ptd(case, expected["y"])
    assert len(ours) == len(expected)
    for our_column, their_column in [
        ("cl", "mean_col"),
        ("ucl", "upl"),
        ("lcl", "lpl"),
        ("ucl_2sigma", "nupl_derived"),
        ("lcl_2sigma", "nlpl_derived"),
    ]:
        assert_close(ours[our_column], expected[their_column], our_column)
    assert_close(ours["part"], expected["rebase_group"] + 1, "part")
    # Rules, wherever ptd defines them (it returns NA around missing values).
    for our_column, their_column in [
        ("sigma_signal", "rule_astronomical"),
        ("shift", "rule_shift7"),
        ("trend", "rule_trend7"),
        ("two_of_three", "rule_two_in_three"),
    ]:
        defined, values = _defined(expected[their_column])
        assert_flags(ours[our_column][defined], values, our_column)


def test_mdc_rebase_group_shorter_than_freeze_and_limit_constant() -> None:
    """i_24_limit_constant_boundary: 2.66 x AMR (ptd) versus 3 / 1.128 x AMR (qicharts2)."""
    case = CASES["i_24_limit_constant_boundary"]
    qicharts2 = _ours_as_qicharts2(case)
    mdc = _ours_as_ptd(case, case.y)
    assert qicharts2["sigma_signal"].iloc[13]  # position 14 (1-based) is beyond 3/1.128 x AMR
    assert not mdc["sigma_signal"].iloc[13]  # ... but inside 2.66 x AMR


def test_mdc_on_run_24_na_where_nhsrplotthedots_errors() -> None:
    """ptd_spc() errors on run_24_na (an NA inside a 7-point trend window, issue #156).

    What is defensible and tested here: the limits follow ptd's own conventions (mean of the
    non-missing values; moving ranges next to a missing value are dropped, not bridged; one
    screening pass; mean +/- 2.66 x AMR), computed by hand below, and the rules skip missing
    values instead of failing: no 7-point trend exists among consecutive non-missing values,
    and shift/two-of-three match plain-loop derivations on the non-missing points.
    """
    case = CASES["run_24_na"]
    values = case.y.tolist()
    ours = spc.control_chart(case.y, chart="i", rules="mdc")

    present = [value for value in values if not math.isnan(value)]
    mean = statistics.fmean(present)
    ranges = [abs(b - a) for a, b in zip(values, values[1:]) if not (math.isnan(a) or math.isnan(b))]
    average_range = statistics.fmean(ranges)
    average_range = statistics.fmean([r for r in ranges if r < 3.267 * average_range])
    assert math.isclose(ours["cl"].iloc[0], mean, rel_tol=1e-12)
    assert math.isclose(ours["ucl"].iloc[0], mean + 2.66 * average_range, rel_tol=1e-12)
    assert math.isclose(ours["lcl"].iloc[0], mean - 2.66 * average_range, rel_tol=1e-12)
    assert math.isclose(ours["ucl_2sigma"].iloc[0], mean + 2 / 3 * 2.66 * average_range, rel_tol=1e-12)
    assert ours["y"].isna().sum() == 3
    assert not ours.loc[ours["y"].isna(), ["shift", "trend", "two_of_three", "sigma_signal"]].any().any()

    frame = pd.DataFrame(
        {"y": ours["y"], "cl": ours["cl"], "ucl.95": ours["ucl_2sigma"], "lcl.95": ours["lcl_2sigma"],
         "include": True, "part": 1}
    )
    assert_flags(ours["shift"], loop_shift(frame, 7, centre_line_breaks=True), "shift 7")
    assert_flags(ours["trend"], loop_trend(frame, 7, ties_break=True), "trend 7")
    assert not ours["trend"].any()
    assert (ours["sigma_signal"] == ((ours["y"] > ours["ucl"]) | (ours["y"] < ours["lcl"]))).all()
