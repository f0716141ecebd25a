"""rrp_helpers.quality: missing ward-months and the agreement of the two data sources, on tiny
hand-made collaboratives with expected values worked by hand."""

import pandas as pd
import pytest

from conftest import series_rows
from outcomes_support import MEASURES, MONTHS
from rrp_helpers import quality
from rrp_helpers.data import load_collaborative


def test_source_agreement_bland_altman(make_collaborative):
    rows = []
    for measure in MEASURES:
        rows += [
            {**r, "source": "incident_report" if r["month"] < "2020-04" else "safety_cross"}
            for r in series_rows("a", measure, MONTHS, [3, 3, 3, 3, 5, 7])
        ]
    reports = [
        {"ward_id": "a", "month": m, "measure": "restraint", "count": c}
        for m, c in zip(MONTHS[3:], [4, 5, 6])  # differences +1, 0, -1
    ]
    collab = load_collaborative(make_collaborative([{"ward_id": "a"}], rows, incident_reports=reports))
    agreement = quality.source_agreement(collab).set_index("measure")
    row = agreement.loc["restraint"]
    assert (row["wards"], row["pairs"]) == (1, 3)
    assert row["mean_difference"] == pytest.approx(0.0)
    assert row["sd_difference"] == pytest.approx(1.0)
    assert (row["loa_lower"], row["loa_upper"]) == pytest.approx((-1.96, 1.96))
    assert row["exact_agreement_pct"] == pytest.approx(100 / 3)


def test_missing_ward_months_statuses(make_collaborative):
    """Per ward and month: complete (no measure missing), partial (some), missing (every one);
    a suppressed '*' counts as missing, and a ward-month with no rows at all is missing."""
    a = {"restraint": [1] * 6, "seclusion": [1, 1, "*", 1, 1, 1], "rapid_tranquillisation": [1] * 6}
    b = {"restraint": [1, None, 1, 1, 1, 1], "seclusion": [1] * 6, "rapid_tranquillisation": [1] * 6}
    rows = [row for ward_id, counts in (("a", a), ("b", b)) for measure in MEASURES
            for row in series_rows(ward_id, measure, MONTHS, counts[measure])]
    rows = [row for row in rows if not (row["ward_id"] == "b" and row["month"] == "2020-05")]
    collab = load_collaborative(make_collaborative([{"ward_id": "a"}, {"ward_id": "b"}], rows))
    frame = quality.missing_ward_months(collab)
    assert list(frame.columns) == ["ward_id", "month", "measures_missing", "measures_expected", "status"]
    assert frame["ward_id"].tolist() == ["a"] * 6 + ["b"] * 6
    assert frame["month"].tolist() == [pd.Timestamp(m + "-01") for m in MONTHS] * 2
    assert frame["measures_expected"].eq(3).all()
    assert frame["measures_missing"].tolist() == [0, 0, 1, 0, 0, 0] + [0, 1, 0, 0, 3, 0]
    assert frame["status"].tolist() == (
        ["complete", "complete", "partial", "complete", "complete", "complete"]
        + ["complete", "partial", "complete", "complete", "missing", "complete"]
    )


def _pairs(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    """A :func:`quality.source_pairs`-like frame: (measure, incident reports, safety cross)."""
    frame = pd.DataFrame(rows, columns=["measure", "count_report", "count_cross"])
    return frame.assign(mean_count=(frame["count_report"] + frame["count_cross"]) / 2,
                        difference=frame["count_report"] - frame["count_cross"])


def test_pair_counts_merges_identical_pairs_in_first_seen_order():
    pairs = _pairs([("restraint", 2, 2), ("seclusion", 1, 0), ("restraint", 2, 2), ("restraint", 3, 1), ("restraint", 2, 2)])
    counts = quality.pair_counts(pairs)
    assert counts[["measure", "count_report", "count_cross", "ward_months"]].values.tolist() == [
        ["restraint", 2, 2, 3], ["seclusion", 1, 0, 1], ["restraint", 3, 1, 1],
    ]
    assert counts["mean_count"].tolist() == [2.0, 0.5, 2.0] and counts["difference"].tolist() == [0, 1, 2]
    assert counts["rounded_to"].eq(1).all() and counts["ward_months"].sum() == len(pairs)


def test_pair_counts_rounds_both_axes_when_too_many_pairs_differ():
    # Means 1, 2, 3, 4 and differences 0, 2, 0, 2: four different pairs, at most 2 rows. Rounded
    # half to even to a step of 2: means 0, 2, 4, 4, differences 0, 2, 0, 2 (4 pairs); of 3: means
    # 0, 3, 3, 3, differences 0, 3, 0, 3 (3 pairs); of 4: means 0, 0, 4, 4, differences 0 (2 pairs).
    pairs = _pairs([("r", 1, 1), ("r", 3, 1), ("r", 3, 3), ("r", 5, 3)])
    counts = quality.pair_counts(pairs, max_rows=2)
    assert counts["rounded_to"].eq(4).all()
    assert counts[["mean_count", "difference", "ward_months"]].values.tolist() == [[0, 0, 2], [4, 0, 2]]
    assert counts[["count_report", "count_cross"]].isna().all().all()  # no longer the counts of any month


def _missing(statuses: dict[str, list[str]]) -> pd.DataFrame:
    """A :func:`quality.missing_ward_months`-like frame: each ward's status month by month."""
    rows = [{"ward_id": ward, "month": pd.Timestamp(MONTHS[i] + "-01"), "status": status}
            for ward, months in statuses.items() for i, status in enumerate(months)]
    return pd.DataFrame(rows)


def test_missing_by_month_counts_every_status_with_its_share():
    missing = _missing({"a": ["complete", "missing"], "b": ["partial", "missing"], "c": ["complete", "complete"], "d": ["complete"]})
    table = quality.missing_by_month(missing)
    assert table[["status", "wards", "wards_total"]].values.tolist() == [
        ["complete", 3, 4], ["partial", 1, 4], ["missing", 0, 4],  # first month: four wards
        ["complete", 1, 3], ["partial", 0, 3], ["missing", 2, 3],  # second: d has no row
    ]
    assert table["percent"].tolist() == pytest.approx([75, 25, 0, 100 / 3, 0, 200 / 3])


def test_most_missing_wards_ranks_by_missing_then_partial_and_leaves_complete_wards_out():
    missing = _missing({
        "a": ["partial", "partial", "partial"], "b": ["missing", "complete", "complete"],
        "c": ["complete"] * 3, "d": ["missing", "partial", "complete"], "e": ["missing", "complete", "complete"],
    })
    wards = pd.DataFrame({"ward_id": list("abcde"), "ward_name": list("ABCDE")})
    ranked = quality.most_missing_wards(missing, wards, 10)
    assert ranked["ward_id"].tolist() == ["d", "b", "e", "a"]  # b before e: their order in wards
    assert ranked[["months_missing", "months_partial"]].values.tolist() == [[1, 1], [1, 0], [1, 0], [0, 3]]
    assert quality.most_missing_wards(missing, wards, 2)["ward_id"].tolist() == ["d", "b"]


def test_missing_overview_draws_every_ward_up_to_the_limit_and_summarises_beyond():
    missing = _missing({"a": ["complete", "missing"], "b": ["complete", "complete"], "c": ["partial", "missing"]})
    wards = pd.DataFrame({"ward_id": list("abc"), "ward_name": list("ABC")})
    small = quality.missing_overview(missing, wards, max_wards=3)
    assert small.missing is missing and small.wards is wards and small.by_month is None and small.wards_total is None
    big = quality.missing_overview(missing, wards, max_wards=2, top=1)
    assert big.wards["ward_id"].tolist() == ["c"] and set(big.missing["ward_id"]) == {"c"}
    assert big.wards_total == 3 and big.by_month["wards"].sum() == len(missing)
    # Too many incomplete ward-months for the map: fewer wards drawn (max_rows // months).
    assert quality.missing_overview(missing, wards, max_wards=3, max_rows=2, top=5).wards["ward_id"].tolist() == ["c"]
