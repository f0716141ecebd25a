"""rrp_helpers.funnel against the reference outputs of FunnelPlotR 0.6.0.

The fixtures in tests/fixtures/funnel_oracle/ are copies of the shared oracle (see its README.md;
cases.json is not copied, the CSVs under cases/ hold the same inputs). Expectations are
FunnelPlotR's numbers, or numbers derived from its columns by the rules the README gives; nothing
here compares the module with its own output.

Rows not used as targets (the README explains why):

* ``RC_*``: the ratio-of-counts funnel, deliberately not offered by the module.
* ``SR_SHMI_adj_and_unadj``: drawing both limit sets at once is not an API option.
* The ``OD*`` columns of CQC rows, and the outlier flags of CQC rows whose adjusted limits were in
  use: FunnelPlotR never squares those limits back (its issue #33). The squared-back limits are
  derived here from the ``OD*`` columns, and the flags from those limits.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import funnel as fn

FIXTURES = Path(__file__).parent / "fixtures" / "funnel_oracle"
RTOL = 1e-9
ATOL = 1e-12  # for values that are exactly 0 in the reference (tau2 without overdispersion)

# setting -> the *_adj setting of the same data, whose summary row holds the real phi and tau2
# (FunnelPlotR reports 0 for both when draw_adjusted = FALSE)
PHI_SOURCE = {
    "SR_SHMI_adj": "SR_SHMI_adj",
    "SR_SHMI_unadj": "SR_SHMI_adj",
    "SR_SHMI_adj_x100": "SR_SHMI_adj_x100",
    "SR_SHMI_adj_noround": "SR_SHMI_adj_noround",
    "SR_CQC_adj": "SR_CQC_adj",
    "SR_CQC_unadj": "SR_CQC_adj",
    "SR_CQC_adj_trim05": "SR_CQC_adj_trim05",
    "RATE_SR_SHMI_adj": "RATE_SR_SHMI_adj",
    "RATE_SR_unadj": "RATE_SR_SHMI_adj",
}


@functools.cache
def _units() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "cases" / "cases_units.csv")


@functools.cache
def _expected_rows() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "expected" / "funnel_expected.csv.gz")


@functools.cache
def _summary() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "expected" / "funnel_summary.csv").set_index(["case_id", "setting_id"])


def _settings() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "cases" / "cases_settings.csv")


SETTINGS = _settings()
TESTED = SETTINGS[SETTINGS["setting_id"].isin(PHI_SOURCE)]


def _run(setting: pd.Series) -> pd.DataFrame:
    """The module's output for one case x setting row of cases_settings.csv."""
    units = _units()[_units()["case_id"] == setting.case_id]
    if setting.setting_id.startswith("RATE_SR"):
        return fn.rate_funnel(
            units["numerator"],
            units["bed_days"],
            per=1000,
            overdispersion=bool(setting.draw_adjusted),
            trim=setting.trim_by,
            unit=units["unit"],
        )
    return fn.funnel(
        units["numerator"],
        units["expected"],
        method=setting.sr_method,
        overdispersion=bool(setting.draw_adjusted),
        trim=setting.trim_by,
        shmi_rounding=bool(setting.SHMI_rounding),
        multiplier=setting.multiplier,
        unit=units["unit"],
    )


def _reference(case_id: str, setting_id: str) -> pd.DataFrame:
    rows = _expected_rows()
    return rows[(rows["case_id"] == case_id) & (rows["setting_id"] == setting_id)].set_index("unit")


def _squared_back(od_limit: pd.Series, multiplier: pd.Series) -> np.ndarray:
    """CQC adjusted limit on the ratio scale from FunnelPlotR's unsquared one."""
    return (np.maximum(0.0, od_limit / multiplier) ** 2 * multiplier).to_numpy()


def _limits_in_use(ref: pd.DataFrame, method: str) -> dict[str, np.ndarray]:
    if not ref["draw_adjusted_used"].all():
        assert not ref["draw_adjusted_used"].any()
        return {name: ref[column].to_numpy() for name, column in
                [("lcl95", "LCL95"), ("ucl95", "UCL95"), ("lcl998", "LCL99"), ("ucl998", "UCL99")]}
    pairs = [("lcl95", "OD95LCL"), ("ucl95", "OD95UCL"), ("lcl998", "OD99LCL"), ("ucl998", "OD99UCL")]
    if method == "CQC":
        return {name: _squared_back(ref[column], ref["multiplier"]) for name, column in pairs}
    return {name: ref[column].to_numpy() for name, column in pairs}


@pytest.mark.parametrize(
    "setting",
    [row for _, row in TESTED.iterrows()],
    ids=[f"{row.case_id}-{row.setting_id}" for row in TESTED.itertuples()],
)
def test_matches_funnelplotr(setting: pd.Series) -> None:
    ref = _reference(setting.case_id, setting.setting_id)
    ours = _run(setting).set_index("unit").loc[ref.index]
    summary = _summary().loc[(setting.case_id, PHI_SOURCE[setting.setting_id])]
    method = "SHMI" if setting.setting_id.startswith("RATE_SR") else setting.sr_method
    value_column = "rate" if setting.setting_id.startswith("RATE_SR") else "ratio"

    np.testing.assert_array_equal(ours["numerator"], ref["numerator"])
    np.testing.assert_allclose(ours["expected"], ref["denominator"], rtol=RTOL)
    np.testing.assert_allclose(ours[value_column], ref["value"], rtol=RTOL)
    np.testing.assert_allclose(ours["z"], ref["Uzscore"], rtol=RTOL)
    np.testing.assert_allclose(ours["z_for_phi"], ref["Wuzscore"], rtol=RTOL)  # NaN = truncated
    np.testing.assert_array_equal(ours["used_for_phi"], ref["Wuzscore"].notna())

    assert ours.attrs["phi"] == pytest.approx(summary["phi"], rel=RTOL)
    assert ours.attrs["tau2"] == pytest.approx(summary["tau2"], rel=RTOL, abs=ATOL)
    assert ours.attrs["n_used_for_phi"] == summary["n_used_for_phi"]
    assert ours.attrs["target"] == pytest.approx(summary["target"] * setting.multiplier, rel=RTOL)
    np.testing.assert_array_equal(ours["adjusted_limits"], ref["draw_adjusted_used"])
    assert ours.attrs["adjusted"] == bool(ref["draw_adjusted_used"].iloc[0])

    limits = _limits_in_use(ref, method)
    for name, reference_limit in limits.items():
        np.testing.assert_allclose(ours[name], reference_limit, rtol=RTOL, err_msg=name)

    if method == "CQC" and ref["draw_adjusted_used"].all():
        value = ref["value"].to_numpy()
        for level in ("95", "998"):
            derived = (value < limits[f"lcl{level}"]) | (value > limits[f"ucl{level}"])
            np.testing.assert_array_equal(ours[f"outlier{level}"], derived)
    else:
        np.testing.assert_array_equal(ours["outlier95"], ref["outlier_95"].astype(bool))
        np.testing.assert_array_equal(ours["outlier998"], ref["outlier_998"].astype(bool))


def test_every_safe_setting_is_covered() -> None:
    covered = set(TESTED["setting_id"])
    assert covered == set(PHI_SOURCE)
    assert len(TESTED) == len(SETTINGS) - 12 * 2 - 2  # all but RC_adj, RC_unadj, both-flags runs


def test_cqc_adjusted_limits_are_wider_than_funnelplotr() -> None:
    # f06: FunnelPlotR's unsquared limits flag 62 units at 95 %; the squared-back ones fewer.
    is_case = SETTINGS["case_id"] == "f06_wide_range_150"
    setting = SETTINGS[is_case & (SETTINGS["setting_id"] == "SR_CQC_adj")].iloc[0]
    ours = _run(setting)
    ref = _reference(setting.case_id, setting.setting_id)
    assert ours.attrs["adjusted"]
    assert (ours["ucl95"].to_numpy() > ref.loc[ours["unit"], "OD95UCL"].to_numpy()).all()
    assert ours["outlier95"].sum() < ref["outlier_95"].sum()


def test_shmi_rounding_f12() -> None:
    case = "f12_expected_4dp_050"
    units = _units()[_units()["case_id"] == case]
    rounded = fn.funnel(units["numerator"], units["expected"], unit=units["unit"])
    unrounded = fn.funnel(units["numerator"], units["expected"], shmi_rounding=False, unit=units["unit"])
    ref_rounded = _reference(case, "SR_SHMI_adj").loc[units["unit"]]
    ref_unrounded = _reference(case, "SR_SHMI_adj_noround").loc[units["unit"]]
    # The ratio always uses E as given; the z-score uses round(E, 2) only with rounding.
    np.testing.assert_array_equal(rounded["ratio"], unrounded["ratio"])
    np.testing.assert_allclose(rounded["ratio"], units["numerator"] / units["expected"], rtol=RTOL)
    np.testing.assert_array_equal(rounded["denominator"], units["expected"])
    np.testing.assert_allclose(rounded["expected"], ref_rounded["denominator"], rtol=0)
    changed = rounded["z"].to_numpy() != unrounded["z"].to_numpy()
    ref_changed = ref_rounded["Uzscore"].to_numpy() != ref_unrounded["Uzscore"].to_numpy()
    np.testing.assert_array_equal(changed, ref_changed)
    assert rounded.attrs["phi"] != unrounded.attrs["phi"]


def test_tied_zscores_share_an_average_rank_f11() -> None:
    case = "f11_equal_denominators_030"
    units = _units()[_units()["case_id"] == case]
    ours = fn.funnel(units["numerator"], units["expected"], unit=units["unit"]).set_index("unit")
    ref = _reference(case, "SR_SHMI_adj")
    assert ref.loc["W004", "rk"] == ref.loc["W007", "rk"] == 16.5
    assert ours.loc["W004", "z"] == ours.loc["W007", "z"]
    assert ours.loc["W004", "used_for_phi"] and ours.loc["W007", "used_for_phi"]
    np.testing.assert_array_equal(ours.loc[ref.index, "used_for_phi"], ref["truncated"] == 0)


def test_ties_at_the_truncation_boundary_use_the_average_rank() -> None:
    # 19 units, trim 0.1: kept when 0 < floor(r * 10 / 20) < 9, i.e. 2 <= r < 18. The three tied
    # lowest z-scores share rank (1 + 2 + 3) / 3 = 2 and the two tied at ranks 17 and 18 share
    # 17.5: all five are kept (minimum or maximum ranks would truncate some); rank 19 is not.
    observed = [5, 5, 5] + list(range(20, 33)) + [40, 40, 50]
    out = fn.funnel(observed, [20.0] * 19)
    assert out["used_for_phi"].tolist() == [True] * 18 + [False]
    assert out.attrs["n_used_for_phi"] == 18


def test_zero_numerator_f05() -> None:
    case = "f05_zero_numerator_045"
    units = _units()[_units()["case_id"] == case]
    shmi = fn.funnel(units["numerator"], units["expected"], unit=units["unit"]).set_index("unit")
    cqc = fn.funnel(units["numerator"], units["expected"], method="CQC", unit=units["unit"]).set_index("unit")
    rate = fn.rate_funnel(units["numerator"], units["bed_days"], unit=units["unit"]).set_index("unit")
    assert shmi.loc["W008", "numerator"] == 0
    assert shmi.loc["W008", "z"] == -math.inf and rate.loc["W008", "z"] == -math.inf
    assert not shmi.loc["W008", "used_for_phi"] and not rate.loc["W008", "used_for_phi"]
    assert shmi.loc["W008", "ratio"] == 0 and rate.loc["W008", "rate"] == 0
    expected_w008 = units.set_index("unit").loc["W008", "expected"]
    assert cqc.loc["W008", "z"] == pytest.approx(-2 * math.sqrt(expected_w008), rel=RTOL)
    reference_z = _reference(case, "SR_CQC_adj").loc["W008", "Uzscore"]
    assert cqc.loc["W008", "z"] == pytest.approx(reference_z, rel=RTOL)
    assert cqc.loc["W008", "used_for_phi"]  # Winsorisation keeps every unit


def test_zero_count_kept_by_truncation_is_left_out_of_phi() -> None:
    # With 5 units and trim 0.1 no unit is truncated (floor(r * 10 / 6) is 1..8 for r = 1..5),
    # so the zero count's -inf z-score would make phi infinite; it is left out instead.
    observed = [0, 12, 30, 8, 25]
    expected = [5.0, 10.0, 15.0, 12.0, 20.0]
    out = fn.funnel(observed, expected)
    z = [math.sqrt(e) * math.log(o / e) for o, e in zip(observed[1:], expected[1:])]
    phi = sum(v * v for v in z) / 4
    assert out.attrs["n_used_for_phi"] == 4
    assert out.attrs["phi"] == pytest.approx(phi, rel=RTOL)
    assert out["used_for_phi"].tolist() == [False, True, True, True, True]
    assert math.isnan(out.loc[0, "z_for_phi"]) and out.loc[0, "z"] == -math.inf
    assert phi > 1 and out.attrs["adjusted"]
    assert math.isfinite(out.attrs["tau2"]) and np.isfinite(out[["lcl95", "ucl95"]].to_numpy()).all()


def test_cqc_lower_limit_floored_at_zero_before_squaring() -> None:
    observed = [0, 2, 40, 5, 90, 12, 3, 60, 20, 1, 30, 70]
    expected = [1.0, 2.0, 20.0, 10.0, 40.0, 15.0, 8.0, 35.0, 25.0, 3.0, 18.0, 50.0]
    out = fn.funnel(observed, expected, method="CQC")
    assert out.attrs["adjusted"]
    half_width = fn.Z998 * math.sqrt(1 / 4 + out.attrs["tau2"])
    assert half_width > 1
    assert out.loc[0, "lcl998"] == 0
    assert out.loc[0, "ratio"] == 0 and not out.loc[0, "outlier998"]  # on the limit is inside
    assert out.loc[0, "ucl998"] == pytest.approx((1 + half_width) ** 2, rel=RTOL)


def test_rate_funnel_scale_and_attrs() -> None:
    case = "f02_overdispersed_100"
    units = _units()[_units()["case_id"] == case]
    index = pd.read_csv(FIXTURES / "cases" / "cases_index.csv").set_index("case_id")
    out = fn.rate_funnel(units["numerator"], units["bed_days"], unit=units["unit"])
    np.testing.assert_allclose(out["rate"], 1000 * units["numerator"] / units["bed_days"], rtol=RTOL)
    np.testing.assert_array_equal(out["denominator"], units["bed_days"])
    np.testing.assert_allclose(out["expected"], units["expected_pooled"], rtol=RTOL)
    assert out.attrs["target"] == pytest.approx(index.loc[case, "pooled_rate_per_1000"], rel=RTOL)
    per_day = fn.rate_funnel(units["numerator"], units["bed_days"], per=1, unit=units["unit"])
    np.testing.assert_allclose(per_day["ucl95"] * 1000, out["ucl95"], rtol=RTOL)


def test_series_index_is_the_default_unit() -> None:
    observed = pd.Series([3, 5, 9], index=["a", "b", "c"])
    expected = pd.Series([4.0, 5.0, 6.0], index=["a", "b", "c"])
    assert fn.funnel(observed, expected)["unit"].tolist() == ["a", "b", "c"]
    assert fn.funnel([3, 5, 9], [4.0, 5.0, 6.0])["unit"].tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="different indexes"):
        fn.funnel(observed, expected.set_axis(["c", "b", "a"]))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fn.funnel([1, -1], [1.0, 2.0]), "numerator must not be negative"),
        (lambda: fn.funnel([1, 2], [1.0, 0.0]), "expected must be positive"),
        (lambda: fn.funnel([1, 2], [1.0, -2.0]), "expected must be positive"),
        (lambda: fn.funnel([1, 2, 3], [1.0, 2.0]), "differ in length"),
        (lambda: fn.funnel([1, 2], [1.0, 2.0], unit=["a"]), "unit has 1 labels"),
        (lambda: fn.funnel([1, 2], [1.0, 2.0], method="shmi"), "method must be one of"),
        (lambda: fn.funnel([1, 2], [1.0, 2.0], method="RC"), "method must be one of"),
        (lambda: fn.funnel([1, 2], [1.0, 2.0], trim=0), "trim must lie strictly between"),
        (lambda: fn.funnel([1, 2], [1.0, 2.0], trim=0.5), "trim must lie strictly between"),
        (lambda: fn.funnel([1, 2], [1.0, 2.0], multiplier=0), "multiplier must be a positive"),
        (lambda: fn.funnel([1, float("nan")], [1.0, 2.0]), "missing or infinite"),
        (lambda: fn.funnel(["x", "y"], [1.0, 2.0]), "numerator must be numeric"),
        (lambda: fn.funnel([], []), "empty"),
        (lambda: fn.funnel([1, 2], [0.004, 2.0]), "rounds to 0"),
        (lambda: fn.rate_funnel([0, 0], [100.0, 200.0]), "no incidents"),
        (lambda: fn.rate_funnel([1, 2], [100.0, 0.0]), "bed_days must be positive"),
        (lambda: fn.rate_funnel([1, -2], [100.0, 10.0]), "incidents must not be negative"),
        (lambda: fn.rate_funnel([1, 2], [100.0, 10.0], per=-5), "per must be a positive"),
        (lambda: fn.rate_funnel([1, 2], [100.0, 10.0], trim=0.6), "trim must lie strictly between"),
    ],
)
def test_invalid_inputs(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_small_expected_allowed_without_rounding() -> None:
    out = fn.funnel([1, 2], [0.004, 2.0], shmi_rounding=False)
    assert out.loc[0, "expected"] == 0.004


@pytest.mark.parametrize("overdispersion", [True, False])
def test_rate_limits_draw_the_funnels_own_limits(overdispersion):
    plot = fn.rate_funnel([10, 20, 30, 5, 50], [1000, 2000, 2500, 900, 3000], overdispersion=overdispersion)
    curve = fn.rate_limits(plot["denominator"], pooled_rate=plot.attrs["pooled_rate"], per=plot.attrs["per"],
                               tau2=plot.attrs["tau2"], adjusted=plot.attrs["adjusted"])
    for column in ("lcl95", "ucl95", "lcl998", "ucl998"):
        np.testing.assert_allclose(curve[column], plot[column], rtol=1e-12)
    assert plot.attrs["adjusted"] is overdispersion  # these units are overdispersed
