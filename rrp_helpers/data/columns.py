"""Column checks shared by several tables: ward ids, measures, months, counts, yes/no, duplicates.

Each check reports one problem per distinct bad value (naming the rows it is on) and returns
the parsed column or a mask of the usable rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rrp_helpers.data.cells import (
    MAX_COUNT,
    months_series,
    parse_bool_text,
    parse_count_text,
    parse_month_text,
    parse_number_text,
    per_unique,
)
from rrp_helpers.data.extract import RawTable
from rrp_helpers.data.model import TOTAL
from rrp_helpers.data.problems import Collector, also, closest, did_you_mean, fmt_month, months_text, plural, rows_text


class CheckContext:
    """What cross-table checks need to know."""

    def __init__(self, col: Collector, measures: tuple[str, ...],
                 months: pd.DatetimeIndex | None, wards_label: str) -> None:
        self.col = col
        self.measures = measures
        self.months = months
        self.ward_ids: set[str] | None = None
        self.ward_rows: dict[str, int] = {}
        self.wards_label = wards_label


def check_ids(t: RawTable, column: str, ctx: CheckContext, *, allow_all: bool = False) -> pd.Series:
    """ward_id must be known; returns a mask of usable rows (one error per distinct bad value)."""
    s = t.df[column]
    ok = pd.Series(True, index=s.index)
    empty = s == ""
    if empty.any():
        ctx.col.error(t.label, int(s.index[empty.to_numpy()][0]), column, None,
                      f"{column} is empty on {rows_text(t.rows(empty))}",
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
                          f"ward_id is not listed in {ctx.wards_label}{also(rows)}",
                          (did_you_mean(val, ctx.ward_ids) + " " if closest(val, ctx.ward_ids) else "")
                          + f"use a ward_id from {ctx.wards_label}, or add the ward there")
        ok &= ~unknown
    return ok


def check_measures(t: RawTable, column: str, ctx: CheckContext, *, allow_empty: bool = False,
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
                          f"measure is empty on {rows_text(rows)}",
                          f"use one of: {', '.join(ctx.measures)}")
        elif val == TOTAL:
            ctx.col.error(t.label, int(rows[0]), column, val,
                          f"'total' is derived from the other measures and must not be stored"
                          f"{also(rows)}", "delete these rows")
        else:
            low = val.strip().lower().replace(" ", "_")
            hint = (f"write it as '{low}'" if low in known else
                    (did_you_mean(val, known) + " " if closest(val, known) else "")
                    + f"measures are: {', '.join(ctx.measures)} (add others under [measures] in "
                      "collaborative.toml)")
            ctx.col.error(t.label, int(rows[0]), column, val,
                          f"unknown measure{also(rows)}", hint)
    return ~bad


def month_column(t: RawTable, column: str, ctx: CheckContext, *, allow_empty: bool = False,
                  what: str = "month") -> tuple[pd.Series, pd.Series]:
    """Parse a month column; errors for unparseable cells (per distinct value)."""
    s = t.df[column]
    vals, reasons = per_unique(s, parse_month_text)
    bad = pd.Series([r is not None for r in reasons], index=s.index)
    empty = s == ""
    if allow_empty:
        bad &= ~empty
    if bad.any():
        for val, rows in s[bad].groupby(s[bad], sort=True).groups.items():
            rows = list(rows)
            reason = parse_month_text(val)[1]
            if val == "":
                ctx.col.error(t.label, int(rows[0]), column, None,
                              f"{what} is empty on {rows_text(rows)}",
                              "write the month as YYYY-MM, e.g. 2018-03")
            else:
                ctx.col.error(t.label, int(rows[0]), column, val,
                              f"{reason}{also(rows)}",
                              "write the month as YYYY-MM, e.g. 2018-03 for March 2018")
    ok_vals = np.where(bad.to_numpy() | empty.to_numpy(), None, vals)
    out = months_series(np.array([pd.NaT if v is None else v for v in ok_vals], dtype=object),
                         s.index, column)
    return out, ~bad


def out_of_period(t: RawTable, months: pd.Series, valid: pd.Series, ctx: CheckContext,
                   consequence: str) -> pd.Series:
    """Warn once per file about months outside the configured periods; returns the mask."""
    if ctx.months is None or len(ctx.months) == 0:
        return pd.Series(False, index=months.index)
    outside = valid & months.notna() & ~months.isin(ctx.months)
    if outside.any():
        span = f"{fmt_month(ctx.months[0])} to {fmt_month(ctx.months[-1])}"
        ctx.col.warn(t.label, int(t.df.index[outside.to_numpy()][0]), "month" if "month" in t.df else "date", None,
                     f"{plural(int(outside.sum()), 'row')} {'falls' if outside.sum() == 1 else 'fall'} outside the collaborative's periods "
                     f"({span}): {months_text(months[outside].dt.to_period('M').dt.to_timestamp().unique())}; "
                     f"{rows_text(t.rows(outside))}. {consequence}",
                     "extend baseline/testing in collaborative.toml if these months belong to the "
                     "collaborative, otherwise delete the rows")
    return outside


def count_column(t: RawTable, column: str, ctx: CheckContext, *, allow_star: bool
                  ) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Parse counts: returns (Int64 counts, ok mask, missing mask, suppressed mask)."""
    s = t.df[column]
    vals, reasons = per_unique(s, parse_count_text)
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
            "too large": (f"the count is implausibly large (over {MAX_COUNT:,} for one ward)",
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


def number_column(t: RawTable, column: str, ctx: CheckContext, *, integer: bool, what: str) -> pd.Series:
    """Optional non-negative number column (empty = NA)."""
    s = t.df[column]
    vals, reasons = per_unique(s, parse_number_text)
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


def bool_column(t: RawTable, column: str, ctx: CheckContext) -> pd.Series:
    """Optional yes/no column (empty = NA)."""
    s = t.df[column]
    vals, reasons = per_unique(s, parse_bool_text)
    bad = np.array([r not in (None, "missing") for r in reasons], dtype=bool)
    if bad.any():
        sb = s[bad]
        for val, rows in sb.groupby(sb, sort=True).groups.items():
            rows = list(rows)
            ctx.col.error(t.label, int(rows[0]), column, val,
                          f"expected yes/no (TRUE/FALSE, 1/0){also(rows)}",
                          "write TRUE or FALSE, or leave the cell empty if unknown")
    return pd.Series(pd.array([None if (r is not None) else v for v, r in zip(vals, reasons)],
                              dtype="boolean"), index=s.index, name=column)


def duplicates(t: RawTable, keys: list[str], usable: pd.Series, ctx: CheckContext, what: str,
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
        shown = ", ".join((k.date().isoformat() if c == "date" else fmt_month(k))
                          if isinstance(k, pd.Timestamp) else str(k)
                          for c, k in zip(d.columns, key_t))
        both = "both" if len(rows) == 2 else f"all {len(rows)}"
        ctx.col.error(t.label, rows[0], None, None,
                      f"rows {', '.join(map(str, rows[:-1]))} and {rows[-1]} {both} give {shown}: "
                      f"there must be one row per {what}",
                      "delete the duplicate row, or correct its " + " / ".join(keys))
    return mask
