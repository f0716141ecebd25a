"""Regenerate the bad-input corpus: one small collaborative folder per fault.

Run ``python tests/bad_inputs/make_corpus.py``. Each folder is a complete collaborative
(2 wards, 6 months, 3 measures) holding exactly one fault, described in its README.txt;
the expected problem is asserted in tests/test_data_corpus.py. Folders named ``ok_*`` must
load without errors.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).parent
WARDS = ["ward-a", "ward-b"]
MONTHS = ["2019-01", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06"]
MEASURES = ["restraint", "seclusion", "rapid_tranquillisation"]

TOML = '''name = "Corpus collaborative (synthetic)"
synthetic = true
description = "Two wards, six months"
baseline = ["2019-01", "2019-03"]
testing = ["2019-04", "2019-06"]
shift_points = 8
trend_points = 6
aim_reduction_pct = 33
'''
WARDS_CSV = ("ward_id,ward_name,trust,specialty,ward_type,gender,beds\n"
             "ward-a,Ward A,Trust One,Acute,Adult,Mixed,18\n"
             "ward-b,Ward B,Trust One,PICU,Adult,Male,12\n")
PACKAGE = ("primary_driver,secondary_driver,change_concept\n"
           "Staff,Channels of communication between staff,Safety huddles\n"
           "Patients,Person-centred care,Sleep hygiene\n")


def monthly_rows() -> list[list[str]]:
    """Row i is spreadsheet row i + 2; i = ward*18 + month*3 + measure."""
    rows = []
    for w, ward in enumerate(WARDS):
        for m, month in enumerate(MONTHS):
            for k, measure in enumerate(MEASURES):
                rows.append([ward, month, measure, str((w + m + 2 * k) % 5), "540", "incident_report"])
    return rows


def csv_text(header: str, rows: list[list[str]]) -> str:
    return header + "\n" + "".join(",".join(r) + "\n" for r in rows)


MONTHLY_HEADER = "ward_id,month,measure,count,occupied_bed_days,source"


def case(name: str, readme: str, files: dict[str, str | bytes | None], toml: str = TOML) -> None:
    d = HERE / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir()
    base: dict[str, str | bytes | None] = {
        "collaborative.toml": toml,
        "wards.csv": WARDS_CSV,
        "monthly.csv": csv_text(MONTHLY_HEADER, monthly_rows()),
    }
    base.update(files)
    for fname, text in base.items():
        if text is None:
            continue
        if isinstance(text, bytes):
            (d / fname).write_bytes(text)
        else:
            (d / fname).write_text(text, encoding="utf-8", newline="")
    (d / "README.txt").write_text(readme.strip() + "\n", encoding="utf-8")


def with_row(i: int, col: int, value: str) -> str:
    rows = monthly_rows()
    rows[i][col] = value
    return csv_text(MONTHLY_HEADER, rows)


def excel_case(name: str, readme: str, title_rows: int = 0, edit=None) -> None:
    """A one-workbook collaborative (``book.xlsx``) with one fault made by ``edit(workbook)``."""
    from openpyxl import Workbook

    d = HERE / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir()
    book = Workbook()
    settings = book.active
    settings.title = "collaborative"
    for key, value in (("name", "Corpus collaborative (synthetic)"), ("synthetic", "true"),
                       ("baseline", "2019-01:2019-03"), ("testing", "2019-04:2019-06")):
        settings.append([key, value])
    tables = {
        "wards": [line.split(",") for line in WARDS_CSV.strip().splitlines()],
        "monthly": [MONTHLY_HEADER.split(",")] + monthly_rows(),
    }
    for sheet_name, rows in tables.items():
        sheet = book.create_sheet(sheet_name)
        for k in range(title_rows):
            sheet.append([f"Title line {k + 1} typed above the table"])
        for row in rows:
            sheet.append([int(v) if v.isdigit() else v for v in row])
    if edit is not None:
        edit(book)
    book.save(d / "book.xlsx")
    (d / "README.txt").write_text(readme.strip() + "\n", encoding="utf-8")


def _merge_counts(book) -> None:
    book["monthly"].merge_cells("D5:D7")  # spreadsheet rows 5-7 share one count


def _nhs_number_note(book) -> None:
    sheet = book.create_sheet("annotations")
    sheet.append(["ward_id", "month", "note"])
    sheet.append(["ward-a", "2019-05", "Patient 401 023 2137 moved ward"])


def _negative_count(book) -> None:
    book["monthly"]["D8"] = -2  # below two title rows: the header is row 3, so this is data row 8


def _uncalculated_formula(book) -> None:
    book["monthly"]["D6"] = "=SUM(D2:D5)"  # openpyxl saves no calculated value with it


def main() -> None:
    issue_14_cases()
    excel_case("excel_merged_counts", "book.xlsx: monthly counts D5:D7 are one merged cell.", edit=_merge_counts)
    excel_case("excel_title_rows_negative_count",
               "book.xlsx: two title rows above each table; monthly row 8 has count -2.", title_rows=2, edit=_negative_count)
    excel_case("excel_nhs_number_in_note", "book.xlsx: an annotation holds an NHS number written with spaces.",
               edit=_nhs_number_note)
    case("missing_monthly_file", "Folder without monthly.csv.", {"monthly.csv": None})
    case("empty_monthly_0_bytes", "monthly.csv is 0 bytes.", {"monthly.csv": ""})
    case("header_only_monthly", "monthly.csv has a header row and no data.",
         {"monthly.csv": MONTHLY_HEADER + "\n"})
    case("column_named_Ward_ID", "monthly.csv header says 'Ward ID' instead of 'ward_id'.",
         {"monthly.csv": csv_text(MONTHLY_HEADER.replace("ward_id", "Ward ID"), monthly_rows())})
    case("month_day_first", "monthly.csv row 8 has month '01/03/2019' (day/month/year).",
         {"monthly.csv": with_row(6, 1, "01/03/2019")})
    case("month_outside_periods", "monthly.csv row 37 has month 2020-06, after testing ends.",
         {"monthly.csv": with_row(35, 1, "2020-06")})
    case("count_negative", "monthly.csv row 6 has count -3.", {"monthly.csv": with_row(4, 3, "-3")})
    case("count_fractional", "monthly.csv row 7 has count 2.5.", {"monthly.csv": with_row(5, 3, "2.5")})
    case("count_not_a_number", "monthly.csv row 9 has count 'three'.",
         {"monthly.csv": with_row(7, 3, "three")})
    rows = monthly_rows()
    case("duplicate_rows", "monthly.csv row 38 repeats row 2 (ward-a, 2019-01, restraint).",
         {"monthly.csv": csv_text(MONTHLY_HEADER, rows + [rows[0][:3] + ["9", "540", "incident_report"]])})
    case("unknown_ward", "monthly.csv row 22 has ward_id 'ward-bb', not in wards.csv.",
         {"monthly.csv": with_row(20, 0, "ward-bb")})
    case("unknown_measure", "monthly.csv row 5 has measure 'restrain'.",
         {"monthly.csv": with_row(3, 2, "restrain")})
    case("ward_without_data", "wards.csv lists ward-c, which has no monthly rows.",
         {"wards.csv": WARDS_CSV + "ward-c,Ward C,Trust Two,Acute,Adult,Female,16\n"})
    rows = [r for r in monthly_rows() if not (r[0] == "ward-b" and (r[1] == "2019-02" or
                                                                    (r[1] == "2019-05" and r[2] == "seclusion")))]
    case("missing_months", "ward-b has no rows for 2019-02 and no seclusion row for 2019-05.",
         {"monthly.csv": csv_text(MONTHLY_HEADER, rows)})
    rows = monthly_rows()
    for i in (3, 4, 5):
        rows[i][3] = "*"
    case("suppressed_star", "monthly.csv rows 5-7 have count '*' (suppressed by a publisher).",
         {"monthly.csv": csv_text(MONTHLY_HEADER, rows)})
    case("bed_days_differ", "monthly.csv rows 2-4 (ward-a, 2019-01) give 540, 540 and 504 bed days.",
         {"monthly.csv": with_row(2, 4, "504")})
    sc = "ward_id,date,measure,count\nward-a,2019-02-27,restraint,0\nward-a,2019-02-30,restraint,1\n"
    case("safety_cross_impossible_date", "safety_cross.csv row 3 has the date 2019-02-30.",
         {"safety_cross.csv": sc})
    rows = monthly_rows()
    rows[3][3], rows[3][5] = "4", "safety_cross"   # ward-a 2019-02 restraint
    sc = ("ward_id,date,measure,count\nward-a,2019-02-01,restraint,1\n"
          "ward-a,2019-02-02,restraint,0\nward-a,2019-02-14,restraint,2\n")
    case("safety_cross_sum_mismatch",
         "monthly.csv row 5 says 4 restraints (source safety_cross); the daily crosses add up to 3.",
         {"monthly.csv": csv_text(MONTHLY_HEADER, rows), "safety_cross.csv": sc})
    ideas = ("ward_id,idea_id,idea,change_concept,started,pdsa_cycles,status\n"
             "ward-a,1,Morning huddle at 9,Safety huddles,2019-04,3,adopted\n"
             "ward-b,1,Huddle after handover,{c},2019-05,1,testing\n")
    case("change_concept_unknown", "change_ideas.csv row 3 has concept 'Safety hudles' (typo).",
         {"change_ideas.csv": ideas.format(c="Safety hudles"), "change_package.csv": PACKAGE})
    case("change_concept_case", "change_ideas.csv row 3 has concept 'safety HUDDLES' (case differs).",
         {"change_ideas.csv": ideas.format(c="safety HUDDLES"), "change_package.csv": PACKAGE})
    case("toml_reversed_baseline", "collaborative.toml baseline ends before it starts.", {},
         toml=TOML.replace('baseline = ["2019-01", "2019-03"]', 'baseline = ["2019-03", "2019-01"]'))
    case("toml_overlapping_periods", "collaborative.toml testing starts inside the baseline.", {},
         toml=TOML.replace('testing = ["2019-04", "2019-06"]', 'testing = ["2019-03", "2019-06"]'))
    case("toml_unknown_key", "collaborative.toml says shift_point (typo for shift_points).", {},
         toml=TOML.replace("shift_points = 8", "shift_point = 7"))
    case("toml_bad_direction", "collaborative.toml gives seclusion the direction 'lower'.", {},
         toml=TOML + '\n[measures.restraint]\nlabel = "Physical restraint"\ndirection = "down"\n'
                     '\n[measures.seclusion]\nlabel = "Seclusion"\ndirection = "lower"\n'
                     '\n[measures.rapid_tranquillisation]\nlabel = "Rapid tranquillisation"\n')
    case("toml_syntax_error", "collaborative.toml writes months without quotes.", {},
         toml=TOML.replace('testing = ["2019-04", "2019-06"]', "testing = [2019-04, 2019-06]"))
    ann = ("ward_id,month,note,measure\nALL,2019-04,Testing starts,\n"
           "ward-a,2019-05,Patient 943 476 5919 secluded twice,seclusion\n")
    case("nhs_number_in_note", "annotations.csv row 3 has an NHS number (with spaces) in its note.",
         {"annotations.csv": ann})
    rows = monthly_rows()
    text = csv_text(MONTHLY_HEADER + ",NHS number", [r + [""] for r in rows])
    lines = text.splitlines(keepends=True)
    lines[4] = lines[4].rstrip("\n") + "4010232137\n"   # row 5
    case("nhs_number_column", "monthly.csv has a column 'NHS number'; row 5 holds one.",
         {"monthly.csv": "".join(lines)})
    case("identifier_column_dob", "engagement.csv has a 'DOB' column.",
         {"engagement.csv": "ward_id,month,learning_set_attended,DOB\nward-a,2019-04,TRUE,1980-01-01\n"})
    case("ward_id_not_slug", "wards.csv row 2 has ward_id 'Ward A' (space, capitals).",
         {"wards.csv": WARDS_CSV.replace("ward-a,Ward A", "Ward A,Ward A"),
          "monthly.csv": csv_text(MONTHLY_HEADER, [["Ward A"] + r[1:] if r[0] == "ward-a" else r
                                                   for r in monthly_rows()])})
    case("duplicate_ward_id", "wards.csv rows 2 and 4 both have ward_id ward-a.",
         {"wards.csv": WARDS_CSV + "ward-a,Ward A again,Trust One,Acute,Adult,Mixed,18\n"})
    case("annotation_unknown_measure", "annotations.csv row 2 has measure 'seclusions'.",
         {"annotations.csv": "ward_id,month,note,measure\nward-b,2019-04,New manager,seclusions\n"})
    case("engagement_bad_yes_no", "engagement.csv row 3 has learning_set_attended 'maybe'.",
         {"engagement.csv": "ward_id,month,learning_set_attended,coach_contacts,data_on_time\n"
                            "ward-a,2019-04,yes,2,TRUE\nward-b,2019-04,maybe,1,FALSE\n"})
    case("wards_missing_file", "Folder without wards.csv.", {"wards.csv": None})
    case("ok_ten_digits_not_nhs",
         "Valid: a note holds 9434765918, ten digits that fail the NHS check digit.",
         {"annotations.csv": "ward_id,month,note\nward-a,2019-05,Datix ref 9434765918\n"})
    case("ok_utf8_bom", "Valid: wards.csv is UTF-8 with a byte-order mark (Excel's 'CSV UTF-8').",
         {"wards.csv": b"\xef\xbb\xbf" + WARDS_CSV.replace("Ward A", "Ward \u00c5").encode("utf-8")})
    case("ok_cp1252", "Valid: wards.csv is Windows cp1252 text with 'Ward \u00d1 \u2013 caf\u00e9'.",
         {"wards.csv": WARDS_CSV.replace("Ward A", "Ward \u00d1 \u2013 caf\u00e9").encode("cp1252")})


def issue_14_cases() -> None:
    """Inputs of a hostile or careless user: identifiers however written, files outside the
    folder, impossible years, counts no person types, NUL characters, wrong settings."""
    excel_case("excel_formula_without_value", "book.xlsx: monthly D6 holds a formula Excel never calculated.",
               edit=_uncalculated_formula)
    case("identifier_column_normalised", "wards.csv has a column 'D.O.B.' (a date of birth, with dots).",
         {"wards.csv": WARDS_CSV.replace(",beds\n", ",beds,D.O.B.\n").replace(",18\n", ",18,1980-01-01\n")
                                 .replace(",12\n", ",12,1975-05-05\n")})
    for name, written in (("nbsp", "943\u00a0476\u00a05919"), ("scientific", "9.434765919E9"),
                          ("fullwidth", "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19")):
        case(f"nhs_number_{name}_in_note", f"annotations.csv row 2 has an NHS number written {name}.",
             {"annotations.csv": f"ward_id,month,note\nward-a,2019-05,Patient {written} moved\n"})
    case("toml_measure_named_like_nhs_number", "collaborative.toml names a measure m9434765919.", {},
         toml=TOML + '\n[measures.m9434765919]\nlabel = "x"\n')
    case("change_package_outside", "collaborative.toml names /etc/passwd as the change package.", {},
         toml=TOML + 'change_package = "/etc/passwd"\n')
    case("month_year_zero", "monthly.csv row 8 has month 0000-01.", {"monthly.csv": with_row(6, 1, "0000-01")})
    case("toml_testing_far_future", "collaborative.toml testing ends 9999-12.", {},
         toml=TOML.replace('testing = ["2019-04", "2019-06"]', 'testing = ["2019-04", "9999-12"]'))
    for name, written in (("underscore", "1_000"), ("exponent", "1e3"), ("fullwidth", "\uff11\uff12")):
        case(f"count_{name}", f"monthly.csv row 6 has count {written}.", {"monthly.csv": with_row(4, 3, written)})
    case("ward_id_with_nul", "wards.csv has a NUL character inside ward-a's id on row 2.",
         {"wards.csv": WARDS_CSV.replace("ward-a,Ward A", "ward-\x00a,Ward A")})
    case("toml_name_list", "collaborative.toml gives name as a list.", {},
         toml=TOML.replace('name = "Corpus collaborative (synthetic)"', 'name = ["a", "b"]'))
    case("toml_shift_points_one", "collaborative.toml sets shift_points = 1.", {},
         toml=TOML.replace("shift_points = 8", "shift_points = 1"))
    case("extra_ward_column_dropped", "wards.csv has an extra column 'directorate' (left out of every output).",
         {"wards.csv": WARDS_CSV.replace(",beds\n", ",beds,directorate\n").replace(",18\n", ",18,North\n")
                                 .replace(",12\n", ",12,South\n")})


if __name__ == "__main__":
    main()
