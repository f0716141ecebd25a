"""Reading: from NHS Digital's CSV files to cells (one published value each), with every
problem found named by its file, row and column.

A file's layout is recognised by its header and content, never by its name (see
:data:`HEADER_LAYOUTS` and :data:`HEADERLESS_EXTRACT`). Each row is then checked (one month per
file, dates, values), filtered (provider breakdowns, measures the importer can place) and kept
as a :class:`~rrp_helpers.importers.mhsds.model.Cell`. Nothing is raised: problems are collected
in ``Reading.problems`` and :func:`~rrp_helpers.importers.mhsds.building.build` refuses them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rrp_helpers.importers.mhsds.model import Cell, Month, Reading
from rrp_helpers.importers.mhsds.months import end_month, format_month, parse_date
from rrp_helpers.importers.mhsds.publication import (
    BED_METRICS,
    BED_NAMES,
    COUNT_METRICS,
    DETENTION_METRICS,
    DETENTION_NAME,
    OTHER_TYPES,
    PROVIDER_BREAKDOWN,
    TYPE_BREAKDOWN,
    TYPE_MEASURES,
    UNPLACED_PROVIDERS,
)
from rrp_helpers.text import decode_bytes

Row = tuple[int, list[str]]  # (1-based row number in the file, stripped cells)

EXTRACT_COLUMNS = ("REPORTING_PERIOD_START", "PRIMARY_LEVEL_DESCRIPTION", "MEASURE", "MEASURE_VALUE")


def parse_value(text: str) -> tuple[int | None, bool, str | None]:
    """(value, suppressed, problem): ``*`` is suppressed; otherwise a whole number >= 0
    (thousands separators allowed)."""
    t = text.strip()
    if t == "*":
        return None, True, None
    try:
        x = float(t.replace(",", "")) if t else float("nan")
    except ValueError:
        return None, False, "not a number or '*'"
    if not math.isfinite(x):
        return None, False, "empty or not a number (a published count is a number or '*')"
    if not x.is_integer() or x < 0:
        return None, False, "not a whole number >= 0"
    return int(x), False, None


def provider_key(name: str) -> str:
    """Provider names are matched across files ignoring case and spacing."""
    return re.sub(r"\s+", " ", name.strip()).upper()


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip()).lower()


def _type_code(text: str) -> str:
    t = text.strip().upper()
    return f"{int(t):02d}" if t.isdigit() else t


# ---------------------------------------------------------------------------------------
# Layouts


@dataclass(frozen=True)
class Layout:
    """Where one file keeps each field: 0-based column indexes (None: the layout has no such column)."""

    description: str
    period: int
    end: int | None
    breakdown: int | None
    code: int | None          # provider code (read when the name is 'UNKNOWN' and the code is not)
    name: int                 # provider name
    level2: int | None        # restrictive-intervention type code
    metric: int
    metric_name: int | None
    value: int
    column_names: dict[int, str]  # index -> the column as problems name it
    width: int                # shorter rows are padded with empty cells to this width
    headerless: bool          # the 4-column extract: no header, every measure must be placed

    def cell(self, cells: list[str], index: int | None) -> str:
        """The text at ``index``, '' when the layout has no such column."""
        return cells[index] if index is not None else ""


@dataclass(frozen=True)
class HeaderLayout:
    """A layout with a header row: the columns it must have, and the columns of each field
    (first one present wins)."""

    description: str
    required: frozenset[str]
    columns: dict[str, tuple[str, ...]]


_PERIOD_COLUMNS = {"period": ("REPORTING_PERIOD_START",), "end": ("REPORTING_PERIOD_END",)}
HEADER_LAYOUTS: tuple[HeaderLayout, ...] = (  # tried in this order
    HeaderLayout(
        "MHSDS CSV (LEVEL_ONE … METRIC layout)",
        frozenset({"BREAKDOWN", "METRIC", "METRIC_VALUE", "LEVEL_ONE_DESCRIPTION"}),
        {**_PERIOD_COLUMNS, "breakdown": ("BREAKDOWN",), "code": ("LEVEL_ONE",),
         "name": ("LEVEL_ONE_DESCRIPTION",), "level2": ("LEVEL_TWO",), "metric": ("METRIC",),
         "metric_name": (), "value": ("METRIC_VALUE",)},
    ),
    HeaderLayout(
        "MHSDS 'Restrictive Interventions' CSV (PRIMARY_LEVEL … MEASURE_ID layout)",
        frozenset({"BREAKDOWN", "MEASURE_ID", "MEASURE_VALUE", "PRIMARY_LEVEL_DESCRIPTION"}),
        {**_PERIOD_COLUMNS, "breakdown": ("BREAKDOWN",), "code": ("PRIMARY_LEVEL",),
         "name": ("PRIMARY_LEVEL_DESCRIPTION",), "level2": ("SECONDARY_LEVEL",), "metric": ("MEASURE_ID",),
         "metric_name": ("MEASURE_NAME",), "value": ("MEASURE_VALUE",)},
    ),
    HeaderLayout(
        "provider extract (with header row)",
        frozenset({"PRIMARY_LEVEL_DESCRIPTION", "MEASURE_VALUE"}),
        {**_PERIOD_COLUMNS, "breakdown": ("BREAKDOWN",), "code": ("PRIMARY_LEVEL",),
         "name": ("PRIMARY_LEVEL_DESCRIPTION",), "level2": (), "metric": ("MEASURE", "MEASURE_ID", "MEASURE_NAME"),
         "metric_name": ("MEASURE_NAME",), "value": ("MEASURE_VALUE",)},
    ),
)
HEADERLESS_EXTRACT = Layout(
    "provider extract (no header row)", period=0, end=None, breakdown=None, code=None, name=1, level2=None,
    metric=2, metric_name=None, value=3,
    column_names={i: f"{chr(65 + i)} ({n})" for i, n in enumerate(EXTRACT_COLUMNS)}, width=4, headerless=True,
)


def _header_layout(header: list[str]) -> Layout | None:
    """The first of HEADER_LAYOUTS whose columns ``header`` (upper case) has, placed; else None."""
    for spec in HEADER_LAYOUTS:
        found = {f: next((header.index(c) for c in names if c in header), None) for f, names in spec.columns.items()}
        if spec.required <= set(header) and found["metric"] is not None:
            column_names = {i: header[i] for i in found.values() if i is not None}
            return Layout(spec.description, **found, column_names=column_names, width=len(header), headerless=False)
    return None


def recognise_layout(label: str, rows: list[Row], problems: list[str]) -> Layout | None:
    """The layout of a file from its first row; None (and a problem) when it is in no known layout."""
    first_row, first = rows[0]
    header = [c.upper() for c in first]
    if "REPORTING_PERIOD_START" in header:
        layout = _header_layout(header)
        if layout is None:
            problems.append(
                f"{label} row {first_row}: the header has REPORTING_PERIOD_START but not the columns of a "
                f"layout NHS Digital publishes (found: {', '.join(first)}). Expected BREAKDOWN, "
                "PRIMARY_LEVEL_DESCRIPTION, MEASURE_ID, MEASURE_VALUE or BREAKDOWN, LEVEL_ONE_DESCRIPTION, "
                "METRIC, METRIC_VALUE, or the 4-column provider extract")
        return layout
    if len(first) == 4 and (parse_date(first[0])[0] is not None or parse_value(first[3])[2] is None):
        return HEADERLESS_EXTRACT
    problems.append(
        f"{label} row {first_row}: not a layout NHS Digital publishes for MHSDS restrictive "
        "interventions (no REPORTING_PERIOD_START header, and not a 4-column provider extract "
        f"starting with a date); first row: {', '.join(first)[:120]}")
    return None


# ---------------------------------------------------------------------------------------
# Files


def read_inputs(inputs: Sequence[str | Path]) -> Reading:
    """Read every file; problems are collected in ``Reading.problems`` (nothing is raised)."""
    reading = Reading()
    for path, label in _collect_paths(inputs, reading):
        rows = _read_rows(path, label, reading)
        if rows:
            _read_file(label, rows, reading)
    return reading


def _collect_paths(inputs: Sequence[str | Path], reading: Reading) -> list[tuple[Path, str]]:
    """(path, label) of every CSV to read, each file once: files as given, folders' ``*.csv``
    (recursively, labelled from the folder's name). Other files in folders are listed as ignored."""
    out: list[tuple[Path, str]] = []
    for given in inputs:
        p = Path(given)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and not q.name.startswith("."))
            for q in found:
                if q.suffix.lower() == ".csv":
                    out.append((q, str(q.relative_to(p.parent))))
                else:
                    reading.ignored_files.append(str(q.relative_to(p.parent)))
        elif p.is_file():
            if p.suffix.lower() != ".csv":
                reading.problems.append(f"{p}: not a CSV file; pass NHS Digital's monthly .csv files "
                                        "or the folder holding them")
                continue
            out.append((p, p.name))
        else:
            reading.problems.append(f"{p}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for p, label in out:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            unique.append((p, label))
    return unique


def _read_rows(path: Path, label: str, reading: Reading) -> list[Row]:
    """The file's non-blank rows, numbered, cells stripped; records its SHA-256. [] (and a
    problem) when it cannot be opened or is empty."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reading.problems.append(f"{label}: could not be opened ({exc.strerror})")
        return []
    reading.hashes[label] = hashlib.sha256(raw).hexdigest()
    text, _encoding = decode_bytes(raw)
    rows = list(csv.reader(io.StringIO(text.replace("\x00", ""), newline="")))
    numbered = [(i + 1, [c.strip() for c in r]) for i, r in enumerate(rows) if any(c.strip() for c in r)]
    if not numbered:
        reading.problems.append(f"{label}: the file is empty")
    return numbered


def _read_file(label: str, rows: list[Row], reading: Reading) -> None:
    """Read one file's rows into ``reading``; a file mixing months is not read past the first other month."""
    layout = recognise_layout(label, rows, reading.problems)
    if layout is None:
        return
    reading.files[label] = layout.description
    first_month: tuple[Month, int] | None = None  # (month, row number)
    for row, cells in rows if layout.headerless else rows[1:]:
        cells = cells + [""] * (layout.width - len(cells))
        month = _row_month(label, row, cells, layout, reading.problems)
        if month is None:
            continue
        if first_month is None:
            first_month = (month, row)
        elif month != first_month[0]:
            reading.problems.append(
                f"{label} row {row}, column {layout.column_names[layout.period]}: value '{cells[layout.period]}' "
                f"— this file mixes months ({format_month(first_month[0])} on row {first_month[1]}, "
                f"{format_month(month)} here); NHS Digital publishes one file per month: split it")
            return
        _read_row(label, row, cells, month, layout, reading)


def _row_month(label: str, row: int, cells: list[str], layout: Layout, problems: list[str]) -> Month | None:
    """The row's month; None (and a problem) for a row of the wrong width, a date that cannot be
    read, or a reporting period longer than a month."""
    if layout.headerless and len(cells) != 4:
        problems.append(f"{label} row {row}: expected 4 columns ({', '.join(EXTRACT_COLUMNS)}), found {len(cells)}")
        return None
    start = cells[layout.period]
    month, why = parse_date(start)
    if month is None:
        problems.append(f"{label} row {row}, column {layout.column_names[layout.period]}: value '{start}' — {why}")
        return None
    end = layout.cell(cells, layout.end)
    if end and end_month(end) not in (None, month):
        problems.append(f"{label} row {row}, column {layout.column_names[layout.end]}: value '{end}' — the "
                        f"reporting period {start} to {end} is longer than one month; only monthly files "
                        "can be imported")
        return None
    return month


def _measure_kind(metric: str, metric_name: str, breakdown: str) -> tuple[str, str] | None:
    """(Cell.kind, Cell.metric) of a published measure, or None when the importer cannot place it."""
    metric_id = metric.upper()
    if metric_id in BED_METRICS or _norm(metric) in BED_NAMES or _norm(metric_name) in BED_NAMES:
        return "beds", "beds"
    if metric_id in DETENTION_METRICS or DETENTION_NAME.match(metric) or DETENTION_NAME.match(metric_name):
        return "detentions", "detentions"
    if metric_id in COUNT_METRICS:
        return ("type" if breakdown == TYPE_BREAKDOWN else "count"), metric_id
    return None


def _read_row(label: str, row: int, cells: list[str], month: Month, layout: Layout, reading: Reading) -> None:
    """Keep one row as a Cell, or count it as dropped, or record why it cannot be placed."""
    problems, column = reading.problems, layout.column_names
    breakdown = _norm(cells[layout.breakdown]) if layout.breakdown is not None else PROVIDER_BREAKDOWN
    if breakdown not in (PROVIDER_BREAKDOWN, TYPE_BREAKDOWN):
        reading.dropped_breakdowns[cells[layout.breakdown]] += 1
        return
    name, code = cells[layout.name], layout.cell(cells, layout.code)
    if name.upper() in UNPLACED_PROVIDERS and code.upper() not in UNPLACED_PROVIDERS:
        name = code
    metric, metric_name = cells[layout.metric], layout.cell(cells, layout.metric_name)
    placed = _measure_kind(metric, metric_name, breakdown)
    if placed is None and layout.headerless:
        problems.append(f"{label} row {row}, column {column[layout.metric]}: value '{metric}' — not a measure "
                        "this importer can place (MHS76, MHS77, 'Bed days in RP' or detentions)")
        return
    if placed is None:  # rates, durations, percentages and other measures of the full CSVs
        reading.dropped_metrics[metric + (f" ({metric_name})" if metric_name else "")] += 1
        return
    kind, key = placed
    if provider_key(name) in UNPLACED_PROVIDERS:
        if kind != "beds":
            reading.unplaced[label] += 1
        return
    value, suppressed, why = parse_value(cells[layout.value])
    if why:
        problems.append(f"{label} row {row}, column {column[layout.value]}: value '{cells[layout.value]}' — {why}")
        return
    type_code = _type_code(layout.cell(cells, layout.level2)) if kind == "type" else ""
    if kind == "type" and type_code not in TYPE_MEASURES and type_code not in OTHER_TYPES:
        problems.append(f"{label} row {row}, column {column.get(layout.level2, 'SECONDARY_LEVEL')}: value "
                        f"'{layout.cell(cells, layout.level2)}' — not a restrictive-intervention type code of "
                        "MHSDS v5 (01, 04-17); cannot place it in a measure")
        return
    reading.cells.append(Cell(kind, label, row, column[layout.value], month, provider_key(name), name,
                              key, type_code, value, suppressed))
