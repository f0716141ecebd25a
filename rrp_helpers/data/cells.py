"""Parsing text cells: months, dates, counts, numbers and yes/no.

Each parser takes a cell's text and returns ``(value, reason)``: the value, or None with the
reason it could not be read. They run once per distinct value of a column, then broadcast
(:func:`per_unique`): large files repeat few values. Conventions: months ``YYYY-MM``
(``YYYY-MM-DD`` only for the 1st; day/month/year text is refused as ambiguous between UK and US
order); a count of ``NA``, ``N/A``, ``null``, ``-`` or empty is *missing*, ``*`` is *suppressed*
by a publisher, and a missing count is never read as 0.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from rrp_helpers.data.contract import MONTH_DTYPE

MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none", "missing", "-", "—", "–", "#n/a"}
TRUE_WORDS = {"true", "yes", "y", "1", "t"}
FALSE_WORDS = {"false", "no", "n", "0", "f"}
MAX_COUNT = 100_000  # a larger count for one ward and month is a typing or export error


def per_unique(s: pd.Series, fn: Callable[[str], tuple[Any, str | None]]
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


YEARS = (1900, 2100)  # a month outside these years is a typing error, not data


def _real_date(y: int, m: int, d: int) -> str | None:
    if not YEARS[0] <= y <= YEARS[1]:
        return f"the year {y} is outside {YEARS[0]}-{YEARS[1]}"
    if not 1 <= m <= 12:
        return f"there is no month {m}"
    last = calendar.monthrange(y, m)[1]
    if not 1 <= d <= last:
        return (f"this date does not exist: {calendar.month_name[m]} {y} has {last} days")
    return None


def parse_month_text(t: str) -> tuple[pd.Timestamp | None, str | None]:
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


def parse_date_text(t: str) -> tuple[pd.Timestamp | None, str | None]:
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


_WHOLE = re.compile(r"[0-9]+(?:\.0*)?")  # 12, 12.0 (as spreadsheets export whole numbers)
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]*)?|-?\.[0-9]+")


def parse_count_text(t: str) -> tuple[int | None, str | None]:
    """A count: plain ASCII digits (``12``, or ``12.0``); ``1e3``, ``1_000``, ``+5`` and digits of
    other scripts are not counts a person typed and are refused."""
    low = t.lower()
    if low in MISSING_TOKENS:
        return None, "missing"
    if t == "*":
        return None, "suppressed"
    if not _WHOLE.fullmatch(t):
        if _DECIMAL.fullmatch(t):
            return None, "negative" if t.startswith("-") else "fractional"
        return None, "not a number"
    x = int(float(t))
    if x > MAX_COUNT:
        return None, "too large"
    return x, None


def parse_number_text(t: str) -> tuple[float | None, str | None]:
    """A number >= 0 written with ASCII digits and an optional decimal point."""
    if t.lower() in MISSING_TOKENS:
        return None, "missing"
    if not _DECIMAL.fullmatch(t):
        return None, "not a number"
    try:
        x = float(t)
    except ValueError:
        return None, "not a number"
    if not np.isfinite(x):
        return None, "not a number"
    if x < 0:
        return None, "negative"
    return x, None


def parse_bool_text(t: str) -> tuple[bool | None, str | None]:
    low = t.lower()
    if low in MISSING_TOKENS:
        return None, "missing"
    if low in TRUE_WORDS:
        return True, None
    if low in FALSE_WORDS:
        return False, None
    return None, "not yes/no"


def months_series(vals: np.ndarray, index: pd.Index, name: str) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(list(vals), dtype=MONTH_DTYPE) if len(vals) else
                     pd.DatetimeIndex([], dtype=MONTH_DTYPE), index=index, name=name)
