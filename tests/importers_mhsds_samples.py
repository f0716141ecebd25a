"""Sample inputs of the MHSDS importer's tests: the shipped real extract, and small files in the
two published layouts with header rows, modelled on NHS Digital's publication code."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

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


def shipped_monthly_with_names() -> pd.DataFrame:
    """The shipped ``monthly.csv`` as text, with each row's ``ward_name``."""
    wards = pd.read_csv(SHIPPED / "wards.csv", dtype=str)
    monthly = pd.read_csv(SHIPPED / "monthly.csv", dtype=str, keep_default_na=False)
    return monthly.merge(wards[["ward_id", "ward_name"]], on="ward_id")


def imported_rows(out: Path) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    """(ward_id, month, measure) -> (count, suppressed, occupied_bed_days) of a written ``monthly.csv``."""
    monthly = pd.read_csv(out / "monthly.csv", dtype=str, keep_default_na=False)
    return {(r.ward_id, r.month, r.measure): (r.count, r.suppressed, r.occupied_bed_days)
            for r in monthly.itertuples()}


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


def write_ri_folder(folder: Path) -> Path:
    """Two months of 'Restrictive Interventions' CSVs and of the main 'MHSDS Data' CSV (bed days)."""
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


CNTW = "CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST"
CPFT = "CAMBRIDGESHIRE AND PETERBOROUGH NHS FOUNDATION TRUST"


def write_level_files(folder: Path) -> list[Path]:
    """July and August 2022 in the LEVEL_ONE … METRIC layout, and July's CNTW bed days in the
    provider extract's layout (the extract's bed-day files mix with any layout)."""
    t = "Provider; Restrictive Intervention Type"
    jul = level_file("2022-07-01", "2022-07-31", [
        ("England", "England", "England"),
        ("Region", "Y63", "North East and Yorkshire"),
        ("Provider", "RX4", CNTW, "NONE", "NONE", "NONE", "NONE", "MHS76", 190),
        (t, "RX4", CNTW, "01", "Physical restraint - Prone", "NONE", "NONE", "MHS77", 40),
        (t, "RX4", CNTW, "13", "Physical restraint - Other (not listed)", "NONE", "NONE", "MHS77", 25),
        (t, "RX4", CNTW, "05", "Seclusion", "NONE", "NONE", "MHS77", 30),
        (t, "RX4", CNTW, "14", "Chemical restraint - Injection (Rapid Tranquillisation)", "NONE", "NONE", "MHS77", 20),
        (t, "RX4", CNTW, "06", "Segregation", "NONE", "NONE", "MHS77", 5),
        ("Region; Provider; Restrictive Intervention Type; Provider Site", "Y63", "North East and Yorkshire", "RX4",
         "CNTW", "01", "Prone", "MHS77", 40),
        (t, "RT1", CPFT, "08", "Physical restraint - Restrictive escort", "NONE", "NONE", "MHS77", "*"),
        (t, "RT1", CPFT, "10", "Physical restraint - Side", "NONE", "NONE", "MHS77", 10),
    ])
    aug = level_file("2022-08-01", "2022-08-31", [
        (t, "RX4", CNTW, "11", "Physical restraint - Seated", "NONE", "NONE", "MHS77", 50),
        (t, "RT1", CPFT, "05", "Seclusion", "NONE", "NONE", "MHS77", 5),
    ])
    (folder / "a.csv").write_text(jul)
    (folder / "b.csv").write_text(aug)
    beds = folder / "beds.csv"
    beds.write_text(f'01/07/2022,"{CNTW}",Bed days in RP,20745\n')
    return [folder / "a.csv", folder / "b.csv", beds]


def write_partly_typed_months(folder: Path) -> list[Path]:
    """July 2022 with MHS76 and one MHS77 type row; August with MHS76 only (no types)."""
    (folder / "jul.csv").write_text(level_file("2022-07-01", "2022-07-31", [
        ("Provider", "RX4", "CNTW", "NONE", "NONE", "NONE", "NONE", "MHS76", 190),
        ("Provider; Restrictive Intervention Type", "RX4", "CNTW", "01", "Prone", "NONE", "NONE", "MHS77", 40)]))
    (folder / "aug.csv").write_text("01/08/2022,CNTW,MHS76,205\n")
    return [folder / "jul.csv", folder / "aug.csv"]


def write_unplaceable_files(folder: Path) -> None:
    """A value, a layout, a duplicate and a measure the importer cannot place."""
    (folder / "bad_value.csv").write_text("01/09/2021,A TRUST,MHS76,ten\n")
    (folder / "notes.csv").write_text("provider,restraints\nA TRUST,10\n")
    (folder / "dup1.csv").write_text("01/10/2021,A TRUST,MHS76,10\n")
    (folder / "dup2.csv").write_text("01/10/2021,A TRUST,MHS76,15\n")
    (folder / "odd.csv").write_text("01/11/2021,A TRUST,MHS123,15\n")


def raw_hashes() -> dict[str, str]:
    """The sha256 of every shipped raw file (inputs are only ever read)."""
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in RAW.iterdir()}


def assert_is_the_shipped_collaborative(out: Path) -> None:
    """``out`` holds the shipped imported collaborative's files, byte for byte (the lock aside)."""
    import filecmp

    from rrp_helpers.outputs import LOCK

    names = sorted(p.name for p in SHIPPED.iterdir())
    assert sorted(p.name for p in out.iterdir() if p.name != LOCK) == names
    _, mismatch, errors = filecmp.cmpfiles(SHIPPED, out, names, shallow=False)
    assert mismatch == [] and errors == []
