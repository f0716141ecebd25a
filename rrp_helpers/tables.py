"""Tables for people: a results frame shown as a table someone can read, not as pandas prints it.

:func:`people_table` turns any frame of the workbook (the results tables of
:func:`rrp_helpers.results.compute_results`, the notebooks' own tables, the data tables of a
collaborative) into a pandas :class:`~pandas.io.formats.style.Styler`. Why Styler: it needs no new
dependency (pandas and jinja2 are already there), it renders the same in JupyterLab, in nbconvert's
HTML and in the offline reports, and with a fixed ``uuid`` its HTML is byte-for-byte the same on
every run, so nbval output comparisons stay stable.

Conventions, one rule per column chosen from its name (:data:`FORMATS`, then the name patterns
below), else from its values:

* Headers: the caller's ``headers``, then a measure's label (``labels``), then :data:`HEADERS`,
  else the name in sentence case (``"ward_type"`` -> ``"Ward type"``). The index is hidden; a
  meaningful one (named, a MultiIndex, of text or of dates) becomes the leading columns instead,
  repeated outer levels of a MultiIndex left blank as in pandas' own display.
* Numbers: rounded half up, thousands separators; a column whose values are all whole numbers
  has no decimals (a count stored as float, a published value rounded to a whole number). Means
  (``*_mean``), rates and funnel limits 1 decimal; agreement statistics, z and phi 2;
  probabilities (``p_*``) 3, always; percentages (``*_pct``) 1 and a % sign; other numbers 2.
  Changes carry a sign: every ``*change_pct`` and ``*reduction_pct`` column but the aim
  (``aim_reduction_pct``), and ``difference_pct_points``. The sign is the stored one: in this
  workbook a positive ``change_pct``/``reduction_pct`` is a *reduction* (``rrp_helpers.outcomes``),
  so their headers say "Reduction" and ``+20.1%`` reads "a reduction of 20.1%". Negative numbers
  use the minus sign (U+2212); a value that rounds to zero has no sign. A published value written
  as text (``"466"``, ``"0.0729"``) is shown by the same rule, never with more decimals than the
  publisher wrote.
* Months (datetimes, Periods and ``"YYYY-MM"`` text) as ``"Nov 2018"``; a column holding days
  (or named ``date``) as ``"3 Nov 2018"``. Yes/no values (booleans, and the ``"True"``/``"False"``
  text of published tables) as ``"yes"``/``"no"``.
* Missing values (NaN, None, ``pd.NA``, NaT, an infinite change, empty text) as an en dash
  (:data:`MISSING`); the publication suppression marker ``*`` (``publish.SUPPRESSED``) as it is.
* Coded values in words (:data:`VALUE_WORDS`: statements, verdicts, groups, models ...); measure
  names as their labels when ``labels`` is given (``outcomes.measure_labels(collab)``); ward ids
  as names when ``ward_names`` is given; ``phase_means`` as ``"Baseline 7.3 · from Oct 2018 0.8"``.
* Every cell and header is plain text escaped by Styler (``escape="html"``): ward names and
  free text from the data are untrusted. The caption is escaped with :func:`html.escape`.
* Layout: the page's sans-serif font, header row on NHS pale grey, compact padding, text that
  wraps (long text columns get a maximum width), numbers right-aligned in tabular figures.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from rrp_helpers.publish import SUPPRESSED
from rrp_helpers.text import plural

__all__ = ["FORMATS", "HEADERS", "MISSING", "SEARCH_ABOVE", "SearchableTable", "VALUE_WORDS", "human_header", "people_record",
           "people_table", "people_text"]

#: Tables longer than this get a search box (a collaborative's wards, at national scale).
SEARCH_ABOVE = 60

#: What a missing value is shown as.
MISSING = "\u2013"
MINUS = "\u2212"
NBSP = "\u00a0"
FONT = "Arial, Helvetica, sans-serif"
HEADER_BACKGROUND = "#E8EDEE"  # NHS pale grey
TEXT_COLOUR = "#212B32"  # NHS black
RULE_COLOUR = "#D8DDE0"
#: Text columns whose longest value is longer than this get a maximum width and wrap.
LONG_TEXT = 40
#: The widest a long text column gets, in em (about 60 characters), before its text wraps.
MAX_TEXT_EM = 30
EMPTY_TEXT = "No rows"

#: Human header of every column name the workbook's tables use.
HEADERS: dict[str, str] = {
    # wards, data tables
    "ward_id": "Ward ID", "ward_name": "Ward", "trust": "Trust", "specialty": "Specialty", "ward_type": "Ward type",
    "gender": "Gender", "beds": "Beds", "month": "Month", "date": "Date", "measure": "Measure", "count": "Incidents",
    "occupied_bed_days": "Occupied bed days", "source": "Source", "suppressed": "Suppressed by publisher",
    "note": "Note", "idea_id": "Idea ID", "idea": "Idea", "change_concept": "Change concept", "started": "Started",
    "pdsa_cycles": "PDSA cycles", "status": "Status", "learning_set_attended": "Attended learning set",
    "coach_contacts": "Coach contacts", "data_on_time": "Data on time", "primary_driver": "Primary driver",
    "secondary_driver": "Secondary driver",
    # outcomes: table1, collaborative_results, team_results, team_summary, aim_summary, engagement_outcomes
    "characteristic": "Characteristic", "category": "Category", "n": "Wards", "percent": "% of wards",
    "baseline_mean": "Baseline mean", "testing_mean": "Testing mean", "final_mean": "Final phase mean",
    "change_pct": "Reduction, testing vs baseline", "final_change_pct": "Reduction, final phase vs baseline",
    "reduction_pct": "Reduction, final phase vs baseline", "sustained": "Sustained change",
    "shift_start": "First shift from", "n_shifts": "Shifts", "phase_means": "Phase means",
    "baseline_months": "Baseline months with data", "testing_months": "Testing months with data",
    "baseline_incidents": "Baseline incidents", "testing_incidents": "Testing incidents",
    "final_incidents": "Final phase incidents", "months_incomplete": "Months incomplete", "unit": "Unit",
    "statement": "Statement", "wards": "Wards", "percent_of_wards": "% of wards", "mean_reduction_pct": "Mean reduction",
    "min_reduction_pct": "Smallest reduction", "max_reduction_pct": "Largest reduction",
    "aim_reduction_pct": "Aim (reduction)", "collaborative_change_pct": "Collaborative reduction, testing vs baseline",
    "aim_met": "Aim met", "wards_meeting_aim": "Wards meeting the aim", "group": "Group",
    "learning_set_attendance_pct": "Learning sets attended", "coach_contacts_per_month": "Coach contacts per month",
    "data_on_time_pct": "Data on time",
    # concepts: table2, concept_summary, concept_outcomes, ward_concepts
    "item": "Item", "value": "Value", "detail": "Concepts", "wards_tested": "Wards that tested it",
    "improving_tested": "Improving wards that tested it", "improving_pct": "% of improving wards",
    "not_improving_tested": "Other wards that tested it", "not_improving_pct": "% of other wards",
    "difference_pct_points": "Difference (percentage points)", "ideas": "Ideas", "first_started": "First started",
    "improving": "Improving",
    # quality: source_agreement, source_pairs, missing ward-months, collaborative_monthly
    "pairs": "Ward-months compared", "mean_difference": "Mean difference (reports \u2212 cross)",
    "sd_difference": "SD of the differences", "loa_lower": "Lower limit of agreement",
    "loa_upper": "Upper limit of agreement", "exact_agreement_pct": "Exact agreement", "incidents": "Incidents",
    "count_cross": "Safety cross", "count_report": "Incident reports", "mean_count": "Mean of the two sources",
    "difference": "Difference (reports \u2212 cross)", "measures_missing": "Measures missing",
    "measures_expected": "Measures expected", "count_reported": "Incidents reported (wards reporting)",
    "wards_reporting": "Wards reporting", "wards_missing": "Wards missing",
    "count_with_bed_days": "Incidents with bed days", "bed_days_reported": "Occupied bed days reported",
    "wards_without_bed_days": "Wards without bed days", "rate": "Rate", "period": "Period",
    # sensitivity and chance: rule_sensitivity, side_by_side, chance, chance_summary, ward_funnel
    "rules": "Rules", "shift_points": "Shift rule (months)", "model": "Model of no change",
    "p_false_reduction": "Chance of a false reduction", "nb_size": "Negative binomial size",
    "n_wards": "Wards", "expected_wards": "Wards expected by chance", "interval_low": "95% interval, from",
    "interval_high": "95% interval, to", "observed_wards": "Wards flagged", "bed_days": "Occupied bed days",
    "expected": "Expected incidents", "z": "z-score", "lcl95": "95% lower limit", "ucl95": "95% upper limit",
    "lcl998": "99.8% lower limit", "ucl998": "99.8% upper limit", "outlier95": "Outside the 95% limits",
    "outlier998": "Outside the 99.8% limits", "crude_rate": "Collaborative rate", "phi": "Overdispersion (phi)",
    "tau2": "Between-ward variance (tau\u00b2)", "adjusted_limits": "Limits widened for overdispersion",
    "position": "Position",
}

#: Coded values in words, per column (other snake_case codes of these columns in sentence case).
VALUE_WORDS: dict[str, dict[str, str]] = {
    "measure": {"any": "Any outcome measure", "all": "All measures"},
    "statement": {"improved_any": "Improved in at least one measure", "improved_none": "Improved in no measure",
                  "improved": "Sustained improvement", "deteriorated": "Sustained deterioration",
                  "monitoring_only": "Monitoring only (no testing period)"},
    "sustained": {"improvement": "Improvement", "deterioration": "Deterioration", "none": "No sustained change"},
    "group": {"improving": "Improving wards", "not_improving": "Other wards"},
    "item": {"ward_concept_pairs": "Ward \u00d7 concept pairs tested", "ideas": "Change ideas logged",
             "ideas_per_ward_mean": "Ideas per ward, mean", "ideas_per_ward_min": "Ideas per ward, fewest",
             "ideas_per_ward_max": "Ideas per ward, most",
             "concepts_tested_by_over_half": "Concepts tested by over half of the wards",
             "concepts_tested_by_under_5pct": "Concepts tested by under 5% of the wards",
             "concepts_tested_by_one_ward": "Concepts tested by one ward", "concepts_not_tested": "Concepts not tested"},
    "characteristic": {"specialty": "Specialty", "ward_type": "Ward type", "gender": "Gender"},
    "model": {"poisson": "Poisson", "negative_binomial": "Negative binomial", "no_baseline": "No baseline",
              "sum": "Sum of the measures"},
    "rules": {"collaborative": "Collaborative's own", "mdc": "Making Data Count", "ihi": "IHI"},
    "period": {}, "status": {}, "source": {},
}


@dataclass(frozen=True)
class _Format:
    """How a column's values are written: ``kind`` is number, month, yesno, code, phases or text."""

    kind: str
    decimals: int = 1
    signed: bool = False
    suffix: str = ""
    fixed: bool = False  # keep the decimals even when every value is whole (probabilities)
    per_value: bool = False  # decide "whole number" value by value (a column of mixed items)
    day: bool = False  # months: show the day too


_COUNT = _Format("number", 1)  # whole numbers (the usual case) without decimals
_MEAN = _Format("number", 1)
_TWO = _Format("number", 2)
_PERCENT = _Format("number", 1, suffix="%")
_CHANGE = _Format("number", 1, signed=True, suffix="%")
_POINTS = _Format("number", 1, signed=True)
_PROBABILITY = _Format("number", 3, fixed=True)
_MONTH = _Format("month")
_YESNO = _Format("yesno")
_CODE = _Format("code")
_TEXT = _Format("text")

#: The format of every known column that its name's pattern would not give (see the module doc).
FORMATS: dict[str, _Format] = {
    **dict.fromkeys(("month", "shift_start", "started", "first_started"), _MONTH),
    "date": replace(_MONTH, day=True),
    **dict.fromkeys(("suppressed", "learning_set_attended", "data_on_time", "aim_met", "outlier95", "outlier998",
                     "adjusted_limits", "improving"), _YESNO),
    **dict.fromkeys((*VALUE_WORDS, "ward_id"), _CODE),
    "phase_means": _Format("phases"),
    "aim_reduction_pct": _PERCENT, "difference_pct_points": _POINTS, "percent": _PERCENT, "percent_of_wards": _PERCENT,
    **dict.fromkeys(("rate", "crude_rate", "expected", "lcl95", "ucl95", "lcl998", "ucl998", "expected_wards",
                     "coach_contacts_per_month", "nb_size", "mean_count"), _MEAN),
    **dict.fromkeys(("mean_difference", "sd_difference", "loa_lower", "loa_upper", "difference", "z", "phi"), _TWO),
    "tau2": _Format("number", 3),
    "value": replace(_MEAN, per_value=True),
    **dict.fromkeys(("n", "wards", "count", "count_reported", "count_with_bed_days", "bed_days_reported", "bed_days",
                     "occupied_bed_days", "incidents", "pairs", "beds", "pdsa_cycles", "coach_contacts", "ideas",
                     "n_shifts", "shift_points", "n_wards", "interval_low", "interval_high", "observed_wards"), _COUNT),
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_TEXT = re.compile(r"(\d{4})-(0[1-9]|1[0-2])(?:-(\d{2}))?")
_NUMBER_TEXT = re.compile(r"[+\-\u2212]?\d[\d,]*(?:\.(\d+))?")
_CODE_TEXT = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_IMPROVED_IN = re.compile(r"improved_in_(\d+)")
_YES_NO = {True: "yes", False: "no", "True": "yes", "False": "no", "TRUE": "yes", "FALSE": "no"}


def _format_of(name: Hashable) -> _Format | None:
    """The format a column name says (:data:`FORMATS`, then ``p_*``, ``*change_pct`` /
    ``*reduction_pct``, ``*_pct``, ``*_mean``, ``*_months``/``*_incidents``/``wards_*``), or None."""
    if not isinstance(name, str):
        return None
    if name in FORMATS:
        return FORMATS[name]
    if name.startswith("p_"):
        return _PROBABILITY
    if name.endswith(("change_pct", "reduction_pct")):
        return _CHANGE
    if name.endswith("_pct"):
        return _PERCENT
    if name.endswith("_pct_points"):
        return _POINTS
    if name.endswith("_mean"):
        return _MEAN
    if name.endswith(("_months", "_incidents", "_tested")) or name.startswith(("wards_", "measures_")):
        return _COUNT
    return None


def _missing(value: object) -> bool:
    """None, NaN, pd.NA, NaT, or empty text."""
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):  # a list or array: not a missing scalar
        return False


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _number_of(value: object) -> tuple[float, int | None] | None:
    """``(number, decimals written)`` of a number or of text holding one (``None`` decimals: not text)."""
    if _is_number(value):
        return float(value), None  # type: ignore[arg-type]
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        text = value.strip().replace(",", "").replace(MINUS, "-")
        fraction = _NUMBER_TEXT.fullmatch(value.strip()).group(1)  # type: ignore[union-attr]
        return float(text), len(fraction or "")
    return None


def _number_text(number: float, fmt: _Format, decimals: int) -> str:
    """``1,234.5``, ``+0.5%``, ``−3.0``: rounded half up as written (8.25 -> 8.3, as people and the
    paper round), thousands separators, a minus sign, no sign on zero."""
    if not math.isfinite(number):
        return MISSING
    rounded = Decimal(repr(float(number))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = MINUS if rounded < 0 else ("+" if fmt.signed and rounded > 0 else "")
    return f"{sign}{abs(rounded):,.{decimals}f}{fmt.suffix}"


def _whole(number: float) -> bool:
    return not math.isfinite(number) or float(number).is_integer()


def _month_parts(value: object) -> tuple[int, int, int] | None:
    """``(year, month, day)`` of a date-like value or of ``"YYYY-MM"``/``"YYYY-MM-DD"`` text."""
    if isinstance(value, pd.Period):
        value = value.start_time
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, (datetime, date)):
        return value.year, value.month, value.day
    if isinstance(value, str) and (match := _MONTH_TEXT.fullmatch(value.strip())):
        return int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
    return None


def _has_time(value: object) -> bool:
    return isinstance(value, datetime) and (value.hour, value.minute, value.second) != (0, 0, 0)


def _month_text(value: object, day: bool) -> str | None:
    parts = _month_parts(value)
    if parts is None:
        return None
    year, month, day_of_month = parts
    return f"{day_of_month} {_MONTHS[month - 1]} {year}" if day else f"{_MONTHS[month - 1]} {year}"


def _humanise(code: str) -> str:
    """``"rapid_tranquillisation"`` -> ``"Rapid tranquillisation"``; other text unchanged."""
    if not _CODE_TEXT.fullmatch(code):
        return code
    words = ["%" if word == "pct" else word for word in code.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def human_header(name: Hashable, labels: Mapping[str, str] | None = None) -> str:
    """A column's header: a measure's label (``labels``), :data:`HEADERS`, else sentence case."""
    if name is None:
        return ""
    text = str(name)
    if labels and text in labels:
        return str(labels[text])
    return HEADERS.get(text) or _humanise(text)


@dataclass(frozen=True)
class _Words:
    """What code cells are written with: measure labels and ward names from the caller."""

    labels: Mapping[str, str] | None = None
    ward_names: Mapping[str, str] | None = None


def _code_text(value: object, column: str, words: _Words) -> str:
    text = str(value)
    if column == "measure" and words.labels and text in words.labels:
        return str(words.labels[text])
    if column == "ward_id":
        return str(words.ward_names.get(text, text)) if words.ward_names else text
    if column == "statement" and (match := _IMPROVED_IN.fullmatch(text)):
        return f"Improved in exactly {plural(int(match.group(1)), 'measure')}"
    return VALUE_WORDS.get(column, {}).get(text) or _humanise(text)


def _phases_text(value: str) -> str:
    """``"baseline: 7.33; 2018-10: 0.76"`` -> ``"Baseline 7.3 · from Oct 2018 0.8"`` (``*`` kept;
    no-break spaces within a phase, so that a long list wraps between phases)."""
    parts = []
    for phase in value.split(";"):
        label, colon, mean = phase.strip().partition(":")
        number = _number_of(mean.strip())
        if not colon or (number is None and mean.strip() != SUPPRESSED):
            return value
        month = _month_text(label.strip(), day=False)
        label_text = f"from {month}" if month else _humanise(label.strip())
        shown = SUPPRESSED if number is None else _number_text(number[0], _MEAN, min(1, number[1] or 0))
        parts.append(f"{label_text} {shown}".replace(" ", NBSP))  # a phase wraps as a whole
    return " \u00b7 ".join(parts)


def _value_text(value: object, fmt: _Format, column: str, words: _Words, decimals: int | None = None) -> str:
    """One cell as plain text (see the module doc); ``decimals`` overrides the format's (whole columns)."""
    if isinstance(value, str) and value.strip() == SUPPRESSED:
        return SUPPRESSED
    if _missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return _YES_NO[bool(value)]
    if fmt.kind == "yesno" and isinstance(value, str) and value.strip() in _YES_NO:
        return _YES_NO[value.strip()]
    if fmt.kind == "number" and (number := _number_of(value)) is not None:
        places = fmt.decimals if decimals is None else decimals
        if decimals is None and not fmt.fixed and _whole(number[0]):
            places = 0
        if number[1] is not None:  # text written by a publisher: never more decimals than it has
            places = min(places, number[1])
        return _number_text(number[0], fmt, places)
    if fmt.kind == "month" or isinstance(value, (datetime, date, np.datetime64, pd.Period)):
        text = _month_text(value, fmt.day or _has_time(value) or (_month_parts(value) or (0, 0, 1))[2] != 1)
        if text is not None:
            return text
    if fmt.kind == "phases" and isinstance(value, str):
        return _phases_text(value)
    if fmt.kind == "code" and isinstance(value, str):
        return _code_text(value, column, words)
    if _is_number(value):
        return _number_text(float(value), _TWO, 0 if _whole(float(value)) else 2)  # type: ignore[arg-type]
    return str(value).strip()


def _sniffed(values: pd.Series) -> _Format:
    """The format of a column no name rule covers, from its dtype or its values."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return _YESNO
    if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return _MONTH
    if pd.api.types.is_numeric_dtype(dtype):
        return _TWO
    present = [v for v in values if not _missing(v) and not (isinstance(v, str) and v.strip() == SUPPRESSED)]
    if not present:
        return _TEXT
    if all(isinstance(v, (bool, np.bool_)) or (isinstance(v, str) and v in _YES_NO) for v in present):
        return _YESNO
    if all(isinstance(v, (datetime, date, np.datetime64, pd.Period)) or (isinstance(v, str) and _MONTH_TEXT.fullmatch(v))
           for v in present):
        return _MONTH
    if all(_is_number(v) for v in present):
        return _TWO
    return _TEXT


def _column_format(name: Hashable, values: pd.Series) -> _Format:
    """A column's format: by name (a tuple of a MultiIndex: its first part with a rule), else sniffed."""
    names = name if isinstance(name, tuple) else (name,)
    fmt = next((f for f in map(_format_of, names) if f is not None), None) or _sniffed(values)
    if fmt.kind == "month" and not fmt.day:
        day = any(_has_time(v) or (_month_parts(v) or (0, 0, 1))[2] != 1 for v in values if not _missing(v))
        fmt = replace(fmt, day=day)
    return fmt


def _column_decimals(values: pd.Series, fmt: _Format) -> int | None:
    """A number column's decimals: none when its values are all whole, else the format's; None
    (decided value by value) for a column of mixed items (``per_value``) and for other kinds."""
    if fmt.kind != "number" or fmt.per_value:
        return None
    numbers = [n[0] for n in map(_number_of, values) if n is not None and math.isfinite(n[0])]
    return 0 if not fmt.fixed and numbers and all(_whole(n) for n in numbers) else fmt.decimals


def people_text(value: object, column: str | None = None, *, labels: Mapping[str, str] | None = None,
                ward_names: Mapping[str, str] | None = None) -> str:
    """One value as :func:`people_table` writes it in ``column`` (plain text, for sentences):
    ``people_text(0.5, "reduction_pct") == "+0.5%"``, ``people_text("2018-10", "shift_start") ==
    "Oct 2018"``. Without a column the value's type decides. A whole number has no decimals."""
    fmt = _format_of(column) if column is not None else None
    fmt = fmt or _sniffed(pd.Series([value], dtype=object))
    return _value_text(value, fmt, column or "", _Words(labels, ward_names))


# ----------------------------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------------------------


@dataclass
class _Column:
    key: tuple[Hashable, ...]  # the column's name per header level
    values: pd.Series
    from_index: bool = False


def _meaningful_index(index: pd.Index) -> bool:
    """A MultiIndex, a named index or an index of text or dates says something; row numbers do not."""
    if isinstance(index, (pd.MultiIndex, pd.DatetimeIndex, pd.PeriodIndex)) or any(name is not None for name in index.names):
        return True
    return not isinstance(index, pd.RangeIndex) and (pd.api.types.is_object_dtype(index.dtype)
                                                     or pd.api.types.is_string_dtype(index.dtype))


def _columns_of(frame: pd.DataFrame, index: bool | None) -> tuple[list[_Column], int]:
    """The columns to show (the index levels first when meaningful) and the number of header levels."""
    levels = frame.columns.nlevels
    pad = ("",) * (levels - 1)
    columns = []
    if index if index is not None else _meaningful_index(frame.index):
        for position in range(frame.index.nlevels):
            values = pd.Series(frame.index.get_level_values(position), dtype=object)
            columns.append(_Column((frame.index.names[position], *pad), values, from_index=True))
    for position, name in enumerate(frame.columns):
        key = name if isinstance(name, tuple) else (name,)
        columns.append(_Column(key, frame.iloc[:, position].reset_index(drop=True)))
    return columns, levels


def _blank_repeats(cells: list[list[str]], outer: int) -> None:
    """Leave blank the first ``outer`` columns (outer index levels) where they repeat the row above."""
    for row in range(len(cells) - 1, 0, -1):
        for level in range(outer):
            if cells[row][: level + 1] != cells[row - 1][: level + 1]:
                break
            cells[row][level] = ""


def _styles(formats: list[_Format], cells: list[list[str]], levels: int) -> list[dict[str, str]]:
    """The table's CSS: font, header row, padding, wrapping; numbers right-aligned; long text capped."""
    styles = [
        {"selector": "", "props": f"border-collapse: collapse; font-family: {FONT}; font-size: 13px; "
                                  f"color: {TEXT_COLOUR}; table-layout: auto; margin: 0.5em 0; width: auto"},
        {"selector": "caption", "props": f"caption-side: top; text-align: left; font-weight: bold; padding: 0 0 0.4em 0; "
                                         f"color: {TEXT_COLOUR}"},
        {"selector": "th", "props": f"background-color: {HEADER_BACKGROUND}; color: {TEXT_COLOUR}; font-weight: bold; "
                                    "text-align: left; vertical-align: bottom; padding: 4px 8px; white-space: normal; "
                                    f"border-bottom: 1px solid {RULE_COLOUR}; line-height: 1.3"},
        {"selector": "td", "props": f"padding: 3px 8px; vertical-align: top; text-align: left; white-space: normal; "
                                    f"max-width: none; border-bottom: 1px solid {RULE_COLOUR}; line-height: 1.3; "
                                    "background-color: #FFFFFF"},
    ]
    for position, fmt in enumerate(formats):
        longest = max((len(row[position]) for row in cells), default=0)
        if fmt.kind == "number":
            styles.append({"selector": f"td.col{position}",
                           "props": "text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap"})
            styles.append({"selector": f"th.col_heading.level{levels - 1}.col{position}", "props": "text-align: right"})
        elif fmt.kind == "month":
            styles.append({"selector": f"td.col{position}", "props": "white-space: nowrap"})
        elif longest > LONG_TEXT:
            # A cell's max-width is not honoured by every browser in an automatic table layout: a
            # width (about two characters per em) caps the column and the text wraps inside it.
            width = min(MAX_TEXT_EM, math.ceil(longest / 2))
            props = f"width: {width}em; min-width: 12em; max-width: {MAX_TEXT_EM}em; overflow-wrap: anywhere"
            styles.append({"selector": f"td.col{position}", "props": props})
    return styles


def _table_id(table_id: str | None, content: object) -> str:
    """The caller's id (letters, digits, ``_``, ``-``), else one derived from the table's content:
    the same table gets the same id on every run, and two different tables on a page never share
    one (their CSS would mix)."""
    if table_id is not None:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", table_id):
            raise ValueError(f"a table id holds letters, digits, '_' and '-' only, not {table_id!r}")
        return table_id
    digest = hashlib.sha1(json.dumps(content, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()
    return f"rrp_{digest[:12]}"


def _styled(headers: list[tuple[str, ...]], cells: list[list[str]], formats: list[_Format], *, caption: str | None,
            table_id: str | None, show_headers: bool = True, extra_styles: tuple[dict[str, str], ...] = ()) -> Styler:
    """Plain-text cells as a Styler: escaped, index hidden, styled, with a deterministic id."""
    levels = len(headers[0]) if headers else 1
    columns = pd.MultiIndex.from_tuples(headers) if levels > 1 else pd.Index([h[0] for h in headers], dtype=object)
    text = pd.DataFrame(cells, columns=columns, dtype=object)
    uid = _table_id(table_id, [headers, cells, caption, show_headers])
    styler = Styler(text, uuid=uid, cell_ids=False).format(escape="html").format_index(escape="html", axis=1)
    styler = styler.hide(axis="index").set_table_styles([*_styles(formats, cells, levels), *extra_styles])
    styler = styler.set_table_attributes('class="rrp-table"')
    if not show_headers:
        styler = styler.hide(axis="columns")
    return styler.set_caption(html.escape(caption)) if caption else styler


def people_table(
    frame: pd.DataFrame | pd.Series,
    *,
    headers: Mapping[Hashable, str] | None = None,
    caption: str | None = None,
    labels: Mapping[str, str] | None = None,
    ward_names: Mapping[str, str] | None = None,
    index: bool | None = None,
    table_id: str | None = None,
    empty: str = EMPTY_TEXT,
    search_above: int = SEARCH_ABOVE,
) -> Styler | SearchableTable:
    """``frame`` as a table for people (see the module doc for every convention).

    ``headers``: column name -> header, over :data:`HEADERS` (a name of a MultiIndex level too).
    ``caption``: a title above the table (plain text). ``labels``: measure name -> label, for the
    cells of ``measure`` columns and for columns named after a measure
    (``outcomes.measure_labels(collab)``). ``ward_names``: ward id -> name, for ``ward_id`` cells
    (their header becomes "Ward" unless the frame also has ``ward_name``). ``index``: show the index
    as leading columns (True), hide it (False), or decide (None: when it is named, a MultiIndex or
    text). ``table_id``: the HTML id (``T_<table_id>``); default: derived from the content, so two
    calls on the same frame give the same HTML. ``empty``: the one cell of a frame with no rows.
    A table of more than ``search_above`` rows comes with a search box (:class:`SearchableTable`).
    """
    frame = frame.to_frame() if isinstance(frame, pd.Series) else frame
    columns, levels = _columns_of(frame, index)
    # Ward ids as names, unless the frame has the names already.
    ward_names = ward_names if ward_names and "ward_name" not in frame.columns else None
    words = _Words(labels, ward_names)
    named = dict(headers or {})
    if ward_names:
        named.setdefault("ward_id", "Ward")

    def header(part: Hashable) -> str:
        return str(named[part]) if part in named else human_header(part, labels)

    heads = [tuple(header(part) if part != "" else "" for part in column.key) for column in columns]
    formats, texts = [], []
    for column in columns:
        fmt = _column_format(column.key if len(column.key) > 1 else column.key[0], column.values)
        name = next((str(p) for p in column.key if isinstance(p, str) and _format_of(p) is not None), str(column.key[0]))
        decimals = _column_decimals(column.values, fmt)
        formats.append(fmt)
        texts.append([_value_text(value, fmt, name, words, decimals) for value in column.values])
    cells = [list(row) for row in zip(*texts)] if texts and len(frame) else []
    _blank_repeats(cells, frame.index.nlevels - 1 if columns and columns[0].from_index else 0)
    if not cells:
        cells = [[empty] + [""] * (max(len(heads), 1) - 1)]
        formats = [_TEXT] * len(cells[0])
    styled = _styled(heads or [("",) * levels], cells, formats, caption=caption, table_id=table_id, show_headers=bool(heads))
    return SearchableTable(styled) if len(frame) > search_above else styled


class SearchableTable:
    """A long table with a search box above it that hides the rows not containing the text typed
    (a few lines of inline script: works in JupyterLab and in the offline HTML reports; without
    script the whole table shows). Displays like a Styler (``_repr_html_``, ``to_html``)."""

    _SCRIPT = (
        "<script>(function(){var box=document.getElementById('%(id)s-search');if(!box)return;"
        "var rows=document.querySelectorAll('#%(id)s tbody tr');box.addEventListener('input',function(){"
        "var q=box.value.toLowerCase();rows.forEach(function(r){r.hidden=q&&r.textContent.toLowerCase().indexOf(q)<0;});});})();"
        "</script>"
    )

    def __init__(self, styled: Styler) -> None:
        self.styled = styled

    def to_html(self) -> str:
        table_id = f"T_{self.styled.uuid}"
        rows = len(self.styled.data)
        box = (f'<p><label>Search the {rows:,} rows: <input type="search" id="{table_id}-search" '
               f'placeholder="a name, a trust, a word" style="font-size:14px;padding:3px;width:20em"></label></p>')
        return box + self.styled.to_html() + self._SCRIPT % {"id": table_id}

    def _repr_html_(self) -> str:
        return self.to_html()


def people_record(record: pd.Series, *, caption: str | None = None, labels: Mapping[str, str] | None = None,
                  table_id: str | None = None) -> Styler:
    """One record (a row of a frame, e.g. a ward from ``collab.wards``) as a two-column table of
    human field names and values, each value written as its field's column would be
    (:func:`people_text`); no header row."""
    words = _Words(labels)
    cells = [[human_header(field, labels),
              _value_text(value, _format_of(field) or _sniffed(pd.Series([value], dtype=object)), str(field), words)]
             for field, value in record.items()]
    if not cells:
        cells = [[EMPTY_TEXT, ""]]
    field_style = {"selector": "td.col0", "props": f"font-weight: bold; background-color: {HEADER_BACKGROUND}"}
    return _styled([("",), ("",)], cells, [_TEXT, _TEXT], caption=caption, table_id=table_id, show_headers=False,
                   extra_styles=(field_style,))
