"""From a grid of cells to a table: the header row, identifiers refused, the contract's columns.

The header is the first row holding every required column name (title rows above it are allowed
and warned about in CSV files). Cells holding an NHS number are refused and blanked before
anything else reads them; columns named like a patient identifier are refused; columns of the
contract match in any letter case; vertically merged workbook cells are filled down from their
top cell, except in ``count`` columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from rrp_helpers import privacy
from rrp_helpers.data.contract import TableSpec
from rrp_helpers.data.problems import Collector, closest
from rrp_helpers.data.readers import Grid, col_letter

NO_FILL_COLUMNS = {"count"}


@dataclass
class RawTable:
    stem: str
    label: str
    df: pd.DataFrame            # named str columns, index = spreadsheet row
    header_row: int

    def rows(self, mask: pd.Series | None = None) -> list[int]:
        return list(self.df.index if mask is None else self.df.index[mask.to_numpy()])


def norm_name(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(s).strip().lower()).strip("_")


def _find_header(frame: pd.DataFrame, grid_filled: pd.DataFrame, spec: TableSpec | None
                 ) -> int | None:
    """Spreadsheet row of the header: the first row holding every required column name,
    else the row matching most known names, else the first non-empty row."""
    if frame.empty:
        return None
    nonempty = frame.index[grid_filled.any(axis=1).to_numpy()]
    if len(nonempty) == 0:
        return None
    if spec is None:
        return int(nonempty[0])
    first = list(nonempty[:30])
    req = set(spec.required)
    known = {norm_name(c) for c in spec.names}
    best, best_hits = int(nonempty[0]), 0
    for r in first:
        cells = {str(v).strip().lower() for v in frame.loc[r]}
        if req <= cells:
            return int(r)
        hits = len({norm_name(v) for v in frame.loc[r]} & known)
        if hits > best_hits:
            best, best_hits = int(r), hits
    return best


def scan_privacy(grid: Grid, header_row: int | None, names: dict[int, str],
                  col: Collector) -> None:
    """Refuse cells holding NHS numbers; blank them so nothing else echoes them."""
    frame = grid.frame
    for c in frame.columns:
        mask = grid.nhs[c]
        if not mask.any():
            continue
        for r in frame.index[mask.to_numpy()]:
            if header_row is not None and r > header_row and names.get(c):
                cname = names[c]
            else:
                cname = col_letter(int(c))   # above the header or unnamed: the Excel letter
            col.error(grid.label, int(r), cname, None,
                      "the cell holds a value that looks like an NHS number (patient-identifiable "
                      "data); this workbook must hold only aggregate counts per ward per month",
                      "delete the identifier from the file (do not just hide the column) and save it "
                      "again; if it is not an NHS number, write it without ten consecutive digits")
            col.redacted.add((grid.label, int(r), cname))
        frame.loc[mask, c] = ""
        grid.nhs.loc[mask, c] = False


def extract_table(grid: Grid, spec: TableSpec | None, col: Collector,
                   stem: str) -> RawTable | None:
    """Find the header, refuse identifier columns, check required columns, build the table."""
    label, frame = grid.label, grid.frame
    if grid.blank:
        scan_privacy(grid, None, {}, col)
        return RawTable(stem, label, pd.DataFrame(), 0) if spec is None else None
    hdr = _find_header(frame, grid.filled, spec)
    assert hdr is not None
    wanted = {c.lower(): c for c in (spec.names if spec else ())}

    def header_names() -> dict[int, str]:
        out: dict[int, str] = {}
        for i, v in enumerate(frame.loc[hdr]):
            n = str(v).strip()
            out[i] = wanted.get(n.lower(), n)  # accept any letter case for contract columns
        return out

    scan_privacy(grid, hdr, header_names(), col)
    names = header_names()  # again: an identifier in the header row itself is now blanked
    if hdr > 1 and not grid.is_excel and spec is not None:
        col.warn(label, hdr, None, None,
                 f"the column names are on row {hdr}; everything above them was ignored",
                 "delete title rows so the column names are on row 1")
    data = frame.loc[frame.index > hdr]
    filled = grid.filled.loc[data.index]
    keep_rows = filled.any(axis=1)
    # merged cells (Excel): fill down from the top cell, except count columns
    for c, r1, r2 in grid.merged:
        if r1 <= hdr or c not in data.columns:
            continue
        name = names.get(c, "")
        if name in NO_FILL_COLUMNS:
            col.error(label, r1, name, None,
                      f"cells in rows {r1}-{r2} of column '{name}' are merged, so only row {r1} has a value",
                      "unmerge the cells and enter the count on every row")
            continue
        rows = [r for r in range(r1 + 1, r2 + 1) if r in data.index]
        data.loc[rows, c] = data.at[r1, c] if r1 in data.index else ""
    data, filled = data.loc[keep_rows], filled.loc[keep_rows]
    out: dict[str, pd.Series] = {}
    seen: dict[str, int] = {}
    for c in data.columns:
        name = names.get(c, "")
        if not name:
            if filled[c].any():
                first = int(data.index[filled[c].to_numpy()][0])
                col.warn(label, first, col_letter(int(c)), None,
                         "this column has values but no name in the header row; it was ignored",
                         "give the column a name in the header row, or delete it")
            continue
        reason = privacy.identifier_column_reason(name)
        if reason and name not in wanted.values():
            col.error(label, hdr, name, None,
                      f"the column name suggests it holds {reason} (patient-identifiable data); "
                      "only aggregate counts per ward may be stored",
                      "delete this column from the file and save it again")
            continue
        if name in seen:
            col.error(label, hdr, name, None,
                      f"two columns are called '{name}' (columns {col_letter(seen[name])} and "
                      f"{col_letter(int(c))})", "rename or delete one of them")
            continue
        seen[name] = int(c)
        out[name] = data[c]
    df = pd.DataFrame(out, index=data.index, dtype=object)
    if spec is None:
        return RawTable(stem, label, df, hdr)
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        found = ", ".join(f"'{c}'" for c in df.columns) or "none"
        tips = []
        for m in missing:
            exact = [c for c in df.columns if norm_name(c) == m]
            near = exact or closest(m, [c for c in df.columns if c not in spec.names], n=1)
            if near:
                tips.append(f"rename '{near[0]}' to '{m}'")
        hint = ("; ".join(tips) + ". " if tips else "") + \
            f"The required columns are: {', '.join(spec.required)}"
        col.error(label, hdr, None, None,
                  f"missing required column{'s' if len(missing) > 1 else ''} "
                  f"{', '.join(repr(m) for m in missing)} (found: {found})", hint)
        return None
    for c in df.columns:
        if c not in spec.names:
            near = closest(c, [o for o in spec.optional if o not in df.columns], n=1)
            if near:
                col.warn(label, hdr, c, None,
                         f"column '{c}' is not part of the data contract and was ignored",
                         f"if you meant '{near[0]}', rename it")
    if spec.needs_rows and df.empty:
        col.error(label, None, None, None, "the file has a header row but no data rows",
                  f"add one row per {'ward' if stem == 'wards' else 'ward, month and measure'}")
    return RawTable(stem, label, df, hdr)


def load_table(grid: Grid | None, spec: TableSpec, col: Collector, stem: str,
                size: int | None = None) -> RawTable | None:
    if grid is None:
        return None
    if grid.blank:
        what = "is empty (0 bytes)" if size == 0 else "is empty"
        if spec.needed:
            col.error(grid.label, None, None, None, f"the file {what}",
                      f"it needs a header row ({', '.join(spec.required)}) and data rows")
        else:
            col.warn(grid.label, None, None, None, f"the file {what} and was ignored",
                     f"delete it, or give it a header row ({', '.join(spec.required)})")
        return None
    return extract_table(grid, spec, col, stem)
