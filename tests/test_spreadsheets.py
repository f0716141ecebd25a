"""rrp_helpers.spreadsheets: no CSV or workbook the workbook writes carries a formula."""

from __future__ import annotations

import openpyxl
import pandas as pd

from rrp_helpers import spreadsheets

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn", "plain", "a=b"]


def test_formula_like_text_is_neutralised_and_numbers_are_not():
    frame = pd.DataFrame({"text": HOSTILE, "number": [-1.5] * len(HOSTILE)})
    safe = spreadsheets.neutralise(frame)
    assert safe["text"].tolist()[:6] == ["'" + text for text in HOSTILE[:6]]
    assert safe["text"].tolist()[6:] == ["plain", "a=b"]
    assert safe["number"].tolist() == [-1.5] * len(HOSTILE)


def test_csv_and_workbook_hold_no_formula(tmp_path):
    frame = pd.DataFrame({"ward": HOSTILE, "=header": range(len(HOSTILE))})
    spreadsheets.write_csv(frame, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text()
    assert not any(line.startswith(("=", "+", "-", "@")) or ",=" in line or ",+" in line for line in text.splitlines())
    spreadsheets.write_workbook({"tables": frame}, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    cells = [cell for row in book["tables"].iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    assert book["tables"]["A2"].value == "'" + HOSTILE[0]
