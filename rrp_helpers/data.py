"""Load and validate a collaborative's data (the data contracts of DESIGN.md section 2).

``validate(path)`` collects every problem it can find and never raises for bad data;
``load_collaborative(path)`` returns a :class:`Collaborative` or raises :class:`DataError`
(whose ``str()`` is the readable report).

``path`` is either

* a **directory** holding ``collaborative.toml`` + ``wards.csv`` + ``monthly.csv`` and the
  optional CSVs (``safety_cross``, ``incident_reports``, ``change_ideas``, ``change_package``,
  ``annotations``, ``engagement``); CSVs may be UTF-8 (with or without a BOM), cp1252
  (Excel's "CSV" on Windows) or UTF-16, separated by ``,`` (or ``;`` / tab); or
* one **Excel workbook** (``.xlsx``/``.xlsm``) with one sheet per file, the sheet named by the
  file stem (case and surrounding spaces ignored):

  - ``collaborative``: two columns, key and value, one setting per row (an optional first
    row ``key | value`` is skipped). Periods are written either as one cell,
    ``baseline | 2017-08:2018-07`` (also ``2017-08 to 2018-07``), or as two rows
    ``baseline_start | 2017-08`` and ``baseline_end | 2018-07`` (likewise ``testing``).
    Month cells may be text ``YYYY-MM`` or Excel dates. Other keys as in the TOML.
  - ``measures`` (optional): columns ``name, label, direction, kind`` - one row per measure,
    the TOML's ``[measures.<name>]`` tables. Absent = the three core measures.
  - ``wards``, ``monthly``, ``safety_cross``, ... with the same columns as the CSVs.
    Title rows above the header are allowed (the header row is found by its column
    names); vertically merged cells are filled down from their top cell, except in
    ``count`` columns where a merge is reported as an error. Problems name
    ``book.xlsx[sheet]`` and the row number Excel shows.

Row numbers in problems are as a person counts in a spreadsheet: header = row 1, first
data row = 2 (for a TOML file, ``row`` is the line number). Missing counts are never read
as 0. Patient-identifiable data (identifier-like column names, values that are valid NHS
numbers) are refused as errors and never echoed.

Design choices beyond DESIGN.md (recorded here):

* Month cells ``YYYY-MM``; ``YYYY-MM-DD`` is accepted only for the first of a month.
  Day/month/year text such as ``01/03/2018`` is refused (ambiguous between UK and US order).
* A count of ``NA``, ``N/A``, ``null``, ``-`` or empty is *missing*; ``*`` is *suppressed*
  by a publisher (missing + ``suppressed`` True).
* Months outside the configured periods are a warning and are left out of
  ``Collaborative.monthly`` (the grid is ``config.months()``); other tables keep them.
* ``occupied_bed_days`` given on some measure rows of a ward-month but not others is
  filled from the rows that have it.
* ``change_package``: TOML key ``change_package`` (path relative to the TOML or workbook),
  else ``change_package.csv`` beside ``collaborative.toml`` / a ``change_package`` sheet,
  else the shipped ``data/reference/change_package.csv``.
"""

from __future__ import annotations

import calendar
import dataclasses
import csv
import datetime as _dt
import difflib
import io
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rrp_helpers import privacy

__all__ = [
    "MEASURES",
    "TOTAL",
    "MeasureSpec",
    "CollaborativeConfig",
    "Problem",
    "ValidationReport",
    "DataError",
    "Collaborative",
    "validate",
    "load_collaborative",
    "DEFAULT_MEASURES",
    "TABLE_COLUMNS",
    "REQUIRED_COLUMNS",
    "shipped_change_package_path",
]

MEASURES: tuple[str, ...] = ("restraint", "seclusion", "rapid_tranquillisation")
TOTAL = "total"
SOURCES: tuple[str, ...] = ("incident_report", "safety_cross", "published")
CHART_SETTINGS: dict[str, tuple[str, ...]] = {
    "ward_chart": ("c", "u", "i", "run"),  # the chart of one ward's monthly counts
    "collaborative_chart": ("i", "c", "u", "up", "run"),  # the chart of the collaborative's monthly sums
}
_MONTH_DTYPE = "datetime64[us]"

# ---------------------------------------------------------------------------------------
# Public objects


@dataclass(frozen=True)
class MeasureSpec:
    """One measure: snake_case ``name`` (as in monthly.csv), human ``label``,
    ``direction`` of improvement ("down" or "up") and ``kind`` ("outcome" or "balancing")."""

    name: str
    label: str
    direction: str = "down"
    kind: str = "outcome"


DEFAULT_MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec("restraint", "Physical restraint", "down", "outcome"),
    MeasureSpec("seclusion", "Seclusion", "down", "outcome"),
    MeasureSpec("rapid_tranquillisation", "Rapid tranquillisation", "down", "outcome"),
)


@dataclass(frozen=True)
class CollaborativeConfig:
    """Settings from ``collaborative.toml`` (or the workbook's ``collaborative`` sheet)."""

    name: str
    description: str
    synthetic: bool
    baseline_start: pd.Timestamp
    baseline_end: pd.Timestamp
    testing_start: pd.Timestamp | None
    testing_end: pd.Timestamp | None
    shift_points: int = 8
    trend_points: int = 6
    aim_reduction_pct: float = 33.0
    measures: tuple[MeasureSpec, ...] = DEFAULT_MEASURES
    rate_per: int = 1000
    values_rounded_to: int | None = None
    unit_label: str = "ward"  # what one unit is called in sentences ("ward", "provider")
    ward_chart: str = "c"  # "u": rates per rate_per occupied bed days
    collaborative_chart: str = "i"

    def months(self) -> pd.DatetimeIndex:
        """Every month from baseline start to the testing end (or baseline end)."""
        end = self.testing_end if self.testing_end is not None else self.baseline_end
        return pd.date_range(self.baseline_start, end, freq="MS", name="month")

    def baseline_months(self) -> pd.DatetimeIndex:
        """The baseline months (inclusive)."""
        return pd.date_range(self.baseline_start, self.baseline_end, freq="MS", name="month")

    def testing_months(self) -> pd.DatetimeIndex:
        """The testing months (empty when monitoring only)."""
        if self.testing_start is None or self.testing_end is None:
            return pd.DatetimeIndex([], dtype=_MONTH_DTYPE, name="month")
        return pd.date_range(self.testing_start, self.testing_end, freq="MS", name="month")

    def measure_names(self) -> tuple[str, ...]:
        """Measure ids in configuration order."""
        return tuple(m.name for m in self.measures)

    def measure(self, name: str) -> MeasureSpec:
        """The :class:`MeasureSpec` called ``name`` (KeyError if unknown)."""
        for m in self.measures:
            if m.name == name:
                return m
        raise KeyError(f"unknown measure {name!r}; known: {', '.join(self.measure_names())}")


def _short(text: str | None, limit: int = 60) -> str | None:
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One finding. ``row`` counts as a spreadsheet does (header = 1, first data row = 2)."""

    severity: str
    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        # Safety net: no report ever echoes an NHS number, whichever check produced it.
        for name in ("file", "column", "value", "message", "hint"):
            v = getattr(self, name)
            if isinstance(v, str):
                object.__setattr__(self, name, privacy.scrub(v))

    def location(self) -> str:
        """``file row N, column 'c'`` (the parts that are known)."""
        parts = [self.file]
        if self.row is not None:
            parts.append(f" row {self.row}")
        if self.column is not None:
            parts.append(("," if self.row is not None else "") + f" column '{self.column}'")
        return "".join(parts)

    def __str__(self) -> str:
        head = self.location()
        if self.value is not None:
            head += f": value '{_short(self.value)}'"
        text = f"{head} — {self.message}"
        if self.hint:
            text = text.rstrip(".") + f". Fix: {self.hint}"
        return text


@dataclass(frozen=True)
class ValidationReport:
    """All problems found in one collaborative (errors block loading, warnings do not)."""

    path: Path
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def format(self, max_per_file: int = 50) -> str:
        """Readable report grouped by file, errors first, at most ``max_per_file`` lines each."""
        ne, nw = len(self.errors), len(self.warnings)
        if ne:
            summary = (f"{_plural(ne, 'error')} and {_plural(nw, 'warning')} in {self.path}: "
                       "the data cannot be loaded until the errors are fixed.")
        elif nw:
            summary = f"No errors, {_plural(nw, 'warning')} in {self.path}: the data can be loaded."
        else:
            summary = f"No problems found in {self.path}."
        lines = [summary]
        files: dict[str, list[Problem]] = {}
        for p in self.problems:
            files.setdefault(p.file, []).append(p)
        for fname, probs in files.items():
            probs = sorted(probs, key=lambda p: p.severity != "error")  # stable: errors first
            e = sum(p.severity == "error" for p in probs)
            lines.append("")
            lines.append(f"{fname} ({_plural(e, 'error')}, {_plural(len(probs) - e, 'warning')})")
            for p in probs[:max_per_file]:
                tag = "ERROR  " if p.severity == "error" else "warning"
                body = str(p)
                if body.startswith(p.file):
                    body = body[len(p.file):].lstrip(" :—") or body
                    if body.startswith("—"):
                        body = body[1:].lstrip()
                lines.append(f"  {tag} {body}")
            if len(probs) > max_per_file:
                lines.append(f"  … and {len(probs) - max_per_file} more in {fname}")
        if self.problems:
            lines.append("")
            lines.append(summary)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


class DataError(Exception):
    """Raised by :func:`load_collaborative` when validation finds errors; ``.report`` has them."""

    def __init__(self, report: ValidationReport):
        super().__init__(report.format())
        self.report = report

    def __str__(self) -> str:
        return self.report.format()


@dataclass(frozen=True, eq=False)
class Collaborative:
    """A validated collaborative: its settings and tidy, typed tables (see module docstring)."""

    path: Path
    config: CollaborativeConfig
    wards: pd.DataFrame
    monthly: pd.DataFrame
    safety_cross: pd.DataFrame
    incident_reports: pd.DataFrame
    change_ideas: pd.DataFrame
    change_package: pd.DataFrame
    annotations: pd.DataFrame
    engagement: pd.DataFrame
    problems: tuple[Problem, ...] = ()

    @property
    def ward_ids(self) -> list[str]:
        """Ward ids in sorted order."""
        return self.wards["ward_id"].tolist()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------------------------
# The contract


@dataclass(frozen=True)
class _TableSpec:
    stem: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    needed: bool = False          # the file itself must exist
    needs_rows: bool = False      # a header-only file is an error

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


_SPECS: dict[str, _TableSpec] = {
    s.stem: s
    for s in (
        _TableSpec("wards", ("ward_id", "ward_name", "trust", "specialty", "ward_type", "gender"),
                   ("beds",), needed=True, needs_rows=True),
        _TableSpec("monthly", ("ward_id", "month", "measure", "count"),
                   ("occupied_bed_days", "source", "suppressed"), needed=True, needs_rows=True),
        _TableSpec("safety_cross", ("ward_id", "date", "measure", "count")),
        _TableSpec("incident_reports", ("ward_id", "month", "measure", "count")),
        _TableSpec("change_ideas", ("ward_id", "idea_id", "idea", "change_concept", "started"),
                   ("pdsa_cycles", "status")),
        _TableSpec("change_package", ("primary_driver", "secondary_driver", "change_concept")),
        _TableSpec("annotations", ("ward_id", "month", "note"), ("measure",)),
        _TableSpec("engagement", ("ward_id", "month"),
                   ("learning_set_attended", "coach_contacts", "data_on_time")),
    )
}
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {k: s.columns for k, s in _SPECS.items()}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {k: s.required for k, s in _SPECS.items()}
_CONFIG_STEM = "collaborative"
_MEASURES_SHEET = "measures"
_NO_FILL_COLUMNS = {"count"}
_MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none", "missing", "-", "—", "–", "#n/a"}
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}
_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")
_MAX_COUNT = 100_000   # a larger count for one ward and month is a typing or export error

_CONFIG_KEYS = (
    "name", "description", "synthetic", "baseline", "testing", "baseline_start", "baseline_end",
    "testing_start", "testing_end", "shift_points", "trend_points", "aim_reduction_pct",
    "rate_per", "change_package", "values_rounded_to", "measures", "unit_label", "ward_chart",
    "collaborative_chart",
)
_MEASURE_KEYS = ("label", "direction", "kind")


def shipped_change_package_path() -> Path:
    """The change package shipped with the project (``data/reference/change_package.csv``)."""
    import rrp_helpers

    return Path(rrp_helpers.__file__).resolve().parents[1] / "data" / "reference" / "change_package.csv"


# ---------------------------------------------------------------------------------------
# Problem collection


class _Collector:
    """Accumulates problems; remembers redacted cells so no later check re-reports them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.redacted: set[tuple[str, int | None, str | None]] = set()

    def error(self, file: str, row: int | None, column: str | None, value: Any,
              message: str, hint: str = "") -> None:
        self._add("error", file, row, column, value, message, hint)

    def warn(self, file: str, row: int | None, column: str | None, value: Any,
             message: str, hint: str = "") -> None:
        self._add("warning", file, row, column, value, message, hint)

    def _add(self, severity: str, file: str, row: int | None, column: str | None, value: Any,
             message: str, hint: str) -> None:
        if value is not None:
            value = _short(str(value), 80)
        self.problems.append(Problem(severity, file, None if row is None else int(row), column,
                                     value, message, hint))


def _closest(word: str, options: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    options = list(dict.fromkeys(str(o) for o in options))
    lower = {o.lower(): o for o in options}
    hits = difflib.get_close_matches(str(word).lower(), list(lower), n=n, cutoff=cutoff)
    return [lower[h] for h in hits]


def _did_you_mean(word: str, options: Iterable[str], n: int = 3) -> str:
    hits = _closest(word, options, n=n)
    if not hits:
        return ""
    return "Did you mean " + " or ".join(f"'{h}'" for h in hits) + "?"


def _rows_text(rows: Sequence[int], limit: int = 6) -> str:
    rows = sorted(int(r) for r in rows)
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"rows {shown}{more}"


def _also(rows: Sequence[int]) -> str:
    """' (rows 5, 9 and 3 more)' when a value recurs; '' when it is on one row only."""
    return "" if len(rows) <= 1 else f" ({_rows_text(rows)})"


def _fmt_month(ts: pd.Timestamp) -> str:
    return f"{ts.year:04d}-{ts.month:02d}"


def _months_text(months: Iterable[pd.Timestamp], limit: int = 8) -> str:
    """Compact list: '2018-03, 2019-01 to 2019-04 (6 months)'."""
    ms = sorted(set(pd.Timestamp(m) for m in months))
    if not ms:
        return ""
    runs: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for m in ms:
        if runs and (m.year * 12 + m.month) - (runs[-1][1].year * 12 + runs[-1][1].month) == 1:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))
    parts = [_fmt_month(a) if a == b else f"{_fmt_month(a)} to {_fmt_month(b)}" for a, b in runs]
    text = ", ".join(parts[:limit]) + (" …" if len(parts) > limit else "")
    return f"{text} ({_plural(len(ms), 'month')})"


# ---------------------------------------------------------------------------------------
# Reading: every source becomes a grid of text cells indexed by spreadsheet row number


@dataclass
class _Grid:
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


def _col_letter(i: int) -> str:
    s, i = "", i + 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _decode(raw: bytes, label: str, col: _Collector) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        col.warn(label, None, None, None,
                 "the file is neither UTF-8 nor Windows (cp1252) text; it was read as Latin-1, "
                 "so accented letters may look wrong",
                 "save it as 'CSV UTF-8' from Excel")
        return raw.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    head = [ln for ln in text[:20000].splitlines()[:10] if ln.strip()][:5]
    if not head or any("," in ln for ln in head):
        return ","
    for d in (";", "\t", "|"):
        if any(d in ln for ln in head):
            return d
    return ","


def _read_csv_grid(path: Path, label: str, col: _Collector) -> _Grid | None:
    """Read a CSV as text cells; None (with a problem) if it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        col.error(label, None, None, None, f"the file could not be opened ({exc.strerror})",
                  "check the file's permissions and that it is not open elsewhere")
        return None
    if not raw.strip():
        return _Grid(label, pd.DataFrame())
    text = _decode(raw, label, col).replace("\x00", "")
    delim = _sniff_delimiter(text)
    if len(text) > 100_000:  # large files: pandas' C parser (small ones: csv is quicker)
        try:
            frame = pd.read_csv(io.StringIO(text), header=None, dtype=object, sep=delim,
                                keep_default_na=False, na_filter=False, skip_blank_lines=False)
            frame.index = range(1, len(frame) + 1)
            return _Grid(label, frame)
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
    return _Grid(label, frame)


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


def _read_workbook(path: Path, col: _Collector) -> dict[str, _Grid] | None:
    """Every sheet of a workbook as a grid, keyed by lower-cased trimmed sheet name."""
    import openpyxl  # local: only needed for workbooks
    from openpyxl.utils.exceptions import InvalidFileException

    label = path.name
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
    grids: dict[str, _Grid] = {}
    try:
        for ws in wb.worksheets:
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
            grids[key] = _Grid(sheet_label, frame, is_excel=True, merged=merged)
    finally:
        wb.close()
    return grids


# ---------------------------------------------------------------------------------------
# Tables: header detection, privacy, column checks


@dataclass
class _Table:
    stem: str
    label: str
    df: pd.DataFrame            # named str columns, index = spreadsheet row
    header_row: int

    def rows(self, mask: pd.Series | None = None) -> list[int]:
        return list(self.df.index if mask is None else self.df.index[mask.to_numpy()])


def _norm_name(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(s).strip().lower()).strip("_")


def _find_header(frame: pd.DataFrame, grid_filled: pd.DataFrame, spec: _TableSpec | None
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
    known = {_norm_name(c) for c in spec.columns}
    best, best_hits = int(nonempty[0]), 0
    for r in first:
        cells = {str(v).strip().lower() for v in frame.loc[r]}
        if req <= cells:
            return int(r)
        hits = len({_norm_name(v) for v in frame.loc[r]} & known)
        if hits > best_hits:
            best, best_hits = int(r), hits
    return best


def _scan_privacy(grid: _Grid, header_row: int | None, names: dict[int, str],
                  col: _Collector) -> None:
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
                cname = _col_letter(int(c))   # above the header or unnamed: the Excel letter
            col.error(grid.label, int(r), cname, None,
                      "the cell holds a value that looks like an NHS number (patient-identifiable "
                      "data); this workbook must hold only aggregate counts per ward per month",
                      "delete the identifier from the file (do not just hide the column) and save it "
                      "again; if it is not an NHS number, write it without ten consecutive digits")
            col.redacted.add((grid.label, int(r), cname))
        frame.loc[mask, c] = ""
        grid.nhs.loc[mask, c] = False


def _extract_table(grid: _Grid, spec: _TableSpec | None, col: _Collector,
                   stem: str) -> _Table | None:
    """Find the header, refuse identifier columns, check required columns, build the table."""
    label, frame = grid.label, grid.frame
    if grid.blank:
        _scan_privacy(grid, None, {}, col)
        return _Table(stem, label, pd.DataFrame(), 0) if spec is None else None
    hdr = _find_header(frame, grid.filled, spec)
    assert hdr is not None
    wanted = {c.lower(): c for c in (spec.columns if spec else ())}

    def header_names() -> dict[int, str]:
        out: dict[int, str] = {}
        for i, v in enumerate(frame.loc[hdr]):
            n = str(v).strip()
            out[i] = wanted.get(n.lower(), n)  # accept any letter case for contract columns
        return out

    _scan_privacy(grid, hdr, header_names(), col)
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
        if name in _NO_FILL_COLUMNS:
            col.error(label, r1, name, None,
                      f"cells in rows {r1}-{r2} of column '{name}' are merged, so only row {r1} has a value",
                      "unmerge the cells and enter the count on every row")
            continue
        rows = [r for r in range(r1 + 1, r2 + 1) if r in data.index]
        data.loc[rows, c] = data.at[r1, c] if r1 in data.index else ""
    data = data.loc[keep_rows]
    out: dict[str, pd.Series] = {}
    seen: dict[str, int] = {}
    for c in data.columns:
        name = names.get(c, "")
        if not name:
            if filled[c].any():
                first = int(data.index[filled[c].to_numpy()][0])
                col.warn(label, first, _col_letter(int(c)), None,
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
                      f"two columns are called '{name}' (columns {_col_letter(seen[name])} and "
                      f"{_col_letter(int(c))})", "rename or delete one of them")
            continue
        seen[name] = int(c)
        out[name] = data[c]
    df = pd.DataFrame(out, index=data.index, dtype=object)
    if spec is None:
        return _Table(stem, label, df, hdr)
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        found = ", ".join(f"'{c}'" for c in df.columns) or "none"
        tips = []
        for m in missing:
            exact = [c for c in df.columns if _norm_name(c) == m]
            near = exact or _closest(m, [c for c in df.columns if c not in spec.columns], n=1)
            if near:
                tips.append(f"rename '{near[0]}' to '{m}'")
        hint = ("; ".join(tips) + ". " if tips else "") + \
            f"The required columns are: {', '.join(spec.required)}"
        col.error(label, hdr, None, None,
                  f"missing required column{'s' if len(missing) > 1 else ''} "
                  f"{', '.join(repr(m) for m in missing)} (found: {found})", hint)
        return None
    for c in df.columns:
        if c not in spec.columns:
            near = _closest(c, [o for o in spec.optional if o not in df.columns], n=1)
            if near:
                col.warn(label, hdr, c, None,
                         f"column '{c}' is not part of the data contract and was ignored",
                         f"if you meant '{near[0]}', rename it")
    if spec.needs_rows and df.empty:
        col.error(label, None, None, None, "the file has a header row but no data rows",
                  f"add one row per {'ward' if stem == 'wards' else 'ward, month and measure'}")
    return _Table(stem, label, df, hdr)


# ---------------------------------------------------------------------------------------
# Cell parsers (run once per distinct value, then broadcast)


def _per_unique(s: pd.Series, fn: Callable[[str], tuple[Any, str | None]]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``fn(text) -> (value, reason)`` to each distinct value; arrays aligned with ``s``."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    vals = np.empty(len(uniques), dtype=object)
    reasons = np.empty(len(uniques), dtype=object)
    for i, u in enumerate(uniques):
        vals[i], reasons[i] = fn("" if u is None or (isinstance(u, float) and np.isnan(u)) else str(u))
    return vals[codes], reasons[codes]


_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_SLASH_RE = re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$")


def _real_date(y: int, m: int, d: int) -> str | None:
    if not 1 <= m <= 12:
        return f"there is no month {m}"
    last = calendar.monthrange(y, m)[1]
    if not 1 <= d <= last:
        return (f"this date does not exist: {calendar.month_name[m]} {y} has {last} days")
    return None


def _parse_month_text(t: str) -> tuple[pd.Timestamp | None, str | None]:
    if t == "":
        return None, "empty"
    m = _MONTH_RE.match(t)
    if not m:
        if _SLASH_RE.match(t):
            return None, "day/month/year dates are ambiguous; months must be written YYYY-MM"
        return None, "not a month written YYYY-MM"
    y, mo = int(m.group(1)), int(m.group(2))
    d = int(m.group(3)) if m.group(3) else 1
    bad = _real_date(y, mo, d)
    if bad:
        return None, bad
    if d != 1:
        return None, "a month must be written YYYY-MM (a full date is accepted only for the 1st)"
    return pd.Timestamp(year=y, month=mo, day=1), None


def _parse_date_text(t: str) -> tuple[pd.Timestamp | None, str | None]:
    if t == "":
        return None, "empty"
    m = _DATE_RE.match(t)
    if not m:
        if _SLASH_RE.match(t):
            return None, "day/month/year dates are ambiguous; dates must be written YYYY-MM-DD"
        return None, "not a date written YYYY-MM-DD"
    y, mo, d = (int(g) for g in m.groups())
    bad = _real_date(y, mo, d)
    if bad:
        return None, bad
    return pd.Timestamp(year=y, month=mo, day=d), None


def _parse_count_text(t: str) -> tuple[int | None, str | None]:
    low = t.lower()
    if low in _MISSING_TOKENS:
        return None, "missing"
    if t == "*":
        return None, "suppressed"
    try:
        x = float(t)
    except ValueError:
        return None, "not a number"
    if not np.isfinite(x):
        return None, "not a number"
    if not x.is_integer():
        return None, "fractional"
    if x < 0:
        return None, "negative"
    if x > _MAX_COUNT:
        return None, "too large"
    return int(x), None


def _parse_number_text(t: str) -> tuple[float | None, str | None]:
    if t.lower() in _MISSING_TOKENS:
        return None, "missing"
    try:
        x = float(t)
    except ValueError:
        return None, "not a number"
    if not np.isfinite(x):
        return None, "not a number"
    if x < 0:
        return None, "negative"
    return x, None


def _parse_bool_text(t: str) -> tuple[bool | None, str | None]:
    low = t.lower()
    if low in _MISSING_TOKENS:
        return None, "missing"
    if low in _TRUE:
        return True, None
    if low in _FALSE:
        return False, None
    return None, "not yes/no"


def _months_series(vals: np.ndarray, index: pd.Index, name: str) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(list(vals), dtype=_MONTH_DTYPE) if len(vals) else
                     pd.DatetimeIndex([], dtype=_MONTH_DTYPE), index=index, name=name)


# ---------------------------------------------------------------------------------------
# Column checks shared by several tables


class _Ctx:
    """What cross-table checks need to know."""

    def __init__(self, col: _Collector, measures: tuple[str, ...],
                 months: pd.DatetimeIndex | None, wards_label: str) -> None:
        self.col = col
        self.measures = measures
        self.months = months
        self.ward_ids: set[str] | None = None
        self.ward_rows: dict[str, int] = {}
        self.wards_label = wards_label


def _check_ids(t: _Table, column: str, ctx: _Ctx, *, allow_all: bool = False) -> pd.Series:
    """ward_id must be known; returns a mask of usable rows (one error per distinct bad value)."""
    s = t.df[column]
    ok = pd.Series(True, index=s.index)
    empty = s == ""
    if empty.any():
        ctx.col.error(t.label, int(s.index[empty.to_numpy()][0]), column, None,
                      f"{column} is empty on {_rows_text(t.rows(empty))}",
                      "give every row the ward's id from wards.csv")
        ok &= ~empty
    if ctx.ward_ids is None:
        return ok
    known = ctx.ward_ids | ({"ALL"} if allow_all else set())
    unknown = ~s.isin(known) & ~empty
    if allow_all:
        unknown &= s.str.upper() != "ALL"
    if unknown.any():
        for val, rows in s[unknown].groupby(s[unknown], sort=True).groups.items():
            rows = list(rows)
            ctx.col.error(t.label, int(rows[0]), column, val,
                          f"ward_id is not listed in {ctx.wards_label}{_also(rows)}",
                          (_did_you_mean(val, ctx.ward_ids) + " " if _closest(val, ctx.ward_ids) else "")
                          + f"use a ward_id from {ctx.wards_label}, or add the ward there")
        ok &= ~unknown
    return ok


def _check_measures(t: _Table, column: str, ctx: _Ctx, *, allow_empty: bool = False,
                    allow_total: bool = False) -> pd.Series:
    """measure must be a configured measure; one error per distinct bad value."""
    s = t.df[column]
    known = set(ctx.measures) | ({TOTAL} if allow_total else set())
    empty = s == ""
    bad = ~s.isin(known) & ~(empty if allow_empty else False)
    if not bad.any():
        return ~bad
    for val, rows in s[bad].groupby(s[bad], sort=True).groups.items():
        rows = list(rows)
        if val == "":
            ctx.col.error(t.label, int(rows[0]), column, None,
                          f"measure is empty on {_rows_text(rows)}",
                          f"use one of: {', '.join(ctx.measures)}")
        elif val == TOTAL:
            ctx.col.error(t.label, int(rows[0]), column, val,
                          f"'total' is derived from the other measures and must not be stored"
                          f"{_also(rows)}", "delete these rows")
        else:
            low = val.strip().lower().replace(" ", "_")
            hint = (f"write it as '{low}'" if low in known else
                    (_did_you_mean(val, known) + " " if _closest(val, known) else "")
                    + f"measures are: {', '.join(ctx.measures)} (add others under [measures] in "
                      "collaborative.toml)")
            ctx.col.error(t.label, int(rows[0]), column, val,
                          f"unknown measure{_also(rows)}", hint)
    return ~bad


def _month_column(t: _Table, column: str, ctx: _Ctx, *, allow_empty: bool = False,
                  what: str = "month") -> tuple[pd.Series, pd.Series]:
    """Parse a month column; errors for unparseable cells (per distinct value)."""
    s = t.df[column]
    vals, reasons = _per_unique(s, _parse_month_text)
    bad = pd.Series([r is not None for r in reasons], index=s.index)
    empty = s == ""
    if allow_empty:
        bad &= ~empty
    if bad.any():
        for val, rows in s[bad].groupby(s[bad], sort=True).groups.items():
            rows = list(rows)
            reason = _parse_month_text(val)[1]
            if val == "":
                ctx.col.error(t.label, int(rows[0]), column, None,
                              f"{what} is empty on {_rows_text(rows)}",
                              "write the month as YYYY-MM, e.g. 2018-03")
            else:
                ctx.col.error(t.label, int(rows[0]), column, val,
                              f"{reason}{_also(rows)}",
                              "write the month as YYYY-MM, e.g. 2018-03 for March 2018")
    ok_vals = np.where(bad.to_numpy() | empty.to_numpy(), None, vals)
    out = _months_series(np.array([pd.NaT if v is None else v for v in ok_vals], dtype=object),
                         s.index, column)
    return out, ~bad


def _out_of_period(t: _Table, months: pd.Series, valid: pd.Series, ctx: _Ctx,
                   consequence: str) -> pd.Series:
    """Warn once per file about months outside the configured periods; returns the mask."""
    if ctx.months is None or len(ctx.months) == 0:
        return pd.Series(False, index=months.index)
    outside = valid & months.notna() & ~months.isin(ctx.months)
    if outside.any():
        span = f"{_fmt_month(ctx.months[0])} to {_fmt_month(ctx.months[-1])}"
        ctx.col.warn(t.label, int(t.df.index[outside.to_numpy()][0]), "month" if "month" in t.df else "date", None,
                     f"{_plural(int(outside.sum()), 'row')} {'falls' if outside.sum() == 1 else 'fall'} outside the collaborative's periods "
                     f"({span}): {_months_text(months[outside].dt.to_period('M').dt.to_timestamp().unique())}; "
                     f"{_rows_text(t.rows(outside))}. {consequence}",
                     "extend baseline/testing in collaborative.toml if these months belong to the "
                     "collaborative, otherwise delete the rows")
    return outside


def _count_column(t: _Table, column: str, ctx: _Ctx, *, allow_star: bool
                  ) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Parse counts: returns (Int64 counts, ok mask, missing mask, suppressed mask)."""
    s = t.df[column]
    vals, reasons = _per_unique(s, _parse_count_text)
    reasons_s = pd.Series(reasons, index=s.index)
    missing = reasons_s == "missing"
    star = reasons_s == "suppressed"
    if not allow_star:
        missing |= star
        star = pd.Series(False, index=s.index)
    bad = reasons_s.notna() & ~missing & ~star
    msgs = {"not a number": ("the count is not a number",
                             "write a whole number (0, 1, 2 …); leave the cell empty if the "
                             "count is not known (never write 0 for unknown)"),
            "fractional": ("counts must be whole numbers ≥ 0",
                           "write a whole number; counts of events cannot have fractions"),
            "negative": ("counts must be whole numbers ≥ 0", "a count cannot be negative: correct it"),
            "suppressed": ("'*' (suppressed) is not allowed here", "leave the cell empty if unknown"),
            "too large": (f"the count is implausibly large (over {_MAX_COUNT:,} for one ward)",
                          "check for a typing or export error (e.g. a number pasted into the "
                          "wrong column)")}
    for r in s.index[bad.to_numpy()]:
        msg, hint = msgs[reasons_s.at[r]]
        if (t.label, int(r), column) in ctx.col.redacted:
            continue
        ctx.col.error(t.label, int(r), column, s.at[r], msg, hint)
    counts = pd.array([None if (v is None or b) else v for v, b in zip(vals, bad.to_numpy())],
                      dtype="Int64")
    return pd.Series(counts, index=s.index, name=column), ~bad, missing, star


def _number_column(t: _Table, column: str, ctx: _Ctx, *, integer: bool, what: str) -> pd.Series:
    """Optional non-negative number column (empty = NA)."""
    s = t.df[column]
    vals, reasons = _per_unique(s, _parse_number_text)
    vals = vals.copy()
    for i, (v, r) in enumerate(zip(vals, reasons)):
        if r == "missing":
            vals[i] = None
        elif r is None and integer and not float(v).is_integer():
            reasons[i] = "fractional"
    bad = np.array([r not in (None, "missing") for r in reasons], dtype=bool)
    for row in s.index[bad]:
        if (t.label, int(row), column) in ctx.col.redacted:
            continue
        ctx.col.error(t.label, int(row), column, s.at[row],
                      f"{what} must be a {'whole ' if integer else ''}number ≥ 0",
                      "correct the value, or leave the cell empty if it is not known")
    clean = [None if r is not None else v for v, r in zip(vals, reasons)]
    if integer:
        return pd.Series(pd.array([None if v is None else int(v) for v in clean], dtype="Int64"),
                         index=s.index, name=column)
    return pd.Series(pd.array(clean, dtype="Float64"), index=s.index, name=column)


def _bool_column(t: _Table, column: str, ctx: _Ctx) -> pd.Series:
    """Optional yes/no column (empty = NA)."""
    s = t.df[column]
    vals, reasons = _per_unique(s, _parse_bool_text)
    bad = np.array([r not in (None, "missing") for r in reasons], dtype=bool)
    if bad.any():
        sb = s[bad]
        for val, rows in sb.groupby(sb, sort=True).groups.items():
            rows = list(rows)
            ctx.col.error(t.label, int(rows[0]), column, val,
                          f"expected yes/no (TRUE/FALSE, 1/0){_also(rows)}",
                          "write TRUE or FALSE, or leave the cell empty if unknown")
    return pd.Series(pd.array([None if (r is not None) else v for v, r in zip(vals, reasons)],
                              dtype="boolean"), index=s.index, name=column)


def _duplicates(t: _Table, keys: list[str], usable: pd.Series, ctx: _Ctx, what: str,
                key_values: pd.DataFrame | None = None) -> pd.Series:
    """Error per group of duplicate key rows, naming every row; returns the duplicate mask."""
    frame = (key_values if key_values is not None else t.df[keys]).loc[usable]
    dup = frame.duplicated(keep=False)
    mask = pd.Series(False, index=t.df.index)
    if not dup.any():
        return mask
    mask.loc[dup[dup].index] = True
    d = frame[dup]
    by = list(d.columns) if d.shape[1] > 1 else d.columns[0]
    for key, rows in d.groupby(by, sort=False, dropna=False).groups.items():
        rows = sorted(int(r) for r in rows)
        key_t = key if isinstance(key, tuple) else (key,)
        shown = ", ".join((k.date().isoformat() if c == "date" else _fmt_month(k))
                          if isinstance(k, pd.Timestamp) else str(k)
                          for c, k in zip(d.columns, key_t))
        both = "both" if len(rows) == 2 else f"all {len(rows)}"
        ctx.col.error(t.label, rows[0], None, None,
                      f"rows {', '.join(map(str, rows[:-1]))} and {rows[-1]} {both} give {shown}: "
                      f"there must be one row per {what}",
                      "delete the duplicate row, or correct its " + " / ".join(keys))
    return mask


# ---------------------------------------------------------------------------------------
# Configuration


@dataclass
class _Entry:
    value: Any
    row: int | None


def _toml_line(text: str, key: str, section: str | None = None) -> int | None:
    start = 0
    if section:
        m = re.search(rf"^[ \t]*\[\s*{re.escape(section)}\s*\]", text, re.M)
        if not m:
            return None
        start = m.end()
        if not key:
            return text.count("\n", 0, m.start()) + 1
    m = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.M).search(text, start)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _config_from_toml(path: Path, label: str, col: _Collector
                      ) -> tuple[dict[str, _Entry], dict[str, dict[str, _Entry]] | None] | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        col.error(label, None, None, None, f"the file could not be opened ({exc.strerror})")
        return None
    if not raw.strip():
        col.error(label, None, None, None, "the file is empty",
                  'write at least name, baseline = ["YYYY-MM", "YYYY-MM"]')
        return None
    text = _decode(raw, label, col)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        col.error(label, int(m.group(1)) if m else None, None, None,
                  f"the file is not valid TOML ({exc})",
                  'check quotes and brackets; months are quoted text, e.g. '
                  'baseline = ["2017-08", "2018-07"]')
        return None
    _scan_config_privacy(data, label, text, col)
    entries = {k: _Entry(v, _toml_line(text, k)) for k, v in data.items() if k != "measures"}
    measures = None
    if "measures" in data:
        mt = data["measures"]
        if not isinstance(mt, dict) or not all(isinstance(v, dict) for v in mt.values()):
            col.error(label, _toml_line(text, "", "measures") or _toml_line(text, "measures"),
                      "measures", None,
                      "measures must be tables, one per measure: [measures.restraint] …",
                      'write e.g. [measures.restraint] then label = "Physical restraint", '
                      'direction = "down", kind = "outcome"')
            measures = {}
        else:
            measures = {name: {k: _Entry(v, _toml_line(text, k, f"measures.{name}"))
                               for k, v in spec.items()} | {
                                   "": _Entry(None, _toml_line(text, "", f"measures.{name}"))}
                        for name, spec in mt.items()}
    return entries, measures


def _scan_config_privacy(data: Any, label: str, text: str, col: _Collector, key: str = "") -> None:
    if isinstance(data, dict):
        for k, v in data.items():
            _scan_config_privacy(v, label, text, col, k)
    elif isinstance(data, list):
        for v in data:
            _scan_config_privacy(v, label, text, col, key)
    elif privacy.contains_nhs_number(data):
        col.error(label, _toml_line(text, key) if key else None, key or None, None,
                  "a setting holds a value that looks like an NHS number (patient-identifiable data)",
                  "delete the identifier from the file and save it again")


def _config_from_sheet(grid: _Grid, mgrid: _Grid | None, col: _Collector
                       ) -> tuple[dict[str, _Entry], dict[str, dict[str, _Entry]] | None] | None:
    _scan_privacy(grid, None, {}, col)
    frame = grid.frame
    if frame.empty or frame.shape[1] < 2:
        col.error(grid.label, None, None, None,
                  "the sheet needs two columns: key (column A) and value (column B)",
                  "write one setting per row, e.g. name | My collaborative; baseline | 2017-08:2018-07")
        return None
    entries: dict[str, _Entry] = {}
    for r in frame.index:
        k, v = frame.at[r, 0].strip(), frame.at[r, 1].strip()
        if not k or (k.lower() == "key" and v.lower() == "value"):
            continue
        if k.startswith("#"):
            continue
        key = _norm_name(k)
        if key in entries:
            col.error(grid.label, int(r), "key", k, "this setting appears twice "
                      f"(first on row {entries[key].row})", "delete one of the rows")
            continue
        entries[key] = _Entry(v, int(r))
    measures = None
    if mgrid is not None:
        spec = _TableSpec(_MEASURES_SHEET, ("name",), ("label", "direction", "kind"))
        t = _extract_table(mgrid, spec, col, _MEASURES_SHEET)
        if t is not None:
            measures = {}
            for r in t.df.index:
                name = t.df.at[r, "name"]
                if not name:
                    continue
                if name in measures:
                    col.error(t.label, int(r), "name", name, "this measure is listed twice",
                              "delete one of the rows")
                    continue
                measures[name] = {c: _Entry(t.df.at[r, c], int(r)) for c in _MEASURE_KEYS
                                  if c in t.df and t.df.at[r, c] != ""} | {"": _Entry(None, int(r))}
    return entries, measures


def _as_month(v: Any) -> tuple[pd.Timestamp | None, str | None]:
    if isinstance(v, _dt.datetime):
        v = v.date()
    if isinstance(v, _dt.date):
        v = v.isoformat()
    if not isinstance(v, str):
        return None, "months must be text written YYYY-MM"
    return _parse_month_text(v.strip())


def _as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and re.fullmatch(r"\s*[+-]?\d+(\.0*)?\s*", v):
        return int(float(v))
    return None


def _as_float(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip().rstrip("%"))
        except ValueError:
            return None
    return None


def _as_bool(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        return _parse_bool_text(v.strip())[0]
    return None


_PERIOD_SPLIT = re.compile(r"^\s*(\S+?)\s*(?::|;|,|\.\.|–|—|\bto\b|\s-\s)\s*(\S+)\s*$", re.I)


def _build_config(entries: dict[str, _Entry], measures: dict[str, dict[str, _Entry]] | None,
                  label: str, col: _Collector, is_sheet: bool
                  ) -> tuple[CollaborativeConfig | None, tuple[MeasureSpec, ...]]:
    """Validate settings; returns (config or None, the measures to check data against)."""
    colname = "value" if is_sheet else None
    ok = True

    def err(key: str, value: Any, msg: str, hint: str = "") -> None:
        nonlocal ok
        ok = False
        e = entries.get(key)
        col.error(label, e.row if e else None, colname or key, None if value is None else str(value),
                  msg, hint)

    for k, e in entries.items():
        if k not in _CONFIG_KEYS:
            near = _closest(k, _CONFIG_KEYS, n=1)
            col.warn(label, e.row, "key" if is_sheet else k, k if is_sheet else None,
                     f"unknown setting '{k}' is ignored" + (" (possible typo)" if near else ""),
                     f"did you mean '{near[0]}'?" if near else
                     f"known settings are: {', '.join(_CONFIG_KEYS)}")

    name = entries.get("name")
    if name is None or not str(name.value).strip():
        err("name", None, "the collaborative needs a name", 'add name = "…"')
    description = str(entries["description"].value) if "description" in entries else ""
    synthetic = False
    if "synthetic" in entries:
        b = _as_bool(entries["synthetic"].value)
        if b is None:
            err("synthetic", entries["synthetic"].value, "synthetic must be true or false")
        else:
            synthetic = b

    def period(key: str, required: bool) -> tuple[pd.Timestamp | None, pd.Timestamp | None, bool]:
        """(start, end, given) for 'baseline' or 'testing'."""
        whole, s_key, e_key = key, f"{key}_start", f"{key}_end"
        pieces: list[tuple[str, Any]] = []
        if whole in entries and (s_key in entries or e_key in entries):
            err(whole, None, f"give either {whole} or {s_key}/{e_key}, not both")
            return None, None, True
        if whole in entries:
            v = entries[whole].value
            if isinstance(v, str):
                m = _PERIOD_SPLIT.match(v)
                v = [m.group(1), m.group(2)] if m else [v]
            if not isinstance(v, list) or len(v) != 2:
                err(whole, v if not isinstance(v, list) else None,
                    f"{whole} must be two months, start and end",
                    f'write {whole} = ["2017-08", "2018-07"]' if not is_sheet else
                    "write 2017-08:2018-07, or use two rows " + f"{s_key} and {e_key}")
                return None, None, True
            pieces = [(whole, v[0]), (whole, v[1])]
        elif s_key in entries or e_key in entries:
            for k in (s_key, e_key):
                if k not in entries:
                    err(k if k in entries else (s_key if s_key in entries else e_key), None,
                        f"{k} is missing", f"add {k} (a month, YYYY-MM)")
                    return None, None, True
            pieces = [(s_key, entries[s_key].value), (e_key, entries[e_key].value)]
        else:
            if required:
                err(whole, None, f"{whole} period is missing",
                    f'add {whole} = ["YYYY-MM", "YYYY-MM"] (first and last month, inclusive)')
            return None, None, False
        out = []
        for k, v in pieces:
            ts, why = _as_month(v)
            if ts is None:
                err(k, v, f"{k}: {why}", "write months as YYYY-MM, e.g. 2017-08")
            out.append(ts)
        start, end = out
        if start is not None and end is not None and end < start:
            err(pieces[0][0], f"{_fmt_month(start)} to {_fmt_month(end)}",
                f"the {key} period is reversed: it ends before it starts",
                "swap the two months (first month, then last month)")
            return None, None, True
        return start, end, True

    b0, b1, _ = period("baseline", True)
    t0, t1, tgiven = period("testing", False)
    if b1 is not None and t0 is not None and t1 is not None and t0 <= b1:
        err("testing", f"{_fmt_month(t0)} to {_fmt_month(t1)}",
            f"the testing period must start after the baseline ends ({_fmt_month(b1)}); "
            "the periods overlap or are in the wrong order",
            "testing starts the month after the baseline's last month at the earliest")
        t0 = t1 = None
    if b0 is None or b1 is None:
        ok = False

    ints: dict[str, int | None] = {"shift_points": 8, "trend_points": 6, "rate_per": 1000,
                                   "values_rounded_to": None}
    for key in list(ints):
        if key in entries:
            v = _as_int(entries[key].value)
            if v is None or v <= 0:
                err(key, entries[key].value, f"{key} must be a whole number greater than 0")
            else:
                ints[key] = v
    aim = 33.0
    if "aim_reduction_pct" in entries:
        a = _as_float(entries["aim_reduction_pct"].value)
        if a is None or not 0 < a <= 100:
            err("aim_reduction_pct", entries["aim_reduction_pct"].value,
                "aim_reduction_pct must be a number between 0 and 100 (a percentage)")
        else:
            aim = a

    texts: dict[str, str] = {"unit_label": "ward", "ward_chart": "c", "collaborative_chart": "i"}
    for key in texts:
        if key in entries:
            value = str(entries[key].value).strip()
            allowed = CHART_SETTINGS.get(key)
            if allowed is not None and value not in allowed:
                err(key, entries[key].value, f"{key} must be one of {', '.join(allowed)}")
            elif not value:
                err(key, entries[key].value, f"{key} must not be empty")
            else:
                texts[key] = value

    specs: list[MeasureSpec] = []
    if measures is None:
        specs = list(DEFAULT_MEASURES)
    else:
        mlabel = label if not is_sheet else re.sub(r"\[[^\]]*\]$", f"[{_MEASURES_SHEET}]", label)
        if not measures:
            col.error(mlabel, None, "measures", None, "no measures are defined",
                      "define at least one measure, or remove the measures section to use the "
                      "three core measures")
            ok = False
        defaults = {m.name: m for m in DEFAULT_MEASURES}
        for mname, spec in measures.items():
            row = spec.get("", _Entry(None, None)).row
            if not re.fullmatch(r"[a-z][a-z0-9_]*", mname) or mname == TOTAL:
                why = ("'total' is derived and cannot be a measure" if mname == TOTAL else
                       "measure names must be snake_case (lower-case letters, digits, _)")
                col.error(mlabel, row, "name" if is_sheet else "measures", mname, why,
                          f"use e.g. '{_norm_name(mname)}'" if mname != TOTAL else "remove it")
                ok = False
                continue
            for k, e in spec.items():
                if k and k not in _MEASURE_KEYS:
                    near = _closest(k, _MEASURE_KEYS, n=1)
                    col.warn(mlabel, e.row, k, None,
                             f"unknown setting '{k}' for measure '{mname}' is ignored",
                             f"did you mean '{near[0]}'?" if near else
                             "known: label, direction, kind")
            dflt = defaults.get(mname)
            lab = str(spec["label"].value) if "label" in spec else (
                dflt.label if dflt else mname.replace("_", " ").capitalize())
            direction = str(spec["direction"].value).strip().lower() if "direction" in spec else "down"
            kind = str(spec["kind"].value).strip().lower() if "kind" in spec else "outcome"
            if direction not in ("down", "up"):
                col.error(mlabel, spec["direction"].row, "direction", spec["direction"].value,
                          f"direction of measure '{mname}' must be 'down' (lower is better) or 'up'",
                          "write direction = \"down\" or \"up\"")
                ok = False
            if kind not in ("outcome", "balancing"):
                col.error(mlabel, spec["kind"].row, "kind", spec["kind"].value,
                          f"kind of measure '{mname}' must be 'outcome' or 'balancing'",
                          "write kind = \"outcome\" or \"balancing\"")
                ok = False
            specs.append(MeasureSpec(mname, lab, direction, kind))
    if not specs:
        specs = list(DEFAULT_MEASURES)
    if not ok:
        return None, tuple(specs)
    assert b0 is not None and b1 is not None and name is not None
    cfg = CollaborativeConfig(
        name=str(name.value).strip(), description=description, synthetic=synthetic,
        baseline_start=b0, baseline_end=b1, testing_start=t0, testing_end=t1,
        shift_points=int(ints["shift_points"] or 8), trend_points=int(ints["trend_points"] or 6),
        aim_reduction_pct=aim, measures=tuple(specs), rate_per=int(ints["rate_per"] or 1000),
        values_rounded_to=ints["values_rounded_to"], unit_label=texts["unit_label"],
        ward_chart=texts["ward_chart"], collaborative_chart=texts["collaborative_chart"])
    return cfg, tuple(specs)


# ---------------------------------------------------------------------------------------
# Sources


@dataclass
class _Source:
    path: Path
    base_dir: Path
    config_label: str
    config: tuple[dict[str, _Entry], dict[str, dict[str, _Entry]] | None] | None
    tables: dict[str, _Table | None]      # stem -> table (None = absent or unreadable)
    present: set[str]                     # stems whose file/sheet exists
    is_sheet: bool
    labels: dict[str, str]


def _open_directory(d: Path, col: _Collector, toml_path: Path | None = None) -> _Source | None:
    toml_path = toml_path or d / "collaborative.toml"
    expected = ["collaborative.toml"] + [f"{s}.csv" for s in _SPECS]
    missing = [n for n in ["collaborative.toml", "wards.csv", "monthly.csv"] if not (d / n).is_file()]
    if toml_path.name != "collaborative.toml" and "collaborative.toml" in missing:
        missing.remove("collaborative.toml")
    files = {p.name.lower(): p for p in d.iterdir() if p.is_file()} if d.is_dir() else {}
    for n in missing:
        xlsx = [p.name for p in d.glob("*.xls*")]
        near = _closest(n, [f for f in files], n=1)
        hint = (f"'{near[0]}' is here: rename it to '{n}'. " if near else "") + \
            (f"For a workbook, pass the .xlsx file itself (e.g. {d / xlsx[0]}). " if xlsx else "") + \
            f"A collaborative folder holds {', '.join(expected[:3])} (required) and optionally " \
            f"{', '.join(expected[3:])}"
        col.error(n, None, None, None, f"required file {n} is missing from {d}", hint)
    config = _config_from_toml(toml_path, toml_path.name, col) if toml_path.is_file() else None
    tables: dict[str, _Table | None] = {}
    present: set[str] = set()
    labels: dict[str, str] = {}
    for stem, spec in _SPECS.items():
        p = d / f"{stem}.csv"
        labels[stem] = p.name
        if not p.is_file():
            tables[stem] = None
            continue
        present.add(stem)
        tables[stem] = _load_table(_read_csv_grid(p, p.name, col), spec, col, stem, p.stat().st_size)
    known = {f"{s}.csv" for s in _SPECS} | {"collaborative.toml"}
    for name, p in sorted(files.items()):
        if p.suffix.lower() == ".csv" and p.name not in known:
            grid = _read_csv_grid(p, p.name, col)
            if grid is not None:
                _extract_table(grid, None, col, p.stem)   # privacy scan of extra files too
            near = _closest(p.name, known, n=1, cutoff=0.8)
            if near and not (d / near[0]).is_file():
                col.warn(p.name, None, None, None, "this file is not part of the data contract "
                         "and was ignored", f"if it is {near[0]}, rename it")
    return _Source(d, d, toml_path.name, config, tables, present, False, labels)


def _load_table(grid: _Grid | None, spec: _TableSpec, col: _Collector, stem: str,
                size: int | None = None) -> _Table | None:
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
    return _extract_table(grid, spec, col, stem)


def _open_workbook(path: Path, col: _Collector) -> _Source | None:
    grids = _read_workbook(path, col)
    if grids is None:
        return None
    label = path.name
    expected = [_CONFIG_STEM, *_SPECS]
    for need in (_CONFIG_STEM, "wards", "monthly"):
        if need not in grids:
            near = _closest(need, list(grids), n=1)
            col.error(f"{label}[{need}]", None, None, None,
                      f"the workbook has no sheet called '{need}' (sheets found: "
                      f"{', '.join(g.label.split('[', 1)[1][:-1] for g in grids.values()) or 'none'})",
                      (f"rename sheet '{near[0]}' to '{need}'. " if near else "") +
                      f"Sheets are named after the files: {', '.join(expected)}")
    config = None
    if _CONFIG_STEM in grids:
        config = _config_from_sheet(grids[_CONFIG_STEM], grids.get(_MEASURES_SHEET), col)
    tables: dict[str, _Table | None] = {}
    present: set[str] = set()
    labels: dict[str, str] = {}
    for stem, spec in _SPECS.items():
        labels[stem] = f"{label}[{stem}]"
        if stem not in grids:
            tables[stem] = None
            continue
        labels[stem] = grids[stem].label
        present.add(stem)
        tables[stem] = _load_table(grids[stem], spec, col, stem)
    for key, grid in grids.items():
        if key in _SPECS or key in (_CONFIG_STEM, _MEASURES_SHEET):
            continue
        _extract_table(grid, None, col, key)   # privacy scan of every other sheet
        near = _closest(key, expected, n=1, cutoff=0.8)
        if near and near[0] not in grids:
            col.warn(grid.label, None, None, None, "this sheet is not part of the data contract "
                     "and was ignored", f"if it is the {near[0]} sheet, rename it '{near[0]}'")
    cfg_label = grids[_CONFIG_STEM].label if _CONFIG_STEM in grids else f"{label}[{_CONFIG_STEM}]"
    return _Source(path, path.parent, cfg_label, config, tables, present, True, labels)


def _open(path: Path, col: _Collector) -> _Source | None:
    if not path.exists():
        col.error(str(path), None, None, None, "this path does not exist",
                  "pass a collaborative folder (holding collaborative.toml) or an .xlsx workbook")
        return None
    if path.is_dir():
        return _open_directory(path, col)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return _open_workbook(path, col)
    if path.suffix.lower() == ".toml":
        return _open_directory(path.parent, col, toml_path=path)
    col.error(path.name, None, None, None, "not a collaborative folder or Excel workbook",
              "pass the folder holding collaborative.toml, or an .xlsx workbook")
    return None


# ---------------------------------------------------------------------------------------
# Table checks and typed frames


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in columns.items()})


_WARD_COLS = {"ward_id": "str", "ward_name": "str", "trust": "str", "specialty": "str",
              "ward_type": "str", "gender": "str", "beds": "Int64"}
_MONTHLY_COLS = {"ward_id": "str", "month": _MONTH_DTYPE, "measure": "str", "count": "Int64",
                 "occupied_bed_days": "Float64", "source": "str", "suppressed": "bool"}
_SC_COLS = {"ward_id": "str", "date": _MONTH_DTYPE, "measure": "str", "count": "int64"}
_IR_COLS = {"ward_id": "str", "month": _MONTH_DTYPE, "measure": "str", "count": "Int64"}
_IDEA_COLS = {"ward_id": "str", "idea_id": "str", "idea": "str", "change_concept": "str",
              "started": _MONTH_DTYPE, "pdsa_cycles": "Int64", "status": "str"}
_PKG_COLS = {"primary_driver": "str", "secondary_driver": "str", "change_concept": "str"}
_ANN_COLS = {"ward_id": "str", "month": _MONTH_DTYPE, "note": "str", "measure": "str"}
_ENG_COLS = {"ward_id": "str", "month": _MONTH_DTYPE, "learning_set_attended": "boolean",
             "coach_contacts": "Int64", "data_on_time": "boolean"}


def _na_str(s: pd.Series) -> pd.Series:
    """Text column with empty cells as missing (pandas' default ``str`` dtype)."""
    a = s.to_numpy(dtype=object)
    return pd.Series(np.where(a == "", None, a), index=s.index, name=s.name, dtype="str")


def _check_wards(t: _Table, ctx: _Ctx) -> pd.DataFrame:
    df, col = t.df, ctx.col
    ids = df["ward_id"]
    empty = ids == ""
    if empty.any():
        col.error(t.label, int(df.index[empty.to_numpy()][0]), "ward_id", None,
                  f"ward_id is empty on {_rows_text(t.rows(empty))}",
                  "give every ward a short unique id, e.g. 'ward-a'")
    bad = ~empty & ~ids.str.fullmatch(_SLUG.pattern)
    for r in df.index[bad.to_numpy()]:
        v = ids.at[r]
        slug = re.sub(r"[^a-z0-9]+", "-", v.lower()).strip("-") or "ward-1"
        col.error(t.label, int(r), "ward_id", v,
                  "ward_id must be a short id of letters, digits, '-' or '_' (no spaces)",
                  f"use e.g. '{slug}' (keep the full name in ward_name)")
    if (ids.str.upper() == "ALL").any():
        r = int(df.index[(ids.str.upper() == "ALL").to_numpy()][0])
        col.error(t.label, r, "ward_id", ids.at[r], "'ALL' is reserved (annotations for every ward)",
                  "choose another ward_id")
    _duplicates(t, ["ward_id"], ~empty, ctx, "ward (ward_id must be unique)")
    for c in ("ward_name", "trust", "specialty", "ward_type", "gender"):
        e = df[c] == ""
        if e.any() and not empty[e].all():
            col.warn(t.label, int(df.index[e.to_numpy()][0]), c, None,
                     f"{c} is empty on {_rows_text(t.rows(e))}",
                     "fill it in so the ward appears correctly in the characteristics table")
    ctx.ward_ids = set(ids[~empty])
    ctx.ward_rows = {w: int(r) for r, w in ids[~empty].items()}
    out = pd.DataFrame({c: df[c] for c in _WARD_COLS if c != "beds"}, index=df.index)
    out["beds"] = (_number_column(t, "beds", ctx, integer=True, what="beds")
                   if "beds" in df else pd.Series(pd.array([None] * len(df), dtype="Int64"), index=df.index))
    extra = [c for c in df.columns if c not in _WARD_COLS]
    for c in extra:
        out[c] = _na_str(df[c])
    for c in ("ward_name", "trust", "specialty", "ward_type", "gender"):
        out[c] = _na_str(out[c])
    out["ward_id"] = out["ward_id"].astype("str")
    return out.sort_values("ward_id", kind="stable").reset_index(drop=True)


def _check_monthly(t: _Table, ctx: _Ctx, cfg: CollaborativeConfig | None) -> pd.DataFrame:
    df, col = t.df, ctx.col
    ward_ok = _check_ids(t, "ward_id", ctx)
    meas_ok = _check_measures(t, "measure", ctx)
    months, month_ok = _month_column(t, "month", ctx)
    counts, count_ok, missing, star = _count_column(t, "count", ctx, allow_star=True)
    keys_ok = ward_ok & meas_ok & month_ok
    keyframe = pd.DataFrame({"ward_id": df["ward_id"], "month": months, "measure": df["measure"]})
    dup = _duplicates(t, ["ward_id", "month", "measure"], keys_ok, ctx, "ward, month and measure",
                      key_values=keyframe)
    outside = _out_of_period(t, months, keys_ok, ctx,
                             "They are left out of the analysis.")
    # source / suppressed / occupied bed days
    if "source" in df:
        src = df["source"]
        badsrc = (src != "") & ~src.isin(SOURCES)
        if badsrc.any():
            for val, rows in src[badsrc].groupby(src[badsrc]).groups.items():
                rows = list(rows)
                low = val.lower().replace(" ", "_").replace("-", "_")
                hint = f"write '{low}'" if low in SOURCES else (
                    (_did_you_mean(val, SOURCES) + " ") if _closest(val, SOURCES) else "") + \
                    "source is 'incident_report' or 'safety_cross' (or empty)"
                col.error(t.label, int(rows[0]), "source", val, f"unknown source{_also(rows)}",
                          hint)
        source = _na_str(src.where(~badsrc, ""))
    else:
        source = pd.Series([None] * len(df), index=df.index, dtype="str")
    suppressed = star.copy()
    if "suppressed" in df:
        sflag = _bool_column(t, "suppressed", ctx)
        suppressed |= sflag.fillna(False).astype(bool)
    if star.any():
        col.warn(t.label, int(df.index[star.to_numpy()][0]), "count", "*",
                 f"{_plural(int(star.sum()), 'count')} are '*' (suppressed by the publisher, "
                 f"{_rows_text(t.rows(star))}); they are treated as missing, never as 0",
                 "nothing to do if the publisher suppressed small numbers; results for these "
                 "months are computed without them")
    if "occupied_bed_days" in df:
        obd = _number_column(t, "occupied_bed_days", ctx, integer=False, what="occupied_bed_days")
        usable = keys_ok & ~dup & obd.notna()
        g = pd.DataFrame({"w": df["ward_id"], "m": months, "obd": obd})[usable]
        if len(g):
            n = g.groupby(["w", "m"])["obd"].transform("nunique")
            clash = g[n > 1]
            for (w, m), grp in clash.groupby(["w", "m"], sort=True):
                vals = ", ".join(f"{v:g} (row {r})" for r, v in grp["obd"].items())
                col.error(t.label, int(grp.index[0]), "occupied_bed_days", None,
                          f"ward {w}, {_fmt_month(m)}: occupied_bed_days differ between the measure "
                          f"rows of the same ward-month: {vals}",
                          "a ward-month has one number of occupied bed days: make them equal")
        zero = usable & (obd == 0) & counts.fillna(0).gt(0)
        if zero.any():
            col.warn(t.label, int(df.index[zero.to_numpy()][0]), "occupied_bed_days", "0",
                     f"occupied_bed_days is 0 but there were incidents ({_rows_text(t.rows(zero))}); "
                     "no rate can be calculated", "check the bed days for these months")
    else:
        obd = pd.Series(pd.array([None] * len(df), dtype="Float64"), index=df.index)
    if cfg is not None and cfg.values_rounded_to:
        k = cfg.values_rounded_to
        off = counts.notna() & (counts % k != 0).fillna(False)
        if off.any():
            col.warn(t.label, int(df.index[off.to_numpy()][0]), "count", None,
                     f"values_rounded_to = {k}, but {_plural(int(off.sum()), 'count')} are not "
                     f"multiples of {k} ({_rows_text(t.rows(off))})",
                     "check the setting in collaborative.toml, or the counts")
    frame = pd.DataFrame({"ward_id": df["ward_id"], "month": months, "measure": df["measure"],
                          "count": counts, "occupied_bed_days": obd, "source": source,
                          "suppressed": suppressed.astype(bool)}, index=df.index)
    frame["_row"] = df.index
    frame["_missing"] = missing
    keep = keys_ok & ~dup & ~outside
    return frame[keep]


def _complete_monthly(frame: pd.DataFrame, wards: list[str], cfg: CollaborativeConfig,
                      label: str, ctx: _Ctx, warn: bool, build: bool = True) -> pd.DataFrame:
    """Warn about wards without data / missing months (when ``warn``: skipped while the
    monthly file has errors, whose rows would show up as spurious gaps); return the full
    ward × measure × month grid."""
    col = ctx.col
    months = cfg.months()
    measures = sorted(cfg.measure_names())
    have = set(frame["ward_id"].unique()) if warn else set(wards)
    for w in wards:
        if w not in have:
            col.warn(ctx.wards_label, ctx.ward_rows.get(w), "ward_id", w,
                     f"this ward has no rows in {label}",
                     f"add its monthly counts, or remove the ward from {ctx.wards_label}")
    complete = (len(frame) == len(wards) * len(measures) * len(months)
                and frame["count"].notna().all())
    if complete and not build:
        return frame  # validation only, nothing missing: skip building the grid
    idx = pd.MultiIndex.from_product([wards, measures, months], names=["ward_id", "measure", "month"])
    f = frame.set_index(["ward_id", "measure", "month"])
    grid = f.reindex(idx).reset_index()
    grid["suppressed"] = grid["suppressed"].astype("boolean").fillna(False).astype(bool)
    grid["count"] = grid["count"].astype("Int64")
    grid["occupied_bed_days"] = grid["occupied_bed_days"].astype("Float64")
    grid["occupied_bed_days"] = grid["occupied_bed_days"].fillna(
        grid.groupby(["ward_id", "month"])["occupied_bed_days"].transform("first"))
    # one warning per ward listing months with a missing count for any measure
    miss = grid[grid["count"].isna() & grid["ward_id"].isin(have)] if warn else grid.iloc[:0]
    n_months = len(months)
    for w, g in miss.groupby("ward_id", sort=True):
        per_month = g.groupby("month")["measure"].apply(list)
        partial = {m: ms for m, ms in per_month.items() if len(ms) < len(measures)}
        empty_rows = sorted(int(r) for r in g["_row"].dropna())
        text = _months_text(per_month.index)
        extra = ""
        if partial:
            ex = "; ".join(f"{_fmt_month(m)}: {', '.join(ms)}" for m, ms in list(partial.items())[:4])
            extra += f" Only some measures are missing in {len(partial)} of them ({ex}{' …' if len(partial) > 4 else ''})."
        if empty_rows:
            extra += f" Empty or suppressed count cells: {_rows_text(empty_rows)}."
        col.warn(label, empty_rows[0] if empty_rows else None, "count", None,
                 f"ward {w}: no count for {len(per_month)} of {n_months} months: {text}.{extra} "
                 "Missing months are left out of charts and calculations, never counted as 0",
                 "nothing to do if the publisher did not report them (published statistics)"
                 if cfg.values_rounded_to else
                 "add the missing counts if they exist (write 0 only for months with no incidents)")
    grid = grid[["ward_id", "month", "measure", "count", "occupied_bed_days", "source", "suppressed"]]
    grid["source"] = grid["source"].astype("str")
    grid["ward_id"] = grid["ward_id"].astype("str")
    grid["measure"] = grid["measure"].astype("str")
    grid["month"] = grid["month"].astype(_MONTH_DTYPE)
    return grid.sort_values(["ward_id", "measure", "month"], kind="stable").reset_index(drop=True)


def _check_safety_cross(t: _Table, ctx: _Ctx) -> pd.DataFrame:
    df, col = t.df, ctx.col
    ward_ok = _check_ids(t, "ward_id", ctx)
    meas_ok = _check_measures(t, "measure", ctx)
    s = df["date"]
    vals, reasons = _per_unique(s, _parse_date_text)
    bad = pd.Series([r is not None for r in reasons], index=s.index)
    for r in df.index[bad.to_numpy()]:
        if (t.label, int(r), "date") in col.redacted:
            continue
        why = reasons[df.index.get_loc(r)]
        col.error(t.label, int(r), "date", s.at[r] or None,
                  "the date is empty" if why == "empty" else why,
                  "write the date as YYYY-MM-DD, e.g. 2019-02-28")
    dates = pd.Series(pd.DatetimeIndex([pd.NaT if b else v for v, b in zip(vals, bad.to_numpy())],
                                       dtype=_MONTH_DTYPE), index=s.index)
    counts, count_ok, missing, _ = _count_column(t, "count", ctx, allow_star=False)
    if missing.any():
        col.warn(t.label, int(df.index[missing.to_numpy()][0]), "count", None,
                 f"{_plural(int(missing.sum()), 'daily count')} are empty ({_rows_text(t.rows(missing))}); "
                 "those days are left out", "write 0 for a day with no incidents")
    keys_ok = ward_ok & meas_ok & ~bad
    keyframe = pd.DataFrame({"ward_id": df["ward_id"], "date": dates, "measure": df["measure"]})
    dup = _duplicates(t, ["ward_id", "date", "measure"], keys_ok, ctx, "ward, date and measure",
                      key_values=keyframe)
    _out_of_period(t, dates.dt.to_period("M").dt.to_timestamp().astype(_MONTH_DTYPE), keys_ok, ctx,
                   "They are kept but fall outside the charts.")
    keep = keys_ok & count_ok & ~missing & ~dup
    out = pd.DataFrame({"ward_id": df["ward_id"], "date": dates, "measure": df["measure"],
                        "count": counts}, index=df.index)[keep]
    out["count"] = out["count"].astype("int64")
    return out


def _check_monthish(t: _Table, ctx: _Ctx, *, count: bool) -> tuple[pd.DataFrame, pd.Series]:
    """incident_reports-like tables: ward_id, month, measure[, count]."""
    df = t.df
    ward_ok = _check_ids(t, "ward_id", ctx)
    meas_ok = _check_measures(t, "measure", ctx)
    months, month_ok = _month_column(t, "month", ctx)
    keys_ok = ward_ok & meas_ok & month_ok
    out = pd.DataFrame({"ward_id": df["ward_id"], "month": months, "measure": df["measure"]},
                       index=df.index)
    if count:
        counts, count_ok, missing, _ = _count_column(t, "count", ctx, allow_star=False)
        out["count"] = counts
        dup = _duplicates(t, ["ward_id", "month", "measure"], keys_ok, ctx,
                          "ward, month and measure", key_values=out[["ward_id", "month", "measure"]])
        keys_ok &= ~dup
    _out_of_period(t, months, keys_ok, ctx, "They are kept but fall outside the charts.")
    return out, keys_ok


def _check_package(t: _Table, ctx: _Ctx) -> pd.DataFrame:
    df, col = t.df, ctx.col
    for c in ("primary_driver", "secondary_driver", "change_concept"):
        e = df[c] == ""
        if e.any():
            col.error(t.label, int(df.index[e.to_numpy()][0]), c, None,
                      f"{c} is empty on {_rows_text(t.rows(e))}",
                      "every change concept needs its primary and secondary driver")
    key = df["change_concept"].str.lower().str.split().str.join(" ")
    _duplicates(t, ["change_concept"], df["change_concept"] != "", ctx,
                "change concept (concepts must be unique, ignoring case)",
                key_values=pd.DataFrame({"change_concept": key}))
    out = df.copy()
    for c in out.columns:
        out[c] = _na_str(out[c])
    return out.reset_index(drop=True)


def _check_ideas(t: _Table, ctx: _Ctx, package: pd.DataFrame | None, pkg_label: str) -> pd.DataFrame:
    df, col = t.df, ctx.col
    _check_ids(t, "ward_id", ctx)
    started, _ = _month_column(t, "started", ctx, what="started")
    for c in ("idea_id", "idea"):
        e = df[c] == ""
        if e.any():
            col.error(t.label, int(df.index[e.to_numpy()][0]), c, None,
                      f"{c} is empty on {_rows_text(t.rows(e))}",
                      "every change idea needs an id and a short description")
    _duplicates(t, ["ward_id", "idea_id"], (df["idea_id"] != "") & (df["ward_id"] != ""), ctx,
                "ward and idea_id")
    concept = df["change_concept"].copy()
    if package is not None:
        names = [c for c in package["change_concept"].dropna()]
        canon = {re.sub(r"\s+", " ", n.strip()).lower(): n for n in names}
        exact = set(names)
        for val, rows in concept.groupby(concept, sort=True).groups.items():
            rows = list(rows)
            if val in exact:
                continue
            if val == "":
                col.error(t.label, int(rows[0]), "change_concept", None,
                          f"change_concept is empty on {_rows_text(rows)}",
                          f"use a change concept from {pkg_label}")
                continue
            low = re.sub(r"\s+", " ", val).lower()
            if low in canon:
                col.warn(t.label, int(rows[0]), "change_concept", val,
                         f"change concept matches '{canon[low]}' only when ignoring case or spacing"
                         f"{_also(rows)}; it was read as '{canon[low]}'",
                         f"write it exactly as in {pkg_label}")
                concept.loc[rows] = canon[low]
                continue
            near = _closest(val, names, n=3, cutoff=0.5)
            col.error(t.label, int(rows[0]), "change_concept", val,
                      f"this change concept is not in the change package {pkg_label}"
                      f"{_also(rows)}",
                      ("Did you mean " + " or ".join(f"'{n}'" for n in near) + "? " if near else "")
                      + f"use a concept from {pkg_label}, or add it there")
    out = pd.DataFrame({"ward_id": df["ward_id"], "idea_id": df["idea_id"], "idea": df["idea"],
                        "change_concept": concept, "started": started}, index=df.index)
    out["pdsa_cycles"] = (_number_column(t, "pdsa_cycles", ctx, integer=True, what="pdsa_cycles")
                          if "pdsa_cycles" in df else pd.array([None] * len(df), dtype="Int64"))
    out["status"] = _na_str(df["status"]) if "status" in df else pd.Series(
        [None] * len(df), index=df.index, dtype="str")
    return out


def _check_annotations(t: _Table, ctx: _Ctx) -> pd.DataFrame:
    df, col = t.df, ctx.col
    _check_ids(t, "ward_id", ctx, allow_all=True)
    months, ok = _month_column(t, "month", ctx)
    _out_of_period(t, months, ok, ctx, "They will not appear on the charts.")
    e = df["note"] == ""
    if e.any():
        col.warn(t.label, int(df.index[e.to_numpy()][0]), "note", None,
                 f"note is empty on {_rows_text(t.rows(e))}", "write the note, or delete the row")
    if "measure" in df:
        _check_measures(t, "measure", ctx, allow_empty=True, allow_total=True)
        measure = _na_str(df["measure"])
    else:
        measure = pd.Series([None] * len(df), index=df.index, dtype="str")
    ward = df["ward_id"].where(df["ward_id"].str.upper() != "ALL", "ALL")
    return pd.DataFrame({"ward_id": ward, "month": months, "note": df["note"], "measure": measure},
                        index=df.index)


def _check_engagement(t: _Table, ctx: _Ctx) -> pd.DataFrame:
    df = t.df
    ward_ok = _check_ids(t, "ward_id", ctx)
    months, ok = _month_column(t, "month", ctx)
    _duplicates(t, ["ward_id", "month"], ward_ok & ok, ctx, "ward and month",
                key_values=pd.DataFrame({"ward_id": df["ward_id"], "month": months}))
    _out_of_period(t, months, ward_ok & ok, ctx, "They are kept but fall outside the charts.")
    out = pd.DataFrame({"ward_id": df["ward_id"], "month": months}, index=df.index)
    for c in ("learning_set_attended", "data_on_time"):
        out[c] = _bool_column(t, c, ctx) if c in df else pd.array([None] * len(df), dtype="boolean")
    out["coach_contacts"] = (_number_column(t, "coach_contacts", ctx, integer=True,
                                            what="coach_contacts")
                             if "coach_contacts" in df else pd.array([None] * len(df), dtype="Int64"))
    return out[list(_ENG_COLS)]


def _cross_check_safety_cross(monthly: pd.DataFrame, sc: pd.DataFrame, label: str,
                              col: _Collector) -> None:
    """Safety-cross daily counts must add up to monthly counts whose source is safety_cross."""
    if sc.empty or monthly.empty:
        return
    m = monthly[(monthly["source"] == "safety_cross") & monthly["count"].notna()]
    if m.empty:
        return
    sums = (sc.assign(month=sc["date"].dt.to_period("M").dt.to_timestamp().astype(_MONTH_DTYPE))
            .groupby(["ward_id", "month", "measure"])["count"].agg(["sum", "size"]).reset_index())
    j = m.merge(sums, on=["ward_id", "month", "measure"], how="inner")
    bad = j[j["count"].astype("int64") != j["sum"]]
    for _, r in bad.iterrows():
        col.error(label, int(r["_row"]), "count", str(r["count"]),
                  f"ward {r['ward_id']}, {_fmt_month(r['month'])}, {r['measure']}: monthly count is "
                  f"{r['count']} (source safety_cross) but the safety-cross daily entries add up to "
                  f"{r['sum']} over {r['size']} days",
                  "correct the monthly count or the daily safety-cross entries so they agree")


def _sort(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    cols = [c for c in cols if c in df]
    return df.sort_values(cols, kind="stable").reset_index(drop=True) if cols else df.reset_index(drop=True)


def _typed(df: pd.DataFrame | None, columns: dict[str, str]) -> pd.DataFrame:
    if df is None:
        return _empty(columns)
    out = df.copy()
    for c, t in columns.items():
        if c not in out:
            out[c] = pd.Series([None] * len(out), index=out.index, dtype=t)
        elif t == "str":
            if out[c].dtype != "str":
                out[c] = _na_str(out[c].fillna(""))
        else:
            out[c] = out[c].astype(t)
    extra = [c for c in out.columns if c not in columns and not c.startswith("_")]
    return out[list(columns) + extra]


# ---------------------------------------------------------------------------------------
# Orchestration


def _run(path: Path, build: bool = True) -> tuple[list[Problem], Collaborative | None]:
    col = _Collector()
    src = _open(path, col)
    if src is None:
        return col.problems, None
    cfg = None
    specs: tuple[MeasureSpec, ...] = DEFAULT_MEASURES
    if src.config is not None:
        cfg, specs = _build_config(src.config[0], src.config[1], src.config_label, col, src.is_sheet)
    ctx = _Ctx(col, tuple(m.name for m in specs), cfg.months() if cfg else None, src.labels["wards"])
    T = src.tables
    wards = _check_wards(T["wards"], ctx) if T["wards"] is not None else None
    if wards is None:
        ctx.ward_ids = None  # cannot check ward ids against a broken wards file
    monthly_rows = _check_monthly(T["monthly"], ctx, cfg) if T["monthly"] is not None else None

    # change package: configured path, else beside the data, else the shipped one
    pkg_table: _Table | None = None
    pkg_label = src.labels["change_package"]
    entries = src.config[0] if src.config else {}
    if "change_package" in entries:
        p = (src.base_dir / str(entries["change_package"].value)).resolve()
        pkg_label = p.name if p.parent == src.base_dir.resolve() else str(entries["change_package"].value)
        if p.is_file():
            pkg_table = _load_table(_read_csv_grid(p, pkg_label, col), _SPECS["change_package"], col,
                                    "change_package")
        else:
            col.error(src.config_label, entries["change_package"].row,
                      "value" if src.is_sheet else "change_package", str(entries["change_package"].value),
                      f"the change package file was not found ({p})",
                      "correct the path (relative to the collaborative's folder), or remove the "
                      "setting to use the shipped change package")
    elif "change_package" in src.present:
        pkg_table = T["change_package"]
    else:
        shipped = shipped_change_package_path()
        if shipped.is_file():
            pkg_label = "data/reference/change_package.csv"
            pkg_table = _load_table(_read_csv_grid(shipped, pkg_label, col),
                                    _SPECS["change_package"], col, "change_package")
    package = _check_package(pkg_table, ctx) if pkg_table is not None else None

    sc = _check_safety_cross(T["safety_cross"], ctx) if T["safety_cross"] is not None else None
    ir = None
    if T["incident_reports"] is not None:
        ir_frame, ir_ok = _check_monthish(T["incident_reports"], ctx, count=True)
        ir = ir_frame[ir_ok]
    ideas = None
    if T["change_ideas"] is not None:
        if package is None:
            col.warn(T["change_ideas"].label, None, "change_concept", None,
                     "no change package was found, so change concepts were not checked",
                     "add change_package.csv beside the data")
        ideas = _check_ideas(T["change_ideas"], ctx, package, pkg_label)
    ann = _check_annotations(T["annotations"], ctx) if T["annotations"] is not None else None
    eng = _check_engagement(T["engagement"], ctx) if T["engagement"] is not None else None

    if monthly_rows is not None and sc is not None:
        _cross_check_safety_cross(monthly_rows, sc, src.labels["monthly"], col)
    monthly = None
    if monthly_rows is not None and cfg is not None and wards is not None:
        monthly_ok = not any(p.severity == "error" and p.file == src.labels["monthly"]
                             for p in col.problems)
        monthly = _complete_monthly(monthly_rows, wards["ward_id"].tolist(), cfg,
                                    src.labels["monthly"], ctx, monthly_ok, build)

    problems = [p for p in col.problems
                if not ((p.file, p.row, p.column) in col.redacted and "NHS number" not in p.message)]
    if (not build or any(p.severity == "error" for p in problems) or cfg is None
            or wards is None or monthly is None):
        return problems, None
    collab = Collaborative(
        path=path,
        config=cfg,
        wards=_typed(wards, _WARD_COLS),
        monthly=_typed(monthly, _MONTHLY_COLS),
        safety_cross=_sort(_typed(sc, _SC_COLS), ["ward_id", "measure", "date"]),
        incident_reports=_sort(_typed(ir, _IR_COLS), ["ward_id", "measure", "month"]),
        change_ideas=_sort(_typed(ideas, _IDEA_COLS), ["ward_id", "started", "idea_id"]),
        change_package=_typed(package, _PKG_COLS).reset_index(drop=True),
        annotations=_sort(_typed(ann, _ANN_COLS), ["ward_id", "month"]),
        engagement=_sort(_typed(eng, _ENG_COLS), ["ward_id", "month"]),
        problems=tuple(p for p in problems if p.severity == "warning"),
    )
    return problems, collab


def validate(path: str | Path) -> ValidationReport:
    """Check a collaborative folder or workbook; collects every problem, never raises for bad data."""
    path = Path(path)
    problems, _ = _run(path, build=False)
    return ValidationReport(path, tuple(problems))


_LOADED: dict[tuple, Collaborative] = {}


def _input_signature(path: Path) -> tuple:
    """What identifies a collaborative's inputs: every file's path, size and modification time
    (for a folder, its files and any change package in the folder above, e.g. ../reference)."""
    path = path.resolve()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        files += sorted(p for p in path.parent.glob("*/change_package.csv") if p.is_file())
    else:
        files = [path]
    return (str(path), *((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files))


def load_collaborative(path: str | Path) -> Collaborative:
    """Load a validated :class:`Collaborative`; raises :class:`DataError` if there are errors.

    Loads are cached within a process by the inputs' paths, sizes and modification times (a
    warm report kernel loads the same collaborative once per ward); each call returns its own
    copies of the tables, so a caller changing one cannot affect the next.
    """
    path = Path(path)
    try:
        signature = _input_signature(path)
    except OSError:
        signature = None
    cached = _LOADED.get(signature) if signature else None
    if cached is None:
        cached = _load_uncached(path)
        if signature:
            _LOADED.clear()
            _LOADED[signature] = cached
    tables = {name: getattr(cached, name).copy() for name in _TABLE_FIELDS}
    return dataclasses.replace(cached, **tables)


_TABLE_FIELDS = (
    "wards", "monthly", "safety_cross", "incident_reports", "change_ideas", "change_package", "annotations",
    "engagement",
)


def _load_uncached(path: Path) -> Collaborative:
    problems, collab = _run(path)
    if collab is None:
        report = ValidationReport(path, tuple(problems))
        if report.ok:  # defensive: something could not be built without an explicit error
            report = ValidationReport(path, tuple(problems) + (Problem(
                "error", path.name, None, None, None, "the collaborative could not be loaded",
                "see the other problems listed"),))
        raise DataError(report)
    return collab
