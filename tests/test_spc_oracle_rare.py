"""g and t charts against the reference outputs of qicharts2 0.8.1 (rare events).

The fixtures in tests/fixtures/spc_oracle_rare/ are copies of the shared rare-event oracle (see
its README.md): 40 input series, the per-point outputs qicharts2 computed for 38 of them and the
2 inputs it refused. Expectations are the R outputs, or rules re-derived in plain Python loops
(test_spc_oracle.py) from qicharts2's per-point centre lines and limits.
"""

from __future__ import annotations

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

FIXTURES = Path(__file__).parent / "fixtures" / "spc_oracle_rare"


@dataclass(frozen=True)
class Case:
    case_id: str
    chart: str
    x: pd.Series
    y: pd.Series
    freeze: int | None
    part: list[int]  # qicharts2 convention: last point of each phase before a break
    exclude: list[int]  # 1-based
    multiply: float
    y_neg: bool
    screened: bool



def _load_cases() -> dict[str, Case]:
    index = pd.read_csv(FIXTURES / "cases" / "cases_index.csv", dtype=str, keep_default_na=False)
    data = pd.read_csv(FIXTURES / "cases" / "cases_data.csv", dtype={"x": str})
    cases = {}
    for row in index.itertuples(index=False):
        points = data[data["case_id"] == row.case_id].sort_values("idx").reset_index(drop=True)
        dated = points["x"].str.contains("-").all()
        x = pd.to_datetime(points["x"]) if dated else points["x"].astype(int)
        assert row.has_denominator == "False"
        cases[row.case_id] = Case(
            case_id=row.case_id,
            chart=row.chart,
            x=x,
            y=points["y"].astype(float),
            freeze=int(row.freeze) if row.freeze else None,
            part=int_list(row.part),
            exclude=int_list(row.exclude),
            multiply=float(row.multiply),
            y_neg=row.y_neg == "True",
            screened=row.screenedmr == "True",
        )
    return cases


CASES = _load_cases()
QIC = pd.read_csv(FIXTURES / "expected" / "qic_expected.csv")
QIC_SUMMARY = pd.read_csv(FIXTURES / "expected" / "qic_summary.csv").rename(columns=lambda name: name.replace(".", "_"))
ERRORS = pd.read_csv(FIXTURES / "expected" / "qic_errors.csv")
CHARTED = sorted(QIC["case_id"].unique())


def _qic_rows(case_id: str) -> pd.DataFrame:
    return QIC[QIC["case_id"] == case_id].sort_values("idx").reset_index(drop=True)


def _ours(case: Case, **overrides: object) -> pd.DataFrame:
    """Our chart with the options qicharts2 applied (no rare case gives both part and freeze)."""
    options: dict[str, object] = dict(
        chart=case.chart,
        freeze=case.freeze,
        part=case.part or None,  # qicharts2's part = c(15) is our part=[15]
        exclude=[position - 1 for position in case.exclude] or None,
        multiply=case.multiply,
        y_neg=case.y_neg,
        screen_mr=case.screened,
    )
    options.update(overrides)
    return spc.control_chart(case.y, x=case.x, **options)  # type: ignore[arg-type]


def test_fixtures_are_complete() -> None:
    assert len(CASES) == 40
    assert sum(case.chart == "g" for case in CASES.values()) == 21
    assert len(CHARTED) == 38
    assert set(CHARTED) | set(ERRORS["case_id"]) == set(CASES)
    assert not any(case.part and case.freeze for case in CASES.values())  # qicharts2 would ignore freeze


@pytest.mark.parametrize("case_id", CHARTED)
def test_agrees_with_qicharts2(case_id: str) -> None:
    case = CASES[case_id]
    expected = _qic_rows(case_id)
    ours = _ours(case)
    assert_matches_qicharts2(ours, expected)
    assert ours["n"].isna().all()
    # Lower limits: g always 0; t 0 only where the transformed limit is negative.
    if case.chart == "g":
        assert (ours["lcl"] == 0).all() and (ours["lcl_2sigma"] == 0).all()


def first_n_obs_matches(phase, row) -> bool:
    return phase.iloc[0]["n_obs"] == row.n_obs


def test_summary_per_part_agrees_with_qicharts2() -> None:
    """The per-part summary file: first CL/limits and runs statistics of every phase."""
    assert len(QIC_SUMMARY) == 43  # 38 cases, 5 of them with a second or third part
    for row in QIC_SUMMARY.itertuples(index=False):
        ours = _ours(CASES[row.case_id])
        assert_summary_matches(ours, row)
        phase = ours[ours["part"] == row.part]
        assert phase.index[0] + 1 == row.first_idx and first_n_obs_matches(phase, row)


@pytest.mark.parametrize("case_id", sorted(ERRORS["case_id"]))
def test_refuses_what_qicharts2_refuses(case_id: str) -> None:
    message = ERRORS.loc[ERRORS["case_id"] == case_id, "error"].item()
    assert message == "Time between events must be greater than zero"
    with pytest.raises(ValueError, match="greater than zero"):
        _ours(CASES[case_id])


@pytest.mark.parametrize("case_id", CHARTED)
def test_collaborative_and_ihi_rules_match_rules_derived_from_qicharts2(case_id: str) -> None:
    case = CASES[case_id]
    expected = _qic_rows(case_id)
    for rules, shift, trend in (("collaborative", 8, 6), ("ihi", 6, 5)):
        ours = _ours(case, rules=rules)
        assert_flags(ours["shift"], loop_shift(expected, shift, centre_line_breaks=False), f"{rules} shift")
        assert_flags(ours["trend"], loop_trend(expected, trend, ties_break=False), f"{rules} trend")
        assert_flags(ours["two_of_three"], loop_two_of_three(expected), f"{rules} two of three")
    # mdc changes the rules, not the g/t limits.
    mdc = _ours(case, rules="mdc")
    assert_close(mdc["ucl"], expected["ucl"], "mdc ucl")
    assert_flags(mdc["shift"], loop_shift(expected, 7, centre_line_breaks=True), "mdc shift")


def test_designed_cases() -> None:
    """The behaviours the README singles out, on the cases designed for them."""
    zero_median = _ours(CASES["g_15_median_zero"])
    assert (zero_median["cl"] == 0).all() and zero_median["n_useful"].iloc[0] == 4
    all_zero = _ours(CASES["g_10_all_zero"])
    assert (all_zero[["cl", "ucl", "lcl"]] == 0).all().all()
    assert all_zero["longest_run"].isna().all() and not all_zero["runs_signal"].any()
    excluded = _ours(CASES["g_25_exclude"])
    assert excluded["sigma_signal"].iloc[7] and not excluded["include"].iloc[7]
    clustered = _ours(CASES["t_20_clustered_lcl95_na"])
    assert (clustered["lcl"] == 0).all() and clustered["lcl_2sigma"].isna().all()
    positive = _ours(CASES["t_24_regular_lcl_positive"])
    assert (positive["lcl"] > 5).all() and (positive["lcl_2sigma"] > positive["lcl"]).all()
    hours = _ours(CASES["t_20_hours_multiply24"])
    days = _ours(CASES["t_20_hours_multiply24"], multiply=1)
    np.testing.assert_allclose(hours[["y", "cl", "ucl", "lcl"]], 24 * days[["y", "cl", "ucl", "lcl"]], rtol=1e-15)
