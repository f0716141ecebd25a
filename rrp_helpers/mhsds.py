"""Import NHS Digital MHSDS restrictive-intervention files as a collaborative, one unit per provider.

``rrp import-mhsds FILES_OR_DIR... --out DIR [--baseline START:END] [--testing START:END]``
reads the monthly CSV files NHS Digital publishes in *Mental Health Services Monthly Statistics*
(MHSDS) and writes a collaborative in the workbook's data contracts (``collaborative.toml``,
``wards.csv``, ``monthly.csv`` and a ``README.md`` recording what was read), so that
``rrp validate``, ``rrp results`` and ``rrp reports`` work on it unchanged.

Layouts, recognised by their header and content (never by file name):

* **provider extract** (as in ``data/nhs_mhsds_sample/raw/``): four columns
  ``REPORTING_PERIOD_START, PRIMARY_LEVEL_DESCRIPTION, MEASURE, MEASURE_VALUE``, usually without a
  header row, already filtered to the provider breakdown. ``MEASURE`` is a measure id (``MHS76``,
  ``MHS77``) or a name (``Bed days in RP``; ``People subject to detention …`` / ``… to the Mental
  Health Act …``).
* **'Restrictive Interventions' CSV** (MHSDS v4.1 to June 2022): ``REPORTING_PERIOD_START,
  REPORTING_PERIOD_END, STATUS, BREAKDOWN, PRIMARY_LEVEL, PRIMARY_LEVEL_DESCRIPTION,
  SECONDARY_LEVEL(_DESCRIPTION), …, MEASURE_ID, MEASURE_NAME, MEASURE_VALUE``.
* **newer layout** (from July 2022): ``REPORTING_PERIOD_START, REPORTING_PERIOD_END, STATUS,
  BREAKDOWN, LEVEL_ONE … LEVEL_SIX(_DESCRIPTION), METRIC, METRIC_VALUE``.

What is kept, and how (each choice is printed when it applies):

* Only the ``Provider`` breakdown (provider totals) and ``Provider; Restrictive Intervention
  Type`` (any letter case). England, region, commissioner, provider-site and every other
  breakdown are dropped and counted. Rows for the provider ``UNKNOWN`` (records NHS Digital could
  not attribute to a provider) are not a unit: they are dropped and counted.
* **Types mapped to the workbook's measures** when every month read has ``MHS77`` (number of
  restrictive interventions) by type: ``restraint`` = physical restraint, types 01 and 07-13;
  ``seclusion`` = type 05; ``rapid_tranquillisation`` = type 14 (MHSDS v5 codes; ``1`` is read as
  ``01``). The types are summed per provider and month. A type a provider has no row for, in a
  month where it has other type rows, is 0 (NHS Digital lists only the types recorded); a ``*``
  in any summed type makes the sum suppressed. Other types (04 mechanical restraint, 06
  segregation, 15-17 other chemical restraint, unknown) are not part of the three measures and
  are counted as left out. ``MHS76`` by type is left out: people cannot be summed across types
  (one person may have several).
* **Otherwise the published measure is kept**: provider rows of ``MHS76`` (people subject to a
  restrictive intervention) and ``MHS77`` (restrictive interventions) become measures ``mhs76``
  / ``mhs77``, declared in the TOML with label, ``direction = "down"`` and ``kind = "outcome"``.
  Rates, durations and percentages (MHS96-MHS99 …) are not counts: left out and counted.
* **Occupied bed days** (``Bed days in RP``, ``MHS24``) of the same provider (matched by name,
  ignoring case and spacing) and month become ``occupied_bed_days``, the denominator of u-charts
  per ``rate_per`` = 1,000 bed days. Providers that appear only in bed-day files (most of them
  community-only) are not units. A ``*`` or absent bed-day value leaves the denominator missing.
* **Detentions** (``People subject to detention …`` / ``… to the Mental Health Act …``) are not
  imported (a note is printed): they count people detained at the end of the month, not
  restrictive practice, and the extract switches between two different published measures from
  month to month (its label changes in January and June 2022, and the counts jump by a quarter or
  more at the same months), which an SPC chart would show as a spurious shift.
* ``*`` (suppressed by the publisher: below 5) becomes an empty count with ``suppressed = true``,
  never 0. A provider absent from a month's files is missing that month (empty count, not
  suppressed). Values are rounded to the nearest 5 by the publisher: ``values_rounded_to = 5``.

Months come from ``REPORTING_PERIOD_START``, written ``dd/mm/yyyy`` (UK order, as NHS Digital
publishes it) or ``yyyy-mm-dd``; it must be the first of a month. A file mixing months, a date
that cannot be read, a value that is neither a whole number nor ``*``, a duplicated provider,
month and measure, or a file in no known layout is refused with its file, row and column; the
command then exits 2 and writes nothing.

Default periods: the baseline is every month read and there is no testing period (monitoring
only: charts and signals, no before/after reductions). ``--baseline``/``--testing`` set them.
The output folder is written atomically (built beside it, then renamed into place) and the
inputs are only read. Rows are sorted and no date or time is written, so importing the same files
again gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import re
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

EXIT_OK, EXIT_DATA = 0, 2

# Restrictive-intervention types (MHSDS v5 RestrictiveIntType codes) mapped to the measures.
TYPE_MEASURES: dict[str, str] = {
    "01": "restraint", **{f"{k:02d}": "restraint" for k in range(7, 14)},
    "05": "seclusion",
    "14": "rapid_tranquillisation",
}
OTHER_TYPES: dict[str, str] = {
    "04": "mechanical restraint", "06": "segregation",
    "15": "chemical restraint - injection (non rapid tranquillisation)",
    "16": "chemical restraint - oral", "17": "chemical restraint - other",
    "UNKNOWN": "unknown type",
}
TYPE_LABELS = {"restraint": "Physical restraint", "seclusion": "Seclusion",
               "rapid_tranquillisation": "Rapid tranquillisation"}

# Provider-level count measures kept as published: id -> (measure name, label).
COUNT_METRICS: dict[str, tuple[str, str]] = {
    "MHS76": ("mhs76", "People subject to a restrictive intervention (MHS76)"),
    "MHS77": ("mhs77", "Restrictive interventions (MHS77)"),
}
BED_METRICS = {"MHS24"}
BED_NAMES = {"bed days in rp"}
DETENTION_NAME = re.compile(r"^people subject to (detention|the mental health act)\b", re.I)
DETENTION_METRICS = {"MHS08", "MHS09"}
UNPLACED_PROVIDERS = {"", "UNKNOWN", "NONE", "NULL", "INVALID", "NOT KNOWN"}

PROVIDER_BREAKDOWN = "provider"
TYPE_BREAKDOWN = "provider; restrictive intervention type"

ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence v3.0 "
               "— NHS Digital, Mental Health Services Monthly Statistics.")
PUBLICATION_URL = ("https://digital.nhs.uk/data-and-information/publications/statistical/"
                   "mental-health-services-monthly-statistics")
SPECIALTY = "Provider (all services)"
NOT_APPLICABLE = "Not applicable (provider-level data)"

_EXTRACT_COLUMNS = ("REPORTING_PERIOD_START", "PRIMARY_LEVEL_DESCRIPTION", "MEASURE", "MEASURE_VALUE")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_PERIOD = re.compile(r"^\s*(\d{4}-\d{2})\s*(?::|\.\.|\bto\b)\s*(\d{4}-\d{2})\s*$")


class ImportRefused(Exception):
    """The input cannot be imported; ``problems`` lists every reason found (file, row, column)."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


Month = tuple[int, int]


def _fmt(m: Month) -> str:
    return f"{m[0]:04d}-{m[1]:02d}"


def _next(m: Month) -> Month:
    return (m[0] + 1, 1) if m[1] == 12 else (m[0], m[1] + 1)


def _month_range(a: Month, b: Month) -> list[Month]:
    out = [a]
    while out[-1] < b:
        out.append(_next(out[-1]))
    return out


def _months_text(months: Iterable[Month]) -> str:
    ms = sorted(set(months))
    if not ms:
        return "none"
    runs: list[list[Month]] = []
    for m in ms:
        if runs and _next(runs[-1][-1]) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(_fmt(r[0]) if len(r) == 1 else f"{_fmt(r[0])} to {_fmt(r[-1])}" for r in runs)


def parse_date(text: str) -> tuple[Month | None, str | None]:
    """``dd/mm/yyyy`` (UK order) or ``yyyy-mm-dd`` -> (year, month); the day must be the 1st."""
    t = text.strip()
    m = _DMY.match(t)
    if m:
        d, mo, y = (int(g) for g in m.groups())
    else:
        m = _ISO.match(t)
        if not m:
            return None, "not a date written dd/mm/yyyy or yyyy-mm-dd"
        y, mo, d = (int(g) for g in m.groups())
    if not 1 <= mo <= 12:
        return None, f"there is no month {mo}"
    if not 1 <= d <= 31:
        return None, f"there is no day {d}"
    if d != 1:
        return None, "REPORTING_PERIOD_START must be the first day of a month (monthly files only)"
    return (y, mo), None


def parse_value(text: str) -> tuple[int | None, bool, str | None]:
    """(value, suppressed, problem): ``*`` is suppressed; otherwise a whole number >= 0."""
    t = text.strip()
    if t == "*":
        return None, True, None
    try:
        x = float(t.replace(",", "")) if t else float("nan")
    except ValueError:
        return None, False, "not a number or '*'"
    if x != x or x in (float("inf"), float("-inf")):
        return None, False, "empty or not a number (a published count is a number or '*')"
    if not x.is_integer() or x < 0:
        return None, False, "not a whole number >= 0"
    return int(x), False, None


def provider_key(name: str) -> str:
    """Provider names are matched across files ignoring case and spacing."""
    return re.sub(r"\s+", " ", name.strip()).upper()


def slug(name: str) -> str:
    """``ward_id`` for a provider: lower-case letters, digits and '-'."""
    s = name.lower().replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-") or "provider"


# ---------------------------------------------------------------------------------------
# Reading


@dataclass
class Cell:
    """One published value placed in the collaborative's terms."""

    kind: str            # "count" (provider-level measure), "type", "beds", "detentions"
    file: str
    row: int
    column: str
    month: Month
    provider: str        # key (see provider_key)
    name: str            # as published
    metric: str          # MHS76 / MHS77 / beds / detentions
    type_code: str = ""
    value: int | None = None
    suppressed: bool = False


@dataclass
class Reading:
    """Everything read from the inputs, before it is turned into a collaborative."""

    cells: list[Cell] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)        # label -> layout
    hashes: dict[str, str] = field(default_factory=dict)       # label -> sha256
    dropped_breakdowns: Counter = field(default_factory=Counter)
    dropped_metrics: Counter = field(default_factory=Counter)
    unplaced: Counter = field(default_factory=Counter)         # file label -> rows of UNKNOWN
    ignored_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # NHS Digital's CSVs are often cp1252


def _collect_paths(inputs: Sequence[str | Path], reading: Reading) -> list[tuple[Path, str]]:
    """(path, label) of every CSV to read: files as given, folders' ``*.csv`` (recursively)."""
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
    seen: dict[Path, str] = {}
    unique = []
    for p, label in out:
        r = p.resolve()
        if r not in seen:
            seen[r] = label
            unique.append((p, label))
    return unique


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip()).lower()


def _type_code(text: str) -> str:
    t = text.strip().upper()
    return f"{int(t):02d}" if t.isdigit() else t


def read_inputs(inputs: Sequence[str | Path]) -> Reading:
    """Read every file; problems are collected in ``Reading.problems`` (nothing is raised)."""
    reading = Reading()
    for path, label in _collect_paths(inputs, reading):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            reading.problems.append(f"{label}: could not be opened ({exc.strerror})")
            continue
        reading.hashes[label] = hashlib.sha256(raw).hexdigest()
        rows = list(csv.reader(io.StringIO(_decode(raw).replace("\x00", ""), newline="")))
        numbered = [(i + 1, [c.strip() for c in r]) for i, r in enumerate(rows) if any(c.strip() for c in r)]
        if not numbered:
            reading.problems.append(f"{label}: the file is empty")
            continue
        _read_file(label, numbered, reading)
    return reading


def _read_file(label: str, rows: list[tuple[int, list[str]]], reading: Reading) -> None:
    first_row, first = rows[0]
    header = [c.upper() for c in first]
    problems = reading.problems

    def idx(*names: str) -> int | None:
        for n in names:
            if n in header:
                return header.index(n)
        return None

    if "REPORTING_PERIOD_START" in header:
        data = rows[1:]
        cols = set(header)
        if {"BREAKDOWN", "METRIC", "METRIC_VALUE", "LEVEL_ONE_DESCRIPTION"} <= cols:
            layout = "MHSDS CSV (LEVEL_ONE … METRIC layout)"
            c = dict(period=idx("REPORTING_PERIOD_START"), end=idx("REPORTING_PERIOD_END"),
                     breakdown=idx("BREAKDOWN"), code=idx("LEVEL_ONE"), name=idx("LEVEL_ONE_DESCRIPTION"),
                     level2=idx("LEVEL_TWO"), metric=idx("METRIC"), metric_name=None, value=idx("METRIC_VALUE"))
        elif {"BREAKDOWN", "MEASURE_ID", "MEASURE_VALUE", "PRIMARY_LEVEL_DESCRIPTION"} <= cols:
            layout = "MHSDS 'Restrictive Interventions' CSV (PRIMARY_LEVEL … MEASURE_ID layout)"
            c = dict(period=idx("REPORTING_PERIOD_START"), end=idx("REPORTING_PERIOD_END"),
                     breakdown=idx("BREAKDOWN"), code=idx("PRIMARY_LEVEL"),
                     name=idx("PRIMARY_LEVEL_DESCRIPTION"), level2=idx("SECONDARY_LEVEL"),
                     metric=idx("MEASURE_ID"), metric_name=idx("MEASURE_NAME"), value=idx("MEASURE_VALUE"))
        elif {"PRIMARY_LEVEL_DESCRIPTION", "MEASURE_VALUE"} <= cols and idx("MEASURE", "MEASURE_ID", "MEASURE_NAME") is not None:
            layout = "provider extract (with header row)"
            c = dict(period=idx("REPORTING_PERIOD_START"), end=idx("REPORTING_PERIOD_END"), breakdown=idx("BREAKDOWN"),
                     code=idx("PRIMARY_LEVEL"), name=idx("PRIMARY_LEVEL_DESCRIPTION"), level2=None,
                     metric=idx("MEASURE", "MEASURE_ID", "MEASURE_NAME"), metric_name=idx("MEASURE_NAME"),
                     value=idx("MEASURE_VALUE"))
        else:
            problems.append(
                f"{label} row {first_row}: the header has REPORTING_PERIOD_START but not the columns of a "
                f"layout NHS Digital publishes (found: {', '.join(first)}). Expected BREAKDOWN, "
                "PRIMARY_LEVEL_DESCRIPTION, MEASURE_ID, MEASURE_VALUE or BREAKDOWN, LEVEL_ONE_DESCRIPTION, "
                "METRIC, METRIC_VALUE, or the 4-column provider extract")
            return
        names = {v: header[v] for v in c.values() if v is not None}
    elif len(first) == 4 and (parse_date(first[0])[0] is not None or parse_value(first[3])[2] is None):
        layout = "provider extract (no header row)"
        data = rows
        c = dict(period=0, end=None, breakdown=None, code=None, name=1, level2=None, metric=2,
                 metric_name=None, value=3)
        names = {i: f"{chr(65 + i)} ({n})" for i, n in enumerate(_EXTRACT_COLUMNS)}
    else:
        problems.append(
            f"{label} row {first_row}: not a layout NHS Digital publishes for MHSDS restrictive "
            "interventions (no REPORTING_PERIOD_START header, and not a 4-column provider extract "
            f"starting with a date); first row: {', '.join(first)[:120]}")
        return
    reading.files[label] = layout
    width = len(header) if data is not rows else 4
    file_month: tuple[Month, int] | None = None
    for r, cells in data:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        if data is rows and len(cells) != 4:
            problems.append(f"{label} row {r}: expected 4 columns ({', '.join(_EXTRACT_COLUMNS)}), "
                            f"found {len(cells)}")
            continue
        month, why = parse_date(cells[c["period"]])
        if month is None:
            problems.append(f"{label} row {r}, column {names[c['period']]}: value '{cells[c['period']]}' — {why}")
            continue
        if c["end"] is not None and cells[c["end"]]:
            end = cells[c["end"]]
            ok = _DMY.match(end) or _ISO.match(end)
            if ok:
                g = [int(x) for x in ok.groups()]
                end_month = (g[2], g[1]) if _DMY.match(end) else (g[0], g[1])
                if end_month != month:
                    problems.append(f"{label} row {r}, column {names[c['end']]}: value '{end}' — the "
                                    f"reporting period {cells[c['period']]} to {end} is longer than one "
                                    "month; only monthly files can be imported")
                    continue
        if file_month is None:
            file_month = (month, r)
        elif month != file_month[0]:
            problems.append(f"{label} row {r}, column {names[c['period']]}: value '{cells[c['period']]}' "
                            f"— this file mixes months ({_fmt(file_month[0])} on row {file_month[1]}, "
                            f"{_fmt(month)} here); NHS Digital publishes one file per month: split it")
            return
        breakdown = _norm(cells[c["breakdown"]]) if c["breakdown"] is not None else PROVIDER_BREAKDOWN
        if breakdown not in (PROVIDER_BREAKDOWN, TYPE_BREAKDOWN):
            reading.dropped_breakdowns[cells[c["breakdown"]]] += 1
            continue
        name = cells[c["name"]]
        code = cells[c["code"]] if c["code"] is not None else ""
        if name.upper() in UNPLACED_PROVIDERS and code.upper() not in UNPLACED_PROVIDERS:
            name = code
        metric = cells[c["metric"]]
        metric_name = cells[c["metric_name"]] if c["metric_name"] is not None else ""
        mid = metric.upper()
        if mid in BED_METRICS or _norm(metric) in BED_NAMES or _norm(metric_name) in BED_NAMES:
            kind, key = "beds", "beds"
        elif mid in DETENTION_METRICS or DETENTION_NAME.match(metric) or DETENTION_NAME.match(metric_name):
            kind, key = "detentions", "detentions"
        elif mid in COUNT_METRICS:
            kind, key = ("type" if breakdown == TYPE_BREAKDOWN else "count"), mid
        elif data is rows:
            problems.append(f"{label} row {r}, column {names[c['metric']]}: value '{metric}' — not a measure "
                            "this importer can place (MHS76, MHS77, 'Bed days in RP' or detentions)")
            continue
        else:
            reading.dropped_metrics[f"{metric}" + (f" ({metric_name})" if metric_name else "")] += 1
            continue
        if provider_key(name) in UNPLACED_PROVIDERS:
            if kind != "beds":
                reading.unplaced[label] += 1
            continue
        value, suppressed, why = parse_value(cells[c["value"]])
        if why:
            problems.append(f"{label} row {r}, column {names[c['value']]}: value '{cells[c['value']]}' — {why}")
            continue
        type_code = ""
        if kind == "type":
            type_code = _type_code(cells[c["level2"]]) if c["level2"] is not None else ""
            if type_code not in TYPE_MEASURES and type_code not in OTHER_TYPES:
                problems.append(f"{label} row {r}, column {names.get(c['level2'], 'SECONDARY_LEVEL')}: value "
                                f"'{cells[c['level2']]}' — not a restrictive-intervention type code of MHSDS v5 "
                                "(01, 04-17); cannot place it in a measure")
                continue
        reading.cells.append(Cell(kind, label, r, names[c["value"]], month, provider_key(name), name,
                                  key, type_code, value, suppressed))


# ---------------------------------------------------------------------------------------
# Building the collaborative


@dataclass
class Imported:
    """The collaborative's tables as text rows, plus what to tell the user."""

    toml: str
    wards: list[list[str]]
    monthly: list[list[str]]
    readme: str
    summary: list[str]


def _period_arg(text: str | None, flag: str) -> tuple[Month, Month] | None:
    if text is None:
        return None
    m = _PERIOD.match(text)
    if not m:
        raise ImportRefused([f"{flag} {text!r}: write the period as START:END in months, e.g. "
                             f"{flag} 2021-09:2022-02"])
    out = []
    for part in m.groups():
        y, mo = (int(x) for x in part.split("-"))
        if not 1 <= mo <= 12:
            raise ImportRefused([f"{flag} {text!r}: there is no month {mo}"])
        out.append((y, mo))
    if out[1] < out[0]:
        raise ImportRefused([f"{flag} {text!r}: the period ends before it starts"])
    return out[0], out[1]


def build(reading: Reading, baseline: tuple[Month, Month] | None = None,
          testing: tuple[Month, Month] | None = None) -> Imported:
    """Turn what was read into the collaborative's files (raises ImportRefused)."""
    problems = list(reading.problems)
    cells = reading.cells
    # duplicates: one value per provider, month, measure (and type)
    seen: dict[tuple, Cell] = {}
    for cell in cells:
        key = (cell.kind, cell.provider, cell.month, cell.metric, cell.type_code)
        if key in seen:
            a = seen[key]
            what = "bed days" if cell.kind == "beds" else cell.metric + (f" type {cell.type_code}" if cell.type_code else "")
            problems.append(f"{cell.file} row {cell.row}: {cell.name}, {_fmt(cell.month)}, {what} is also on "
                            f"{a.file} row {a.row}; each provider, month and measure must appear once "
                            "(two copies of the same month's file?)")
        else:
            seen[key] = cell
    ri = [c for c in cells if c.kind in ("count", "type")]
    if not ri and not problems:
        problems.append("no restrictive-intervention values (MHS76 or MHS77 at provider level) were found "
                        f"in {len(reading.files)} file(s): bed days or detentions alone make no collaborative")
    if problems:
        raise ImportRefused(problems)

    notes: list[str] = []
    ri_months = sorted({c.month for c in ri})
    type_months = {c.month for c in ri if c.kind == "type" and c.metric == "MHS77"}
    use_types = set(ri_months) <= type_months
    if use_types:
        measures = [("restraint", TYPE_LABELS["restraint"]), ("seclusion", TYPE_LABELS["seclusion"]),
                    ("rapid_tranquillisation", TYPE_LABELS["rapid_tranquillisation"])]
        left = Counter(c.metric for c in ri if c.kind == "count")
        if left:
            notes.append("provider totals left out (" + ", ".join(f"{k}: {v} values" for k, v in sorted(left.items()))
                         + "): the restrictive-intervention types were mapped to restraint, seclusion and "
                         "rapid tranquillisation, and the totals would be counted twice in 'total'")
        other = Counter(OTHER_TYPES[c.type_code] for c in ri if c.kind == "type" and c.metric == "MHS77"
                        and c.type_code in OTHER_TYPES)
        if other:
            notes.append("types left out (not among the three measures): "
                         + ", ".join(f"{k} ({v} values)" for k, v in sorted(other.items())))
        people = sum(1 for c in ri if c.kind == "type" and c.metric == "MHS76")
        if people:
            notes.append(f"MHS76 by type left out ({people} values): people cannot be summed across types")
    else:
        kept = sorted({c.metric for c in ri if c.kind == "count"})
        measures = [COUNT_METRICS[m] for m in kept]
        if type_months:
            notes.append(f"restrictive-intervention types were found for {_months_text(type_months)} only, not for "
                         f"every month ({_months_text(ri_months)}); the published provider totals "
                         f"({', '.join(kept)}) were kept instead, so every month measures the same thing")
        for m in kept:
            missing_months = set(ri_months) - {c.month for c in ri if c.kind == "count" and c.metric == m}
            if missing_months:
                notes.append(f"{m} is not in the files of {_months_text(missing_months)}: missing there")
    measure_names = [m for m, _ in measures]

    # months and periods
    all_months = _month_range(ri_months[0], ri_months[-1])
    gaps = set(all_months) - set(ri_months)
    if gaps:
        notes.append(f"no restrictive-intervention file for {_months_text(gaps)}: every provider is missing there")
    if baseline is None:
        if testing is not None:
            raise ImportRefused(["--testing needs --baseline too (the baseline comes before the testing period)"])
        baseline = (all_months[0], all_months[-1])
    if testing is not None and testing[0] <= baseline[1]:
        raise ImportRefused([f"--testing {_fmt(testing[0])}:{_fmt(testing[1])} must start after the baseline "
                             f"ends ({_fmt(baseline[1])})"])
    end = testing[1] if testing else baseline[1]
    months = _month_range(baseline[0], end)
    outside = [m for m in months if m < all_months[0] or m > all_months[-1]]
    if outside:
        raise ImportRefused([f"the periods ({_fmt(baseline[0])} to {_fmt(end)}) include {_months_text(outside)}, "
                             f"but the files hold {_fmt(all_months[0])} to {_fmt(all_months[-1])}; choose "
                             "periods within the months read, or add the files of those months"])
    left_out = [m for m in all_months if m not in months]
    if left_out:
        notes.append(f"months outside the periods left out: {_months_text(left_out)}")
    month_set = set(months)

    # providers: those with restrictive-intervention values (any month read)
    names: dict[str, tuple[Month, str]] = {}
    for c in ri:
        if c.provider not in names or c.month >= names[c.provider][0]:
            names[c.provider] = (c.month, c.name)
    providers = sorted(names)
    ids: dict[str, str] = {}
    used: set[str] = set()
    for p in sorted(providers, key=lambda k: (slug(names[k][1]), k)):
        base = slug(names[p][1])
        s, n = base, 2
        while s in used:
            s, n = f"{base}-{n}", n + 1
        used.add(s)
        ids[p] = s

    # values
    counts: dict[tuple[str, Month, str], tuple[int | None, bool]] = {}
    if use_types:
        by_pm: dict[tuple[str, Month], list[Cell]] = defaultdict(list)
        for c in ri:
            if c.kind == "type" and c.metric == "MHS77":
                by_pm[(c.provider, c.month)].append(c)
        for (p, m), group in by_pm.items():
            for measure in measure_names:
                parts = [c for c in group if TYPE_MEASURES.get(c.type_code) == measure]
                if any(c.suppressed for c in parts):
                    counts[(p, m, measure)] = (None, True)
                else:
                    counts[(p, m, measure)] = (sum(c.value or 0 for c in parts), False)
    else:
        for c in ri:
            if c.kind == "count":
                counts[(c.provider, c.month, COUNT_METRICS[c.metric][0])] = (c.value, c.suppressed)
    beds = {(c.provider, c.month): c for c in cells if c.kind == "beds"}

    monthly: list[list[str]] = []
    n_supp = n_absent = n_values = 0
    for p in providers:
        for m in months:
            bd = beds.get((p, m))
            obd = "" if bd is None or bd.value is None else str(bd.value)
            for measure in measure_names:
                value, supp = counts.get((p, m, measure), (None, False))
                if supp:
                    n_supp += 1
                elif value is None:
                    n_absent += 1
                else:
                    n_values += 1
                monthly.append([ids[p], _fmt(m), measure, "" if value is None else str(value), obd,
                                "true" if supp else "false"])
    monthly.sort(key=lambda r: (r[0], r[1], r[2]))
    wards = sorted([[ids[p], names[p][1], names[p][1], SPECIALTY, NOT_APPLICABLE, NOT_APPLICABLE] for p in providers])

    # bed days: what matched
    bed_cells = [c for c in cells if c.kind == "beds" and c.month in month_set]
    bed_providers = {c.provider for c in bed_cells}
    matched = [c for c in bed_cells if c.provider in names]
    bed_supp = sum(1 for c in matched if c.suppressed)
    no_beds = [names[p][1] for p in providers if not any(c.provider == p and c.value is not None for c in matched)]
    pm_missing_beds = sum(1 for p in providers for m in months
                          if beds.get((p, m)) is None or beds[(p, m)].value is None)
    read_supp = sum(1 for c in ri if c.suppressed and c.month in month_set)
    detention_files = sorted({c.file for c in cells if c.kind == "detentions"})

    files_by_layout = Counter(reading.files.values())
    summary = [
        f"Read {len(reading.files)} file(s): " + "; ".join(f"{n} {k}" for k, n in sorted(files_by_layout.items())),
        f"Months: {_months_text(ri_months)} ({len(ri_months)} with restrictive-intervention data); "
        f"imported {_fmt(months[0])} to {_fmt(months[-1])} ({len(months)} months)",
        f"Providers (units): {len(providers)} with restrictive-intervention values; "
        f"{len(bed_providers - set(names))} further providers appear only in the bed-day files "
        "(most are community-only) and are not units",
        "Measures: " + ", ".join(f"{m} ({label})" for m, label in measures)
        + (" — restrictive-intervention types mapped" if use_types else " — as published"),
        f"Values: {n_values} counts, {n_supp} suppressed ('*': missing, flagged suppressed, never 0; "
        f"{read_supp} '*' cells read), {n_absent} provider-months absent from the files (missing)",
        f"Occupied bed days: {len(matched) - bed_supp} of {len(providers) * len(months)} provider-months; "
        f"{bed_supp} suppressed and {pm_missing_beds - bed_supp} absent, so {pm_missing_beds} u-chart points "
        "have no denominator (missing)",
    ]
    no_counts = sorted({r[0] for r in monthly} - {r[0] for r in monthly if r[3] != ""})
    if no_counts:
        notes.append(f"{len(no_counts)} provider(s) have no count in any imported month (only '*' or absent), so "
                     f"their charts are empty: {_few(no_counts)}")
    if no_beds:
        notes.append(f"{len(no_beds)} provider(s) have no bed days in any month (no u-chart): {_few(no_beds)}")
    if reading.dropped_breakdowns:
        notes.append(f"{sum(reading.dropped_breakdowns.values())} rows of other breakdowns dropped ("
                     + ", ".join(f"{k}: {v}" for k, v in sorted(reading.dropped_breakdowns.items())[:8])
                     + (" …" if len(reading.dropped_breakdowns) > 8 else "") + ")")
    if reading.dropped_metrics:
        notes.append(f"{sum(reading.dropped_metrics.values())} provider rows of measures that are not counts "
                     "(rates, durations, percentages) or not restrictive interventions left out ("
                     + ", ".join(f"{k}: {v}" for k, v in sorted(reading.dropped_metrics.items())[:8])
                     + (" …" if len(reading.dropped_metrics) > 8 else "") + ")")
    if reading.unplaced:
        notes.append(f"{sum(reading.unplaced.values())} restrictive-intervention rows of the provider 'UNKNOWN' "
                     "(not attributed to a provider by NHS Digital) left out")
    if detention_files:
        notes.append(f"detentions not imported ({len(detention_files)} file(s)): they count people detained at "
                     "the end of the month, not restrictive practice, and the published label (and level) "
                     "switches between 'detention' and 'the Mental Health Act' in these files")
    if reading.ignored_files:
        notes.append(f"{len(reading.ignored_files)} non-CSV file(s) ignored: {', '.join(reading.ignored_files[:5])}"
                     + (" …" if len(reading.ignored_files) > 5 else ""))
    n_base = len(_month_range(*baseline))
    if testing is None:
        notes.append("no testing period: monitoring only (SPC charts and signals, no before/after reductions)")
    elif len(_month_range(*testing)) < 8:
        notes.append(f"the testing period has {len(_month_range(*testing))} months, fewer than the 8 points of the "
                     "shift rule (shift_points): no sustained shift can be detected in it")
    if n_base < 20:
        notes.append(f"the baseline has {n_base} months (< 20): control limits are trial limits")
    notes.append("values are rounded to the nearest 5 by NHS Digital (values_rounded_to = 5)")

    toml = _toml(measures, baseline, testing, ri_months, use_types)
    readme = _readme(reading, summary, notes, baseline, testing, measures)
    return Imported(toml, wards, monthly, readme, summary + [f"Note: {n}" for n in notes])


def _few(items: Sequence[str], limit: int = 8) -> str:
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _toml(measures: list[tuple[str, str]], baseline: tuple[Month, Month], testing: tuple[Month, Month] | None,
          ri_months: list[Month], use_types: bool) -> str:
    what = ("restrictive interventions by type (physical restraint, seclusion, rapid tranquillisation)"
            if use_types else "restrictive interventions (" + ", ".join(label for _, label in measures) + ")")
    description = (f"Real, published data: NHS Digital Mental Health Services Monthly Statistics (MHSDS), {what} "
                   f"and occupied bed days per provider in England, {_fmt(ri_months[0])} to {_fmt(ri_months[-1])}. "
                   "Units are providers (NHS trusts and independent providers), not wards. Values below 5 are "
                   "suppressed and the others rounded to the nearest 5 by the publisher. "
                   f"Source: {PUBLICATION_URL}. {ATTRIBUTION}")
    lines = [
        "# Imported by `rrp import-mhsds` from NHS Digital MHSDS files; see README.md beside this file.",
        f'name = "NHS Digital MHSDS restrictive interventions by provider, {_fmt(ri_months[0])} to {_fmt(ri_months[-1])}"',
        "synthetic = false",
        f"description = {_toml_str(description)}",
        f'baseline = ["{_fmt(baseline[0])}", "{_fmt(baseline[1])}"]',
    ]
    if testing is not None:
        lines.append(f'testing = ["{_fmt(testing[0])}", "{_fmt(testing[1])}"]')
    else:
        lines.append("# No testing period: monitoring only (charts and signals, no before/after reductions).")
    lines += [
        "rate_per = 1000",
        "values_rounded_to = 5",
        'unit_label = "provider"',
        "# Providers differ a hundredfold in size: chart rates per 1,000 occupied bed days. The",
        "# national rate pools huge denominators, so its chart is Laney's u-prime (overdispersion).",
        'ward_chart = "u"',
        'collaborative_chart = "up"',
        "",
    ]
    for name, label in measures:
        lines += [f"[measures.{name}]", f"label = {_toml_str(label)}", 'direction = "down"', 'kind = "outcome"', ""]
    return "\n".join(lines)


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _readme(reading: Reading, summary: list[str], notes: list[str], baseline: tuple[Month, Month],
            testing: tuple[Month, Month] | None, measures: list[tuple[str, str]]) -> str:
    files = "\n".join(f"| `{label}` | {layout} | `{reading.hashes[label][:16]}` |"
                      for label, layout in sorted(reading.files.items()))
    return f"""# Imported MHSDS collaborative (real data)

Written by `rrp import-mhsds` from NHS Digital's *Mental Health Services Monthly Statistics*
(MHSDS), {PUBLICATION_URL}.

**Licence.** {ATTRIBUTION}

**Units are providers, not wards.** `wards.csv` lists each provider (NHS trust or independent
provider) once: `ward_name` and `trust` are the provider's published name; `specialty` is
"{SPECIALTY}" and `ward_type` and `gender` are "{NOT_APPLICABLE}", because the
published figures cover every ward of the provider.

**Values.** Counts below 5 are suppressed (`*`) by the publisher: here an empty `count` with
`suppressed = true`, never 0. The other values are rounded to the nearest 5 by the publisher
(`values_rounded_to = 5`). A provider absent from a month's file is missing that month (empty
`count`, `suppressed = false`). `occupied_bed_days` is the published "Bed days in RP" of the same
provider and month (empty when suppressed or absent), the denominator of u-charts per 1,000
occupied bed days.

**Periods.** Baseline {_fmt(baseline[0])} to {_fmt(baseline[1])}; """ + (
        f"testing {_fmt(testing[0])} to {_fmt(testing[1])}." if testing else
        "no testing period: monitoring only (charts and signals, no before/after reductions).") + f"""

## What was read

""" + "\n".join(f"- {s}" for s in summary) + """

## Notes

""" + "\n".join(f"- {n}" for n in notes) + f"""

## Files read (SHA-256, first 16 hex digits)

| file | layout | sha256 |
|---|---|---|
{files}
"""


# ---------------------------------------------------------------------------------------
# Writing


def write(imported: Imported, out: str | Path) -> Path:
    """Write the collaborative to ``out`` atomically (built beside it, then renamed into place).

    An existing ``out`` is replaced only if it is empty or holds a ``collaborative.toml``."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise ImportRefused([f"--out {out}: exists and is not a folder"])
        if any(out.iterdir()) and not (out / "collaborative.toml").is_file():
            raise ImportRefused([f"--out {out}: the folder exists and is not a collaborative (no "
                                 "collaborative.toml); choose a new or empty folder"])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    old: Path | None = None
    try:
        (tmp / "collaborative.toml").write_text(imported.toml, encoding="utf-8", newline="\n")
        _write_csv(tmp / "wards.csv", ["ward_id", "ward_name", "trust", "specialty", "ward_type", "gender"],
                   imported.wards)
        _write_csv(tmp / "monthly.csv", ["ward_id", "month", "measure", "count", "occupied_bed_days", "suppressed"],
                   imported.monthly)
        (tmp / "README.md").write_text(imported.readme, encoding="utf-8", newline="\n")
        os.chmod(tmp, 0o755)
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            os.replace(out, old)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists():
            shutil.rmtree(old, ignore_errors=True)
    return out


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def import_mhsds(inputs: Sequence[str | Path], out: str | Path, *, baseline: str | None = None,
                 testing: str | None = None) -> Imported:
    """Read ``inputs``, build the collaborative and write it to ``out``; raises ImportRefused."""
    b = _period_arg(baseline, "--baseline")
    t = _period_arg(testing, "--testing")
    out_resolved = Path(out).resolve()
    for given in inputs:
        g = Path(given).resolve()
        if g.is_dir() and (out_resolved == g or g in out_resolved.parents):
            raise ImportRefused([f"--out {out} is inside the input folder {given}: choose a folder outside it "
                                 "(inputs are never modified)"])
        if out_resolved in g.parents or out_resolved == g:
            raise ImportRefused([f"--out {out} would replace the input {given}: choose another folder"])
    imported = build(read_inputs(inputs), b, t)
    write(imported, out)
    return imported


# ---------------------------------------------------------------------------------------
# Command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``rrp import-mhsds``."""
    parser.epilog = ("Example: rrp import-mhsds data/nhs_mhsds_sample/raw --out my_mhsds "
                     "--baseline 2021-09:2022-02 --testing 2022-03:2022-08")
    parser.add_argument("inputs", nargs="+", metavar="FILES_OR_DIR",
                        help="NHS Digital MHSDS monthly CSV files, or folders holding them (read recursively)")
    parser.add_argument("--out", required=True, help="collaborative folder to write (replaced atomically)")
    parser.add_argument("--baseline", metavar="START:END",
                        help="baseline months, e.g. 2021-09:2022-02 (default: every month read)")
    parser.add_argument("--testing", metavar="START:END",
                        help="testing months, e.g. 2022-03:2022-08 (default: none, monitoring only)")


def run(args: argparse.Namespace) -> int:
    """Run ``rrp import-mhsds``; returns the exit code (0 written, 2 refused: nothing written)."""
    try:
        imported = import_mhsds(args.inputs, args.out, baseline=args.baseline, testing=args.testing)
    except ImportRefused as refused:
        n = len(refused.problems)
        print(f"rrp import-mhsds: {n} problem{'s' if n != 1 else ''}; nothing was written.", file=sys.stderr)
        for p in refused.problems[:50]:
            print(f"  ERROR  {p}", file=sys.stderr)
        if n > 50:
            print(f"  … and {n - 50} more", file=sys.stderr)
        return EXIT_DATA
    for line in imported.summary:
        print(line)
    print(f"Wrote {Path(args.out)} (collaborative.toml, wards.csv, monthly.csv, README.md). "
          f"Next: rrp validate {args.out}")
    return EXIT_OK
