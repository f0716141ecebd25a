"""Tables written for spreadsheet programs (CSV and ``.xlsx``) that cannot carry a formula.

Text from the data (a ward's name, a change concept, an annotation) is untrusted: a cell starting
with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is run as a formula by Excel,
LibreOffice and Google Sheets when the file is opened, which can fetch a web address or read other
cells (CSV/formula injection). As OWASP recommends, such text is written with a leading
apostrophe (``'=HYPERLINK(...)``), which shows the text as it is; and workbook cells are written
as text, never as formulas. Numbers are numbers: a negative number is not text and is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from rrp_helpers.files import atomic_path

__all__ = ["FORMULA_STARTS", "neutralise", "write_csv", "write_workbook"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula prefixed by ``'``
    (a copy; column names too)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
            out[column] = out[column].map(_safe_text, na_action="ignore")
    out.columns = [_safe_text(name) for name in out.columns]
    return out


def write_csv(frame: pd.DataFrame, target: Path, *, float_format: str | None = "%.4f") -> None:
    """``frame`` as a UTF-8 CSV file (atomically), with formula-like text neutralised."""
    with atomic_path(target) as temporary:
        neutralise(frame).to_csv(temporary, index=False, lineterminator="\n", float_format=float_format)


def write_workbook(sheets: Mapping[str, pd.DataFrame], target: Path) -> None:
    """One ``.xlsx`` workbook, a sheet per frame (names cut to Excel's 31 characters), atomically;
    formula-like text neutralised and every text cell stored as text."""
    with atomic_path(target) as temporary:
        with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                neutralise(frame).to_excel(writer, sheet_name=name[:31], index=False)
            for worksheet in writer.book.worksheets:
                for row in worksheet.iter_rows():
                    for cell in row:
                        if cell.data_type == "f":  # a formula that slipped through: keep it as text
                            cell.value = "'" + str(cell.value)
                            cell.data_type = "s"
