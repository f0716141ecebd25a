"""The MHSDS importer (``rrp import-mhsds``) on the shipped real extract and on small fixtures
of the two published layouts with header rows."""

from __future__ import annotations

import csv
import filecmp
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import mhsds, spc
from rrp_helpers.cli import main
from rrp_helpers.data import load_collaborative, validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "nhs_mhsds_sample"
RAW = SAMPLE / "raw"
SHIPPED = SAMPLE / "collaborative"


def raw_values(prefix: str) -> dict[tuple[str, str], str]:
    """(provider name, YYYY-MM) -> published value text, read from the raw files independently."""
    out = {}
    for path in sorted(RAW.glob(f"{prefix}*.csv")):
        for date, provider, _measure, value in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            if "/" in date:
                day, month, year = date.split("/")
            else:
                year, month, day = date.split("-")
            out[(provider, f"{year}-{month}")] = value
    return out


@pytest.fixture(scope="module")
def shipped():
    return load_collaborative(SHIPPED)


@pytest.fixture(scope="module")
def shipped_monthly():
    wards = pd.read_csv(SHIPPED / "wards.csv", dtype=str)
    monthly = pd.read_csv(SHIPPED / "monthly.csv", dtype=str, keep_default_na=False)
    return monthly.merge(wards[["ward_id", "ward_name"]], on="ward_id")


# ---------------------------------------------------------------------------------------
# The shipped extract and its imported collaborative


def test_reimporting_the_shipped_extract_gives_the_shipped_collaborative_byte_for_byte(tmp_path):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in RAW.iterdir()}
    out = tmp_path / "collaborative"
    assert main(["import-mhsds", str(RAW), "--out", str(out)]) == 0
    names = sorted(p.name for p in SHIPPED.iterdir())
    assert sorted(p.name for p in out.iterdir()) == names
    _, mismatch, errors = filecmp.cmpfiles(SHIPPED, out, names, shallow=False)
    assert mismatch == [] and errors == []
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in RAW.iterdir()}
    assert after == before  # inputs are only read


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


def test_configuration_is_real_monitoring_only_rounded_to_five_per_1000_bed_days(shipped):
    cfg = shipped.config
    assert cfg.synthetic is False
    assert cfg.testing_start is None
    assert (cfg.baseline_start, cfg.baseline_end) == (pd.Timestamp("2021-09-01"), pd.Timestamp("2022-08-01"))
    assert cfg.values_rounded_to == 5 and cfg.rate_per == 1000
    assert [(m.name, m.direction, m.kind) for m in cfg.measures] == [("mhs76", "down", "outcome")]
    assert "Open Government Licence v3.0" in cfg.description
    assert "Open Government Licence v3.0" in (RAW / "README.md").read_text()


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


def test_rrp_validate_is_clean_on_the_shipped_collaborative(capsys):
    assert main(["validate", str(SHIPPED)]) == 0
    assert validate(SHIPPED).errors == ()


def test_rrp_results_runs_monitoring_only(tmp_path, capsys):
    assert main(["results", str(SHIPPED), "--out", str(tmp_path)]) == 0
    team = pd.read_csv(tmp_path / "team_results.csv")
    assert set(team["measure"]) == {"mhs76"}  # one outcome measure: no "total" repeating it
    assert team["reduction_pct"].isna().all() and team["sustained"].eq("none").all()
    assert team["testing_months"].eq(0).all()
    summary = pd.read_csv(tmp_path / "team_summary.csv")
    assert list(summary["statement"]) == ["monitoring_only"]
    printed = capsys.readouterr().out
    assert "65 providers" in printed and "Monitoring only" in printed and "trial limits" in printed
    assert "rounded to the nearest 5 by the publisher" in printed
    collaborative = pd.read_csv(tmp_path / "collaborative_results.csv")
    assert collaborative.loc[0, "unit"] == "per 1,000 occupied bed days" and collaborative.loc[0, "baseline_mean"] > 0


def test_baseline_and_testing_periods(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["import-mhsds", str(RAW), "--out", str(out),
                 "--baseline", "2021-09:2022-02", "--testing", "2022-03:2022-08"]) == 0
    cfg = load_collaborative(out).config
    assert (cfg.testing_start, cfg.testing_end) == (pd.Timestamp("2022-03-01"), pd.Timestamp("2022-08-01"))
    assert len(cfg.baseline_months()) == 6
    assert main(["results", str(out), "--out", str(tmp_path / "r")]) == 0


def test_command_prints_what_it_read(tmp_path, capsys):
    assert main(["import-mhsds", str(RAW), "--out", str(tmp_path / "c")]) == 0
    printed = capsys.readouterr().out
    assert "Read 36 file(s)" in printed
    assert "2021-09 to 2022-08 (12 with restrictive-intervention data)" in printed
    assert "Providers (units): 65" in printed
    assert "35 suppressed" in printed
    assert "detentions not imported" in printed
    assert "trial limits" in printed and "monitoring only" in printed and "nearest 5" in printed


# ---------------------------------------------------------------------------------------
# The 'Restrictive Interventions' CSV (PRIMARY_LEVEL … MEASURE_ID layout, MHSDS v4.1 to June 2022).
# Modelled on NHS Digital's publication code, NHSDigital/mental-health-monthly-statistics: the
# restrictive-intervention count notebooks write REPORTING_PERIOD_START, REPORTING_PERIOD_END,
# STATUS, BREAKDOWN ('England; Restrictive intervention type', 'Provider; Restrictive intervention
# type', …), PRIMARY_LEVEL(_DESCRIPTION) … QUARTERNARY_LEVEL(_DESCRIPTION), MEASURE_ID (MHS76
# people, MHS77 interventions), MEASURE_NAME, MEASURE_VALUE; '*' below 5, other values rounded to 5.
# Type codes as in its reference data (01 prone, 07-13 other physical, 04 mechanical, 05 seclusion,
# 06 segregation, 14 rapid tranquillisation, 15-17 other chemical); some files write '1' for '01'.
# Bed days (MHS24 'Bed days in RP') come from the main 'MHSDS Data' CSV of the same month.

RI_HEADER = ("REPORTING_PERIOD_START,REPORTING_PERIOD_END,STATUS,BREAKDOWN,PRIMARY_LEVEL,PRIMARY_LEVEL_DESCRIPTION,"
             "SECONDARY_LEVEL,SECONDARY_LEVEL_DESCRIPTION,TERTIARY_LEVEL,TERTIARY_LEVEL_DESCRIPTION,QUARTERNARY_LEVEL,"
             "QUARTERNARY_LEVEL_DESCRIPTION,MEASURE_ID,MEASURE_NAME,MEASURE_VALUE")
PEOPLE = "Number of people subject to restrictive intervention in the reporting period"
INTERVENTIONS = "Number of restrictive interventions in the reporting period"


def ri_row(start, end, breakdown, code, name, level2, level2_name, measure, value):
    measure_name = PEOPLE if measure == "MHS76" else INTERVENTIONS if measure == "MHS77" else "Rate per 1,000 bed days"
    return (f'{start},{end},Performance,{breakdown},{code},"{name}",{level2},{level2_name},NONE,NONE,NONE,NONE,'
            f"{measure},{measure_name},{value}")


def ri_file_sep_2021() -> str:
    s, e = "01/09/2021", "30/09/2021"
    t = "Provider; Restrictive intervention type"
    rows = [
        ri_row(s, e, "England", "England", "England", "NONE", "NONE", "MHS77", 9875),
        ri_row(s, e, "England; Restrictive intervention type", "England", "England", "05", "Seclusion", "MHS77", 1020),
        ri_row(s, e, "Region", "Y56", "London", "NONE", "NONE", "MHS77", 2210),
        ri_row(s, e, "Provider", "RWK", "EAST LONDON NHS FOUNDATION TRUST", "NONE", "NONE", "MHS76", 120),
        ri_row(s, e, "Provider", "RWK", "EAST LONDON NHS FOUNDATION TRUST", "NONE", "NONE", "MHS77", 410),
        ri_row(s, e, "Provider", "RWK", "EAST LONDON NHS FOUNDATION TRUST", "NONE", "NONE", "MHS96", 16),
        ri_row(s, e, t, "RWK", "EAST LONDON NHS FOUNDATION TRUST", "01", "Physical restraint - Prone", "MHS77", 20),
        ri_row(s, e, t, "RWK", "EAST LONDON NHS FOUNDATION TRUST", "07", "Physical restraint - Standing", "MHS77", 10),
        ri_row(s, e, t, "RWK", "EAST LONDON NHS FOUNDATION TRUST", "12", "Physical restraint - Kneeling", "MHS77", 5),
        ri_row(s, e, t, "RWK", "EAST LONDON NHS FOUNDATION TRUST", "05", "Seclusion", "MHS77", "*"),
        ri_row(s, e, t, "RWK", "EAST LONDON NHS FOUNDATION TRUST", "14",
               "Chemical restraint - Injection (Rapid Tranquillisation)", "MHS77", 15),
        ri_row(s, e, t, "RWK", "EAST LONDON NHS FOUNDATION TRUST", "16", "Chemical restraint - Oral", "MHS77", 10),
        ri_row(s, e, t, "RWK", "EAST LONDON NHS FOUNDATION TRUST", "01", "Physical restraint - Prone", "MHS76", 10),
        ri_row(s, e, t, "TAF", "CAMDEN AND ISLINGTON NHS FOUNDATION TRUST", "1", "Physical restraint - Prone", "MHS77", 5),
        ri_row(s, e, t, "TAF", "CAMDEN AND ISLINGTON NHS FOUNDATION TRUST", "9", "Physical restraint - Supine", "MHS77", 10),
        ri_row(s, e, t, "TAF", "CAMDEN AND ISLINGTON NHS FOUNDATION TRUST", "05", "Seclusion", "MHS77", 10),
        ri_row(s, e, t, "UNKNOWN", "UNKNOWN", "01", "Physical restraint - Prone", "MHS77", 5),
        ri_row(s, e, "Provider; Restrictive intervention type; Provider site", "RWK",
               "EAST LONDON NHS FOUNDATION TRUST", "01", "Physical restraint - Prone", "MHS77", 15),
    ]
    return RI_HEADER + "\n" + "\n".join(rows) + "\n"


def ri_file_oct_2021() -> str:
    s, e = "2021-10-01", "2021-10-31"  # the ISO dates of some months
    t = "Provider; Restrictive intervention type"
    rows = [
        ri_row(s, e, "England", "England", "England", "NONE", "NONE", "MHS77", 9610),
        ri_row(s, e, t, "RWK", "EAST LONDON NHS FOUNDATION TRUST", "01", "Physical restraint - Prone", "MHS77", 25),
        ri_row(s, e, t, "RWK", "EAST LONDON NHS FOUNDATION TRUST", "05", "Seclusion", "MHS77", 5),
        ri_row(s, e, t, "RWK", "EAST LONDON NHS FOUNDATION TRUST", "14",
               "Chemical restraint - Injection (Rapid Tranquillisation)", "MHS77", "*"),
    ]
    return RI_HEADER + "\n" + "\n".join(rows) + "\n"


MAIN_HEADER = ("REPORTING_PERIOD_START,REPORTING_PERIOD_END,STATUS,BREAKDOWN,PRIMARY_LEVEL,PRIMARY_LEVEL_DESCRIPTION,"
               "SECONDARY_LEVEL,SECONDARY_LEVEL_DESCRIPTION,MEASURE_ID,MEASURE_NAME,MEASURE_VALUE")


def main_file(start: str, end: str, beds: dict[str, str]) -> str:
    rows = [f"{start},{end},Performance,England,England,England,NONE,NONE,MHS24,Bed days in RP,512345",
            f"{start},{end},Performance,Provider,RWK,EAST LONDON NHS FOUNDATION TRUST,NONE,NONE,MHS01,"
            "People in contact with secondary mental health services at the end of the reporting period,39870"]
    for name, value in beds.items():
        rows.append(f'{start},{end},Performance,Provider,XXX,"{name}",NONE,NONE,MHS24,Bed days in RP,{value}')
    return MAIN_HEADER + "\n" + "\n".join(rows) + "\n"


@pytest.fixture()
def ri_folder(tmp_path):
    folder = tmp_path / "published"
    folder.mkdir()
    (folder / "MHSDS Restrictive Interventions Sep 2021.csv").write_text(ri_file_sep_2021(), encoding="cp1252")
    (folder / "MHSDS Restrictive Interventions Oct 2021.csv").write_text(ri_file_oct_2021())
    (folder / "MHSDS Data Sep 2021.csv").write_text(main_file("01/09/2021", "30/09/2021", {
        "East London NHS Foundation Trust": "24640",        # matched ignoring case
        "CAMDEN  AND ISLINGTON NHS FOUNDATION TRUST": "*",  # and spacing; suppressed
        "EAST SUSSEX SPOA": "*",                            # community-only: not a unit
    }))
    (folder / "MHSDS Data Oct 2021.csv").write_text(main_file("01/10/2021", "31/10/2021", {
        "EAST LONDON NHS FOUNDATION TRUST": "25300", "CAMDEN AND ISLINGTON NHS FOUNDATION TRUST": "6655"}))
    return folder


def imported_rows(out: Path) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    monthly = pd.read_csv(out / "monthly.csv", dtype=str, keep_default_na=False)
    return {(r.ward_id, r.month, r.measure): (r.count, r.suppressed, r.occupied_bed_days)
            for r in monthly.itertuples()}


def test_restrictive_interventions_csv_types_are_mapped_and_summed(ri_folder, tmp_path, capsys):
    before = {p.name: p.read_bytes() for p in ri_folder.iterdir()}
    out = tmp_path / "out"
    assert main(["import-mhsds", str(ri_folder), "--out", str(out)]) == 0
    rows = imported_rows(out)
    elft, ci = "east-london-nhs-foundation-trust", "camden-and-islington-nhs-foundation-trust"
    assert set(pd.read_csv(out / "wards.csv")["ward_id"]) == {elft, ci}  # no UNKNOWN, no community-only
    assert rows[(elft, "2021-09", "restraint")] == ("35", "false", "24640")   # 01 + 07 + 12
    assert rows[(elft, "2021-09", "seclusion")] == ("", "true", "24640")      # '*' -> suppressed
    assert rows[(elft, "2021-09", "rapid_tranquillisation")] == ("15", "false", "24640")
    assert rows[(ci, "2021-09", "restraint")] == ("15", "false", "")          # '1' + '9'; beds '*'
    assert rows[(ci, "2021-09", "seclusion")] == ("10", "false", "")
    assert rows[(ci, "2021-09", "rapid_tranquillisation")] == ("0", "false", "")  # no type 14 row
    assert rows[(elft, "2021-10", "restraint")] == ("25", "false", "25300")
    assert rows[(elft, "2021-10", "rapid_tranquillisation")] == ("", "true", "25300")
    assert rows[(ci, "2021-10", "restraint")] == ("", "false", "6655")       # absent that month
    assert len(rows) == 2 * 2 * 3
    collab = load_collaborative(out)
    assert collab.config.measure_names() == ("restraint", "seclusion", "rapid_tranquillisation")
    printed = capsys.readouterr().out
    assert "types mapped" in printed and "provider totals left out" in printed
    assert "chemical restraint - oral" in printed and "MHS76 by type left out" in printed
    assert "UNKNOWN" in printed and "other breakdowns dropped" in printed
    assert {p.name: p.read_bytes() for p in ri_folder.iterdir()} == before


# ---------------------------------------------------------------------------------------
# The newer layout (from July 2022). Modelled on NHSDigital/mental-health-monthly-statistics,
# Restraints/Restraints_Suppression/Published_CSV_Suppression.py: REPORTING_PERIOD_START,
# REPORTING_PERIOD_END, STATUS, BREAKDOWN, LEVEL_ONE … LEVEL_SIX(_DESCRIPTION), METRIC, METRIC_VALUE,
# 'NONE' in unused levels; breakdowns such as 'England', 'Region', 'Provider', 'Provider;
# Restrictive Intervention Type' (LEVEL_ONE provider code, LEVEL_TWO type code) and 'Region;
# Provider; Restrictive Intervention Type; Provider Site'.

LEVEL_HEADER = ("REPORTING_PERIOD_START,REPORTING_PERIOD_END,STATUS,BREAKDOWN,LEVEL_ONE,LEVEL_ONE_DESCRIPTION,"
                "LEVEL_TWO,LEVEL_TWO_DESCRIPTION,LEVEL_THREE,LEVEL_THREE_DESCRIPTION,LEVEL_FOUR,"
                "LEVEL_FOUR_DESCRIPTION,LEVEL_FIVE,LEVEL_FIVE_DESCRIPTION,LEVEL_SIX,LEVEL_SIX_DESCRIPTION,"
                "METRIC,METRIC_VALUE")


def level_row(start, end, breakdown, l1, l1d, l2="NONE", l2d="NONE", l3="NONE", l3d="NONE", metric="MHS77", value=5):
    return (f'{start},{end},Performance,{breakdown},{l1},"{l1d}",{l2},{l2d},{l3},{l3d},NONE,NONE,NONE,NONE,NONE,NONE,'
            f"{metric},{value}")


def level_file(start: str, end: str, rows: list[tuple]) -> str:
    return LEVEL_HEADER + "\n" + "\n".join(level_row(start, end, *r) for r in rows) + "\n"


def test_level_layout_keeps_provider_breakdowns_and_maps_types(tmp_path, capsys):
    t = "Provider; Restrictive Intervention Type"
    jul = level_file("2022-07-01", "2022-07-31", [
        ("England", "England", "England"),
        ("Region", "Y63", "North East and Yorkshire"),
        ("Provider", "RX4", "CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST", "NONE", "NONE", "NONE", "NONE", "MHS76", 190),
        (t, "RX4", "CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST", "01", "Physical restraint - Prone", "NONE", "NONE", "MHS77", 40),
        (t, "RX4", "CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST", "13", "Physical restraint - Other (not listed)", "NONE", "NONE", "MHS77", 25),
        (t, "RX4", "CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST", "05", "Seclusion", "NONE", "NONE", "MHS77", 30),
        (t, "RX4", "CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST", "14", "Chemical restraint - Injection (Rapid Tranquillisation)", "NONE", "NONE", "MHS77", 20),
        (t, "RX4", "CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST", "06", "Segregation", "NONE", "NONE", "MHS77", 5),
        ("Region; Provider; Restrictive Intervention Type; Provider Site", "Y63", "North East and Yorkshire", "RX4", "CNTW", "01", "Prone", "MHS77", 40),
        (t, "RT1", "CAMBRIDGESHIRE AND PETERBOROUGH NHS FOUNDATION TRUST", "08", "Physical restraint - Restrictive escort", "NONE", "NONE", "MHS77", "*"),
        (t, "RT1", "CAMBRIDGESHIRE AND PETERBOROUGH NHS FOUNDATION TRUST", "10", "Physical restraint - Side", "NONE", "NONE", "MHS77", 10),
    ])
    aug = level_file("2022-08-01", "2022-08-31", [
        (t, "RX4", "CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST", "11", "Physical restraint - Seated", "NONE", "NONE", "MHS77", 50),
        (t, "RT1", "CAMBRIDGESHIRE AND PETERBOROUGH NHS FOUNDATION TRUST", "05", "Seclusion", "NONE", "NONE", "MHS77", 5),
    ])
    (tmp_path / "a.csv").write_text(jul)
    (tmp_path / "b.csv").write_text(aug)
    beds = tmp_path / "beds.csv"  # the provider extract's bed-day files mix with any layout
    beds.write_text("01/07/2022,CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST,Bed days in RP,20745\n"
                    .replace("CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST",
                             '"CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST"'))
    out = tmp_path / "out"
    assert main(["import-mhsds", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), str(beds), "--out", str(out)]) == 0
    rows = imported_rows(out)
    cntw = "cumbria-northumberland-tyne-and-wear-nhs-foundation-trust"
    cpft = "cambridgeshire-and-peterborough-nhs-foundation-trust"
    assert rows[(cntw, "2022-07", "restraint")] == ("65", "false", "20745")
    assert rows[(cntw, "2022-07", "seclusion")] == ("30", "false", "20745")
    assert rows[(cntw, "2022-07", "rapid_tranquillisation")] == ("20", "false", "20745")
    assert rows[(cntw, "2022-08", "restraint")] == ("50", "false", "")
    assert rows[(cpft, "2022-07", "restraint")] == ("", "true", "")   # one summed type is '*'
    assert rows[(cpft, "2022-07", "seclusion")] == ("0", "false", "")
    assert rows[(cpft, "2022-08", "seclusion")] == ("5", "false", "")
    assert validate(out).errors == ()
    assert "segregation" in capsys.readouterr().out


def test_published_measure_is_kept_when_some_months_have_no_types(tmp_path, capsys):
    (tmp_path / "jul.csv").write_text(level_file("2022-07-01", "2022-07-31", [
        ("Provider", "RX4", "CNTW", "NONE", "NONE", "NONE", "NONE", "MHS76", 190),
        ("Provider; Restrictive Intervention Type", "RX4", "CNTW", "01", "Prone", "NONE", "NONE", "MHS77", 40)]))
    (tmp_path / "aug.csv").write_text("01/08/2022,CNTW,MHS76,205\n")
    out = tmp_path / "out"
    assert main(["import-mhsds", str(tmp_path / "jul.csv"), str(tmp_path / "aug.csv"), "--out", str(out)]) == 0
    rows = imported_rows(out)
    assert rows == {("cntw", "2022-07", "mhs76"): ("190", "false", ""), ("cntw", "2022-08", "mhs76"): ("205", "false", "")}
    assert "kept instead" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------
# Refusals: exit 2, the file, row and column named, nothing written


def refused(capsys, args: list[str], out: Path) -> str:
    assert main(["import-mhsds", *args, "--out", str(out)]) == 2
    assert not out.exists()
    assert not any(p.name.startswith(f".{out.name}.") for p in out.parent.iterdir())
    return capsys.readouterr().err


def test_a_file_mixing_months_is_refused(tmp_path, capsys):
    f = tmp_path / "rstr.csv"
    f.write_text("01/09/2021,A TRUST,MHS76,10\n01/10/2021,B TRUST,MHS76,15\n")
    err = refused(capsys, [str(f)], tmp_path / "out")
    assert "rstr.csv row 2, column A (REPORTING_PERIOD_START)" in err and "mixes months" in err
    assert "nothing was written" in err


@pytest.mark.parametrize(("date", "why"), [("2021/09/01", "not a date"), ("15/09/2021", "first day of a month"),
                                           ("01/13/2021", "no month 13")])
def test_a_date_that_cannot_be_read_is_refused(tmp_path, capsys, date, why):
    f = tmp_path / "rstr.csv"
    f.write_text(f"01/09/2021,A TRUST,MHS76,10\n{date},B TRUST,MHS76,15\n")
    err = refused(capsys, [str(f)], tmp_path / "out")
    assert "rstr.csv row 2, column A (REPORTING_PERIOD_START)" in err and why in err


def test_values_layouts_and_duplicates_it_cannot_place_are_refused(tmp_path, capsys):
    (tmp_path / "bad_value.csv").write_text("01/09/2021,A TRUST,MHS76,ten\n")
    (tmp_path / "notes.csv").write_text("provider,restraints\nA TRUST,10\n")
    (tmp_path / "dup1.csv").write_text("01/10/2021,A TRUST,MHS76,10\n")
    (tmp_path / "dup2.csv").write_text("01/10/2021,A TRUST,MHS76,15\n")
    (tmp_path / "odd.csv").write_text("01/11/2021,A TRUST,MHS123,15\n")
    err = refused(capsys, [str(tmp_path)], tmp_path.parent / "out_refused")
    assert "bad_value.csv row 1, column D (MEASURE_VALUE): value 'ten'" in err
    assert "notes.csv row 1: not a layout" in err
    assert "dup2.csv row 1" in err and "dup1.csv row 1" in err
    assert "odd.csv row 1, column C (MEASURE): value 'MHS123'" in err


def test_an_existing_folder_that_is_not_a_collaborative_is_never_replaced(tmp_path, capsys):
    (tmp_path / "rstr.csv").write_text("01/09/2021,A TRUST,MHS76,10\n")
    out = tmp_path.parent / f"{tmp_path.name}_keep"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    assert main(["import-mhsds", str(tmp_path / "rstr.csv"), "--out", str(out)]) == 2
    assert (out / "precious.txt").read_text() == "keep me"


def test_periods_outside_the_files_are_refused(tmp_path, capsys):
    err = refused(capsys, [str(RAW), "--baseline", "2021-01:2021-12"], tmp_path / "out")
    assert "2021-01 to 2021-08" in err


def test_the_command_description_is_the_module_docstring_first_line(capsys):
    with pytest.raises(SystemExit):
        main(["import-mhsds", "--help"])
    assert mhsds.__doc__.strip().splitlines()[0] in capsys.readouterr().out.replace("\n", " ")


def test_ward_reports_run_on_the_imported_collaborative(tmp_path):
    """`rrp reports` for two providers (ward reports; the collaborative explorer notebook still
    assumes the demo's ward ids, see the lead's notes)."""
    pytest.importorskip("rrp_helpers.reports")
    out = tmp_path / "reports"
    code = main(["reports", str(SHIPPED), "--out", str(out), "--no-collaborative", "--quiet", "--jobs", "2",
                 "--wards", "east-london-nhs-foundation-trust", "derbyshire-healthcare-nhs-foundation-trust"])
    assert code == 0
    pages = sorted(out.glob("wards/*/*.html"))
    assert len(pages) == 2
    assert "EAST LONDON NHS FOUNDATION TRUST" in "".join(p.read_text() for p in pages)
