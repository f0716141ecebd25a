"""Reading NHS Digital's files (``rrp_helpers.importers.mhsds.reading``): layouts recognised by
their header, values, provider names, what is kept as cells or dropped, and every problem named
by its file, row and column."""

from __future__ import annotations

import pytest
from importers_mhsds_samples import (
    CNTW,
    MAIN_HEADER,
    RAW,
    RI_HEADER,
    ri_row,
    write_level_files,
    write_ri_folder,
    write_unplaceable_files,
)

from rrp_helpers.importers.mhsds import parse_value, provider_key, read_inputs


@pytest.mark.parametrize(("text", "expected"), [("*", (None, True, None)), (" 15 ", (15, False, None)),
                                                ("1,205", (1205, False, None)), ("15.0", (15, False, None)),
                                                ("0", (0, False, None))])
def test_a_value_is_a_whole_number_or_suppressed(text, expected):
    assert parse_value(text) == expected


@pytest.mark.parametrize(("text", "why"), [("ten", "not a number or '*'"), ("", "empty or not a number"),
                                           ("inf", "empty or not a number"), ("1.5", "not a whole number"),
                                           ("-5", "not a whole number")])
def test_a_value_that_is_not_a_count_says_why(text, why):
    value, suppressed, problem = parse_value(text)
    assert (value, suppressed) == (None, False) and why in problem


def test_provider_names_match_ignoring_case_and_spacing():
    assert provider_key("  East  London NHS\tFoundation Trust ") == "EAST LONDON NHS FOUNDATION TRUST"


def test_each_layout_is_recognised_by_its_header_never_by_its_name(tmp_path):
    ri = write_ri_folder(tmp_path / "ri")
    level = write_level_files(tmp_path)[0]
    extract = tmp_path / "rstr.csv"
    extract.write_text("REPORTING_PERIOD_START,PRIMARY_LEVEL_DESCRIPTION,MEASURE,MEASURE_VALUE\n"
                       "01/08/2022,CNTW,MHS76,205\n")
    reading = read_inputs([ri, level, extract, RAW / "rstr01_Sep_2021.csv"])
    assert reading.problems == []
    assert reading.files == {
        "ri/MHSDS Data Oct 2021.csv": "MHSDS 'Restrictive Interventions' CSV (PRIMARY_LEVEL … MEASURE_ID layout)",
        "ri/MHSDS Data Sep 2021.csv": "MHSDS 'Restrictive Interventions' CSV (PRIMARY_LEVEL … MEASURE_ID layout)",
        "ri/MHSDS Restrictive Interventions Oct 2021.csv":
            "MHSDS 'Restrictive Interventions' CSV (PRIMARY_LEVEL … MEASURE_ID layout)",
        "ri/MHSDS Restrictive Interventions Sep 2021.csv":
            "MHSDS 'Restrictive Interventions' CSV (PRIMARY_LEVEL … MEASURE_ID layout)",
        "a.csv": "MHSDS CSV (LEVEL_ONE … METRIC layout)",
        "rstr.csv": "provider extract (with header row)",
        "rstr01_Sep_2021.csv": "provider extract (no header row)",
    }
    assert all(len(digest) == 64 for digest in reading.hashes.values())


def test_the_restrictive_interventions_csv_keeps_provider_breakdowns_only(tmp_path):
    reading = read_inputs([write_ri_folder(tmp_path / "published")])
    sep = "published/MHSDS Restrictive Interventions Sep 2021.csv"
    types = {(c.provider, c.type_code, c.metric): (c.value, c.suppressed)
             for c in reading.cells if c.kind == "type" and c.file == sep}
    assert types[("CAMDEN AND ISLINGTON NHS FOUNDATION TRUST", "01", "MHS77")] == (5, False)   # '1' read as '01'
    assert types[("CAMDEN AND ISLINGTON NHS FOUNDATION TRUST", "09", "MHS77")] == (10, False)
    assert types[("EAST LONDON NHS FOUNDATION TRUST", "05", "MHS77")] == (None, True)          # '*'
    assert types[("EAST LONDON NHS FOUNDATION TRUST", "01", "MHS76")] == (10, False)
    assert {c.metric for c in reading.cells if c.kind == "count"} == {"MHS76", "MHS77"}
    assert {k.split()[0]: v for k, v in reading.dropped_metrics.items()} == {"MHS96": 1, "MHS01": 2}
    assert reading.dropped_breakdowns == {"England": 4, "England; Restrictive intervention type": 1, "Region": 1,
                                          "Provider; Restrictive intervention type; Provider site": 1}
    assert reading.unplaced == {sep: 1}  # the provider UNKNOWN
    beds = {(c.name, c.month): (c.value, c.suppressed) for c in reading.cells if c.kind == "beds"}
    assert beds[("CAMDEN  AND ISLINGTON NHS FOUNDATION TRUST", (2021, 9))] == (None, True)
    assert {c.provider for c in reading.cells if c.kind == "beds"} >= {"EAST SUSSEX SPOA"}
    first = next(c for c in reading.cells if c.file == sep)
    assert (first.row, first.column, first.month) == (5, "MEASURE_VALUE", (2021, 9))


def test_the_shipped_extract_reads_detentions_and_lists_files_it_ignores():
    reading = read_inputs([RAW])
    assert reading.problems == [] and len(reading.files) == 36
    assert reading.ignored_files == ["raw/README.md"]
    assert {c.kind for c in reading.cells} == {"count", "beds", "detentions"}
    assert sum(reading.unplaced.values()) == 2


def test_a_provider_published_as_unknown_is_named_by_its_code(tmp_path):
    (tmp_path / "ri.csv").write_text(RI_HEADER + "\n" + ri_row("01/09/2021", "30/09/2021", "Provider", "RWK", "UNKNOWN",
                                                               "NONE", "NONE", "MHS76", 10) + "\n")
    (cell,) = read_inputs([tmp_path / "ri.csv"]).cells
    assert (cell.provider, cell.name) == ("RWK", "RWK")


def test_a_file_mixing_months_is_not_read_past_the_other_month(tmp_path):
    f = tmp_path / "rstr.csv"
    f.write_text("01/09/2021,A TRUST,MHS76,10\n01/10/2021,B TRUST,MHS76,15\n01/09/2021,C TRUST,MHS76,20\n")
    reading = read_inputs([f])
    assert [c.name for c in reading.cells] == ["A TRUST"]
    (problem,) = reading.problems
    assert problem.startswith("rstr.csv row 2, column A (REPORTING_PERIOD_START): value '01/10/2021'")
    assert "mixes months (2021-09 on row 1, 2021-10 here)" in problem


def test_a_date_that_cannot_be_read_is_named_by_file_row_and_column(tmp_path):
    f = tmp_path / "rstr.csv"
    f.write_text("01/09/2021,A TRUST,MHS76,10\n15/09/2021,B TRUST,MHS76,15\n")
    (problem,) = read_inputs([f]).problems
    assert problem.startswith("rstr.csv row 2, column A (REPORTING_PERIOD_START): value '15/09/2021'")
    assert "first day of a month" in problem


def test_a_reporting_period_longer_than_a_month_is_refused(tmp_path):
    f = tmp_path / "main.csv"
    f.write_text(MAIN_HEADER + "\n01/09/2021,31/10/2021,Performance,Provider,RWK,X,NONE,NONE,MHS24,Bed days in RP,5\n")
    (problem,) = read_inputs([f]).problems
    assert problem.startswith("main.csv row 2, column REPORTING_PERIOD_END: value '31/10/2021'")
    assert "longer than one month" in problem


def test_values_layouts_and_measures_it_cannot_place_are_named(tmp_path):
    write_unplaceable_files(tmp_path)
    (tmp_path / "wide.csv").write_text("01/12/2021,B TRUST,MHS76,15\n01/12/2021,A TRUST,MHS76,15,extra\n")
    (tmp_path / "header.csv").write_text("REPORTING_PERIOD_START,SOMETHING\n01/12/2021,5\n")
    (tmp_path / "blank.csv").write_text("\n , \n")
    problems = "\n".join(read_inputs([tmp_path, tmp_path / "missing.csv", tmp_path / "notes.txt"]).problems)
    assert "bad_value.csv row 1, column D (MEASURE_VALUE): value 'ten' — not a number or '*'" in problems
    assert "notes.csv row 1: not a layout" in problems
    assert "odd.csv row 1, column C (MEASURE): value 'MHS123' — not a measure this importer can place" in problems
    assert "wide.csv row 2: expected 4 columns" in problems and "found 5" in problems
    assert "header.csv row 1: the header has REPORTING_PERIOD_START but not the columns" in problems
    assert "blank.csv: the file is empty" in problems
    assert "missing.csv: no such file or folder" in problems
    assert "notes.txt: no such file or folder" in problems
    assert "dup" not in problems  # duplicates are found when building


def test_a_type_breakdown_without_a_type_column_is_named_not_a_crash(tmp_path):
    f = tmp_path / "types.csv"
    f.write_text("REPORTING_PERIOD_START,BREAKDOWN,PRIMARY_LEVEL_DESCRIPTION,MEASURE,MEASURE_VALUE\n"
                 "01/12/2021,Provider; Restrictive Intervention Type,A TRUST,MHS77,5\n")
    (problem,) = read_inputs([f]).problems
    assert problem.startswith("types.csv row 2, column SECONDARY_LEVEL: value ''")
    assert "not a restrictive-intervention type code" in problem


def test_a_file_saved_by_excel_on_windows_is_read(tmp_path):
    (tmp_path / "cp1252.csv").write_bytes("01/07/2022,Caf\xe9 \u2013 Trust,MHS76,5\n".encode("cp1252"))
    (tmp_path / "utf16.csv").write_bytes(f'01/07/2022,"{CNTW}",MHS76,5\n'.encode("utf-16"))
    reading = read_inputs([tmp_path])
    assert reading.problems == []
    assert sorted(c.name for c in reading.cells) == [CNTW, "Café – Trust"]
