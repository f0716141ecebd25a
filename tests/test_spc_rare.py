"""rrp_helpers.spc.rare: g and t values from a ward's daily safety cross.

By hand on a few days, then against the 6 cases of the rare-event oracle derived from daily
records (tests/fixtures/spc_oracle_rare/cases/cases_daily.csv): their values, closing dates,
intervention-date positions and the qicharts2 charts drawn from them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import spc

FIXTURES = Path(__file__).parent / "fixtures" / "spc_oracle_rare"

# Ten days: incidents on the 2nd, two on the 5th, the 6th and the 10th.
DAYS = pd.date_range("2024-01-01", periods=10, freq="D")
COUNTS = [0, 1, 0, 0, 2, 1, 0, 0, 0, 1]


def daily(counts: list, days: pd.DatetimeIndex = DAYS) -> pd.DataFrame:
    return pd.DataFrame({"date": days, "count": counts})


def test_g_values_by_hand() -> None:
    g = spc.events_between(daily(COUNTS), kind="g")
    # 2nd -> 5th: the 3rd and 4th are incident-free (2); the 5th twice (0); 5th -> 6th (0);
    # 6th -> 10th: 7th, 8th, 9th (3). The first incident and the open gap at the end give nothing.
    assert g["value"].tolist() == [2, 0, 0, 3]
    assert g["date"].tolist() == [DAYS[4], DAYS[4], DAYS[5], DAYS[9]]
    assert list(g.columns) == ["date", "value"]


def test_t_values_by_hand() -> None:
    t = spc.events_between(daily(COUNTS), kind="t")
    assert t["value"].tolist() == [3, 1, 4]  # days between incident days: the 5th counts once
    assert t["date"].tolist() == [DAYS[4], DAYS[5], DAYS[9]]


def test_absent_or_unmarked_days_are_days_without_incidents() -> None:
    expected = spc.events_between(daily(COUNTS), kind="g")
    keep = [0, 1, 4, 5, 6, 7, 8, 9]  # the 3rd and 4th not recorded
    gaps = daily([COUNTS[i] for i in keep], DAYS[keep])
    gaps.loc[6, "count"] = None  # the 9th recorded without a count
    pd.testing.assert_frame_equal(spc.events_between(gaps, kind="g"), expected)
    shuffled = daily(COUNTS).sample(frac=1, random_state=3)  # any row order
    pd.testing.assert_frame_equal(spc.events_between(shuffled, kind="g"), expected)
    as_text = daily(COUNTS).assign(date=DAYS.strftime("%Y-%m-%d"))
    pd.testing.assert_frame_equal(spc.events_between(as_text, kind="g"), expected, check_dtype=False)


def test_fewer_than_two_incidents_give_no_values() -> None:
    for counts in ([0] * 10, [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]):
        for kind in ("g", "t"):
            assert spc.events_between(daily(counts), kind=kind).empty
    # One day with two incidents: one g value (0), no t value.
    two_on_a_day = [0, 0, 2, 0, 0, 0, 0, 0, 0, 0]
    assert spc.events_between(daily(two_on_a_day), kind="g")["value"].tolist() == [0]
    assert spc.events_between(daily(two_on_a_day), kind="t").empty


@pytest.mark.parametrize(
    ("frame", "kind", "message"),
    [
        (daily(COUNTS), "c", "kind"),
        (daily(COUNTS).rename(columns={"count": "incidents"}), "g", "count"),
        (daily([0, 1, 0, 0, -2, 1, 0, 0, 0, 1]), "g", "whole numbers"),
        (daily([0, 1, 0, 0, 1.5, 1, 0, 0, 0, 1]), "t", "whole numbers"),
        (daily(COUNTS, DAYS[[0, 1, 2, 3, 4, 4, 6, 7, 8, 9]]), "g", "more than one row"),
        (daily(COUNTS).assign(date=["2024-01-01", None, *DAYS[2:].strftime("%Y-%m-%d")]), "g", "missing"),
        (daily(COUNTS).assign(date="someday"), "g", "date"),
    ],
)
@pytest.mark.filterwarnings("ignore:Could not infer format")
def test_bad_daily_records_raise(frame: pd.DataFrame, kind: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        spc.events_between(frame, kind=kind)


def test_values_before_a_date() -> None:
    g = spc.events_between(daily(COUNTS), kind="g")
    assert spc.values_before(g, "2024-01-05") == 0  # the values closed on the 5th are after
    assert spc.values_before(g, "2024-01-06") == 2
    assert spc.values_before(g, pd.Timestamp("2024-02-01")) == 4


# ----------------------------------------------------------------------------------------------
# The daily cases of the rare-event oracle
# ----------------------------------------------------------------------------------------------

SPECS = {case["case_id"]: case for case in json.loads((FIXTURES / "cases" / "cases.json").read_text())["cases"]}
DAILY = pd.read_csv(FIXTURES / "cases" / "cases_daily.csv")
QIC = pd.read_csv(FIXTURES / "expected" / "qic_expected.csv")
DAILY_CASES = sorted(DAILY["case_id"].unique())


def test_six_daily_cases() -> None:
    assert DAILY_CASES == sorted(case_id for case_id in SPECS if "_daily_" in case_id)
    assert len(DAILY_CASES) == 6
    assert (DAILY.groupby("case_id").size() == 549).all()


@pytest.mark.parametrize("case_id", DAILY_CASES)
def test_daily_records_give_the_oracle_values(case_id: str) -> None:
    spec = SPECS[case_id]
    records = DAILY.loc[DAILY["case_id"] == case_id, ["date", "count"]]
    values = spc.events_between(records, kind=spec["chart"])
    assert values["value"].tolist() == spec["y"]
    assert values["date"].dt.strftime("%Y-%m-%d").tolist() == spec["event_dates"]
    if spec["chart"] == "t":
        assert spec["x"] == spec["event_dates"]  # t values can be charted by date
        g_values = spc.events_between(records, kind="g")
        if (records["count"] <= 1).all():
            assert (values["value"] == g_values["value"] + 1).all()  # t = g + 1 on such a ward


@pytest.mark.parametrize("case_id", DAILY_CASES)
def test_chart_from_daily_records_agrees_with_qicharts2(case_id: str) -> None:
    """Daily records -> values -> intervention date as a position -> the chart qicharts2 drew."""
    spec = SPECS[case_id]
    records = DAILY.loc[DAILY["case_id"] == case_id, ["date", "count"]]
    values = spc.events_between(records, kind=spec["chart"])
    options: dict[str, object] = {}
    if spec.get("intervention_date"):
        position = spc.values_before(values, spec["intervention_date"])
        if spec["part"]:
            assert [position] == spec["part"]  # values ending before the date form phase 1
            options["part"] = [position]
        else:
            assert position == spec["freeze"]  # ... or the baseline
            options["freeze"] = position
    else:
        assert spec["part"] is None and spec["freeze"] is None
    x = values["date"] if spec["chart"] == "t" else None  # g values can share a date
    ours = spc.control_chart(values["value"], chart=spec["chart"], x=x, **options)
    expected = QIC[QIC["case_id"] == case_id].sort_values("idx")
    for our_column, their_column in [("y", "y"), ("cl", "cl"), ("ucl", "ucl"), ("lcl", "lcl"), ("part", "part")]:
        np.testing.assert_allclose(ours[our_column], expected[their_column], rtol=1e-9)
    assert ours["baseline"].tolist() == expected["baseline"].tolist()
    assert ours["runs_signal"].tolist() == expected["runs.signal"].tolist()


def test_ward_b_intervention_positions_differ_between_g_and_t() -> None:
    """Ward B has one day with 2 incidents before 2024-01-01: one more g value than t values."""
    records = DAILY.loc[DAILY["case_id"] == "g_daily_wardB_counts_part", ["date", "count"]]
    g = spc.events_between(records, kind="g")
    t = spc.events_between(records, kind="t")
    assert spc.values_before(g, "2024-01-01") == 32 and spc.values_before(t, "2024-01-01") == 31
    # The value spanning the date (closed on 2024-01-16, opened on 2023-12-24) starts the new phase.
    assert g["date"].iloc[32] == pd.Timestamp("2024-01-16") and g["date"].iloc[31] < pd.Timestamp("2024-01-01")
