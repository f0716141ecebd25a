"""Reading files into grids of text cells: encodings, CSV dialects and Excel workbooks.

Every source becomes a :class:`Grid` of trimmed text cells indexed by spreadsheet row number, so
the checks downstream see CSV files and workbook sheets alike. CSV files may be UTF-8 (with or
without a BOM), cp1252 (Excel's "CSV" on Windows) or UTF-16, separated by ``,`` (or ``;``, tab,
``|``). Workbook cells are written as a person reads them (whole floats without ``.0``, dates
ISO). Cells holding NHS numbers are found once per distinct value (:mod:`rrp_helpers.privacy`).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rrp_helpers import privacy
from rrp_helpers.data.problems import Collector
from rrp_helpers.text import decode_bytes


@dataclass
class Grid:
    """Text cells (trimmed), columns 0..n-1, index = spreadsheet row number.

    ``filled`` marks non-empty cells and ``nhs`` cells holding an NHS number; both are
    computed in one pass per column over its *distinct* values, which keeps 270k-row
    files fast."""

    label: str
    frame: pd.DataFrame
    is_excel: bool = False
    merged: list[tuple[int, int, int]] = field(default_factory=list)  # (col, first, last row)
    filled: pd.DataFrame = field(init=False)
    nhs: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        n, m = self.frame.shape
        raw = self.frame.to_numpy(dtype=object)
        cells = np.empty((n, m), dtype=object)
        filled = np.zeros((n, m), dtype=bool)
        nhs = np.zeros((n, m), dtype=bool)
        for j in range(m):
            codes, uniques = _factorize(raw[:, j])
            text = np.array(["" if u is None else str(u).strip() for u in uniques], dtype=object)
            if not len(text):
                continue
            cells[:, j] = text[codes]
            filled[:, j] = (text != "")[codes]
            nhs[:, j] = np.fromiter((privacy.contains_nhs_number(u) for u in text), dtype=bool,
                                    count=len(text))[codes]
        idx, cols = self.frame.index, self.frame.columns
        self.frame = pd.DataFrame(cells, index=idx, columns=cols)
        self.filled = pd.DataFrame(filled, index=idx, columns=cols)
        self.nhs = pd.DataFrame(nhs, index=idx, columns=cols)

    @property
    def blank(self) -> bool:
        return self.frame.empty or not self.filled.to_numpy().any()


def _factorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """(codes, distinct values); plain Python for small arrays, where pandas' overhead dominates."""
    if len(values) > 5000:
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        return codes, list(uniques)
    seen: dict[Any, int] = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), dtype=np.intp,
                        count=len(values))
    return codes, list(seen)


def col_letter(i: int) -> str:
    s, i = "", i + 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def decode(raw: bytes, label: str, col: Collector) -> str:
    """The file's text (:func:`rrp_helpers.text.decode_bytes`); a warning when it had to be
    read as Latin-1."""
    text, encoding = decode_bytes(raw)
    if encoding == "latin-1":
        col.warn(label, None, None, None,
                 "the file is neither UTF-8 nor Windows (cp1252) text; it was read as Latin-1, "
                 "so accented letters may look wrong",
                 "save it as 'CSV UTF-8' from Excel")
    return text


def _sniff_delimiter(text: str) -> str:
    head = [ln for ln in text[:20000].splitlines()[:10] if ln.strip()][:5]
    if not head or any("," in ln for ln in head):
        return ","
    for d in (";", "\t", "|"):
        if any(d in ln for ln in head):
            return d
    return ","


def max_file_bytes() -> int:
    """The largest input file read: ``$RRP_MAX_FILE_MB`` megabytes (default 1,024), checked before
    reading, so that a wrong file cannot exhaust the machine's memory."""
    try:
        return int(float(os.environ.get("RRP_MAX_FILE_MB", "1024")) * 1024 * 1024)
    except ValueError:
        return 1024 * 1024 * 1024


def size_allowed(path: Path, label: str, col: Collector) -> bool:
    """Whether the file can be read at all and is not over :func:`max_file_bytes` (a problem if not)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        col.error(label, None, None, None, f"the file could not be opened ({exc.strerror})",
                  "check the file's permissions and that it is not open elsewhere")
        return False
    if size > max_file_bytes():
        col.error(label, None, None, None,
                  f"the file is {size / 1024 / 1024:,.0f} MB, over the limit of {max_file_bytes() / 1024 / 1024:,.0f} MB",
                  "check it is the right file; to read a larger one, set the environment variable "
                  "RRP_MAX_FILE_MB (e.g. RRP_MAX_FILE_MB=4096)")
        return False
    return True


def read_bytes_limited(path: Path, label: str, col: Collector) -> bytes | None:
    """The file's bytes; None (with a problem) if it cannot be read or is over :func:`max_file_bytes`."""
    if not size_allowed(path, label, col):
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        col.error(label, None, None, None, f"the file could not be opened ({exc.strerror})",
                  "check the file's permissions and that it is not open elsewhere")
        return None


def read_csv_grid(path: Path, label: str, col: Collector) -> Grid | None:
    """Read a CSV as text cells; None (with a problem) if it cannot be read."""
    raw = read_bytes_limited(path, label, col)
    if raw is None:
        return None
    if not raw.strip():
        return Grid(label, pd.DataFrame())
    text = decode(raw, label, col)
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        col.error(label, row, None, None, "the file contains NUL characters: it is not a text CSV file (a binary "
                  "file, or UTF-16 text without its byte-order mark)", "save it again from a spreadsheet as 'CSV UTF-8'")
        return None
    delim = _sniff_delimiter(text)
    if len(text) > 100_000:  # large files: pandas' C parser (small ones: csv is quicker)
        try:
            frame = pd.read_csv(io.StringIO(text), header=None, dtype=object, sep=delim,
                                keep_default_na=False, na_filter=False, skip_blank_lines=False)
            frame.index = range(1, len(frame) + 1)
            return Grid(label, frame)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
            pass  # ragged rows: fall back to the csv module
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error as exc:
        col.error(label, None, None, None, f"the file is not valid CSV ({exc})",
                  "open it in a spreadsheet and save it again as CSV")
        return None
    width = max((len(r) for r in rows), default=0)
    short = [i for i, r in enumerate(rows) if len(r) != width]
    for i in short:
        rows[i] = rows[i] + [""] * (width - len(rows[i]))
    frame = pd.DataFrame(rows, columns=range(width), index=range(1, len(rows) + 1), dtype=object)
    return Grid(label, frame)


def _excel_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, _dt.datetime):
        if v.hour == v.minute == v.second == v.microsecond == 0:
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(v)


MAX_WORKBOOK_CELLS = 20_000_000  # a workbook holding more cells than this is not a collaborative's


def _unpacked_size_problem(path: Path) -> str | None:
    """Why a workbook must not be opened: it would expand to more than :func:`max_file_bytes`
    (a "zip bomb": an .xlsx is a zip archive), or it is no zip archive at all (None if fine)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return None  # openpyxl reports it as unreadable
    if size > max_file_bytes():
        return (f"the workbook would expand to {size / 1024 / 1024:,.0f} MB when opened, over the limit of "
                f"{max_file_bytes() / 1024 / 1024:,.0f} MB")
    return None


def read_workbook(path: Path, col: Collector) -> dict[str, Grid] | None:
    """Every sheet of a workbook as a grid, keyed by lower-cased trimmed sheet name. Formula cells
    that Excel has not calculated are errors (their value is unknown, not missing)."""
    import openpyxl  # local: only needed for workbooks
    from openpyxl.utils.exceptions import InvalidFileException

    label = path.name
    if not size_allowed(path, label, col):
        return None
    problem = _unpacked_size_problem(path)
    if problem:
        col.error(label, None, None, None, problem, "check it is the right workbook; to read a larger one, set the "
                  "environment variable RRP_MAX_FILE_MB")
        return None
    try:
        wb = openpyxl.load_workbook(path, data_only=True)  # read-only access to the file
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        hint = ("save it from Excel as an .xlsx workbook" if path.suffix.lower() != ".xls"
                else "old .xls workbooks are not supported: save it as .xlsx")
        col.error(label, None, None, None, f"the workbook could not be read ({exc})", hint)
        return None
    except Exception as exc:  # zipfile.BadZipFile and friends
        col.error(label, None, None, None, f"the workbook could not be read ({type(exc).__name__})",
                  "save it from Excel as an .xlsx workbook")
        return None
    grids: dict[str, Grid] = {}
    formulas = _uncalculated_formulas(path, wb)
    try:
        cells = sum((ws.max_row or 0) * (ws.max_column or 0) for ws in wb.worksheets)
        if cells > MAX_WORKBOOK_CELLS:
            col.error(label, None, None, None, f"the workbook's sheets span {cells:,} cells, more than a collaborative "
                      f"holds ({MAX_WORKBOOK_CELLS:,} at most)", "delete the unused rows and columns, or check it is the "
                      "right workbook")
            return None
        for ws in wb.worksheets:
            if privacy.contains_nhs_number(ws.title):
                col.error(f"{label}[sheet]", None, None, None, "a sheet's name looks like an NHS number "
                          "(patient-identifiable data)", "rename the sheet")
                continue
            for row, column in formulas.get(ws.title, []):
                col.error(f"{label}[{ws.title}]", row, col_letter(column - 1), None,
                          "the cell holds a formula that Excel has not calculated, so its value is unknown",
                          "open the workbook in Excel (or LibreOffice), let it calculate, and save it again")
            rows = [[_excel_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
            width = max((len(r) for r in rows), default=0)
            frame = pd.DataFrame(rows, columns=range(width), index=range(1, len(rows) + 1),
                                 dtype=object) if rows else pd.DataFrame()
            merged = [(rng.min_col - 1, rng.min_row, rng.max_row)
                      for rng in ws.merged_cells.ranges if rng.max_row > rng.min_row]
            key = ws.title.strip().lower()
            sheet_label = f"{label}[{ws.title}]"
            if key in grids:
                col.error(sheet_label, None, None, None,
                          f"two sheets are called '{ws.title}' (ignoring case and spaces)",
                          "rename or delete one of them")
                continue
            grids[key] = Grid(sheet_label, frame, is_excel=True, merged=merged)
    finally:
        wb.close()
    return grids


def _uncalculated_formulas(path: Path, values) -> dict[str, list[tuple[int, int]]]:
    """(row, column) of every formula cell without a calculated value, per sheet title."""
    import openpyxl

    found: dict[str, list[tuple[int, int]]] = {}
    formulas = openpyxl.load_workbook(path, data_only=False, read_only=True)
    try:
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) == "f" and values[ws.title].cell(cell.row, cell.column).value is None:
                        found.setdefault(ws.title, []).append((cell.row, cell.column))
    finally:
        formulas.close()
    return found
