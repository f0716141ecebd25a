"""rrp_helpers.data.extract: header rows, the contract's columns, merged cells, and patient
identifiers refused (identifier columns, NHS numbers in cells) without being echoed.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from data_support import NHS, NHS_DIGITS, NOT_NHS, one, problems_at, write_dir, write_xlsx
from rrp_helpers.data import validate


def test_title_lines_above_csv_header(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    (d / "wards.csv").write_text("Wards of the collaborative\n\n" + (d / "wards.csv").read_text())
    report = validate(d)
    assert report.ok
    one(report, "wards.csv", 3, None, "warning", "column names are on row 3")


def test_excel_title_rows_give_excel_row_numbers(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[4, "count"] = "-2"         # data row index 4
    book = write_xlsx(tmp_path / "book.xlsx", tables, title_rows=2)
    report = validate(book)
    # 2 title rows + header on row 3: data index 4 is Excel row 8
    p = one(report, "book.xlsx[monthly]", 8, "count", "error", "whole numbers")
    assert str(p).startswith("book.xlsx[monthly] row 8, column 'count': value '-2'")
    assert len(report.errors) == 1


def test_ragged_rows_and_unnamed_columns(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    text = (d / "wards.csv").read_text().splitlines()
    text[2] += ",extra"
    (d / "wards.csv").write_text("\n".join(text) + "\n")
    report = validate(d)
    one(report, "wards.csv", 3, "H", "warning", "no name")


def test_missing_columns_in_optional_file_with_suggestion(tmp_path: Path, tables) -> None:
    tables["change_ideas"] = tables["change_ideas"].rename(columns={"started": "Start Date",
                                                                    "idea": "Idea"})
    report = validate(write_dir(tmp_path / "c", tables))
    p = one(report, "change_ideas.csv", 1, None, "error", "missing required column", "'started'")
    assert "idea" not in p.message.split("(found")[0]          # 'Idea' is accepted (case only)
    assert "'Start Date'" in p.message


def test_empty_files(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    (d / "wards.csv").write_text("")
    (d / "engagement.csv").write_text("")
    (d / "annotations.csv").write_text("ward_id,month,note\n")
    report = validate(d)
    one(report, "wards.csv", None, None, "error", "empty (0 bytes)")
    one(report, "engagement.csv", None, None, "warning", "empty")
    assert not problems_at(report, "annotations.csv", None, None)


def test_excel_merged_cells(tmp_path: Path, tables) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", tables)
    wb = openpyxl.load_workbook(book)
    ws = wb["monthly"]
    ws.merge_cells("A2:A10")                       # ward_id merged over 9 rows: filled down
    ws.merge_cells("E2:E4")                        # bed days merged over a ward-month: filled
    wb.save(book)
    assert validate(book).ok
    ws.merge_cells("D11:D13")                      # counts merged: refused
    wb.save(book)
    report = validate(book)
    one(report, "book.xlsx[monthly]", 11, "count", "error", "merged", "unmerge")


IDENTIFIER_COLUMNS = ["NHS number", "nhs_no", "NHSNumber", "Patient Name", "patient", "name",
                      "Forename", "surname", "First name", "last_name", "DOB", "Date of birth",
                      "postcode", "Address", "Hospital Number", "MRN", "name_of_patient"]


def test_identifier_column_names_refused(tmp_path: Path, tables) -> None:
    for name in IDENTIFIER_COLUMNS:
        tables["annotations"][name] = "x"
    report = validate(write_dir(tmp_path / "c", tables))
    for name in IDENTIFIER_COLUMNS:
        one(report, "annotations.csv", 1, name, "error", "patient-identifiable")
    assert len(report.errors) == len(IDENTIFIER_COLUMNS)


NHS_TEXTS = [NHS, NHS_DIGITS, "943-476-5919", f"Pt {NHS_DIGITS}.", "ref:4010232137"]


def test_nhs_numbers_in_free_text_refused_and_never_echoed(tmp_path: Path, tables) -> None:
    ideas = pd.concat([tables["change_ideas"]] * 3, ignore_index=True)
    ideas["idea_id"] = [f"I{i}" for i in range(len(ideas))]
    for i, text in enumerate(NHS_TEXTS):
        ideas.loc[i, "idea"] = text
    tables["change_ideas"] = ideas
    report = validate(write_dir(tmp_path / "c", tables))
    assert len(report.errors) == len(NHS_TEXTS)
    everything = report.format() + repr(report.problems)
    for i, text in enumerate(NHS_TEXTS):
        p = one(report, "change_ideas.csv", i + 2, "idea", "error", "looks like an NHS number")
        assert p.value is None
        digits = "".join(ch for ch in text if ch.isdigit())
        assert digits not in everything.replace(" ", "").replace("-", "")
        assert text not in everything


def test_nhs_number_in_count_and_bed_days_columns(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[0, "count"] = NHS_DIGITS
    tables["monthly"].loc[1, "occupied_bed_days"] = "401 023 2137"
    report = validate(write_dir(tmp_path / "c", tables))
    one(report, "monthly.csv", 2, "count", "error", "NHS number")
    one(report, "monthly.csv", 3, "occupied_bed_days", "error", "NHS number")
    assert len(problems_at(report, "monthly.csv", 2, "count")) == 1   # no second 'not a count' echo
    text = report.format()
    assert NHS_DIGITS not in text and "4010232137" not in text and "401 023 2137" not in text


def test_non_nhs_numbers_pass(tmp_path: Path, tables) -> None:
    texts = [NOT_NHS, "943 476 5918", "2019-01-01", "12345678901", "0.9434765919", "01234 567890"]
    tables["annotations"] = pd.DataFrame({"ward_id": "ward-a", "month": "2019-02",
                                          "note": [f"ref {t}" for t in texts], "measure": ""})
    report = validate(write_dir(tmp_path / "c", tables))
    assert report.ok and not report.problems, report.format()


def test_excel_nhs_numbers_and_identifier_columns(tmp_path: Path, tables) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", tables)
    wb = openpyxl.load_workbook(book)
    wb["annotations"]["C3"] = f"Patient {NHS} restrained"
    wb["change_ideas"]["C2"] = int(NHS_DIGITS)          # a number cell
    wb["wards"]["H1"] = "Surname"
    wb["wards"]["H2"] = "Smith"
    wb["monthly"].insert_rows(1)
    wb["monthly"]["A1"] = f"Extract for {NHS_DIGITS}"  # even in a title row
    wb["engagement"]["B1"] = f"month {NHS}"           # even a header cell
    extra = wb.create_sheet("notes")
    extra["B4"] = "943-476-5919"
    wb.save(book)
    report = validate(book)
    one(report, "book.xlsx[annotations]", 3, "note", "error", "NHS number")
    one(report, "book.xlsx[change_ideas]", 2, "idea", "error", "NHS number")
    one(report, "book.xlsx[wards]", 1, "Surname", "error", "patient-identifiable")
    one(report, "book.xlsx[monthly]", 1, "A", "error", "NHS number")
    one(report, "book.xlsx[notes]", 4, "B", "error", "NHS number")
    one(report, "book.xlsx[engagement]", 1, "B", "error", "NHS number")
    one(report, "book.xlsx[engagement]", 1, None, "error", "missing required column 'month'")
    text = report.format() + repr(report.problems)
    assert NHS not in text and NHS_DIGITS not in text and "943-476-5919" not in text
    assert "Smith" not in text
    assert "NHS number removed" not in text          # nothing needed the safety net
    assert len(report.errors) == 7, report.format()
