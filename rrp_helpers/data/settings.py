"""The collaborative's settings: ``collaborative.toml``, or the workbook's ``collaborative`` sheet.

The TOML's keys, and the workbook's key/value rows (column A the key, column B the value; an
optional first row ``key | value`` is skipped), are the settings of
:data:`rrp_helpers.data.contract.SETTINGS`. In a workbook a period is one cell,
``baseline | 2017-08:2018-07`` (also ``2017-08 to 2018-07``), or two rows ``baseline_start`` and
``baseline_end``; month cells may be text ``YYYY-MM`` or Excel dates. An optional ``measures``
sheet (columns ``name, label, direction, kind``) is the TOML's ``[measures.<name>]`` tables.
Problems name the TOML's line, or the sheet's row.
"""

from __future__ import annotations

import datetime as _dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from rrp_helpers import privacy
from rrp_helpers.data.cells import parse_bool_text, parse_month_text
from rrp_helpers.data.contract import CONFIG_KEYS, MEASURE_KEYS, Column, TableSpec
from rrp_helpers.data.extract import extract_table, norm_name, scan_privacy
from rrp_helpers.data.model import DEFAULT_MEASURES, TOTAL, CollaborativeConfig, MeasureSpec
from rrp_helpers.data.problems import Collector, closest, fmt_month
from rrp_helpers.data.readers import Grid, decode, read_bytes_limited

CONFIG_STEM = "collaborative"
MIN_RUN_POINTS = 5  # shift_points and trend_points below this are refused
MAX_YEARS = 50  # a collaborative's periods longer than this are a typing error
MEASURES_SHEET = "measures"
MEASURES_SHEET_SPEC = TableSpec(
    MEASURES_SHEET,
    (Column("name", "text", True, "measure name"), *(Column(key, "text", False, key) for key in MEASURE_KEYS)),
    "the measures, one per row",
)
CHART_SETTINGS: dict[str, tuple[str, ...]] = {
    "ward_chart": ("c", "u", "i", "run"),  # the chart of one ward's monthly counts
    "collaborative_chart": ("i", "c", "u", "up", "run"),  # the chart of the collaborative's monthly sums
    "collaborative_sum": ("auto", "complete_months", "scaled"),  # a month with some wards missing
}

@dataclass
class Entry:
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


def config_from_toml(path: Path, label: str, col: Collector
                      ) -> tuple[dict[str, Entry], dict[str, dict[str, Entry]] | None] | None:
    raw = read_bytes_limited(path, label, col)
    if raw is None:
        return None
    if not raw.strip():
        col.error(label, None, None, None, "the file is empty",
                  'write at least name, baseline = ["YYYY-MM", "YYYY-MM"]')
        return None
    text = decode(raw, label, col)
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
    entries = {k: Entry(v, _toml_line(text, k)) for k, v in data.items() if k != "measures"}
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
            measures = {name: {k: Entry(v, _toml_line(text, k, f"measures.{name}"))
                               for k, v in spec.items()} | {
                                   "": Entry(None, _toml_line(text, "", f"measures.{name}"))}
                        for name, spec in mt.items()}
    return entries, measures


def _scan_config_privacy(data: Any, label: str, text: str, col: Collector, key: str = "") -> None:
    """Refuse NHS numbers in every value and every key (a measure's name is a key) of the TOML."""
    if isinstance(data, dict):
        for k, v in data.items():
            if privacy.contains_nhs_number(k):
                col.error(label, None, None, None, "a setting's or a measure's name looks like an NHS number "
                          "(patient-identifiable data)", "delete the identifier from the file and save it again")
                continue
            _scan_config_privacy(v, label, text, col, k)
    elif isinstance(data, list):
        for v in data:
            _scan_config_privacy(v, label, text, col, key)
    elif privacy.contains_nhs_number(data):
        col.error(label, _toml_line(text, key) if key else None, key or None, None,
                  "a setting holds a value that looks like an NHS number (patient-identifiable data)",
                  "delete the identifier from the file and save it again")


def config_from_sheet(grid: Grid, mgrid: Grid | None, col: Collector
                       ) -> tuple[dict[str, Entry], dict[str, dict[str, Entry]] | None] | None:
    scan_privacy(grid, None, {}, col)
    frame = grid.frame
    if frame.empty or frame.shape[1] < 2:
        col.error(grid.label, None, None, None,
                  "the sheet needs two columns: key (column A) and value (column B)",
                  "write one setting per row, e.g. name | My collaborative; baseline | 2017-08:2018-07")
        return None
    entries: dict[str, Entry] = {}
    for r in frame.index:
        k, v = frame.at[r, 0].strip(), frame.at[r, 1].strip()
        if not k or (k.lower() == "key" and v.lower() == "value"):
            continue
        if k.startswith("#"):
            continue
        key = norm_name(k)
        if key in entries:
            col.error(grid.label, int(r), "key", k, "this setting appears twice "
                      f"(first on row {entries[key].row})", "delete one of the rows")
            continue
        entries[key] = Entry(v, int(r))
    measures = None
    if mgrid is not None:
        spec = MEASURES_SHEET_SPEC
        t = extract_table(mgrid, spec, col, MEASURES_SHEET)
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
                measures[name] = {c: Entry(t.df.at[r, c], int(r)) for c in MEASURE_KEYS
                                  if c in t.df and t.df.at[r, c] != ""} | {"": Entry(None, int(r))}
    return entries, measures


def _as_month(v: Any) -> tuple[pd.Timestamp | None, str | None]:
    if isinstance(v, _dt.datetime):
        v = v.date()
    if isinstance(v, _dt.date):
        v = v.isoformat()
    if not isinstance(v, str):
        return None, "months must be text written YYYY-MM"
    return parse_month_text(v.strip())


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
        return parse_bool_text(v.strip())[0]
    return None


_PERIOD_SPLIT = re.compile(r"^\s*(\S+?)\s*(?::|;|,|\.\.|–|—|\bto\b|\s-\s)\s*(\S+)\s*$", re.I)


def build_config(entries: dict[str, Entry], measures: dict[str, dict[str, Entry]] | None,
                 label: str, col: Collector, is_sheet: bool
                 ) -> tuple[CollaborativeConfig | None, tuple[MeasureSpec, ...]]:
    """Validate settings; returns (config or None, the measures to check data against)."""
    check = _SettingsCheck(entries, label, col, is_sheet)
    check.warn_unknown_keys()
    name = entries.get("name")
    if name is None or not str(name.value).strip():
        check.err("name", None, "the collaborative needs a name", 'add name = "…"')
    elif not isinstance(name.value, str):
        check.err("name", None, "the name must be text", 'write name = "My collaborative" (in quotes)')
    description = str(entries["description"].value) if "description" in entries else ""
    synthetic = False
    if "synthetic" in entries:
        flag = _as_bool(entries["synthetic"].value)
        if flag is None:
            check.err("synthetic", entries["synthetic"].value, "synthetic must be true or false")
        else:
            synthetic = flag
    b0, b1, _ = check.period("baseline", True)
    t0, t1, _ = check.period("testing", False)
    if b1 is not None and t0 is not None and t1 is not None and t0 <= b1:
        check.err("testing", f"{fmt_month(t0)} to {fmt_month(t1)}",
                  f"the testing period must start after the baseline ends ({fmt_month(b1)}); "
                  "the periods overlap or are in the wrong order",
                  "testing starts the month after the baseline's last month at the earliest")
        t0 = t1 = None
    if b0 is None or b1 is None:
        check.ok = False
    elif (t1 or b1).year - b0.year > MAX_YEARS:
        check.err("testing" if t1 is not None else "baseline", f"{fmt_month(b0)} to {fmt_month(t1 or b1)}",
                  f"the periods span more than {MAX_YEARS} years", "check the years of the baseline and testing periods")
    ints = check.whole_numbers()
    aim = check.aim()
    texts = check.texts()
    extra_ward_columns = check.extra_ward_columns()
    specs = check.measures(measures)
    if not check.ok:
        return None, specs
    assert b0 is not None and b1 is not None and name is not None
    cfg = CollaborativeConfig(
        name=str(name.value).strip(), description=description, synthetic=synthetic,
        baseline_start=b0, baseline_end=b1, testing_start=t0, testing_end=t1,
        shift_points=int(ints["shift_points"]), trend_points=int(ints["trend_points"]),
        aim_reduction_pct=aim, measures=specs, rate_per=int(ints["rate_per"]),
        values_rounded_to=ints["values_rounded_to"], unit_label=texts["unit_label"],
        ward_chart=texts["ward_chart"], collaborative_chart=texts["collaborative_chart"],
        collaborative_sum=texts["collaborative_sum"],
        extra_ward_columns=extra_ward_columns)
    return cfg, specs


class _SettingsCheck:
    """The checks of :func:`build_config`, sharing the entries and the problem collector;
    ``ok`` turns False at the first error."""

    def __init__(self, entries: dict[str, Entry], label: str, col: Collector, is_sheet: bool) -> None:
        self.entries, self.label, self.col, self.is_sheet = entries, label, col, is_sheet
        self.ok = True

    def err(self, key: str, value: Any, msg: str, hint: str = "") -> None:
        self.ok = False
        entry = self.entries.get(key)
        self.col.error(self.label, entry.row if entry else None, "value" if self.is_sheet else key,
                       None if value is None else str(value), msg, hint)

    def warn_unknown_keys(self) -> None:
        for k, e in self.entries.items():
            if k not in CONFIG_KEYS:
                near = closest(k, CONFIG_KEYS, n=1)
                self.col.warn(self.label, e.row, "key" if self.is_sheet else k, k if self.is_sheet else None,
                              f"unknown setting '{k}' is ignored" + (" (possible typo)" if near else ""),
                              f"did you mean '{near[0]}'?" if near else
                              f"known settings are: {', '.join(CONFIG_KEYS)}")

    def period(self, key: str, required: bool) -> tuple[pd.Timestamp | None, pd.Timestamp | None, bool]:
        """(start, end, given) for 'baseline' or 'testing'."""
        pieces = self._period_pieces(key, required)
        if pieces is None:
            return None, None, key in self.entries or f"{key}_start" in self.entries or f"{key}_end" in self.entries
        out = []
        for k, v in pieces:
            ts, why = _as_month(v)
            if ts is None:
                self.err(k, v, f"{k}: {why}", "write months as YYYY-MM, e.g. 2017-08")
            out.append(ts)
        start, end = out
        if start is not None and end is not None and end < start:
            self.err(pieces[0][0], f"{fmt_month(start)} to {fmt_month(end)}",
                     f"the {key} period is reversed: it ends before it starts",
                     "swap the two months (first month, then last month)")
            return None, None, True
        return start, end, True

    def _period_pieces(self, key: str, required: bool) -> list[tuple[str, Any]] | None:
        """The period's two (setting, value) pairs, from one setting or two; None if absent or
        malformed (an error is reported unless it is optional and absent)."""
        entries, s_key, e_key = self.entries, f"{key}_start", f"{key}_end"
        if key in entries and (s_key in entries or e_key in entries):
            self.err(key, None, f"give either {key} or {s_key}/{e_key}, not both")
            return None
        if key in entries:
            v = entries[key].value
            if isinstance(v, str):
                m = _PERIOD_SPLIT.match(v)
                v = [m.group(1), m.group(2)] if m else [v]
            if not isinstance(v, list) or len(v) != 2:
                self.err(key, v if not isinstance(v, list) else None, f"{key} must be two months, start and end",
                         f'write {key} = ["2017-08", "2018-07"]' if not self.is_sheet else
                         f"write 2017-08:2018-07, or use two rows {s_key} and {e_key}")
                return None
            return [(key, v[0]), (key, v[1])]
        if s_key in entries or e_key in entries:
            for k in (s_key, e_key):
                if k not in entries:
                    self.err(s_key if s_key in entries else e_key, None, f"{k} is missing", f"add {k} (a month, YYYY-MM)")
                    return None
            return [(s_key, entries[s_key].value), (e_key, entries[e_key].value)]
        if required:
            self.err(key, None, f"{key} period is missing",
                     f'add {key} = ["YYYY-MM", "YYYY-MM"] (first and last month, inclusive)')
        return None

    def whole_numbers(self) -> dict[str, int | None]:
        values: dict[str, int | None] = {"shift_points": 8, "trend_points": 6, "rate_per": 1000, "values_rounded_to": None}
        for key in list(values):
            if key in self.entries:
                v = _as_int(self.entries[key].value)
                least = MIN_RUN_POINTS if key in ("shift_points", "trend_points") else 1
                if v is None or v < least:
                    why = ("" if least == 1 else
                           ": shorter runs happen by chance so often that most wards would show a change "
                           "(the collaborative's rule is 8, Making Data Count's 7, IHI's 6)")
                    self.err(key, self.entries[key].value, f"{key} must be a whole number of at least {least}{why}")
                else:
                    values[key] = v
        return values

    def aim(self) -> float:
        if "aim_reduction_pct" not in self.entries:
            return 33.0
        a = _as_float(self.entries["aim_reduction_pct"].value)
        if a is None or not 0 < a <= 100:
            self.err("aim_reduction_pct", self.entries["aim_reduction_pct"].value,
                     "aim_reduction_pct must be a number between 0 and 100 (a percentage)")
            return 33.0
        return a

    def texts(self) -> dict[str, str]:
        texts = {"unit_label": "ward", "ward_chart": "c", "collaborative_chart": "i", "collaborative_sum": "auto"}
        for key in texts:
            if key in self.entries:
                value = str(self.entries[key].value).strip()
                allowed = CHART_SETTINGS.get(key)
                if allowed is not None and value not in allowed:
                    self.err(key, self.entries[key].value, f"{key} must be one of {', '.join(allowed)}")
                elif not value:
                    self.err(key, self.entries[key].value, f"{key} must not be empty")
                else:
                    texts[key] = value
        return texts

    def extra_ward_columns(self) -> tuple[str, ...]:
        """The ward columns kept beyond the contract: never one named like a patient identifier."""
        if "extra_ward_columns" not in self.entries:
            return ()
        value = self.entries["extra_ward_columns"].value
        names = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            self.err("extra_ward_columns", None, "extra_ward_columns must be a list of column names",
                     'write extra_ward_columns = ["directorate"]')
            return ()
        for name in names:
            reason = privacy.identifier_column_reason(name)
            if reason:
                self.err("extra_ward_columns", name, f"this column name suggests it holds {reason} "
                         "(patient-identifiable data): it cannot be kept", "remove it from extra_ward_columns")
        return tuple(names)

    def measures(self, measures: dict[str, dict[str, Entry]] | None) -> tuple[MeasureSpec, ...]:
        """The configured measures (the three core ones when none are configured)."""
        if measures is None:
            return DEFAULT_MEASURES
        label = self.label if not self.is_sheet else re.sub(r"\[[^\]]*\]$", f"[{MEASURES_SHEET}]", self.label)
        if not measures:
            self.col.error(label, None, "measures", None, "no measures are defined",
                           "define at least one measure, or remove the measures section to use the "
                           "three core measures")
            self.ok = False
        specs = [spec for name, entries in measures.items()
                 if (spec := self._measure(label, name, entries)) is not None]
        return tuple(specs) or DEFAULT_MEASURES

    def _measure(self, label: str, mname: str, spec: dict[str, Entry]) -> MeasureSpec | None:
        col = self.col
        row = spec.get("", Entry(None, None)).row
        if not re.fullmatch(r"[a-z][a-z0-9_]*", mname) or mname == TOTAL:
            why = ("'total' is derived and cannot be a measure" if mname == TOTAL else
                   "measure names must be snake_case (lower-case letters, digits, _)")
            col.error(label, row, "name" if self.is_sheet else "measures", mname, why,
                      f"use e.g. '{norm_name(mname)}'" if mname != TOTAL else "remove it")
            self.ok = False
            return None
        for k, e in spec.items():
            if k and k not in MEASURE_KEYS:
                near = closest(k, MEASURE_KEYS, n=1)
                col.warn(label, e.row, k, None, f"unknown setting '{k}' for measure '{mname}' is ignored",
                         f"did you mean '{near[0]}'?" if near else "known: label, direction, kind")
        default = {m.name: m for m in DEFAULT_MEASURES}.get(mname)
        lab = str(spec["label"].value) if "label" in spec else (
            default.label if default else mname.replace("_", " ").capitalize())
        direction = str(spec["direction"].value).strip().lower() if "direction" in spec else "down"
        kind = str(spec["kind"].value).strip().lower() if "kind" in spec else "outcome"
        if direction not in ("down", "up"):
            col.error(label, spec["direction"].row, "direction", spec["direction"].value,
                      f"direction of measure '{mname}' must be 'down' (lower is better) or 'up'",
                      "write direction = \"down\" or \"up\"")
            self.ok = False
        if kind not in ("outcome", "balancing"):
            col.error(label, spec["kind"].row, "kind", spec["kind"].value,
                      f"kind of measure '{mname}' must be 'outcome' or 'balancing'",
                      "write kind = \"outcome\" or \"balancing\"")
            self.ok = False
        return MeasureSpec(mname, lab, direction, kind)
