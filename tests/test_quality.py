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
