"""Building the collaborative (``rrp_helpers.importers.mhsds.building``): the shipped
collaborative against the raw files it was built from, and ``build`` on small files of the
published layouts: types mapped and summed, measures kept as published, periods, providers,
refusals and the summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from importers_mhsds_samples import (
    RAW,
    SHIPPED,
    raw_values,
    shipped_monthly_with_names,
    write_level_files,
    write_partly_typed_months,
    write_ri_folder,
    write_unplaceable_files,
)

from rrp_helpers import spc
from rrp_helpers.data import load_collaborative
from rrp_helpers.importers.mhsds import (
    MONTHLY_COLUMNS,
    ImportRefused,
    build,
    read_inputs,
    slug,
)


@pytest.fixture(scope="module")
def shipped():
    return load_collaborative(SHIPPED)


@pytest.fixture(scope="module")
def shipped_monthly():
    return shipped_monthly_with_names()


def built_rows(monthly: list[list[str]]) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    """(ward_id, month, measure) -> (count, suppressed, occupied_bed_days) of ``Imported.monthly``."""
    rows = [dict(zip(MONTHLY_COLUMNS, r)) for r in monthly]
    return {(r["ward_id"], r["month"], r["measure"]): (r["count"], r["suppressed"], r["occupied_bed_days"])
            for r in rows}


# ---------------------------------------------------------------------------------------
# The shipped collaborative, built from the shipped extract


@pytest.mark.parametrize(
    ("provider", "month"),
    [
        ("EAST LONDON NHS FOUNDATION TRUST", "2021-09"),
        ("BIRMINGHAM AND SOLIHULL MENTAL HEALTH NHS FOUNDATION TRUST", "2022-08"),
        ("CYGNET HEALTH CARE LIMITED", "2022-05"),
        ("BARNET, ENFIELD AND HARINGEY MENTAL HEALTH NHS TRUST", "2022-02"),  # ISO-dated file
        ("CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST", "2022-03"),
        ("SHEFFIELD CHILDREN'S NHS FOUNDATION TRUST", "2021-10"),
    ],
)
def test_counts_and_bed_days_of_named_providers_equal_the_raw_files(shipped_monthly, provider, month):
    row = shipped_monthly[shipped_monthly["ward_name"].eq(provider) & shipped_monthly["month"].eq(month)]
    assert len(row) == 1
    assert row["measure"].item() == "mhs76"
    assert row["count"].item() == raw_values("rstr")[(provider, month)]
    assert row["occupied_bed_days"].item() == raw_values("beds")[(provider, month)]
    assert row["suppressed"].item() == "false"


def test_every_published_value_is_imported_and_nothing_else(shipped_monthly):
    published = {k: v for k, v in raw_values("rstr").items() if k[0] != "UNKNOWN"}
    imported = {(r.ward_name, r.month): r for r in shipped_monthly.itertuples()}
    assert len({p for p, _ in published}) == len(set(shipped_monthly["ward_id"])) == 65
    for key, value in published.items():
        row = imported[key]
        if value == "*":
            assert (row.count, row.suppressed) == ("", "true")
        else:
            assert (row.count, row.suppressed) == (value, "false")
    absent = [r for k, r in imported.items() if k not in published]
    assert all(r.count == "" and r.suppressed == "false" for r in absent)
    assert len(published) + len(absent) == len(shipped_monthly) == 65 * 12


def test_suppressed_cells_are_missing_and_flagged_never_zero(shipped):
    stars = {k for k, v in raw_values("rstr").items() if v == "*" and k[0] != "UNKNOWN"}
    assert len(stars) == 35
    names = dict(zip(shipped.wards["ward_id"], shipped.wards["ward_name"]))
    monthly = shipped.monthly.assign(name=shipped.monthly["ward_id"].map(names),
                                     ym=shipped.monthly["month"].dt.strftime("%Y-%m"))
    flagged = monthly[monthly["suppressed"]]
    assert set(zip(flagged["name"], flagged["ym"])) == stars
    assert flagged["count"].isna().all()
    assert not (monthly["count"] == 0).any()


def test_a_provider_absent_from_a_month_is_missing_not_suppressed(shipped):
    slam = shipped.monthly[shipped.monthly["ward_id"].eq("south-london-and-maudsley-nhs-foundation-trust")]
    assert slam["count"].notna().sum() == 1  # September 2021 only
    assert not slam["suppressed"].any()
    # and its bed days of August 2022 are absent from the beds file: missing denominator
    assert pd.isna(slam.set_index("month").loc[pd.Timestamp("2022-08-01"), "occupied_bed_days"])


@pytest.mark.parametrize("ward_id", ["east-london-nhs-foundation-trust", "derbyshire-healthcare-nhs-foundation-trust"])
def test_u_chart_limits_equal_an_independent_calculation(shipped, ward_id):
    series = shipped.monthly[shipped.monthly["ward_id"].eq(ward_id)].sort_values("month")
    y = series["count"].astype("float64").to_numpy()
    n = series["occupied_bed_days"].astype("float64").to_numpy()
    n_baseline = len(shipped.config.baseline_months())
    points = spc.control_chart(y, n, chart="u", x=series["month"], freeze=n_baseline, multiply=1000)

    ok = ~np.isnan(y) & ~np.isnan(n)
    base = ok & (np.arange(len(y)) < n_baseline)
    centre = y[base].sum() / n[base].sum()
    with np.errstate(invalid="ignore"):
        upper = (centre + 3 * np.sqrt(centre / n)) * 1000
        lower = np.maximum(centre - 3 * np.sqrt(centre / n), 0) * 1000
    upper[~ok], lower[~ok] = np.nan, np.nan
    np.testing.assert_allclose(points["cl"].to_numpy(), centre * 1000)
    np.testing.assert_allclose(points["ucl"].to_numpy(), upper, equal_nan=True)
    np.testing.assert_allclose(points["lcl"].to_numpy(), lower, equal_nan=True)
    np.testing.assert_allclose(points["y"].to_numpy(), np.where(ok, y / n * 1000, np.nan), equal_nan=True)


def test_the_summary_says_what_was_read():
    summary = "\n".join(build(read_inputs([RAW])).summary)
    assert "Read 36 file(s)" in summary
    assert "2021-09 to 2022-08 (12 with restrictive-intervention data)" in summary
    assert "Providers (units): 65" in summary
    assert "35 suppressed" in summary
    assert "detentions not imported" in summary
    assert "trial limits" in summary and "monitoring only" in summary and "nearest 5" in summary


# ---------------------------------------------------------------------------------------
# Measures: types mapped and summed, or the published totals kept


def test_types_are_mapped_to_the_three_measures_and_summed(tmp_path):
    imported = build(read_inputs([write_ri_folder(tmp_path / "published")]))
    rows = built_rows(imported.monthly)
    elft, ci = "east-london-nhs-foundation-trust", "camden-and-islington-nhs-foundation-trust"
    assert [w[0] for w in imported.wards] == [ci, elft]  # no UNKNOWN, no community-only
    assert rows[(elft, "2021-09", "restraint")] == ("35", "false", "24640")   # 01 + 07 + 12
    assert rows[(elft, "2021-09", "seclusion")] == ("", "true", "24640")      # '*' -> suppressed
    assert rows[(elft, "2021-09", "rapid_tranquillisation")] == ("15", "false", "24640")
    assert rows[(ci, "2021-09", "restraint")] == ("15", "false", "")          # '1' + '9'; beds '*'
    assert rows[(ci, "2021-09", "rapid_tranquillisation")] == ("0", "false", "")  # no type 14 row
    assert rows[(elft, "2021-10", "rapid_tranquillisation")] == ("", "true", "25300")
    assert rows[(ci, "2021-10", "restraint")] == ("", "false", "6655")       # absent that month
    assert len(rows) == 2 * 2 * 3
    summary = "\n".join(imported.summary)
    assert "types mapped" in summary and "provider totals left out" in summary
    assert "chemical restraint - oral" in summary and "MHS76 by type left out" in summary
    assert "UNKNOWN" in summary and "other breakdowns dropped" in summary
    assert '[measures.rapid_tranquillisation]\nlabel = "Rapid tranquillisation"' in imported.toml


def test_types_of_the_level_layout_are_mapped_and_a_suppressed_part_suppresses_the_sum(tmp_path):
    imported = build(read_inputs(write_level_files(tmp_path)))
    rows = built_rows(imported.monthly)
    cntw = "cumbria-northumberland-tyne-and-wear-nhs-foundation-trust"
    cpft = "cambridgeshire-and-peterborough-nhs-foundation-trust"
    assert rows[(cntw, "2022-07", "restraint")] == ("65", "false", "20745")
    assert rows[(cntw, "2022-08", "restraint")] == ("50", "false", "")
    assert rows[(cpft, "2022-07", "restraint")] == ("", "true", "")   # one summed type is '*'
    assert rows[(cpft, "2022-07", "seclusion")] == ("0", "false", "")
    assert "segregation" in "\n".join(imported.summary)


def test_the_published_measure_is_kept_when_some_months_have_no_types(tmp_path):
    imported = build(read_inputs(write_partly_typed_months(tmp_path)))
    assert built_rows(imported.monthly) == {("cntw", "2022-07", "mhs76"): ("190", "false", ""),
                                            ("cntw", "2022-08", "mhs76"): ("205", "false", "")}
    assert "kept instead" in "\n".join(imported.summary)
    assert "[measures.mhs76]" in imported.toml and "mhs77" not in imported.toml


# ---------------------------------------------------------------------------------------
# Months, providers and refusals


def test_periods_set_the_months_imported_and_their_notes():
    reading = read_inputs([RAW])
    imported = build(reading, ((2021, 9), (2022, 2)), ((2022, 3), (2022, 6)))
    assert {r[1] for r in imported.monthly} == {f"2021-{m:02d}" for m in range(9, 13)} | {
        f"2022-{m:02d}" for m in range(1, 7)}
    notes = "\n".join(imported.summary)
    assert "months outside the periods left out: 2022-07 to 2022-08" in notes
    assert "the testing period has 4 months, fewer than the 8 points" in notes
    assert 'testing = ["2022-03", "2022-06"]' in imported.toml


@pytest.mark.parametrize(("baseline", "testing", "why"), [
    (((2021, 1), (2021, 12)), None, "include 2021-01 to 2021-08, but the files hold 2021-09 to 2022-08"),
    (None, ((2022, 3), (2022, 8)), "--testing needs --baseline too"),
    (((2021, 9), (2022, 3)), ((2022, 3), (2022, 8)), "must start after the baseline ends (2022-03)"),
])
def test_periods_that_do_not_fit_the_files_are_refused(baseline, testing, why):
    with pytest.raises(ImportRefused) as refused:
        build(read_inputs([RAW]), baseline, testing)
    assert why in refused.value.problems[0]


def test_duplicates_are_refused_with_every_problem_read(tmp_path):
    write_unplaceable_files(tmp_path)
    with pytest.raises(ImportRefused) as refused:
        build(read_inputs([tmp_path]))
    problems = "\n".join(refused.value.problems)
    assert "dup2.csv row 1: A TRUST, 2021-10, MHS76 is also on" in problems and "dup1.csv row 1" in problems
    assert "bad_value.csv row 1" in problems and "notes.csv row 1" in problems


def test_bed_days_alone_make_no_collaborative(tmp_path):
    (tmp_path / "beds.csv").write_text("01/07/2022,A TRUST,Bed days in RP,20745\n")
    with pytest.raises(ImportRefused, match="no restrictive-intervention values"):
        build(read_inputs([tmp_path]))


def test_providers_get_unique_ward_ids_named_as_in_their_latest_month(tmp_path):
    assert slug("Barnet, Enfield & Haringey's Trust") == "barnet-enfield-and-haringeys-trust"
    assert slug("***") == "provider"
    (tmp_path / "sep.csv").write_text("01/09/2021,C & W's Trust,MHS76,5\n01/09/2021,C and Ws Trust,MHS76,10\n")
    (tmp_path / "oct.csv").write_text("01/10/2021,c & w's  TRUST,MHS76,5\n")
    wards = build(read_inputs([tmp_path])).wards
    assert [w[:2] for w in wards] == [["c-and-ws-trust", "c & w's  TRUST"], ["c-and-ws-trust-2", "C and Ws Trust"]]
